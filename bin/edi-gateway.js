#!/usr/bin/env node
'use strict';
// The compiled CLI: `npm ci` builds it (prepare script); `npm run build` rebuilds it.
const path = require('path');
const fs = require('fs');

// Streaming a file of any size (validate, inspect) runs with a 4 MB young generation, which keeps a 1 GB
// file under 100 MB RSS (docs/decisions.md D9). The service must not: there it costs ~40% more CPU per
// document (npm run bench, pipeline section). So only those commands are run again with the flag.
const SMALL_YOUNG_GENERATION = '--max-semi-space-size=4';
const STREAMING = new Set(['validate', 'inspect']);
if (STREAMING.has(process.argv[2]) && !process.execArgv.includes(SMALL_YOUNG_GENERATION)) {
  const { spawnSync } = require('child_process');
  const { constants } = require('os');
  const run = spawnSync(process.execPath, [...process.execArgv, SMALL_YOUNG_GENERATION, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
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
