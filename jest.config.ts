/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }];

// Tests run from TypeScript sources; workspace imports resolve to src, not dist.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': swc as [string, Record<string, unknown>] },
  moduleNameMapper: {
    '^@berth/testing/(.+)$': '<rootDir>/packages/testing/src/$1',
    '^@berth/([a-z-]+)$': '<rootDir>/packages/$1/src',
    '^@berth/([a-z-]+)/port$': '<rootDir>/packages/$1/src/port',
  },
  testTimeout: 60_000,
  setupFiles: [],
};

export default config;
