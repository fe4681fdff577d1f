'use strict';
// Preload for an analysis worker that dies on the first file it is given (as if it ran out of memory).
require('./ts-register');
require('node:worker_threads').parentPort.once('message', () => process.exit(3));
