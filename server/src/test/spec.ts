import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import $RefParser from '@apidevtools/json-schema-ref-parser'
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { parse } from 'yaml'
import { pathPattern } from '../http/errors.js'
import { type ApiDocument, SPEC_PATH } from '../openapi/document.js'
import { sseParser } from './sse.js'

// biome-ignore lint/suspicious/noExplicitAny: openapi.yaml as parsed, walked by key; ajv checks the shapes it describes.
type Json = any

const specYaml = readFileSync(SPEC_PATH, 'utf8')
const specJson = parsedOnce(specYaml)

/**
 * openapi.yaml as JSON text. Parsing the 250 KB of YAML costs a few hundred milliseconds of CPU, paid by
 * every test process; the JSON, kept in the temporary folder under the hash of the YAML it came from, is
 * read in a few. A changed spec has a new hash, so a stale parse is never used.
 */
function parsedOnce(yaml: string): string {
  const dir = join(tmpdir(), 'tasklane-spec-cache')
  const file = join(dir, `${createHash('sha256').update(yaml).digest('hex')}.json`)
  try {
    return readFileSync(file, 'utf8')
  } catch {
    const json = JSON.stringify(parse(yaml))
    mkdirSync(dir, { recursive: true })
    // Written aside and renamed into place, so a parallel reader sees the whole file or none.
    const partial = `${file}.${process.pid}.partial`
    writeFileSync(partial, json)
    renameSync(partial, file)
    return json
  }
}

export const rawSpec: Json = JSON.parse(specJson)

/** The document every test app serves: the same text and parse as production's loadApiDocument(), made once. */
export const testApiDocument: ApiDocument = { yaml: specYaml, json: JSON.parse(specJson) }
/** openapi.yaml with every $ref resolved in place. */
export const dereferencedSpec: Json = await $RefParser.dereference(structuredClone(rawSpec))

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

export interface SpecOperation {
  method: string
  path: string
  operationId: string
  pattern: RegExp
  operation: Json
}

export const specOperations: SpecOperation[] = Object.entries(dereferencedSpec.paths as Json).flatMap(
  ([path, item]: [string, Json]) =>
    METHODS.filter((m) => item[m]).map((method) => ({
      method,
      path,
      operationId: item[method].operationId,
      pattern: pathPattern(path),
      operation: item[method],
    })),
)

const ajv = new Ajv2020.default({ strict: false, allErrors: true })
addFormats.default(ajv)
const compiled = new WeakMap<object, ValidateFunction>()
const compile = (schema: object) => {
  let fn = compiled.get(schema)
  if (!fn) {
    fn = ajv.compile(schema)
    compiled.set(schema, fn)
  }
  return fn
}

/** Finds the documented operation a request went to, preferring literal paths over templated ones. */
export function findOperation(method: string, pathname: string): SpecOperation | undefined {
  const matches = specOperations.filter((o) => o.method === method.toLowerCase() && o.pattern.test(pathname))
  return matches.sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0))[0]
}

export class SpecViolation extends Error {
  override name = 'SpecViolation'
}

/**
 * Checks a response against openapi.yaml: the status is documented for the operation, the content type is
 * one it lists, and the body validates against that schema (JSON Schema 2020-12 with formats). Responses
 * to undocumented routes (404/405) must be problem+json bodies. Throws a SpecViolation saying what differs.
 */
