'use strict';
/**
 * sfdx-lwc-jest config for the Lightning Web Components under force-app. The service's jest (jest.config.js)
 * only looks under test/ and ignores force-app; this one only looks under force-app and never at test/.
 */
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
  ...jestConfig,
  rootDir: __dirname,
  roots: ['<rootDir>/force-app'],
  testMatch: ['**/lwc/**/__tests__/**/*.test.js'],
  modulePathIgnorePatterns: ['<rootDir>/.localdevserver', '<rootDir>/test', '<rootDir>/dist', '<rootDir>/service'],
  testPathIgnorePatterns: ['<rootDir>/node_modules/', '<rootDir>/test/'],
};
