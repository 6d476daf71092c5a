import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import $RefParser from '@apidevtools/json-schema-ref-parser'
import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { generateRoutes } from '../../../scripts/generate.mjs'
import { fixTakibiOutput } from '../../../scripts/takibi-postprocess.mjs'
import { diffDocuments } from '../test/openapi-diff.js'

// hono-takibi 0.9.x output has gaps on @hono/zod-openapi 1.6 + zod 4 that scripts/takibi-postprocess.mjs
// fixes. Each test generates routes from a fixture spec that has one of each construct, and shows the gap
// in hono-takibi's own output next to the fix in ours, so a fix that is no longer needed (or no longer
// works) after an upgrade is noticed.
// biome-ignore lint/suspicious/noExplicitAny: generated modules and OpenAPI documents, walked by key; the assertions check the shapes.
type Json = any

const FIXTURE = fileURLToPath(new URL('./fixtures/takibi-gaps.yaml', import.meta.url))
// .mts: importable by vitest, but outside tsc's `src/**/*.ts` and biome's reach (generated/ is ignored).
const OUT_ROOT = fileURLToPath(new URL('./fixtures/generated/', import.meta.url))
const OFFSET_TIME = '2026-12-01T10:00:00+02:00'
const INFO = { title: 'takibi gaps', version: '0.0.0' }

let dir: string
let rawSource: string
let raw: Json
let fixed: Json
let spec: Json

beforeAll(async () => {
  const { raw: rawText, fixed: fixedText } = generateRoutes(FIXTURE)
  rawSource = rawText
  mkdirSync(OUT_ROOT, { recursive: true })
  dir = mkdtempSync(OUT_ROOT)
  writeFileSync(`${dir}/raw.mts`, rawText)
  writeFileSync(`${dir}/fixed.mts`, fixedText)
  raw = await import(`${dir}/raw.mts`)
  fixed = await import(`${dir}/fixed.mts`)
  spec = await $RefParser.dereference(parse(readFileSync(FIXTURE, 'utf8')))
}, 30_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** An app serving the given generated routes, registering the security schemes the module exports. */
function appOf(mod: Json, routes: RouteConfig[]) {
  const app = new OpenAPIHono()
  for (const route of routes) {
    app.openapi(route, (c: Json) =>
      c.json({ id: 'thg_1', count: 1, size: 5, dueAt: OFFSET_TIME }, route.method === 'post' ? 201 : 200, {
        Location: '/things/thg_1',
      }),
    )
  }
  for (const [name, scheme] of Object.entries(mod.securitySchemes ?? {})) {
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme as never)
  }
  return app
}

const documentOf = (app: OpenAPIHono) => app.getOpenAPI31Document({ openapi: '3.1.0', info: INFO }) as Json
/**
 * hono-takibi's output can emit a document only without the operation that has an inline header (gap a);
 * the request body schema of that operation is registered on its own.
 */
const rawDocument = () => {
  const app = appOf(raw, [raw.getThingsRoute])
  app.openAPIRegistry.register('ThingPatch', raw.ThingPatchSchema)
  return documentOf(app)
}
const fixedDocument = () => documentOf(appOf(fixed, [fixed.getThingsRoute, fixed.postThingsRoute]))

