#!/usr/bin/env -S node --max-semi-space-size=8 --no-allocation-site-pretenuring
'use strict';
// The compiled CLI: `npm ci` builds it (prepare script); `npm run build` rebuilds it.
const path = require('path');
const fs = require('fs');

// V8's young generation, sized per command (docs/decisions.md D9): 8 MB semi-spaces (the line above) keep
// the service under its 300 MB RSS target; streaming a file of any size (validate, inspect) runs again
// with 4 MB, which keeps a 1 GB file under 100 MB RSS but would cost the service ~40% more CPU. No
// allocation-site pretenuring: V8 otherwise starts allocating translation's short-lived objects straight
// into the old generation, where only a full collection frees them (analysis ~1.5× slower, more RSS).
const SMALL_YOUNG_GENERATION = '--max-semi-space-size=4';
const STREAMING = new Set(['validate', 'inspect']);
if (STREAMING.has(process.argv[2]) && !process.execArgv.includes(SMALL_YOUNG_GENERATION)) {
  const { spawnSync } = require('child_process');
  const { constants } = require('os');
  const flags = process.execArgv.filter((a) => !a.startsWith('--max-semi-space-size'));
  const run = spawnSync(process.execPath, [...flags, SMALL_YOUNG_GENERATION, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.error) {
    process.stderr.write(`edi-gateway: ${run.error.message}\n`);
    process.exit(70);
  }
  process.exit(run.status ?? 128 + (constants.signals[run.signal] ?? 0));
}

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
