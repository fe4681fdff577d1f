'use strict';
// Preload for an analysis worker that never finishes starting (as if its partner folders were on a hung mount).
const until = Date.now() + 1000;
while (Date.now() < until) {
  // busy: the worker neither loads nor answers meanwhile
}
require('./ts-register');
