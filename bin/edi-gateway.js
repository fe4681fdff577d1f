#!/usr/bin/env node
'use strict';
// Runs the compiled CLI when it exists, otherwise the TypeScript sources through @swc-node-free
// transpilation is not available: the build step (`npm run build`) is required first.
const path = require('path');
const fs = require('fs');
const compiled = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(compiled)) {
  process.stderr.write('edi-gateway: not built yet; run `npm run build` first\n');
  process.exit(2);
}
require(compiled).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
