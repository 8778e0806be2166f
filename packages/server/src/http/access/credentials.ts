import type { Request } from 'express';
import { AuthenticationError } from '@berth/core';
import type { PresentedCredentials } from '../../auth/caller-identification';

/** Reads the Authorization header; undefined without one, an error when it is malformed. */
export function credentialsOf(req: Request): PresentedCredentials | undefined {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return undefined;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (space > 0 && scheme === 'bearer' && value !== '') return { scheme: 'bearer', token: value };
  if (space > 0 && scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return { scheme: 'basic', account: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  throw new AuthenticationError('malformed Authorization header');
}
