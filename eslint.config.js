'use strict';
/**
 * ESLint 9 flat config for the in-org package's Lightning Web Components only (force-app/**\/lwc).
 * The service is TypeScript, checked by tsc; nothing else is linted here.
 */
const lwcConfig = require('@salesforce/eslint-config-lwc');

const LWC_FILES = ['force-app/**/lwc/**/*.js'];

module.exports = [
  // Only LWC JavaScript is in scope: everything else in the repository is ignored.
  { ignores: ['node_modules/**', 'dist/**', 'service/**', 'test/**', 'bench/**', 'scripts/**', 'data/**', '*.js'] },
  ...lwcConfig.configs.recommended.map((cfg) => ({ ...cfg, files: cfg.files || LWC_FILES })),
  {
    files: LWC_FILES,
    rules: {
      // `c/...`, `lightning/...` and `@salesforce/...` are resolved by the LWC platform (and by sfdx-lwc-jest's
      // resolver in tests), not by Node's module resolution, so the import plugin cannot see them.
      'import/no-unresolved': 'off',
    },
  },
  {
    files: ['force-app/**/lwc/**/__tests__/**/*.js'],
    languageOptions: { globals: { require: 'readonly', Promise: 'readonly' } },
    rules: {
      // Tests drive wire adapters with `.emit()`, the documented sfdx-lwc-jest way.
      '@lwc/lwc/no-unexpected-wire-adapter-usages': 'off',
    },
  },
];
