import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { present } from '../test/present.js'
import { assertMatchesSpec, documentedCodes, type SpecOperation, SpecViolation, specOperations } from '../test/spec.js'

// What each operation documents follows from what it takes: these rules hold for every operation of
// openapi.yaml, including ones added later, so a status or code that cannot occur is not documented and
// one that can is. (Which codes an operation really sends is checked on every test response, by
// assertMatchesSpec.)
// biome-ignore lint/suspicious/noExplicitAny: openapi.yaml as parsed, walked by key; the assertions check the shapes.
type Json = any

const SRC = fileURLToPath(new URL('..', import.meta.url))
const v1 = specOperations.filter((o) => o.path.startsWith('/v1/'))
const name = (o: SpecOperation) => o.operationId
const params = (o: SpecOperation): Json[] => o.operation.parameters ?? []
const hasParam = (o: SpecOperation, where: string, param: string) =>
  params(o).some((p) => p.in === where && p.name.toLowerCase() === param.toLowerCase())
const takesBody = (o: SpecOperation) => o.operation.requestBody !== undefined
const codes = (o: SpecOperation, status: number): string[] => {
  const response = o.operation.responses[String(status)]
  if (!response) return []
  return documentedCodes(response.content?.['application/problem+json']?.schema) ?? []
}
const documents = (o: SpecOperation, status: number) => String(status) in o.operation.responses
const needsCredentials = (o: SpecOperation) =>
  (o.operation.security ?? []).length > 0 &&
  (o.operation.security as Json[]).every((requirement) => Object.keys(requirement).length > 0)

/** Operations for which `predicate` and `documented` disagree, to name them in a failure. */
const mismatches = (ops: SpecOperation[], predicate: (o: SpecOperation) => boolean, documented: typeof predicate) =>
  ops.filter((o) => predicate(o) !== documented(o)).map(name)

