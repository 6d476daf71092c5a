// Every public export of the entries has JSDoc with an @example (the generated types excepted: their
// documentation is openapi.yaml's, and the resource methods carry the examples the generator writes).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { expect, test } from 'vitest'
import { idempotentOperations } from '../src/generated/idempotent.js'
import { spec } from '../src/generated/spec.js'

const src = join(import.meta.dirname, '..', 'src')
const GENERATED = new Set(['components', 'operations', 'paths'])

test.each(['index.ts', 'testing/index.ts', 'providers.ts', 'uploads.ts'])(
  'every export of %s has an @example',
  (entry) => {
    const file = join(src, entry)
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
    })
    const checker = program.getTypeChecker()
    const source = program.getSourceFile(file)
    if (!source) throw new Error(`cannot read ${file}`)
    const moduleSymbol = checker.getSymbolAtLocation(source)
    if (!moduleSymbol) throw new Error(`${file} has no exports`)
    const exports = checker.getExportsOfModule(moduleSymbol)
    expect(exports.length).toBeGreaterThan(5)
    const missing = exports
      .filter((e) => !GENERATED.has(e.name))
      .filter((e) => {
        const symbol = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e
        if ((symbol.declarations ?? []).every((d) => /[\\/]generated[\\/]/.test(d.getSourceFile().fileName)))
          return false
        return !(symbol.declarations ?? []).some((d) =>
          ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example'),
        )
      })
      .map((e) => e.name)
    expect(missing).toEqual([])
  },
)

test("the README's list of retried non-idempotent operations is the generated one", () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
  const listed = /declare the `Idempotency-Key` header in the API description:([^.]*)\./.exec(readme)?.[1] ?? ''
  const generated = [...idempotentOperations].map((op) => {
    const [method, path] = op.split(' ') as [string, string]
    const item = spec.paths?.[path] as Record<string, { operationId?: string } | undefined> | undefined
    return item?.[method.toLowerCase()]?.operationId
  })
  expect([...listed.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort()).toEqual(generated.sort())
})
