#!/usr/bin/env node
// Generates every artefact that derives from openapi.yaml:
//   server/src/generated/routes.ts   @hono/zod-openapi routes and zod schemas (hono-takibi + post-processing),
//                                    each built on first use (scripts/lazy-routes.mjs)
//   server/src/generated/operation-info.ts  every operation's method, path, body types and headers, which
//                                    the app reads at start without loading the routes
//   server/src/generated/document.ts the spec as the server serves it (/openapi.yaml as is, /openapi.json
//                                    parsed here once rather than at every start)
//   sdk/src/generated/openapi.ts     the SDK's types (openapi-typescript)
//   sdk/src/generated/spec.ts        the spec as data, for the mocks and fixtures of @tasklane/sdk/testing
//   sdk/src/generated/resources.ts   the SDK's resource methods (`tl.tasks.create(…)`): types with the
//                                    spec's docs, and the table the client builds them from
//   sdk/src/generated/models.ts      named model types (`Task`, `Note`, …) and each change type's data
//   sdk/src/generated/version.ts     the SDK's version (sdk/package.json) and the contract's (info.version)
//   docs/api-changelog.md            the contract's changelog: each release in contracts/ against the one
//                                    before, and what openapi.yaml adds since the last (scripts/contract-diff.mjs)
//   sdk/src/generated/idempotent.ts  the operations that honour Idempotency-Key, the only non-idempotent
//                                    ones the SDK may retry once a request may have reached the server
//   sdk/test/fixtures/generated/{api,idempotent}.ts  the same two for the SDK tests' stand-in API
//                                    (sdk/test/fixtures/api.yaml)
// With --check it generates into memory, compares with the files on disk (leaving them alone) and fails on
// any difference, so a spec change that was not regenerated cannot pass `npm run check`.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse, stringify } from 'yaml'
import { changelog } from './contract-diff.mjs'
import { deferRoutes } from './lazy-routes.mjs'
import { modelsModule, resourcesModule } from './sdk-resources.mjs'
import { fixTakibiOutput } from './takibi-postprocess.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const HEADER = '// generated from openapi.yaml by `npm run generate` — do not edit\n'

const targets = {
  routes: join(root, 'server/src/generated/routes.ts'),
  operationInfo: join(root, 'server/src/generated/operation-info.ts'),
  document: join(root, 'server/src/generated/document.ts'),
  types: join(root, 'sdk/src/generated/openapi.ts'),
  spec: join(root, 'sdk/src/generated/spec.ts'),
  idempotent: join(root, 'sdk/src/generated/idempotent.ts'),
  resources: join(root, 'sdk/src/generated/resources.ts'),
  models: join(root, 'sdk/src/generated/models.ts'),
  version: join(root, 'sdk/src/generated/version.ts'),
  changelog: join(root, 'docs/api-changelog.md'),
  fixtureTypes: join(root, 'sdk/test/fixtures/generated/api.ts'),
  fixtureIdempotent: join(root, 'sdk/test/fixtures/generated/idempotent.ts'),
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/**
 * The module listing every operation of a spec that declares the `Idempotency-Key` header parameter (on
 * the operation or its path, directly or by a local $ref), as "METHOD /path/template".
 *
 * @param {any} spec
 * @param {string} header
 */
function idempotentModule(spec, header) {
  const resolve = (p) =>
    typeof p?.$ref === 'string' && p.$ref.startsWith('#/')
      ? resolve(
          p.$ref
            .slice(2)
            .split('/')
            .reduce((o, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], spec),
        )
      : p
  const keyed = []
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      if (!item[method]) continue
      const params = [...(item.parameters ?? []), ...(item[method].parameters ?? [])].map(resolve)
      if (params.some((p) => p?.in === 'header' && p.name?.toLowerCase() === 'idempotency-key')) {
        keyed.push(`${method.toUpperCase()} ${path}`)
      }
    }
  }
  return `${header}
/**
 * The operations that declare \`Idempotency-Key\`, as "METHOD /path/template": the server replays a repeated
 * key instead of acting twice, so only these (besides the idempotent methods) are retried once a request
 * may have reached the server, and only these get a generated key.
 */
export const idempotentOperations: ReadonlySet<string> = new Set(${JSON.stringify(keyed, null, 2).replaceAll('"', "'")})
`
}

/**
 * The server's copy of the spec: the YAML text byte for byte (in a template literal, so a spec change reads
 * as the same lines changed here), and the parsed document as JSON text, which JSON.parse reads in a
 * fraction of the time the YAML parser takes (parsing openapi.yaml was most of the server's start-up CPU).
 *
 * @param {string} text
 * @param {unknown} spec
 */
function documentModule(text, spec) {
  const literal = text
    .replaceAll('\\', '\\\\')
    .replaceAll('`', '\\`')
    .replaceAll('${', '\\${')
    // A raw carriage return would read as a newline in a template literal.
    .replaceAll('\r', '\\r')
  return `${HEADER}
/** openapi.yaml as it is, served at /openapi.yaml. */
export const specYaml: string = \`${literal}\`

/** openapi.yaml parsed, as JSON text: served (parsed once per app) at /openapi.json. */
export const specJson: string = ${JSON.stringify(JSON.stringify(spec))}
`
}

function run(cmd, args, cwd = root) {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    // hono-takibi reports spec errors on stdout; show them instead of a stack trace.
    const message = `${err.stdout ?? ''}${err.stderr ?? ''}`
    throw new Error(`generate: ${cmd.split('/').pop()} failed\n${message}`)
  }
}

