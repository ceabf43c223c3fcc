import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const lib = (name: string) =>
  fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url));
const LIBS = [
  'accounts',
  'admin',
  'audit',
  'auth',
  'cli',
  'common',
  'config',
  'database',
  'health',
  'keys',
  'logging',
  'metrics',
  'oidc',
  'sessions',
  'sso-client',
  'throttling',
  'tokens',
  'users',
];

// Nest's dependency injection needs legacy decorators with their type metadata.
const oxc = { decorator: { legacy: true, emitDecoratorMetadata: true } };
const resolve = { alias: Object.fromEntries(LIBS.map((name) => [`@nest-sso/${name}`, lib(name)])) };

export default defineConfig({
  oxc,
  resolve,
  test: {
    projects: [
      {
        oxc,
        resolve,
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'deploy/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        oxc,
        resolve,
        test: {
          // Service-level tests: use cases and queries against the real test database, no HTTP.
          name: 'integration',
          include: ['libs/**/*.int-spec.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        oxc,
        resolve,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
