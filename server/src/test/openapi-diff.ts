// Compares two dereferenced OpenAPI documents operation by operation, as a client or validator sees them:
// which operations exist, and what each accepts and answers. Differences come back as readable lines
// ("GET /v1/projects (listProjects) response 200 body .data.items.maxLength: spec 200, routes undefined").
// biome-ignore lint/suspicious/noExplicitAny: two OpenAPI documents walked by key; any difference in shape is reported, not typed away.
type Json = any

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/**
 * Keywords that only document a schema; they change nothing a validator accepts. Everything else
 * (type, format, enum, const, bounds, lengths, pattern, required, additionalProperties, default, …) is compared.
 */
const METADATA = new Set(['description', 'example', 'examples', 'title', '$comment', '$schema', 'externalDocs'])

/** Keywords whose array value is a set: order carries no meaning. */
const SET_KEYWORDS = new Set(['required', 'enum', 'type'])

/**
 * A schema in one canonical shape: metadata dropped, set-valued keywords sorted, and the spellings that mean
 * the same thing made equal (`nullable`/`anyOf [X, null]` → a type array, a one-element type array → a string,
 * `const` → itself, `exclusiveMinimum: true` never appears in 3.1 so is left to fail loudly).
 */
export function normalizeSchema(schema: Json, seen = new Map<object, Json>()): Json {
  if (Array.isArray(schema)) return schema.map((s) => normalizeSchema(s, seen))
  if (schema === null || typeof schema !== 'object') return schema
  const cached = seen.get(schema)
  if (cached) return cached
  const out: Json = {}
  seen.set(schema, out)
  for (const [key, value] of Object.entries(schema)) {
    if (METADATA.has(key)) continue
    if (key === 'properties' || key === 'patternProperties' || key === '$defs') {
      out[key] = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, normalizeSchema(v, seen)]))
    } else {
      out[key] = normalizeSchema(value, seen)
    }
  }
  // OpenAPI 3.0 `nullable: true` and `anyOf: [X, { type: 'null' }]` both mean "X or null".
  if (out.nullable === true) {
    delete out.nullable
    out.type = [...new Set([...[out.type].flat().filter(Boolean), 'null'])]
  } else if (out.nullable === false) {
    delete out.nullable
  }
  if (Array.isArray(out.anyOf) && out.anyOf.length === 2) {
    const nullIndex = out.anyOf.findIndex((s: Json) => s && Object.keys(s).length === 1 && s.type === 'null')
    const other = out.anyOf[1 - nullIndex]
    if (nullIndex !== -1 && other && typeof other.type === 'string' && Object.keys(out).length === 1) {
      return { ...other, type: [other.type, 'null'] }
    }
  }
  // `const: v` is `enum: [v]`, and either implies the type of v.
  if ('const' in out && !('enum' in out)) {
    out.enum = [out.const]
    delete out.const
  }
  if (Array.isArray(out.enum) && out.enum.length === 1 && out.type === undefined) {
    const value = out.enum[0]
    const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
    if (type === 'string' || type === 'boolean' || type === 'null') out.type = type
  }
  for (const key of SET_KEYWORDS) {
    if (Array.isArray(out[key])) out[key] = [...out[key]].sort((a, b) => stable(a).localeCompare(stable(b)))
  }
  if (Array.isArray(out.type) && out.type.length === 1) out.type = out.type[0]
  // The empty schema accepts everything, as `true` does; no `properties` constrains no property.
  if (isEmptyObject(out.additionalProperties)) out.additionalProperties = true
  if (isEmptyObject(out.properties)) delete out.properties
  // An empty `required` list requires nothing.
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required
  return out
}

function isEmptyObject(value: Json): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0
}

function stable(value: Json): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v,
  )
}

/** Lists where two normalised schemas differ, as `location: spec …, routes …` lines. */
function diffValues(where: string, spec: Json, routes: Json, out: string[], depth = 0): void {
  if (depth > 40) return // recursive schemas: deep enough to have seen every difference once
  const isObject = (v: Json) => v !== null && typeof v === 'object' && !Array.isArray(v)
  if (isObject(spec) && isObject(routes)) {
    for (const key of new Set([...Object.keys(spec), ...Object.keys(routes)])) {
      diffValues(`${where}.${key}`, spec[key], routes[key], out, depth + 1)
    }
    return
  }
  if (Array.isArray(spec) && Array.isArray(routes) && spec.length === routes.length) {
    spec.forEach((s, i) => {
      diffValues(`${where}[${i}]`, s, routes[i], out, depth + 1)
    })
    return
  }
  if (stable(spec) !== stable(routes)) {
    out.push(`${where}: spec ${show(spec)}, routes ${show(routes)}`)
  }
}

function show(value: Json): string {
  if (value === undefined) return '(absent)'
  const text = JSON.stringify(value)
  return text.length > 160 ? `${text.slice(0, 157)}...` : text
}

function diffSchemas(where: string, spec: Json, routes: Json, out: string[]): void {
  diffValues(where, normalizeSchema(spec ?? {}), normalizeSchema(routes ?? {}), out)
}

function diffContent(where: string, spec: Json, routes: Json, out: string[]): void {
  const specTypes = Object.keys(spec ?? {}).sort()
  const routeTypes = Object.keys(routes ?? {}).sort()
  if (stable(specTypes) !== stable(routeTypes)) {
    out.push(`${where} content types: spec ${show(specTypes)}, routes ${show(routeTypes)}`)
  }
  for (const type of specTypes.filter((t) => routeTypes.includes(t))) {
    diffSchemas(`${where} ${type} schema`, spec[type].schema, routes[type].schema, out)
  }
}