const post = (app: OpenAPIHono, body: unknown, headers: Record<string, string> = {}) =>
  app.request('/things', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

describe('hono-takibi output, post-processed', () => {
  it('emits a document equal to the fixture spec for every operation', async () => {
    const emitted = await $RefParser.dereference(fixedDocument())
    const differences = diffDocuments(spec, emitted)
    expect(differences, differences.join('\n')).toEqual([])
  })

  it('(a) emits an operation with an inline required response header, as required with its format', () => {
    expect(() => documentOf(appOf(raw, [raw.postThingsRoute]))).toThrow()

    const location = fixedDocument().paths['/things'].post.responses['201'].headers.Location
    expect(location.required).toBe(true)
    expect(location.schema).toMatchObject({ type: 'string', format: 'uri-reference', maxLength: 2000 })
  })

  it('(b) documents exactOptional fields, parameters and headers as optional', () => {
    const before = rawDocument()
    expect([...before.components.schemas.ThingPatch.required].sort()).toEqual(['dueAt', 'labels', 'link', 'name'])
    expect(before.paths['/things'].get.responses['200'].headers['X-Request-Id'].required).toBe(true)

    const after = fixedDocument()
    expect(after.components.schemas.ThingPatch.required).toBeUndefined()
    expect([...after.components.schemas.Thing.required].sort()).toEqual(['count', 'dueAt', 'id', 'size'])
    expect(after.paths['/things'].get.responses['200'].headers['X-Request-Id'].required).toBeFalsy()
    const limit = after.paths['/things'].get.parameters.find((p: Json) => p.name === 'limit')
    expect(limit.required).toBe(false)
    // Still optional, still validated when given.
    expect(fixed.ThingSchema.safeParse({ id: 'a', count: 1, size: 1, dueAt: OFFSET_TIME }).success).toBe(true)
    expect(fixed.ThingSchema.safeParse({ id: 'a', count: 1, size: 1, dueAt: OFFSET_TIME, note: 5 }).success).toBe(false)
  })

  it('(c) accepts RFC 3339 date-times with an offset, and still rejects what is not one', async () => {
    expect(raw.ThingPatchSchema.safeParse({ dueAt: OFFSET_TIME }).success).toBe(false)

    const app = appOf(fixed, [fixed.postThingsRoute])
    expect((await post(app, { dueAt: OFFSET_TIME })).status).toBe(201)
    expect((await post(app, { dueAt: '2026-12-01T10:00:00Z' })).status).toBe(201)
    expect((await post(app, { dueAt: '2026-12-01 10:00' })).status).toBe(400)
    expect((await post(app, { dueAt: '2026-12-01T10:00:00+25:00' })).status).toBe(400)
    // RFC 3339 §5.6 allows `t` and `z` in lower case, and a leap second at the end of a UTC day.
    expect(raw.ThingPatchSchema.safeParse({ dueAt: '2026-12-01t10:00:00z' }).success).toBe(false)
    expect((await post(app, { dueAt: '2026-12-01t10:00:00z' })).status).toBe(201)
    expect((await post(app, { dueAt: '2016-12-31T23:59:60Z' })).status).toBe(201)
    expect((await post(app, { dueAt: '2016-12-31T12:59:60Z' })).status).toBe(400)
    // In year 10000 once in UTC: no RFC 3339 form to give it back in.
    expect((await post(app, { dueAt: '9999-12-31T23:00:00-02:00' })).status).toBe(400)
    expect((await post(app, { dueAt: '2026-02-29T10:00:00Z' })).status).toBe(400)
    expect(fixedDocument().components.schemas.ThingPatch.properties.dueAt).toMatchObject({ format: 'date-time' })
  })

  it('(d) keeps minProperties and uri-reference in the document, and enforces minProperties', async () => {
    const before = rawDocument().components.schemas
    expect(before.ThingPatch.minProperties).toBeUndefined()
    expect(before.Thing.properties.link.format).toBeUndefined()

    const after = fixedDocument().components.schemas
    expect(after.ThingPatch.minProperties).toBe(1)
    expect(after.Thing.properties.link.format).toBe('uri-reference')

    const app = appOf(fixed, [fixed.postThingsRoute])
    const empty = await post(app, {})
    expect(empty.status).toBe(400)
    expect(JSON.stringify(await empty.json())).toContain('Give at least 1 field')
    expect((await post(app, { name: 'x' })).status).toBe(201)
  })

  it('keeps uniqueItems in the document, and enforces it with a message', async () => {
    expect(rawDocument().components.schemas.ThingPatch.properties.labels.uniqueItems).toBeUndefined()

    expect(fixedDocument().components.schemas.ThingPatch.properties.labels.uniqueItems).toBe(true)
    const app = appOf(fixed, [fixed.postThingsRoute])
    const twice = await post(app, { labels: ['a', 'a'] })
    expect(twice.status).toBe(400)
    expect(JSON.stringify(await twice.json())).toContain('Give each item once')
    expect((await post(app, { labels: ['a', 'b'] })).status).toBe(201)
  })

  it('(e) registers the security schemes', () => {
    expect(raw.securitySchemes).toBeUndefined()
    expect(rawDocument().components.securitySchemes).toBeUndefined()

    const after = fixedDocument()
    expect(after.components.securitySchemes).toEqual(spec.components.securitySchemes)
    expect(after.paths['/things'].get.security).toEqual([{ bearerAuth: [] }])
  })

  it('(f) documents int32 as an integer and validates int64 from JSON numbers', () => {
    const before = rawDocument().components.schemas.Thing.properties
    expect(before.count.type).toBe('number')
    expect(raw.ThingSchema.safeParse({ id: 'a', count: 1, size: 5, dueAt: '2026-12-01T10:00:00Z' }).success).toBe(false)

    const after = fixedDocument().components.schemas.Thing.properties
    expect(after.count).toMatchObject({ type: 'integer', format: 'int32', minimum: 0, maximum: 1000 })
    expect(after.size).toMatchObject({ type: 'integer', format: 'int64', minimum: 0 })
    const thing = (count: number, size: number) => ({ id: 'a', count, size, dueAt: OFFSET_TIME })
    expect(fixed.ThingSchema.safeParse(thing(1, 5)).success).toBe(true)
    expect(fixed.ThingSchema.safeParse(thing(1.5, 5)).success).toBe(false)
    expect(fixed.ThingSchema.safeParse(thing(1, -1)).success).toBe(false)
  })

  it('needs no fix for request headers with mixed-case names: validates them and documents them', async () => {
    const invalidKey = { 'Idempotency-Key': 'has spaces' }
    expect((await post(appOf(raw, [raw.postThingsRoute]), { name: 'x' }, invalidKey)).status).toBe(400)

    const app = appOf(fixed, [fixed.postThingsRoute])
    expect((await post(app, { name: 'x' }, invalidKey)).status).toBe(400)
    expect((await post(app, { name: 'x' }, { 'idempotency-key': 'a-key_1' })).status).toBe(201)
    const param = fixedDocument().paths['/things'].post.parameters.find((p: Json) => p.in === 'header')
    expect(param).toMatchObject({ name: 'Idempotency-Key', required: false, schema: { maxLength: 255 } })
  })

  it('fails generation, naming the rule, when a rule edits nothing because the output changed shape', () => {
    // As if an upgrade of hono-takibi wrote int32 differently: the int32 rule no longer matches.
    const changed = rawSource.replace(/\.int32\(\)/g, '.int()')
    expect(changed).not.toBe(rawSource)
    expect(() => fixTakibiOutput(changed, FIXTURE)).toThrow(/edited nothing[\s\S]*int32 \(the spec uses format:int32\)/)
    expect(() => fixTakibiOutput(rawSource, FIXTURE)).not.toThrow()
  })
})
