import { readFileSync } from 'node:fs'
import { createTasklane, unwrap } from '@tasklane/sdk'
import { events } from '@tasklane/sdk/events'
import {
  createFixtureFactory,
  createMockHandlers,
  fixture,
  tasklaneHandlers,
  tasklaneHttp,
} from '@tasklane/sdk/testing'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import type { components as FixtureComponents } from './fixtures/generated/api.js'
import { BASE_URL, type FixturePaths } from './helpers.js'

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML of OpenAPI documents, walked by key; ajv checks the shapes.
type Json = any

const load = (path: string): Json => parse(readFileSync(new URL(path, import.meta.url), 'utf8'))
const specs = { 'openapi.yaml': load('../../openapi.yaml'), 'fixture api.yaml': load('./fixtures/api.yaml') }

function validatorFor(doc: Json) {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema({ ...doc, $id: 'spec' })
  return (ref: string, value: unknown) => {
    const validate =
      ajv.getSchema(`spec#${ref.replace(/^#/, '')}`) ?? ajv.compile({ $ref: `spec#${ref.replace(/^#/, '')}` })
    const ok = validate(value)
    return ok ? null : JSON.stringify(validate.errors)
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const
function operationsOf(doc: Json) {
  return Object.entries(doc.paths as Json).flatMap(([path, item]: [string, Json]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, path, operation: item[method] })),
  )
}

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => server.close())

describe.each(Object.entries(specs))('mock handlers for %s', (name, doc) => {
  const ops = operationsOf(doc)
  const check = validatorFor(doc)

  test.each(ops.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    '%s answers its first 2xx (or else 3xx) response, valid against the spec',
    async (_, { method, path, operation }) => {
      const handlers =
        name === 'openapi.yaml'
          ? tasklaneHandlers({ baseUrl: BASE_URL })
          : createMockHandlers(doc, { baseUrl: BASE_URL })
      server.resetHandlers(...handlers)
      const url = BASE_URL + path.replace(/\{[^}]+\}/g, 'x1')
      const hasBody = !['get', 'delete'].includes(method)
      const response = await fetch(url, {
        method: method.toUpperCase(),
        redirect: 'manual',
        ...(hasBody ? { body: '{}' } : {}),
      })
      const documentedStatuses = Object.keys(operation.responses).sort()
      const status = documentedStatuses.find((s) => /^2/.test(s)) ?? documentedStatuses.find((s) => /^3/.test(s))
      expect(String(response.status)).toBe(status)
      const pathRef = `#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${status}`
      const documented = operation.responses[status as string]
      const content = documented.$ref ? null : documented.content
      if (!content) return
      const [type] = Object.keys(content)
      // A documented media range (`*/*` for a file of any type) is answered with a concrete type within it.
      const actual = response.headers.get('Content-Type') ?? ''
      expect(withinMediaRange(actual, type ?? ''), `${actual} within ${type}`).toBe(true)
      if (/json/.test(type ?? '')) {
        const body = await response.json()
        expect(check(`${pathRef}/content/${(type ?? '').replace(/\//g, '~1')}/schema`, body)).toBeNull()
      }
    },
  )

  test.each(Object.keys(doc.components.schemas))('fixture(%s) is valid against its schema', (schema) => {
    const make = createFixtureFactory<Record<string, unknown>>(doc)
    expect(check(`#/components/schemas/${schema}`, make(schema))).toBeNull()
  })
})

// Whether a Content-Type lies within a media range such as `image/png`, `image/*` or `*/*`.
function withinMediaRange(contentType: string, range: string): boolean {
  const [type, subtype] = (contentType.split(';')[0] ?? '').trim().toLowerCase().split('/')
  const [rangeType, rangeSubtype] = range.toLowerCase().split('/')
  if (!type || !subtype) return false
  return (rangeType === '*' || rangeType === type) && (rangeSubtype === '*' || rangeSubtype === subtype)
}

describe('fixtures and overrides', () => {
  test('fixture() applies overrides on top of the spec examples and stays typed', () => {
    const problem = fixture('Problem', { status: 404, code: 'not_found' })
    expect(problem).toMatchObject({ status: 404, code: 'not_found', title: 'Validation failed' })
    const make = createFixtureFactory<FixtureComponents['schemas']>(specs['fixture api.yaml'])
    const task = make('Task', { title: 'Write docs' })
    expect(task.title).toBe('Write docs')
    expect(task.status).toBe('todo')
    expect(task.labels).toEqual([])
  })

  test('tasklaneHttp overrides one operation with a typed response', async () => {
    const api = tasklaneHttp(BASE_URL)
    server.resetHandlers(...tasklaneHandlers({ baseUrl: BASE_URL }))
    server.use(
      api.get('/readyz', ({ response }) =>
        response(503).json(fixture('Problem', { status: 503, code: 'service_unavailable' })),
      ),
    )
    const tl = createTasklane({ baseUrl: BASE_URL, maxRetries: 0 })
    expect((await tl.GET('/readyz')).error?.code).toBe('service_unavailable')
    expect((await unwrap(tl.GET('/healthz'))).status).toBe('ok')
  })

  test('events(tl) against the mocks yields the example change of streamEvents, valid against Change', async () => {
    server.resetHandlers(...tasklaneHandlers({ baseUrl: BASE_URL }))
    const tl = createTasklane({ baseUrl: BASE_URL, apiKey: 'tl_test' })
    const check = validatorFor(specs['openapi.yaml'])
    const received = []
    for await (const event of events(tl, { signal: AbortSignal.timeout(5000) })) {
      received.push(event)
      break
    }
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({ seq: '42', type: 'task.updated' })
    expect(check('#/components/schemas/Change', received[0])).toBeNull()
  })

  test('the generic handlers serve any spec to a typed client (here the fixture API)', async () => {
    server.resetHandlers(...createMockHandlers(specs['fixture api.yaml'], { baseUrl: BASE_URL }))
    const tl = createTasklane<FixturePaths>({ baseUrl: BASE_URL })
    const projects = await tl.paginate('/v1/projects').toArray({ maxItems: 10 })
    expect(projects).toEqual([{ id: 'prj_1', name: 'Launch', createdAt: '2026-01-01T00:00:00Z' }])
  })
})
