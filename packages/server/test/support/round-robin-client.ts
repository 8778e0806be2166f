import { OciClient } from './oci-client';

/**
 * An OCI client that sends each request to the next of several registry processes in turn, as a
 * load balancer without affinity would: no two consecutive requests of a push land on the same one.
 */
export class RoundRobinClient extends OciClient {
  private turn = 0;

  /** `targets` is asked for the base URLs before every request, so processes may come and go. */
  constructor(private readonly targets: () => string[]) {
    super(targets()[0] ?? 'http://127.0.0.1');
  }

  /** True when there is a process to send a request to. */
  hasTarget(): boolean {
    return this.targets().length > 0;
  }

  /** The base URL the next request goes to. */
  nextTarget(): string {
    const urls = this.targets();
    if (urls.length === 0) throw new Error('no registry process to send the request to');
    return urls[this.turn++ % urls.length] as string;
  }

  override request(...args: Parameters<OciClient['request']>): ReturnType<OciClient['request']> {
    return new OciClient(this.nextTarget()).request(...args);
  }
}
