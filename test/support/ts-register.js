'use strict';
// Lets a child process run the TypeScript sources directly (as jest does through @swc/jest), so the
// process-level tests exercise the code under test, not a possibly stale dist/.
const { transformSync } = require('@swc/core');
const fs = require('fs');
require.extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  });
  module._compile(code, filename);
};
