/** Service, emulator, end-to-end and project-check tests (TypeScript). LWC tests run with sfdx-lwc-jest (jest.lwc.config.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
  },
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/force-app'],
  testTimeout: 30000,
};
