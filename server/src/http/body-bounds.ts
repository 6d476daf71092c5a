/**
 * How much JSON an operation's request schema can possibly take, so that the server reads and parses no
 * more than that. A body that is larger, or has an object with more keys or an array with more items
 * than anywhere in the schema, cannot be valid, and refusing it before it is parsed keeps what any
 * request costs (an anonymous one included) proportional to what the operation needs: `logIn` takes two
 * short strings, so a megabyte of keys sent to it is refused after a few kilobytes.
 */
export interface JsonBounds {
  /** The longest compact JSON text the schema accepts (every character `\u`-escaped); Infinity when unbounded. */
  bytes: number
  /** The most keys any object in the schema may have; Infinity when one takes any property. */
  keys: number
  /** The most items any array in the schema may have; Infinity when one has no `maxItems`. */
  items: number
}

type Schema = Record<string, unknown>

// The longest JSON forms of a number and of a UTF-16 code unit inside a string (`\u001f`).
const NUMBER_BYTES = 32
const BYTES_PER_CHAR = 6

/**
 * The bounds of an OpenAPI 3.1 (JSON Schema) schema, `$ref`s resolved against `document`. Keywords that
 * only narrow what is valid (patterns, formats, minimums) are ignored: the bounds are upper bounds.
 *
 * @example
 * jsonBounds({ type: 'object', additionalProperties: false, properties: { a: { type: 'string', maxLength: 2 } } }, {})
 * // { bytes: 20, keys: 1, items: 0 }
 */
export function jsonBounds(schema: unknown, document: Record<string, unknown>, seen = new Set<string>()): JsonBounds {
  if (typeof schema !== 'object' || schema === null) return unbounded()
  const s = schema as Schema
  if (typeof s.$ref === 'string') {
    // A recursive schema has no bound.
    if (seen.has(s.$ref)) return unbounded()
    return jsonBounds(resolve(document, s.$ref), document, new Set([...seen, s.$ref]))
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const options = s[keyword]
    if (Array.isArray(options))
      return widest(options.map((o) => jsonBounds({ ...s, [keyword]: undefined, ...o }, document, seen)))
  }
  if (Array.isArray(s.allOf)) {
    // Each part could in principle add its own properties; their sum is an upper bound.
    const parts = s.allOf.map((o) => jsonBounds(o, document, seen))
    return {
      bytes: sum(parts.map((p) => p.bytes)),
      keys: sum(parts.map((p) => p.keys)),
      items: Math.max(0, ...parts.map((p) => p.items)),
    }
  }
  if (Array.isArray(s.enum)) return { bytes: Math.max(...s.enum.map(encodedLength)), keys: 0, items: 0 }
  if ('const' in s) return { bytes: encodedLength(s.const), keys: 0, items: 0 }
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : []
  if (types.length === 0) return unbounded()
  return widest(types.map((type) => boundsOfType(type, s, document, seen)))
}

function boundsOfType(type: string, s: Schema, document: Record<string, unknown>, seen: Set<string>): JsonBounds {
  switch (type) {
    case 'null':
      return { bytes: 4, keys: 0, items: 0 }
    case 'boolean':
      return { bytes: 5, keys: 0, items: 0 }
    case 'integer':
    case 'number':
      return { bytes: NUMBER_BYTES, keys: 0, items: 0 }
    case 'string':
      return {
        bytes: typeof s.maxLength === 'number' ? 2 + BYTES_PER_CHAR * s.maxLength : Number.POSITIVE_INFINITY,
        keys: 0,
        items: 0,
      }
    case 'array': {
      const item = jsonBounds(s.items, document, seen)
      const max = typeof s.maxItems === 'number' ? s.maxItems : Number.POSITIVE_INFINITY
      // `[` `]` and a comma between items.
      return { bytes: 2 + max * (item.bytes + 1), keys: item.keys, items: Math.max(max, item.items) }
    }
    case 'object': {
      const properties = Object.entries((s.properties ?? {}) as Record<string, unknown>)
      const inner = properties.map(([name, value]) => {
        const b = jsonBounds(value, document, seen)
        // `"name":value,`
        return { ...b, bytes: encodedLength(name) + 2 + b.bytes }
      })
      const closed = s.additionalProperties === false
      return {
        bytes: closed ? 2 + sum(inner.map((p) => p.bytes)) : Number.POSITIVE_INFINITY,
        keys: closed ? Math.max(properties.length, ...inner.map((p) => p.keys)) : Number.POSITIVE_INFINITY,
        items: Math.max(0, ...inner.map((p) => p.items)),
      }
    }
    default:
      return unbounded()
  }
}

const unbounded = (): JsonBounds => ({
  bytes: Number.POSITIVE_INFINITY,
  keys: Number.POSITIVE_INFINITY,
  items: Number.POSITIVE_INFINITY,
})
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
const widest = (all: JsonBounds[]): JsonBounds => ({
  bytes: Math.max(0, ...all.map((b) => b.bytes)),
  keys: Math.max(0, ...all.map((b) => b.keys)),
  items: Math.max(0, ...all.map((b) => b.items)),
})
// A literal's longest JSON form: compact, each string character escaped.
const encodedLength = (value: unknown): number =>
  typeof value === 'string' ? 2 + BYTES_PER_CHAR * value.length : JSON.stringify(value).length

function resolve(document: Record<string, unknown>, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined
  let node: unknown = document
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined
  }
  return node
}

/** The request body schema of `method` `path` in the document (the first media type's), if it takes one. */
export function requestBodySchema(document: Record<string, unknown>, method: string, path: string): unknown {
  const paths = document.paths as Record<string, Record<string, Schema>> | undefined
  const body = paths?.[path]?.[method.toLowerCase()]?.requestBody as Schema | undefined
  const content = body?.content as Record<string, Schema> | undefined
  const first = content ? Object.values(content)[0] : undefined
  return first?.schema
}
