import { readFileSync } from 'node:fs';
import path from 'node:path';

/** This build's version, from the package manifest that ships beside the compiled code. */
export const BERTH_VERSION: string = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
