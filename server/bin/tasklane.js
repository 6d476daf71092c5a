#!/usr/bin/env node
// The CLI runs the server as built into ../dist by `npm run build` (an esbuild bundle; `npm install` and
// `npm start` build it), with stack traces mapped back to the TypeScript sources.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  console.error('tasklane is not built: run `npm run build` (npm install and npm start do it)')
  process.exit(1)
}
process.setSourceMapsEnabled(true)
await import(cli.href)
