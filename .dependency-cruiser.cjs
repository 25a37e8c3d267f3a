/**
 * The layers of the code, bottom first (the top README's "Layers" section says the same in words).
 * A file may import files of its own layer and of the layers below it, never above; and nothing
 * imports in a cycle. `npm run lint` runs this check (`npm run lint:layers` alone).
 */
const layers = [
  {
    name: 'base',
    path: '^src/(lib/|config\\.ts$|payload-types\\.ts$|secret\\.ts$|storage\\.ts$|preload\\.ts$|db\\.ts$)',
  },
  { name: 'primitives', path: '^src/(richtext|access|fields|archive|feeds|auth)/' },
  { name: 'collections', path: '^collections/' },
  { name: 'services', path: '^src/(store|jobs)/' },
  { name: 'features', path: '^src/(importer|ingest|delivery|admin|export)/' },
  { name: 'plugin', path: '^(src/plugin\\.ts$|src/seed/|migrations/)' },
  { name: 'config', path: '^payload\\.config\\.ts$' },
  { name: 'app', path: '^src/(http/|server\\.ts$|cli/|app/)' },
  { name: 'tools', path: '^(scripts|bench)/' },
]

const upward = layers.flatMap((lower, i) =>
  layers.slice(i + 1).map((higher) => ({
    name: `no-upward-${lower.name}-to-${higher.name}`,
    comment: `${lower.name} is below ${higher.name}: ${lower.name} may not import it`,
    severity: 'error',
    from: { path: lower.path },
    to: { path: higher.path },
  })),
)

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle of imports: one of them points the wrong way',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unlayered',
      comment: 'every source file belongs to a layer: add its folder to .dependency-cruiser.cjs',
      severity: 'error',
      from: {
        path: '^(src|collections|migrations)/',
        pathNot: layers.map((layer) => layer.path),
      },
      to: {},
    },
    ...upward,
    {
      // Within the features: ingest, the export and the admin build on the importer; the importer
      // builds on none of them (a folder that imported its user would be a cycle of folders).
      name: 'no-importer-to-its-users',
      comment: 'the importer is below ingest, export and admin: it may not import them',
      severity: 'error',
      from: { path: '^src/importer/' },
      to: { path: '^src/(ingest|export|admin)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.next|test|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
}
