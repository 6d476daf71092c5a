#!/usr/bin/env node
// Generates every artefact that derives from openapi.yaml:
//   server/src/generated/routes.ts   @hono/zod-openapi routes and zod schemas (hono-takibi + post-processing)
//   sdk/src/generated/openapi.ts     the SDK's types (openapi-typescript)
//   sdk/src/generated/spec.ts        the spec as data, for the mocks and fixtures of @tasklane/sdk/testing
//   sdk/test/fixtures/generated/api.ts  types of the SDK tests' stand-in API (sdk/test/fixtures/api.yaml)
// With --check it regenerates, compares with the files on disk, restores them and fails on any difference,
// so a spec change that was not regenerated cannot pass `npm run check`.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { fixTakibiOutput } from './takibi-postprocess.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const HEADER = '// generated from openapi.yaml by `npm run generate` — do not edit\n'

const targets = {
  routes: join(root, 'server/src/generated/routes.ts'),
  types: join(root, 'sdk/src/generated/openapi.ts'),
  spec: join(root, 'sdk/src/generated/spec.ts'),
  fixtureTypes: join(root, 'sdk/test/fixtures/generated/api.ts'),
}

function run(cmd, args) {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    // hono-takibi reports spec errors on stdout; show them instead of a stack trace.
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`)
    console.error(`generate: ${cmd.split('/').pop()} failed`)
    process.exit(1)
  }
}

function generate() {
  for (const file of Object.values(targets)) mkdirSync(dirname(file), { recursive: true })

  // hono-takibi reads hono-takibi.config.ts and writes the routes file; its gaps are fixed afterwards.
  run(bin('hono-takibi'), [])
  const raw = readFileSync(targets.routes, 'utf8')
  writeFileSync(targets.routes, HEADER + fixTakibiOutput(raw, join(root, 'openapi.yaml')))

  run(bin('openapi-typescript'), ['openapi.yaml', '--output', targets.types, '--empty-objects-unknown'])
  writeFileSync(targets.types, HEADER + readFileSync(targets.types, 'utf8'))

  // The testing entry builds its mocks at runtime from the spec itself, so it ships the spec as data.
  const spec = parse(readFileSync(join(root, 'openapi.yaml'), 'utf8'))
  writeFileSync(
    targets.spec,
    `${HEADER}import type { OpenApiDocument } from '../testing/spec-types.js'\n\nexport const spec: OpenApiDocument = JSON.parse(${JSON.stringify(JSON.stringify(spec))})\n`,
  )

  const fixture = 'sdk/test/fixtures/api.yaml'
  run(bin('openapi-typescript'), [fixture, '--output', targets.fixtureTypes, '--empty-objects-unknown'])
  writeFileSync(
    targets.fixtureTypes,
    HEADER.replace('openapi.yaml', fixture) + readFileSync(targets.fixtureTypes, 'utf8'),
  )
}

const check = process.argv.includes('--check')
if (!check) {
  generate()
  console.log(
    'generated:',
    Object.values(targets)
      .map((f) => f.slice(root.length + 1))
      .join(', '),
  )
} else {
  const before = Object.fromEntries(
    Object.values(targets).map((f) => [f, existsSync(f) ? readFileSync(f, 'utf8') : null]),
  )
  generate()
  const stale = Object.entries(before).filter(([f, text]) => readFileSync(f, 'utf8') !== text)
  for (const [f, text] of stale) {
    if (text === null) continue
    writeFileSync(f, text)
  }
  if (stale.length > 0) {
    console.error(
      `generate:check: these files do not match openapi.yaml; run \`npm run generate\` and commit them:\n${stale
        .map(([f]) => `  ${f.slice(root.length + 1)}`)
        .join('\n')}`,
    )
    process.exit(1)
  }
  console.log('generate:check: generated files match openapi.yaml')
}
