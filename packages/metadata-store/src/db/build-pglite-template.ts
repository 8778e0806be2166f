// Run by `npm run build` after tsc: makes the initialized PGlite data directory that new
// embedded-default databases are copied from (pglite-template.ts), when it is missing.
import { buildPgliteTemplate } from './pglite-settings';

buildPgliteTemplate().then(
  ({ directory, built }) => {
    if (built) console.log(`built ${directory}`);
  },
  (error: unknown) => {
    console.error('could not build the PGlite template (new databases would run initdb instead):', error);
    process.exitCode = 1;
  },
);
