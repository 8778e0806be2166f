import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Why a listen failed, in the words of the settings that chose the address. */
const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'the port is already in use by another process',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the host is not an address of this machine',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
};

/** The server could not listen on the configured address; start-up cannot go on. */
export class ListenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string | undefined,
  ) {
    const reason =
      (code !== undefined && LISTEN_FAILURES[code]) || `listen failed (${code ?? 'unknown error'})`;
    super(`cannot listen on ${host}:${port} (http.host, http.port): ${reason}`);
    this.name = 'ListenError';
  }
}

/** Listens on host and port and resolves with the URL served, or rejects with a ListenError. */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new ListenError(host, port, error.code));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
}
