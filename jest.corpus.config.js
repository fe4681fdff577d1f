/** Conformance run over ../shared/corpus: `npm run test:corpus`. */
const base = require('./jest.config');
module.exports = { ...base, testPathIgnorePatterns: [], testMatch: ['**/test/corpus/**/*.test.ts'] };
