import $RefParser from '@apidevtools/json-schema-ref-parser'
import { describe, expect, it } from 'vitest'
import { loadRoutes } from '../http/router.js'
import { createTestApp } from '../test/app.js'
import { diffDocuments } from '../test/openapi-diff.js'
import { dereferencedSpec, rawSpec } from '../test/spec.js'

// openapi.yaml is the contract and the routes are generated from it; this proves the generation lost
// nothing a client or validator relies on, for every operation the spec has now or gets later.
describe('generated routes against openapi.yaml', () => {
  it('emit the same operations, parameters, bodies, responses, headers and schemas as openapi.yaml', async () => {
    const t = await createTestApp()
    await loadRoutes()
    const emitted = t.app.getOpenAPI31Document({ openapi: '3.1.0', info: rawSpec.info })
    const routes = await $RefParser.dereference(structuredClone(emitted))

    const differences = diffDocuments(dereferencedSpec, routes)

    expect(differences, `the routes differ from openapi.yaml:\n  ${differences.join('\n  ')}\n`).toEqual([])
  })

  it('serve exactly the operations of openapi.yaml', async () => {
    const t = await createTestApp()
    await loadRoutes()
    const emitted = t.app.getOpenAPI31Document({ openapi: '3.1.0', info: rawSpec.info })
    type Paths = Record<string, Record<string, { operationId?: string }>>
    const list = (paths: Paths) =>
      Object.entries(paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, op]) => `${method} ${path} ${op.operationId}`),
      )
    expect(list(emitted.paths as Paths).sort()).toEqual(list(dereferencedSpec.paths).sort())
  })

  it('reports each kind of difference, naming the operation and where it is', () => {
    const routes = structuredClone(dereferencedSpec)
    const ready = routes.paths['/readyz'].get
    delete ready.responses['503']
    // Dereferenced components are shared objects: replace, never mutate, to change one place only.
    ready.responses['200'] = structuredClone(ready.responses['200'])
    ready.responses['200'].content['application/json'].schema.properties.database.enum = ['sqlite']
    ready.responses['200'].headers['X-Request-Id'].required = true
    ready.responses['200'].headers['X-Request-Id'].schema.maxLength = 100
    ready.parameters = [{ name: 'verbose', in: 'query', schema: { type: 'boolean' } }]
    routes.paths['/healthz'].get.operationId = 'health'
    const health = routes.paths['/healthz'].get.responses['200'].content['application/json']
    health.schema = { ...health.schema, additionalProperties: true }
    delete routes.paths['/metrics']
    // Documentation only: not a difference.
    const yaml = routes.paths['/openapi.yaml'].get.responses['200']
    yaml.description = 'Other words.'
    yaml.content['application/yaml'].schema = { ...yaml.content['application/yaml'].schema, example: 'x' }

    expect(diffDocuments(dereferencedSpec, routes)).toEqual([
      'GET /healthz (getHealth) operationId: spec "getHealth", routes "health"',
      'GET /healthz (getHealth) response 200 application/json schema.additionalProperties: spec false, routes true',
      'GET /readyz (getReadiness) parameter query verbose: not in the spec',
      'GET /readyz (getReadiness) response 200 application/json schema.properties.database.enum: spec ["postgres","sqlite"], routes ["sqlite"]',
      'GET /readyz (getReadiness) response 200 header x-request-id required: spec false, routes true',
      'GET /readyz (getReadiness) response 200 header x-request-id schema.maxLength: spec 200, routes 100',
      'GET /readyz (getReadiness) response 503: missing from the routes',
      'GET /metrics (getMetrics): in the spec but not served by the routes',
    ])
  })
})
