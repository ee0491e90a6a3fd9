// The layer rule of docs/ARCHITECTURE.md ("may import" column), checked by `npm run lint`.
// Each layer rule forbids every import into src/ outside the layer's allowed folders; the engine
// additionally may not use node builtins or npm packages, because it must stay pure and
// deterministic (replaying the journal rebuilds the same books byte for byte).
// test/layers.test.ts proves each rule fires; keep the rule names stable, it asserts on them.

/** A rule that lets files in `layer` import from src/ only the folders in `allowed` (and itself). */
function layer(name, layerFolder, allowed, comment) {
  const folders = [layerFolder, ...allowed].join('|');
  return {
    name,
    comment,
    severity: 'error',
    from: { path: `^src/${layerFolder}/` },
    to: { path: '^src/', pathNot: `^src/(${folders})/` },
  };
}

module.exports = {
  forbidden: [
    layer('shared-imports-nothing', 'shared', [], 'shared/ is the bottom layer: it imports nothing else from src/.'),
    layer('engine-only-shared', 'engine', ['shared'], 'engine/ may import shared/ only.'),
    {
      name: 'engine-no-node-builtins',
      comment: 'engine/ is pure: no node: modules (no I/O, no clock, no process).',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'engine-no-packages',
      comment: 'engine/ depends on nothing outside src/engine and src/shared, npm packages included.',
      severity: 'error',
      from: { path: '^src/engine/' },
      // Unresolvable imports are not-to-unresolvable's to report.
      to: { pathNot: ['^src/(engine|shared)/'], dependencyTypesNot: ['core'], couldNotResolve: false },
    },
    layer('fix-only-shared', 'fix', ['shared'], 'fix/ (codec, session, transport) may import shared/ only; never engine/: the session never touches a book.'),
    layer('venue-layers', 'venue', ['shared', 'engine', 'fix'], 'venue/ may import shared/, engine/ and fix/.'),
    layer('marketdata-only-shared', 'marketdata', ['shared'], 'marketdata/ may import shared/ only.'),
    layer('strategy-layers', 'strategy', ['shared', 'marketdata'], 'strategy/ may import shared/ and marketdata/ (never venue/ internals).'),
    layer('protocol-only-shared', 'protocol', ['shared'], 'protocol/ (wire types shared with web/) may import shared/ only.'),
    {
      name: 'web-only-protocol',
      comment: 'web/ (the dashboard) may import from src/ only protocol/ types; it talks to the server over HTTP and WebSocket.',
      severity: 'error',
      from: { path: '^(src/)?web/' },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles make load order matter and blur the layers.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import must resolve (a .js import in TypeScript resolves to the .ts file).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      comment: 'npm packages used by the code must be declared in package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'src-not-to-dev-dependencies',
      comment: 'src/ ships; a devDependency is missing after `npm ci --omit=dev`.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    // Type-only imports count: a layer may not lean on another's types either.
    tsPreCompilationDeps: true,
    // With a tsConfig, dependency-cruiser resolves NodeNext's `./book.js` to ./book.ts as tsc does.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
