import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (name: string) =>
  fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url));
const LIBS = [
  'accounts',
  'auth',
  'common',
  'config',
  'database',
  'keys',
  'sessions',
  'tokens',
  'users',
];

// SWC compiles the tests with decorator metadata, which Nest's dependency injection needs.
const plugins = [swc.vite({ module: { type: 'es6' } })];
const resolve = { alias: Object.fromEntries(LIBS.map((name) => [`@nest-sso/${name}`, lib(name)])) };

export default defineConfig({
  plugins,
  resolve,
  test: {
    projects: [
      {
        plugins,
        resolve,
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        plugins,
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