describe('what each operation documents', () => {
  it('lists the problem codes of every error response as an enum', () => {
    const missing = specOperations.flatMap((o) =>
      Object.entries(o.operation.responses as Record<string, Json>)
        .filter(([status]) => Number(status) >= 400)
        .filter(([, r]) => !documentedCodes(r.content?.['application/problem+json']?.schema))
        .map(([status]) => `${name(o)} ${status}`),
    )
    expect(missing).toEqual([])
  })

  it('documents 413 and 415 exactly when it takes a body, and the JSON syntax codes exactly when that is JSON', () => {
    // A tus creation has no body but declares the file's length up front (Upload-Length), refused with 413.
    const sized = (o: SpecOperation) => takesBody(o) || hasParam(o, 'header', 'Upload-Length')
    expect(mismatches(specOperations, sized, (o) => documents(o, 413))).toEqual([])
    expect(mismatches(specOperations, takesBody, (o) => documents(o, 415))).toEqual([])
    const json = (o: SpecOperation) => 'application/json' in (o.operation.requestBody?.content ?? {})
    for (const code of ['malformed_json', 'json_too_deep']) {
      expect(
        mismatches(specOperations, json, (o) => codes(o, 400).includes(code)),
        code,
      ).toEqual([])
    }
  })

  it('documents 400 exactly when it has input to validate, and invalid_cursor exactly when it takes a cursor', () => {
    const hasInput = (o: SpecOperation) => takesBody(o) || params(o).length > 0
    expect(mismatches(specOperations, hasInput, (o) => documents(o, 400))).toEqual([])
    expect(mismatches(specOperations, hasInput, (o) => codes(o, 400).includes('validation_failed'))).toEqual([])
    const cursor = (o: SpecOperation) => hasParam(o, 'query', 'cursor')
    expect(mismatches(specOperations, cursor, (o) => codes(o, 400).includes('invalid_cursor'))).toEqual([])
  })

  it('documents 412 exactly with If-Match (or Tus-Resumable) and 304 exactly with If-None-Match', () => {
    expect(
      mismatches(
        specOperations,
        // tus answers a protocol version it does not speak with 412 too.
        (o) => hasParam(o, 'header', 'If-Match') || hasParam(o, 'header', 'Tus-Resumable'),
        (o) => documents(o, 412),
      ),
    ).toEqual([])
    expect(
      mismatches(
        specOperations,
        (o) => hasParam(o, 'header', 'If-None-Match'),
        (o) => documents(o, 304),
      ),
    ).toEqual([])
  })

  it('documents the idempotency conflicts exactly with Idempotency-Key', () => {
    const keyed = (o: SpecOperation) => hasParam(o, 'header', 'Idempotency-Key')
    expect(mismatches(specOperations, keyed, (o) => codes(o, 409).includes('idempotency_key_in_use'))).toEqual([])
    expect(mismatches(specOperations, keyed, (o) => codes(o, 422).includes('idempotency_key_reused'))).toEqual([])
  })

  it('documents the credential failures exactly when credentials are required', () => {
    expect(mismatches(specOperations, needsCredentials, (o) => codes(o, 401).includes('unauthenticated'))).toEqual([])
    for (const o of specOperations.filter(needsCredentials)) {
      expect(codes(o, 401), name(o)).toEqual(
        expect.arrayContaining(['unauthenticated', 'token_invalid', 'token_expired', 'session_revoked']),
      )
    }
  })

  it('documents 429 with RateLimit headers on every /v1 operation, and a 500 on every operation', () => {
    expect(v1.filter((o) => !documents(o, 429)).map(name)).toEqual([])
    expect(specOperations.filter((o) => !documents(o, 500)).map(name)).toEqual([])
  })

  it('gives optional query parameters no example, which Swagger UI would fill in and send', () => {
    const prefilled = specOperations.flatMap((o) =>
      params(o)
        .filter((p) => p.in === 'query' && !p.required)
        .filter((p) => p.example !== undefined || p.examples !== undefined || p.schema?.example !== undefined)
        .map((p) => `${name(o)} ${p.name}`),
    )
    expect(prefilled).toEqual([])
  })

  it('documents, on some operation, every code the server source can send', () => {
    const sent = new Set<string>()
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      )
    for (const file of walk(SRC).filter((f) => !f.endsWith('.test.ts') && !f.includes('/test/'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/new ApiError\(\s*\d{3},\s*'([a-z_]+)'/g))
        sent.add(present(m[1], 'the code'))
    }
    // Answers to requests that match no operation: documented by their own status, not by an operation.
    for (const unmatched of ['route_not_found', 'method_not_allowed']) sent.delete(unmatched)
    const documented = new Set(
      specOperations.flatMap((o) => Object.keys(o.operation.responses).flatMap((s) => codes(o, Number(s)))),
    )
    expect(sent.size).toBeGreaterThan(20)
    expect([...sent].filter((code) => !documented.has(code)).sort()).toEqual([])
  })
})

describe('the response check every test runs', () => {
  const problem = (status: number, code: string) =>
    new Response(
      JSON.stringify({
        type: `https://tasklane.dev/problems/${code}`,
        title: 'Not found',
        status,
        code,
        requestId: 'req_1',
      }),
      { status, headers: { 'content-type': 'application/problem+json' } },
    )
  const task = '/v1/tasks/tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K'

  it('refuses a problem code the operation does not document for that status', async () => {
    await expect(assertMatchesSpec('GET', task, problem(404, 'not_found'))).resolves.toBeUndefined()
    await expect(assertMatchesSpec('GET', task, problem(404, 'forbidden'))).rejects.toThrow(
      new SpecViolation(`GET ${task} → 404: code 'forbidden' is not one getTask documents for 404 (not_found)`),
    )
  })

  it('refuses a documented header whose value does not match its schema', async () => {
    const withRateLimit = (value: string) => {
      const res = problem(404, 'not_found')
      res.headers.set('RateLimit', value)
      return res
    }
    await expect(assertMatchesSpec('GET', task, withRateLimit('"default";r=5;t=30'))).resolves.toBeUndefined()
    await expect(assertMatchesSpec('GET', task, withRateLimit('five left'))).rejects.toThrow(/header RateLimit/)
  })
})