/** Parameters by location and name; header names are case-insensitive in HTTP. */
function paramsByKey(params: Json[] | undefined): Map<string, Json> {
  return new Map((params ?? []).map((p) => [`${p.in} ${p.in === 'header' ? String(p.name).toLowerCase() : p.name}`, p]))
}

function diffOperation(where: string, spec: Json, routes: Json, out: string[]): void {
  if (spec.operationId !== routes.operationId) {
    out.push(`${where} operationId: spec ${show(spec.operationId)}, routes ${show(routes.operationId)}`)
  }

  const specParams = paramsByKey(spec.parameters)
  const routeParams = paramsByKey(routes.parameters)
  for (const key of new Set([...specParams.keys(), ...routeParams.keys()])) {
    const s = specParams.get(key)
    const r = routeParams.get(key)
    if (!s || !r) {
      out.push(`${where} parameter ${key}: ${s ? 'missing from the routes' : 'not in the spec'}`)
      continue
    }
    if (Boolean(s.required) !== Boolean(r.required)) {
      out.push(`${where} parameter ${key} required: spec ${Boolean(s.required)}, routes ${Boolean(r.required)}`)
    }
    diffSchemas(`${where} parameter ${key} schema`, s.schema, r.schema, out)
  }

  const specBody = spec.requestBody
  const routeBody = routes.requestBody
  if (Boolean(specBody) !== Boolean(routeBody)) {
    out.push(`${where} request body: ${specBody ? 'missing from the routes' : 'not in the spec'}`)
  } else if (specBody) {
    if (Boolean(specBody.required) !== Boolean(routeBody.required)) {
      out.push(
        `${where} request body required: spec ${Boolean(specBody.required)}, routes ${Boolean(routeBody.required)}`,
      )
    }
    diffContent(`${where} request body`, specBody.content, routeBody.content, out)
  }

  const specResponses = spec.responses ?? {}
  const routeResponses = routes.responses ?? {}
  for (const status of new Set([...Object.keys(specResponses), ...Object.keys(routeResponses)])) {
    const s = specResponses[status]
    const r = routeResponses[status]
    const at = `${where} response ${status}`
    if (!s || !r) {
      out.push(`${at}: ${s ? 'missing from the routes' : 'not in the spec'}`)
      continue
    }
    diffContent(at, s.content, r.content, out)
    const specHeaders = lowerKeys(s.headers)
    const routeHeaders = lowerKeys(r.headers)
    for (const name of new Set([...Object.keys(specHeaders), ...Object.keys(routeHeaders)])) {
      const sh = specHeaders[name]
      const rh = routeHeaders[name]
      if (!sh || !rh) {
        out.push(`${at} header ${name}: ${sh ? 'missing from the routes' : 'not in the spec'}`)
        continue
      }
      if (Boolean(sh.required) !== Boolean(rh.required)) {
        out.push(`${at} header ${name} required: spec ${Boolean(sh.required)}, routes ${Boolean(rh.required)}`)
      }
      diffSchemas(`${at} header ${name} schema`, sh.schema, rh.schema, out)
    }
  }

  const specSecurity = stable(spec.security ?? null)
  const routeSecurity = stable(routes.security ?? null)
  if (specSecurity !== routeSecurity) {
    out.push(`${where} security: spec ${specSecurity}, routes ${routeSecurity}`)
  }
}

function lowerKeys(record: Json): Record<string, Json> {
  return Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
}

function operationsOf(doc: Json): Map<string, Json> {
  const ops = new Map<string, Json>()
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Json][]) {
    for (const method of METHODS) {
      if (!item[method]) continue
      // Path-level parameters apply to every operation of the path unless the operation redefines them.
      const own = paramsByKey(item[method].parameters)
      const inherited = [...paramsByKey(item.parameters)].filter(([key]) => !own.has(key)).map(([, p]) => p)
      const parameters = [...inherited, ...own.values()]
      ops.set(`${method.toUpperCase()} ${path}`, { ...item[method], parameters })
    }
  }
  return ops
}

/**
 * Every difference between what the spec describes and what the routes emit, operation by operation,
 * plus the security schemes. Both documents must be dereferenced. An empty list means they agree.
 */
export function diffDocuments(spec: Json, routes: Json): string[] {
  const out: string[] = []
  const specOps = operationsOf(spec)
  const routeOps = operationsOf(routes)
  for (const key of new Set([...specOps.keys(), ...routeOps.keys()])) {
    const s = specOps.get(key)
    const r = routeOps.get(key)
    const where = `${key} (${(s ?? r).operationId})`
    if (!s || !r) {
      out.push(`${where}: ${s ? 'in the spec but not served by the routes' : 'served but not in the spec'}`)
      continue
    }
    diffOperation(where, s, r, out)
  }
  const specSchemes = spec.components?.securitySchemes ?? {}
  const routeSchemes = routes.components?.securitySchemes ?? {}
  for (const name of new Set([...Object.keys(specSchemes), ...Object.keys(routeSchemes)])) {
    diffValues(`securitySchemes.${name}`, normalizeSchema(specSchemes[name]), normalizeSchema(routeSchemes[name]), out)
  }
  return out
}
