#!/usr/bin/env node
// `npm run build`: bundles the server (server/src/cli.ts and everything it imports) into ES modules under
// server/dist with esbuild, so that starting it loads a few files instead of compiling TypeScript and
// resolving hundreds of modules. `npm install` (prepare) and `npm start` (prestart) run it; it takes well
// under a second, so it simply runs again rather than tracking what changed. Type checking is `tsc -b`'s job.
//
// What a start loads is what it pays for, in CPU (V8 parses every byte of the files it loads) and in
// resident memory (the sources stay in the heap). So the bundle is split: dist/cli.js holds what every
// start runs, and code the sources load with `import()` (the S3 client, mail, image and upload parsing)
// goes into chunks beside it that are read only when first used. `startClosure` below says what dist/cli.js
// loads, and server/test/bundle.test.ts keeps the heavy packages out of it.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const server = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(server, 'dist')

// Left to node_modules, as installed: native addons (built for the Node that runs them), a package whose
// files are served as they are, and packages loaded only when configured or first needed (pg, ioredis,
// sharp, the breached-password dictionary), which stay unloaded, rather than parsed at every start, until then.
const EXTERNAL = [
  'better-sqlite3',
  '@node-rs/argon2',
  'sharp',
  'swagger-ui-dist',
  'pg',
  'ioredis',
  '@zxcvbn-ts/language-common',
]

// Files the code reads beside itself (`new URL('./file', import.meta.url)`), copied beside the bundle.
// Chunks are written into dist/ itself, not a subfolder, so that this holds whichever chunk the code is in.
const ASSETS = ['src/features/auth/common-passwords.txt']

const GENERATED_DOCUMENT = join(server, 'src/generated/document.ts')
const SPEC_FILES = { specYaml: 'openapi.yaml', specJson: 'openapi.json' }

/**
 * The contract as served (src/generated/document.ts) is two strings of 850 KB together. Inlined, V8 would
 * scan them at every start and keep them in the heap; in the bundle the module reads them from files
 * beside it instead, when first asked for (`/openapi.yaml` is rarely asked for at all). The module is
 * CommonJS so that its exports are getters: esbuild reads an imported CommonJS binding at each use.
 */
const specFromFiles = {
  name: 'spec-from-files',
  setup(b) {
    // In a namespace of its own, so that the package's `"type": "module"` does not make it an ES module.
    b.onResolve({ filter: /[/\\]generated[/\\]document\.js$/ }, (args) =>
      join(args.resolveDir, args.path) === GENERATED_DOCUMENT.replace(/\.ts$/, '.js')
        ? { path: GENERATED_DOCUMENT, namespace: 'spec-from-files' }
        : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'spec-from-files' }, () => ({
      loader: 'js',
      // The YAML is kept once read (it is served as it is); the JSON is parsed once per app, so not kept.
      contents: `const { readFileSync } = require('node:fs')
const read = (file) => readFileSync(__tasklaneDistFile(file), 'utf8')
let yaml
module.exports = {
  get specYaml() { return (yaml ??= read(${JSON.stringify(SPEC_FILES.specYaml)})) },
  get specJson() { return read(${JSON.stringify(SPEC_FILES.specJson)}) },
}
`,
    }))
  },
}

/**
 * zod's namespace re-exports its 60 message locales (370 KB, half of zod) and esbuild cannot drop them,
 * since the namespace is passed around as a value. The server speaks English only: zod sets `en` itself,
 * and nothing here selects another locale, so only `en` is kept in `z.locales`.
 */
const englishOnlyZod = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[/\\]zod[/\\]v4[/\\]/.test(args.importer)) return undefined
      return { path: join(args.resolveDir, '../locales/index.js'), namespace: 'zod-english-only' }
    })
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))}`,
      resolveDir: dirname(args.path),
    }))
  },
}

/** The esbuild options of the server bundle (also what the bundle test builds in memory). */
export const buildOptions = {
  entryPoints: { cli: join(server, 'src/cli.ts') },
  outdir: dist,
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  external: EXTERNAL,
  plugins: [specFromFiles, englishOnlyZod],
  // Bundled CommonJS dependencies call require(), which an ES module does not have; the contract's files
  // are found beside the bundle.
  banner: {
    js: [
      "import { createRequire as __tasklaneCreateRequire } from 'node:module';",
      'const require = __tasklaneCreateRequire(import.meta.url);',
      'const __tasklaneDistFile = (file) => new URL(file, import.meta.url);',
    ].join('\n'),
  },
  // Stack traces are mapped back to the TypeScript sources (bin/tasklane.js turns source maps on); the map
  // names the files and lines without carrying their text.
  sourcemap: 'linked',
  sourcesContent: false,
  // Keeps class and function names (error names, log lines) as they are in the sources.
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
}

/**
 * What starting dist/cli.js loads: the bundle files it imports statically, transitively, with the source
 * files and packages in them, and the packages it leaves to node_modules. Chunks reached only through
 * `import()` are not in it.
 */
export function startClosure(metafile) {
  const outputs = metafile.outputs
  const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint?.endsWith('src/cli.ts'))
  const files = new Set()
  const external = new Set()
  const visit = (file) => {
    if (files.has(file)) return
    files.add(file)
    for (const imported of outputs[file].imports) {
      if (imported.kind !== 'import-statement') continue
      if (imported.external) external.add(imported.path)
      else visit(imported.path)
    }
  }
  visit(entry)
  const inputs = new Set([...files].flatMap((file) => Object.keys(outputs[file].inputs)))
  return { files: [...files], inputs: [...inputs], external: [...external] }
}

/** The contract's strings, as `npm run generate` wrote them, for the files the bundle reads them from. */
async function specStrings() {
  const result = await build({
    entryPoints: [GENERATED_DOCUMENT],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  })
  const source = result.outputFiles[0].text
  return import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`)
}

async function main() {
  rmSync(dist, { recursive: true, force: true })
  await build(buildOptions)
  for (const asset of ASSETS) copyFileSync(join(server, asset), join(dist, asset.split('/').pop()))
  const spec = await specStrings()
  mkdirSync(dist, { recursive: true })
  for (const [name, file] of Object.entries(SPEC_FILES)) writeFileSync(join(dist, file), spec[name])
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await main()
