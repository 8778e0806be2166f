import { cleanEnv } from '../process/child';
import { announcedPort, startScript } from './node-script';

/** The bare Node HTTP server of the loopback baseline, in a process of its own. */
export interface RawHttpServer {
  url: string;
  stop(): Promise<void>;
}

export async function startRawHttpServer(): Promise<RawHttpServer> {
  const child = startScript('raw-http-main.ts', cleanEnv(/^BERTH_/));
  try {
    const port = await announcedPort(child, 'raw HTTP server');
    return { url: `http://127.0.0.1:${port}`, stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
