#!/usr/bin/env -S node --max-semi-space-size=8 --no-allocation-site-pretenuring
'use strict';
// The compiled CLI: `npm ci` builds it (prepare script); `npm run build` rebuilds it.
const path = require('path');
const fs = require('fs');

// V8 flags for every command (docs/decisions.md D9): 8 MB semi-spaces keep the service under its 300 MB
// RSS target; no allocation-site pretenuring, since V8 otherwise starts allocating translation's
// short-lived objects straight into the old generation, where only a full collection frees them
// (analysis ~1.5× slower, more RSS). validate and inspect read a file into the same two buffers over and over
// (cli/io.ts readChunks), so a 1 GB file stays under 100 MB RSS with these flags too.

const compiled = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(compiled)) {
  process.stderr.write('edi-gateway: not built yet; run `npm run build` first\n');
  process.exit(2);
}
require(compiled)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    process.stderr.write(`edi-gateway: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  });
