// The layering rules of DEVELOPERS.md, enforced in `pnpm lint`:
//   core -> adapters and wrappers (never each other) -> bridges (take any store) -> cli / bench / soak.
// `scripts/check-workspace-deps.mjs` adds the other half: a package imports only what its package.json declares.
const adapters = '(redis|postgres|dynamodb|firestore|gcs|sqlite|mysql)';
const wrappers = '(envelope|secrets-gcp|secrets-aws|secrets-azure|secrets-vault)';
const bridges = '(mcp-sdk|fastmcp|oidc-provider|keyv|better-auth|cimd|tokens|keyring)';
const layer = (names) => `^packages/${names}/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing-of-ours',
      comment: 'core is the bottom layer: it imports no other package of this repo.',
      severity: 'error',
      from: { path: '^packages/core/src/' },
      to: { path: '^packages/(?!core/)[^/]+/' },
    },
    {
      name: 'adapters-and-wrappers-never-import-each-other',
      comment: 'An adapter or wrapper depends on core alone; users combine them, not the packages themselves.',
      severity: 'error',
      from: { path: `^packages/(${adapters.slice(1, -1)}|${wrappers.slice(1, -1)})/src/` },
      to: { path: '^packages/(?!core/)[^/]+/', pathNot: '^packages/$1/' },
    },
    {
      name: 'bridges-take-any-store',
      comment: 'A bridge takes any ByteStore: it never imports an adapter, a wrapper or another bridge.',
      severity: 'error',
      from: { path: `${layer(bridges)}src/` },
      to: { path: '^packages/(?!core/)[^/]+/', pathNot: '^packages/$1/' },
    },
    {
      name: 'only-tools-import-adapters',
      comment: 'Only the CLI, bench and soak (and the private test harness) open concrete backends.',
      severity: 'error',
      from: { path: '^packages/([^/]+)/src/', pathNot: '^packages/(cli|bench|soak|test-servers)/' },
      to: { path: `${layer(adapters)}`, pathNot: '^packages/$1/' },
    },
    {
      name: 'contract-tests-depends-on-core-alone',
      severity: 'error',
      from: { path: '^packages/contract-tests/src/' },
      to: { path: '^packages/(?!core/|contract-tests/)[^/]+/' },
    },
    {
      name: 'no-undeclared-npm-dependency',
      comment: 'Every npm import of a package source is declared in that package.json.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-dev-dependency-in-src',
      comment: 'Published sources cannot rely on devDependencies: users do not install them.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/', pathNot: '^packages/(bench|soak|test-servers|docs-check)/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|test|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    combinedDependencies: false,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
