import { pino, type Logger } from 'pino';
import type { Config } from './config/schema';

/** The process logger: JSON lines, credentials redacted from request logs. */
export function createLogger(config: Pick<Config, 'log'>): Logger {
  return pino({
    level: config.log.level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'res.headers.location',
      ],
      censor: '<redacted>',
    },
  });
}
