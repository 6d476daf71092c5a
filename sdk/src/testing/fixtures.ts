import type { OpenApiDocument, SchemaObject } from './spec-types.js'

/** Resolves a local `#/components/...` reference (the only kind the spec uses). */
export function resolveRef<T>(doc: OpenApiDocument, value: T): T {
  let current = value as { $ref?: string } | undefined
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 32; hops++) {
    const path = current.$ref.replace(/^#\//, '').split('/')
    current = path.reduce<unknown>(
      (node, key) => (node as Record<string, unknown>)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
      doc,
    ) as { $ref?: string } | undefined
  }
  return current as T
}

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00.000Z',
  date: '2026-01-01',
  email: 'ada@example.com',
  uri: 'https://example.com/',
  'uri-reference': '/v1',
  uuid: '00000000-0000-4000-8000-000000000000',
}

/**
 * A value valid against `schema`, preferring the spec's own examples so that mocks look like the docs:
 * an `example`, else a `const`/`enum`/`default`, else the smallest value its constraints allow.
 */
export function sample(doc: OpenApiDocument, input: SchemaObject | undefined, depth = 0): unknown {
  const schema = resolveRef(doc, input)
  if (!schema || depth > 12) return null
  if (schema.example !== undefined) return schema.example
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0]
  if (schema.const !== undefined) return schema.const
  if (schema.enum?.length) return schema.enum[0]
  if (schema.default !== undefined) return schema.default
  if (schema.allOf) {
    return Object.assign({}, ...schema.allOf.map((part) => sample(doc, part, depth + 1)))
  }
  const alternative = schema.oneOf?.[0] ?? schema.anyOf?.[0]
  if (alternative) return sample(doc, alternative, depth + 1)
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? (schema.properties ? 'object' : 'null')]
  const type = types.find((t) => t !== 'null') ?? 'null'
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        out[name] = sample(doc, property, depth + 1)
      }
      return out
    }
    case 'array': {
      const count = schema.minItems ?? 0
      return Array.from({ length: count }, () => sample(doc, schema.items, depth + 1))
    }
    case 'string': {
      const text = (schema.format && FORMAT_SAMPLES[schema.format]) || 'string'
      const min = schema.minLength ?? 0
      const padded = text.length < min ? text.padEnd(min, 'x') : text
      return schema.maxLength !== undefined ? padded.slice(0, schema.maxLength) : padded
    }
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0)
      return schema.maximum !== undefined ? Math.min(low, schema.maximum) : low
    }
    case 'boolean':
      return false
    default:
      return null
  }
}

/**
 * A fixture factory over a document's component schemas; `T` maps schema names to their types. The
 * overrides keep their literal types, so `fixture('Problem', { code: 'not_found' })` fits a response that
 * documents only that code.
 *
 * @example
 * const make: FixtureFactory<components['schemas']> = fixture
 */
export type FixtureFactory<T> = <K extends keyof T & string, const O extends Overrides<T[K]> = Record<never, never>>(
  name: K,
  overrides?: O,
) => [keyof O] extends [never] ? T[K] : T[K] & O

/**
 * What `fixture` takes as overrides: any of the schema's fields. Arrays may be read-only, because the
 * `const` inference that keeps `code: 'not_found'` a literal also makes `errors: [...]` a read-only tuple,
 * which a mutable array type would refuse (and the literals would be lost with it).
 */
type Overrides<T> = {
  [P in keyof T]?: NonNullable<T[P]> extends (infer E)[] ? readonly E[] | Extract<T[P], null> : T[P]
}

/**
 * Builds `fixture(name, overrides)` for any OpenAPI document (the SDK's own is `fixture`).
 *
 * @example
 * import { createFixtureFactory } from '@tasklane/sdk/testing'
 * import type { components } from './generated/my-api.js'
 *
 * const make = createFixtureFactory<components['schemas']>(myOpenApiDocument)
 */
export function createFixtureFactory<T>(doc: OpenApiDocument): FixtureFactory<T> {
  return (name, overrides) => {
    const schema = doc.components?.schemas?.[name]
    if (!schema) throw new Error(`The spec has no schema named ${name}`)
    const base = sample(doc, schema)
    return (overrides && typeof base === 'object' && base !== null ? { ...base, ...overrides } : base) as never
  }
}
