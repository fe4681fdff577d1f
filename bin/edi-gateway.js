#!/usr/bin/env -S node --max-semi-space-size=4
'use strict';
// A 4 MB young generation keeps streaming a 1 GB file under 100 MB RSS at the same speed (npm run bench).
// The compiled CLI: `npm ci` builds it (prepare script); `npm run build` rebuilds it.
const path = require('path');
const fs = require('fs');
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
