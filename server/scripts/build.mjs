#!/usr/bin/env node
// `npm run build`: bundles the server (server/src/cli.ts and everything it imports) into one ES module,
// server/dist/cli.js, with esbuild, so that starting it loads one file instead of compiling TypeScript and
// resolving hundreds of modules. `npm install` (prepare) and `npm start` (prestart) run it; it takes well
// under a second, so it simply runs again rather than tracking what changed. Type checking is `tsc -b`'s job.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const server = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(server, 'dist')

// Left to node_modules, as installed: native addons (built for the Node that runs them), a package whose
// files are served as they are, and packages loaded only when configured or first needed (pg, ioredis,
// the breached-password dictionary), which stay unloaded, rather than parsed at every start, until then.
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
const ASSETS = ['src/features/auth/common-passwords.txt']

rmSync(dist, { recursive: true, force: true })
await build({
  entryPoints: [join(server, 'src/cli.ts')],
  outfile: join(dist, 'cli.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  external: EXTERNAL,
  // Bundled CommonJS dependencies call require(), which an ES module does not have.
  banner: {
    js: "import { createRequire as __tasklaneCreateRequire } from 'node:module';\nconst require = __tasklaneCreateRequire(import.meta.url);",
  },
  // Stack traces are mapped back to the TypeScript sources (bin/tasklane.js turns source maps on); the map
  // names the files and lines without carrying their text.
  sourcemap: 'linked',
  sourcesContent: false,
  // Keeps class and function names (error names, log lines) as they are in the sources.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
})
for (const asset of ASSETS) {
  mkdirSync(dist, { recursive: true })
  copyFileSync(join(server, asset), join(dist, asset.split('/').pop()))
}
