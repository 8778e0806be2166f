import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config/schema';
import { currentRequestId } from './observability/request-context';

const REDACTED = [
  // Credentials travel in these headers.
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  // A presigned redirect URL is a credential for the blob until it expires.
  'res.headers.location',
  // body-parser keeps the raw body (a password grant form, an admin API password) on its errors.
  'err.body',
  // Secrets under their usual names, wherever a log call may put them.
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'refresh_token',
  '*.refresh_token',
  'access_token',
  '*.access_token',
];

/** Every line written while a request is handled names the request. */
function requestFields(): { reqId?: string } {
  const reqId = currentRequestId();
  return reqId === undefined ? {} : { reqId };
}

/**
 * The process logger: JSON lines, each carrying the id of the request it was written for, with
 * credentials redacted. Writes to stdout unless given a destination (tests read what it writes).
 */
export function createLogger(config: Pick<Config, 'log'>, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.log.level,
    redact: { paths: REDACTED, censor: '<redacted>' },
    mixin: requestFields,
  };
  return destination ? pino(options, destination) : pino(options);
}
