'use strict';
// `node test/support/cli-child.js <edi-gateway args>`: the CLI from the TypeScript sources.
require('./ts-register');
require('../../src/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
