/** Unit and integration tests: `npm test`. */
// pkijs and its helpers (the AS2 channel's CMS) are ES modules only; jest's CommonJS registry needs
// them compiled, everything else in node_modules is loaded as it is.
const ESM_PACKAGES = ['asn1js', 'pkijs', 'pvtsutils', 'pvutils', 'bytestreamjs', '@noble', '@peculiar'];
const swc = { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } };
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/test/corpus/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    '^.+\\.m?js$': ['@swc/jest', { ...swc, jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  testTimeout: 30000,
};
