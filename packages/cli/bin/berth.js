#!/usr/bin/env node
// The installed command. The compiled CLI is built by `npm install` (the root's prepare script);
// this file stays committed and executable so npm can link it before the build has run.
require('../dist/main.js');
