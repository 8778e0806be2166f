import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from './error-codes';

describe('error code table', () => {
  const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');

  it.each(Object.entries(ERROR_CODES))('documents %s with its status in the README', (code, { status }) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(String(status));
  });

  it('gives every code an error status and a description', () => {
    for (const { status, description } of Object.values(ERROR_CODES)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(description.length).toBeGreaterThan(5);
    }
  });
});
