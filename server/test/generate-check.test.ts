import { execFileSync, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// `npm run generate:check` is what keeps openapi.yaml and the generated files in step in CI. It runs here
// on a copy of the repository's contract and generated files, so editing the copy cannot touch the real ones.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
// Whole generated folders, so a new generated file is covered without listing it here.
const COPIED = [
  'package.json',
  'openapi.yaml',
  'redocly.yaml',
  // openapi-typescript lints with the exemptions too (e.g. the redirect-only provider callback).
  '.redocly.lint-ignore.yaml',
  'hono-takibi.config.ts',
  'scripts',
  'server/src/generated',
  'sdk/src/generated',
  'sdk/test/fixtures',
  // The SDK's version and the contract's changelog are generated too.
  'sdk/package.json',
  'contracts',
  'docs',
]

let copy: string

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'tasklane-generate-check-'))
  for (const path of COPIED) cpSync(join(ROOT, path), join(copy, path), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir')
})

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true })
})

function check(): { code: number | null; output: string } {
  try {
    const stdout = execFileSync('node', ['scripts/generate.mjs', '--check'], { cwd: copy, stdio: 'pipe' })
    return { code: 0, output: stdout.toString() }
  } catch (err) {
    // execFileSync throws an Error that carries spawnSync's whole result.
    const failed = err as Error & SpawnSyncReturns<Buffer>
    return { code: failed.status, output: `${failed.stdout}${failed.stderr}` }
  }
}

describe('npm run generate:check', () => {
  it('passes when the generated files match openapi.yaml', () => {
    const result = check()
    expect(result.output).toContain('generated files match openapi.yaml')
    expect(result.code).toBe(0)
  })

  it('fails, naming the stale files and leaving them as they were, when openapi.yaml changed', () => {
    const spec = join(copy, 'openapi.yaml')
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('enum: [ok]\n', 'enum: [ok, degraded]\n'))
    const routes = join(copy, 'server/src/generated/routes.ts')
    const before = readFileSync(routes, 'utf8')

    const result = check()

    expect(result.code).toBe(1)
    expect(result.output).toContain('server/src/generated/routes.ts')
    expect(result.output).toContain('sdk/src/generated/openapi.ts')
    expect(readFileSync(routes, 'utf8')).toBe(before)
  })
})