/**
 * Runs hono-takibi on any spec with the options of hono-takibi.config.ts and returns its output as is
 * (`raw`) and with the gaps fixed (`fixed`). hono-takibi only reads a config from its working directory,
 * so it runs in a temporary one whose config extends ours with the given input.
 *
 * @param {string} specPath
 * @returns {{ raw: string, fixed: string, routes: string, operationInfo: string }} hono-takibi's output,
 *   that output with its gaps fixed, and the modules written: the fixed one with its schemas and routes
 *   built on first use, and what the app reads of every operation at start
 */
export function generateRoutes(specPath) {
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-takibi-'))
  try {
    const output = join(dir, 'routes.ts')
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    const base = pathToFileURL(join(root, 'hono-takibi.config.ts')).href
    writeFileSync(
      join(dir, 'hono-takibi.config.ts'),
      `import base from ${JSON.stringify(base)}
export default { ...base, input: ${JSON.stringify(resolve(specPath))}, 'zod-openapi': { ...base['zod-openapi'], output: ${JSON.stringify(output)} } }
`,
    )
    run(bin('hono-takibi'), [], dir)
    const raw = readFileSync(output, 'utf8')
    const fixed = fixTakibiOutput(raw, resolve(specPath))
    const spec = parse(readFileSync(resolve(specPath), 'utf8'))
    const deferred = deferRoutes(fixed, spec)
    return {
      raw,
      fixed: HEADER + fixed,
      routes: HEADER + deferred.routes,
      operationInfo: HEADER + deferred.operationInfo,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A working directory whose redocly.yaml is the project's, for openapi-typescript, which lints with it but
 * does not read .redocly.lint-ignore.yaml: the rules that file exempts some paths from are warnings there
 * (which openapi-typescript does not fail on). `npm run lint:spec` still enforces them everywhere else.
 *
 * @param {string} dir
 */
function contractLintDir(dir) {
  const config = parse(readFileSync(join(root, 'redocly.yaml'), 'utf8'))
  const ignoreFile = join(root, '.redocly.lint-ignore.yaml')
  const ignored = existsSync(ignoreFile)
    ? Object.keys(parse(readFileSync(ignoreFile, 'utf8'))?.['openapi.yaml'] ?? {})
    : []
  config.rules = { ...config.rules, ...Object.fromEntries(ignored.map((rule) => [rule, 'warn'])) }
  const cwd = join(dir, 'contract')
  mkdirSync(cwd)
  writeFileSync(join(cwd, 'redocly.yaml'), stringify(config))
  return cwd
}

/** Every generated file's expected text, computed without touching the files on disk. */
async function generate() {
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-types-'))
  // openapi-typescript lints with the redocly.yaml of its working directory: the contract gets the
  // project's strict rules (see contractLintDir), the SDK tests' stand-in API (not a published contract)
  // only the defaults.
  const types = (spec, header, cwd) => {
    const out = join(dir, 'types.ts')
    run(bin('openapi-typescript'), [join(root, spec), '--output', out, '--empty-objects-unknown'], cwd)
    return header + readFileSync(out, 'utf8')
  }
  try {
    // The testing entry builds its mocks at runtime from the spec itself, so it ships the spec as data.
    const specText = readFileSync(join(root, 'openapi.yaml'), 'utf8')
    const spec = parse(specText)
    const fixture = 'sdk/test/fixtures/api.yaml'
    const fixtureHeader = HEADER.replace('openapi.yaml', fixture)
    const routes = generateRoutes(join(root, 'openapi.yaml'))
    return {
      [targets.routes]: routes.routes,
      [targets.operationInfo]: routes.operationInfo,
      [targets.document]: documentModule(specText, spec),
      [targets.types]: types('openapi.yaml', HEADER, contractLintDir(dir)),
      [targets.spec]: `${HEADER}import type { OpenApiDocument } from '../testing/spec-types.js'

export const spec: OpenApiDocument = JSON.parse(${JSON.stringify(JSON.stringify(spec))})
`,
      [targets.idempotent]: idempotentModule(spec, HEADER),
      [targets.resources]: resourcesModule(spec, HEADER),
      [targets.models]: modelsModule(spec, HEADER),
      [targets.version]: `${HEADER}
/** This SDK's version, sent as \`Tasklane-Client: tasklane-sdk-js/<version>\`. */
export const SDK_VERSION = ${JSON.stringify(JSON.parse(readFileSync(join(root, 'sdk/package.json'), 'utf8')).version).replaceAll('"', "'")}
/** The version of the contract (openapi.yaml's \`info.version\`) these types were generated from. */
export const API_VERSION = ${JSON.stringify(String(spec.info.version)).replaceAll('"', "'")}
`,
      [targets.changelog]: await changelog(join(root, 'openapi.yaml')),
      [targets.fixtureTypes]: types(fixture, fixtureHeader, dir),
      [targets.fixtureIdempotent]: idempotentModule(parse(readFileSync(join(root, fixture), 'utf8')), fixtureHeader),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const relative = (file) => file.slice(root.length + 1)

async function main(check) {
  const expected = await generate()
  if (!check) {
    for (const [file, text] of Object.entries(expected)) {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, text)
    }
    console.log('generated:', Object.keys(expected).map(relative).join(', '))
    return
  }
  const stale = Object.entries(expected)
    .filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text)
    .map(([file]) => file)
  if (stale.length > 0) {
    console.error(
      `generate:check: these files do not match openapi.yaml; run \`npm run generate\` and commit them:\n${stale
        .map((f) => `  ${relative(f)}`)
        .join('\n')}`,
    )
    process.exit(1)
  }
  console.log('generate:check: generated files match openapi.yaml')
}

// Imported (by the gap tests) only for generateRoutes; run as a script, it generates or checks.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    await main(process.argv.includes('--check'))
  } catch (err) {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  }
}
