import $RefParser from '@apidevtools/json-schema-ref-parser'
import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'
import { diffDocuments } from '../test/openapi-diff.js'
import { dereferencedSpec, rawSpec } from '../test/spec.js'

// openapi.yaml is the contract and the routes are generated from it; this proves the generation lost
// nothing a client or validator relies on, for every operation the spec has now or gets later.
describe('generated routes against openapi.yaml', () => {
  it('emit the same operations, parameters, bodies, responses, headers and schemas as openapi.yaml', async () => {
    const t = await createTestApp()
    const emitted = t.app.getOpenAPI31Document({ openapi: '3.1.0', info: rawSpec.info })
    const routes = await $RefParser.dereference(structuredClone(emitted))

    const differences = diffDocuments(dereferencedSpec, routes)

    expect(differences, `the routes differ from openapi.yaml:\n  ${differences.join('\n  ')}\n`).toEqual([])
  })

  it('serve exactly the operations of openapi.yaml', async () => {
    const t = await createTestApp()
    const emitted = t.app.getOpenAPI31Document({ openapi: '3.1.0', info: rawSpec.info })
    const list = (doc: any) =>
      Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
        Object.entries(item).map(([method, op]: [string, any]) => `${method} ${path} ${op.operationId}`),
      )
    expect(list(emitted).sort()).toEqual(list(dereferencedSpec).sort())
  })
})
