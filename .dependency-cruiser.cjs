/**
 * The architecture, checked by `npm run lint` (dependency-cruiser): no import cycles, base
 * libraries never import features, libraries never import apps, the sso-client package stands
 * alone, and libraries are reached through their `@nest-sso/*` alias only.
 */
const BASE = 'libs/(config|common|database|metrics|logging)/';
const FEATURES =
  'libs/(accounts|admin|audit|auth|cli|health|keys|sessions|throttling|tokens|users|oidc|importer)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: move the shared names into a small file of their own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'base-imports-no-feature',
      severity: 'error',
      comment:
        'Base libraries sit at the bottom: features register their own entities and providers.',
      from: { path: `^${BASE}` },
      to: { path: `^${FEATURES}` },
    },
    {
      name: 'libs-import-no-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'sso-client-stands-alone',
      severity: 'error',
      comment: 'The client library is published on its own: it may not import the server.',
      from: { path: '^libs/sso-client/' },
      to: { path: '^(libs/(?!sso-client/)|apps/)' },
    },
    {
      name: 'no-reaching-into-libs',
      severity: 'error',
      comment: 'Import another library by its @nest-sso/* alias, never by a relative path.',
      from: { path: '^(libs|apps)/([^/]+)/' },
      to: { path: '^libs/', pathNot: ['^libs/$2/', '^libs/[^/]+/src/index\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require'] },
  },
};