export async function assertMatchesSpec(method: string, url: string, response: Response): Promise<void> {
  const pathname = new URL(url, 'http://tasklane.test').pathname
  // HEAD is documented as an operation of its own where it is one (tus), else it is a GET without the body.
  const op = findOperation(method, pathname) ?? (method === 'HEAD' ? findOperation('get', pathname) : undefined)
  const where = `${method} ${pathname} → ${response.status}`
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? ''
  let schema: Json
  if (!op || response.status === 405) {
    if (!(response.status === 404 || response.status === 405 || (response.status === 200 && !op))) {
      throw new SpecViolation(`${where}: no documented operation matches`)
    }
    if (response.status === 200) return // static assets of /docs
    schema = dereferencedSpec.components.schemas.Problem
    if (contentType !== 'application/problem+json') throw new SpecViolation(`${where}: content type ${contentType}`)
  } else {
    const documented = op.operation.responses[String(response.status)] ?? op.operation.responses.default
    if (!documented) {
      throw new SpecViolation(
        `${where}: status not documented for ${op.operationId} (${Object.keys(op.operation.responses).join(', ')})`,
      )
    }
    assertHeaders(where, documented.headers ?? {}, response.headers)
    if (!documented.content) {
      if (method !== 'HEAD' && response.status !== 304 && (await response.clone().text()) !== '') {
        throw new SpecViolation(`${where}: body sent where ${op.operationId} documents none`)
      }
      return
    }
    if (method === 'HEAD' || response.status === 304) return
    // A documented media range (`image/*`, `*/*`) covers the types in it, as content negotiation reads it.
    const media =
      documented.content[contentType] ??
      documented.content[`${contentType.split('/')[0]}/*`] ??
      documented.content['*/*']
    if (!media) {
      throw new SpecViolation(
        `${where}: content type '${contentType}' not documented (${Object.keys(documented.content).join(', ')})`,
      )
    }
    schema = media.schema
    // Bytes of a file: their type is the file's, and no JSON Schema says more about them.
    if (schema?.format === 'binary') return
    // An event stream does not end; its events are checked one by one as they arrive (eventStreamChecker).
    if (contentType === 'text/event-stream') return
  }
  if (!schema) return
  const text = await response.clone().text()
  let body: unknown = text
  if (contentType.endsWith('json')) {
    try {
      body = JSON.parse(text)
    } catch {
      throw new SpecViolation(`${where}: body is not JSON: ${text.slice(0, 200)}`)
    }
  }
  if (op && response.status >= 400 && contentType === 'application/problem+json') {
    const codes = documentedCodes(schema)
    const code = (body as { code?: unknown } | null)?.code
    if (!codes) throw new SpecViolation(`${where}: ${op.operationId} documents no \`code\` enum for ${response.status}`)
    if (typeof code === 'string' && !codes.includes(code)) {
      throw new SpecViolation(
        `${where}: code '${code}' is not one ${op.operationId} documents for ${response.status} (${codes.join(', ')})`,
      )
    }
  }
  const validate = compile(schema)
  if (!validate(body)) {
    throw new SpecViolation(
      `${where}: body does not match the spec: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`,
    )
  }
}

/** Checks every documented response header that was sent against its schema (integers as numbers). */
function assertHeaders(where: string, documented: Record<string, Json>, headers: Headers): void {
  for (const [name, header] of Object.entries(documented)) {
    const value = headers.get(name)
    if (value === null || !header.schema) continue
    const validate = compile(header.schema)
    const typed = header.schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value
    if (!validate(typed)) {
      throw new SpecViolation(
        `${where}: header ${name} '${value}' does not match the spec: ${ajv.errorsText(validate.errors)}`,
      )
    }
  }
}

/**
 * The problem `code`s a (dereferenced) response schema allows: the `enum` of `code` in one of its `allOf`
 * parts, which is how each operation documents the codes it may send with a status.
 */
export function documentedCodes(schema: Json): string[] | undefined {
  for (const part of [schema, ...(schema?.allOf ?? [])]) {
    const codes = part?.properties?.code?.enum
    if (Array.isArray(codes)) return codes
  }
  return undefined
}

/**
 * Checks a body against the spec's Problem schema, for responses of routes a test adds itself (which
 * `assertMatchesSpec` cannot place). Throws a SpecViolation saying what differs.
 */
export function assertProblem(body: unknown): void {
  const validate = compile(dereferencedSpec.components.schemas.Problem)
  if (!validate(body)) {
    throw new SpecViolation(`not a Problem: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`)
  }
}

/**
 * Passes a `text/event-stream` body through unchanged while checking each event (`id`, `event`, `data`
 * parsed as JSON) against the schema the spec gives for the stream; `retry:` must be a whole number. The
 * reader of the returned body gets a SpecViolation error at the first event that differs.
 */
export function eventStreamChecker(method: string, url: string, response: Response): TransformStream<Uint8Array> {
  const pathname = new URL(url, 'http://tasklane.test').pathname
  const op = findOperation(method, pathname)
  const schema = op?.operation.responses[String(response.status)]?.content?.['text/event-stream']?.schema
  if (!schema) throw new SpecViolation(`${method} ${pathname}: no event stream documented`)
  const validate = compile(schema)
  const parser = sseParser()
  return new TransformStream({
    transform(chunk, controller) {
      for (const block of parser.push(chunk)) {
        if (block.retry !== undefined && !Number.isInteger(block.retry)) {
          throw new SpecViolation(`${method} ${pathname}: retry is not a whole number`)
        }
        if (block.event && !validate(block.event)) {
          throw new SpecViolation(
            `${method} ${pathname}: event does not match the spec: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(block.event).slice(0, 500)}`,
          )
        }
      }
      controller.enqueue(chunk)
    },
  })
}
