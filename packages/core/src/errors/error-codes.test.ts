import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from './error-codes';

describe('error code table', () => {
  const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');

  it.each(Object.keys(ERROR_CODES))('documents %s in the README', (code) => {
    expect(readme.split('\n').some((line) => line.startsWith(`| \`${code}\` |`))).toBe(true);
  });

  it('gives every code a description', () => {
    for (const { description } of Object.values(ERROR_CODES)) {
      expect(description.length).toBeGreaterThan(5);
    }
  });
});
