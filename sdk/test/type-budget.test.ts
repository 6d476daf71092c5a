// What an app pays in type-checking for the SDK's types, against openapi-fetch alone on the same paths:
// ten everyday calls each way (type-budget/*.ts), checked by tsc against the SDK's built declarations (the
// global setup builds them). The measure is tsc's instantiation count, which does not depend on the machine.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

function instantiations(fixture: string): number {
  const output = execFileSync(
    process.execPath,
    [
      `${root}node_modules/typescript/bin/tsc`,
      '--noEmit',
      '--extendedDiagnostics',
      '--strict',
      '--skipLibCheck',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--lib',
      'es2023,dom,dom.iterable',
      '--types',
      'node',
      `sdk/test/type-budget/${fixture}.ts`,
    ],
    { cwd: root, encoding: 'utf8' },
  )
  const count = /Instantiations:\s+(\d+)/.exec(output)?.[1]
  if (!count) throw new Error(`no instantiation count in tsc's output:\n${output}`)
  return Number(count)
}

describe('type-check cost', () => {
  test('an annotated TasklaneClient with ten calls costs less than twice raw openapi-fetch', () => {
    const raw = instantiations('raw')
    const annotated = instantiations('annotated')
    const resources = instantiations('resources')
    console.log(
      `type instantiations for ten calls: openapi-fetch ${raw}, TasklaneClient path calls ${annotated} ` +
        `(${(annotated / raw).toFixed(2)}×), resource methods ${resources} (${(resources / raw).toFixed(2)}×)`,
    )
    expect(annotated).toBeLessThan(2 * raw)
    expect(resources).toBeLessThan(2 * raw)
    // Three whole-program checks on a shared machine.
  }, 180_000)
})
