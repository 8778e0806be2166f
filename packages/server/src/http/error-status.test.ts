import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  InvalidManifestError,
  ManifestTooLargeError,
  RangeNotSatisfiableError,
  TooManyRequestsError,
  UploadOutOfOrderError,
} from '@berth/core';
import { ERROR_STATUS, headersOf, statusOf } from './error-status';

describe('error statuses', () => {
  const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');

  it.each(Object.entries(ERROR_STATUS))('documents %s with its status in the README', (code, status) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(String(status));
  });

  it('gives every code an error status', () => {
    for (const status of Object.values(ERROR_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
  });

  it("answers an error with its code's status unless the spec names another for the case", () => {
    expect(statusOf(new InvalidManifestError('no layers'))).toBe(400);
    expect(statusOf(new ManifestTooLargeError(4096))).toBe(413);
    expect(statusOf(new UploadOutOfOrderError(10))).toBe(416);
  });

  it('derives the headers the spec requires from what the error carries', () => {
    expect(headersOf(new RangeNotSatisfiableError(1234))).toEqual({ 'Content-Range': 'bytes */1234' });
    expect(headersOf(new TooManyRequestsError('slow down', 1500))).toEqual({ 'Retry-After': '2' });
    expect(headersOf(new TooManyRequestsError('slow down', 10))).toEqual({ 'Retry-After': '1' });
    expect(headersOf(new InvalidManifestError('no layers'))).toEqual({});
  });
});
