#!/usr/bin/env node
// The CLI runs the server as built into ../dist by `npm run build` (an esbuild bundle; `npm install` and
// `npm start` build it), with stack traces mapped back to the TypeScript sources.
import { existsSync } from 'node:fs'
import module from 'node:module'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  console.error('tasklane is not built: run `npm run build` (npm install and npm start do it)')
  process.exit(1)
}
process.setSourceMapsEnabled(true)
// Node 22.1 and later keep the compiled bundle on disk (under the system's temporary directory), so later
// starts skip most of its parsing and compiling.
module.enableCompileCache?.()
await import(cli.href)
