import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** Where the proxy forwards to. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/**
 * A TCP proxy in front of a real backend that can stall it the way a hung server, a full disk or
 * a broken network path does: the backend stays up, but bytes stop moving. Nothing is refused or
 * reset, so only a client's own deadlines can tell.
 */
export interface StallProxy {
  /** `127.0.0.1:<port>`, for URLs that should reach the backend through the proxy. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** Connections opened from now on are accepted and never answered, nor passed on. */
  holdNewConnections(): void;
  /** Connections already open stop forwarding in both directions; bytes in flight stay put. */
  freezeEstablished(): void;
  /** Both: the backend looks alive to TCP and says nothing. */
  freeze(): void;
  /** Forwarding resumes on every connection, held ones included, as if nothing had happened. */
  thaw(): void;
  /** Connections open through the proxy, held ones included. */
  readonly connections: number;
  /** Closes every connection and stops listening. */
  stop(): Promise<void>;
}

/** A client connection and, once it is passed on, its connection to the backend. */
interface Pair {
  client: Socket;
  upstream?: Socket;
}

/** Starts a proxy on a free port of 127.0.0.1 that forwards every connection to `target`. */
export async function startStallProxy(target: ProxyTarget): Promise<StallProxy> {
  const pairs = new Set<Pair>();
  const held = new Set<Pair>();
  let holding = false;
  let frozen = false;

  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!frozen) from.resume();
    });
    from.on('end', () => to.end());
  };
  const passOn = (pair: Pair): void => {
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => pair.client.destroy());
    upstream.on('close', () => pair.client.destroy());
    forward(pair.client, upstream);
    forward(upstream, pair.client);
    if (frozen) upstream.pause();
    else pair.client.resume();
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    const pair: Pair = { client };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
      held.delete(pair);
    });
    if (holding) held.add(pair);
    else passOn(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const freezeEstablished = (): void => {
    frozen = true;
    for (const pair of pairs) {
      pair.client.pause();
      pair.upstream?.pause();
    }
  };
  const holdNewConnections = (): void => {
    holding = true;
  };
  return {
    address: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    holdNewConnections,
    freezeEstablished,
    freeze() {
      holdNewConnections();
      freezeEstablished();
    },
    thaw() {
      holding = false;
      frozen = false;
      for (const pair of held) passOn(pair);
      held.clear();
      for (const pair of pairs) {
        pair.client.resume();
        pair.upstream?.resume();
      }
    },
    get connections() {
      return pairs.size;
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream?.destroy();
      }
      await closed;
    },
  };
}

const DEFAULT_PORTS: Record<string, number> = {
  'http:': 80,
  'https:': 443,
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'rediss:': 6379,
};

/** A proxy in front of the server a URL names, and the same URL leading through the proxy instead. */
export async function stallProxyFor(url: string): Promise<{ proxy: StallProxy; url: string }> {
  const parsed = new URL(url);
  const port = parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
  if (port === undefined) throw new Error(`no port in ${parsed.protocol} URL and no default known`);
  const proxy = await startStallProxy({ host: parsed.hostname, port });
  parsed.host = proxy.address;
  // URL adds a slash to a bare origin; the proxied URL keeps the shape it was given in.
  const proxied = parsed.toString();
  return { proxy, url: url.endsWith('/') ? proxied : proxied.replace(/\/$/, '') };
}

/** How long `work` took to fail against a stalled backend, and with what; throws if it succeeded. */
export async function timeToFail(work: () => Promise<unknown>): Promise<{ ms: number; error: Error }> {
  const started = Date.now();
  try {
    await work();
  } catch (error) {
    return { ms: Date.now() - started, error: error as Error };
  }
  throw new Error('expected a failure');
}
