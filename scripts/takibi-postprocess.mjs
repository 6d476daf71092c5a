// Fixes the known gaps of hono-takibi 0.9.x output on @hono/zod-openapi 1.6 + zod 4, so that the routes
// validate what openapi.yaml says and emit a document equal to it (server/src/openapi/drift.test.ts proves
// that). Each fix is small, applied to the parsed output rather than by guessing at text, and covered by
// server/src/openapi/takibi-gaps.test.ts. Each is a named rule that must edit something whenever the spec
// uses the construct it fixes: a rule that matches nothing means hono-takibi's output changed shape (an
// upgrade), and generation fails saying which rule to review instead of silently shipping the gap.
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { parse } from 'yaml'

/** String formats that hono-takibi drops; they are put back as OpenAPI metadata on the property. */
const DROPPED_FORMATS = new Set(['uri-reference'])

/**
 * @param {string} source hono-takibi's output
 * @param {string} specPath openapi.yaml
 */
export function fixTakibiOutput(source, specPath) {
  const spec = parse(readFileSync(specPath, 'utf8'))
  /** @type {Map<string, number>} edits made by each rule */
  const edits = new Map(Object.keys(RULES).map((rule) => [rule, 0]))
  const count = (rule) => edits.set(rule, (edits.get(rule) ?? 0) + 1)
  // Structural fixes first; they copy text of inner nodes, which the token fixes then see in their place.
  const structural = fixStructure(source, spec, count)
  const out = fixTokens(structural, count)
  assertEveryRuleApplied(edits, specConstructs(spec), specPath)
  return withHelpers(out) + appendix(ts.createSourceFile('routes.ts', out, ts.ScriptTarget.Latest, true), spec)
}

/**
 * The post-processing rules by name, each with the spec construct whose presence means it must edit
 * something (`specConstructs` names them: `format:<name>`, a keyword, or `optional` / `response-header`).
 */
const RULES = {
  'response-header-shape': 'response-header',
  'dropped-format': 'format:uri-reference',
  'exact-optional': 'optional',
  'date-time': 'format:date-time',
  email: 'format:email',
  int32: 'format:int32',
  int64: 'format:int64',
  'min-properties': 'minProperties',
  'unique-items': 'uniqueItems',
}

/** What a spec uses that the rules care about: every `format`, the keywords, optional properties, response headers. */
function specConstructs(spec) {
  const found = new Set()
  const walk = (node, key) => {
    if (!node || typeof node !== 'object') return
    if (Array.isArray(node)) {
      for (const n of node) walk(n)
      return
    }
    if (typeof node.format === 'string') found.add(`format:${node.format}`)
    if (node.uniqueItems === true) found.add('uniqueItems')
    if (typeof node.minProperties === 'number') found.add('minProperties')
    if (node.properties && typeof node.properties === 'object') {
      const required = new Set(Array.isArray(node.required) ? node.required : [])
      if (Object.keys(node.properties).some((p) => !required.has(p))) found.add('optional')
    }
    if (key === 'responses') {
      for (const response of Object.values(node)) {
        if (response?.headers && Object.keys(response.headers).length > 0) found.add('response-header')
      }
    }
    for (const [k, v] of Object.entries(node)) walk(v, k)
  }
  walk(spec)
  return found
}

function assertEveryRuleApplied(edits, constructs, specPath) {
  const idle = Object.entries(RULES)
    .filter(([rule, construct]) => constructs.has(construct) && edits.get(rule) === 0)
    .map(([rule, construct]) => `  ${rule} (the spec uses ${construct})`)
  if (idle.length > 0) {
    throw new Error(
      `takibi-postprocess: these rules edited nothing in the routes generated from ${specPath}, though the spec uses what they fix:\n${idle.join('\n')}\n` +
        "hono-takibi's output has changed shape (was it upgraded?): check whether the gap is gone (then delete the rule and its test in takibi-gaps.test.ts) or the rule needs to match the new output.",
    )
  }
}

// The validators that the token fixes refer to, put after the imports. Function declarations are hoisted,
// so the schemas below them may use them.
const HELPERS = `
// RFC 5321 Mailbox in dot-atom form (the form JSON Schema's \`format: email\` is checked by), any case.
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_\`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_\`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i

const RFC3339 =
  /^(\\d{4})-(\\d{2})-(\\d{2})[Tt](\\d{2}):(\\d{2}):(\\d{2})(?:\\.\\d+)?(?:[Zz]|([+-])(\\d{2}):(\\d{2}))$/
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** RFC 3339 §5.6 date-time whose instant, in UTC, falls in years 0000–9999 (so it has an RFC 3339 UTC form). */
export function isRfc3339DateTime(value: string): boolean {
  const m = RFC3339.exec(value)
  if (!m) return false
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!)) return false
  if (hour > 23 || minute > 59 || second > 60) return false
  const offsetMinutes = m[7] ? (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) : 0
  if (m[7] && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false
  const utc = new Date(0)
  utc.setUTCFullYear(year, month - 1, day)
  utc.setUTCHours(hour, minute - offsetMinutes, Math.min(second, 59))
  // A leap second is inserted at the end of a UTC day only.
  if (second === 60 && (utc.getUTCHours() !== 23 || utc.getUTCMinutes() !== 59)) return false
  const utcYear = utc.getUTCFullYear()
  return utcYear >= 0 && utcYear <= 9999
}

const dateTime = () =>
  z.string().refine(isRfc3339DateTime, { error: 'Invalid RFC 3339 date-time (years 0000–9999 in UTC)' }).openapi({ format: 'date-time' })
`

function withHelpers(source) {
  const file = parseTs(source)
  const lastImport = file.statements.filter((s) => ts.isImportDeclaration(s)).at(-1)
  const at = lastImport ? lastImport.end : 0
  return `${source.slice(0, at)}\n${HELPERS}${source.slice(at)}`
}

function fixStructure(source, spec, count) {
  const file = parseTs(source)
  /** @type {{ start: number, end: number, text: string }[]} */
  const edits = []
  const text = (node) => node.getText(file)
  const addFormat = (node, format) => {
    if (DROPPED_FORMATS.has(format) && !/\bformat\s*:/.test(text(node))) {
      edits.push({ start: node.end, end: node.end, text: `.openapi({ format: '${format}' })` })
      count('dropped-format')
    }
  }

  const visit = (node) => {
    // Gap: an inline response header comes out as `{ description, required, schema }` inside z.object(),
    // which makes document emission throw. The header's schema alone is what z.object() wants (required
    // unless it is optional, as the spec's `required: true` says).
    if (ts.isPropertyAssignment(node) && propName(node) === 'headers' && isZObjectCall(node.initializer)) {
      const shape = node.initializer.arguments[0]
      const specHeaders = isInsideRequest(node) ? undefined : responseHeadersInSpec(node, spec, file)
      for (const prop of shape.properties) {
        if (!ts.isPropertyAssignment(prop) || !ts.isObjectLiteralExpression(prop.initializer)) continue
        const schema = prop.initializer.properties.find((p) => propName(p) === 'schema')
        if (!schema) continue
        // Gap: the inline header's schema also loses formats such as uri-reference (`Location`).
        const format = specHeaders?.[propName(prop)]?.schema?.format
        const fixed = DROPPED_FORMATS.has(format)
          ? `${text(schema.initializer)}.openapi({ format: '${format}' })`
          : null
        if (fixed) count('dropped-format')
        edits.push(replace(prop.initializer, fixed ?? text(schema.initializer)))
        count('response-header-shape')
      }
      // Request headers (`Idempotency-Key`) need no fix: the validator matches them case-insensitively,
      // and zod-openapi insists that a key equals its `param.name`.
      return
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const name = node.name.text
      // Gap: component schema properties lose some string formats (uri-reference).
      const component = name.endsWith('Schema') && spec.components?.schemas?.[name.slice(0, -'Schema'.length)]
      const shape = component && findObjectShape(node.initializer)
      if (shape) {
        for (const prop of shape.properties) {
          if (ts.isPropertyAssignment(prop)) addFormat(prop.initializer, component.properties?.[propName(prop)]?.format)
        }
      }
      // Gap: component headers lose them too (`Location: format: uri-reference`).
      if (name.endsWith('HeaderSchema')) {
        const header = Object.entries(spec.components?.headers ?? {}).find(
          ([key]) => `${key.replace(/[^A-Za-z0-9]/g, '')}HeaderSchema` === name,
        )?.[1]
        if (header) addFormat(node.initializer, header.schema?.format)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return applyEdits(source, edits)
}

/** The spec's headers of the response a `headers:` property of a createRoute() belongs to. */
function responseHeadersInSpec(headersProp, spec, file) {
  const response = headersProp.parent?.parent
  const status = response && ts.isPropertyAssignment(response) ? propName(response) : undefined
  let route = headersProp.parent
  while (route && !(ts.isCallExpression(route) && route.expression.getText(file) === 'createRoute'))
    route = route.parent
  const config = route?.arguments[0]
  if (!status || !config || !ts.isObjectLiteralExpression(config)) return undefined
  const value = (key) => config.properties.find((p) => propName(p) === key)?.initializer?.text
  return spec.paths?.[value('path')]?.[value('method')]?.responses?.[status]?.headers
}

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

function fixTokens(source, count) {
  const file = parseTs(source)
  /** @type {{ start: number, end: number, text: string }[]} */
  const edits = []
  const fix = (rule, edit) => {
    edits.push(edit)
    count(rule)
  }
  const visit = (node) => {
    if (ts.isCallExpression(node)) {
      const callee = code(node.expression, file)
      const method = ts.isPropertyAccessExpression(node.expression) ? node.expression.name : undefined
      // Gap: zod-openapi documents `.exactOptional()` fields as required. For JSON input the two are the
      // same (JSON has no `undefined`), so plain `.optional()` keeps validation and fixes the document.
      if (method?.text === 'exactOptional' && node.arguments.length === 0)
        fix('exact-optional', replace(method, 'optional'))
      // Gap: `z.iso.datetime()` refuses much of what `format: date-time` (RFC 3339 §5.6) allows: offsets such
      // as `+02:00`, a lower-case `t` or `z`, a leap second. And it takes instants that are not
      // representable once turned into UTC (`9999-12-31T23:00:00-02:00` is in year 10000), which could not be
      // given back as RFC 3339. The appended `dateTime()` takes exactly RFC 3339 within years 0000–9999 UTC.
      if (callee === 'z.iso.datetime' && node.arguments.length === 0) fix('date-time', replace(node, 'dateTime()'))
      // Gap: `z.email()` refuses addresses that `format: email` allows: RFC 5321 dot-atoms with characters
      // such as `!` or `/` in the local part, numeric or punycode top-level domains (`xn--p1ai`).
      if (callee === 'z.email' && node.arguments.length === 0)
        fix('email', replace(node, 'z.email({ pattern: EMAIL })'))
      // Gap: `z.int32()` is documented as `type: number` without its format. A safe integer with a 32-bit
      // range check validates the same and is documented as `type: integer, format: int32`.
      if (callee === 'z.int32' && node.arguments.length === 0) {
        fix(
          'int32',
          replace(
            node,
            `z.int().refine((n) => n >= ${INT32_MIN} && n <= ${INT32_MAX}, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })`,
          ),
        )
      }
      // Gap: `z.int64()` accepts only a bigint, so no JSON number ever validates, and is documented as a
      // string. JSON numbers reach JavaScript as safe integers at most: validate those, as `format: int64`,
      // and turn the chain's bigint bounds (`.min(0n)`) into numbers.
      if (callee === 'z.int64' && node.arguments.length === 0) {
        fix('int64', replace(node, `z.int().openapi({ format: 'int64' })`))
        for (let n = node.parent; n && ts.isPropertyAccessExpression(n) && ts.isCallExpression(n.parent); ) {
          for (const arg of n.parent.arguments) {
            if (ts.isBigIntLiteral(arg)) edits.push(replace(arg, arg.text.slice(0, -1)))
          }
          n = n.parent.parent
        }
      }
      // Gap: `z.file()` (what `format: binary` becomes) has no OpenAPI form, so the document cannot be
      // emitted at all. Say what it is, with its `maxLength` (the most bytes, from the chained `.max(n)`).
      if (callee === 'z.file' && node.arguments.length === 0) {
        const max = node.parent
        const bounded =
          ts.isPropertyAccessExpression(max) && max.name.text === 'max' && ts.isCallExpression(max.parent)
            ? max.parent
            : undefined
        const limit = bounded?.arguments[0] ? code(bounded.arguments[0], file) : undefined
        const doc = `{ type: 'string', format: 'binary'${limit ? `, maxLength: ${limit}` : ''} }`
        edits.push({ start: (bounded ?? node).end, end: (bounded ?? node).end, text: `.openapi(${doc})` })
      }
      // Gap: `minProperties` becomes a bare refine that says "Invalid input" and is missing from the
      // document: give it a message and put the keyword back.
      const minProperties =
        method?.text === 'refine' && node.arguments.length === 1
          ? /^\(o\)=>Object\.keys\(o\)\.length>=(\d+)$/.exec(code(node.arguments[0], file))?.[1]
          : undefined
      // Gap: `uniqueItems` likewise becomes a bare refine, missing from the document.
      if (
        method?.text === 'refine' &&
        node.arguments.length === 1 &&
        code(node.arguments[0], file) === '(items)=>newSet(items).size===items.length'
      ) {
        fix('unique-items', {
          start: node.arguments[0].getStart(file),
          end: node.end,
          text: `(items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })`,
        })
      }
      if (minProperties) {
        const n = minProperties
        fix('min-properties', {
          start: node.arguments[0].getStart(file),
          end: node.end,
          text: `(o) => Object.keys(o).length >= ${n}, { error: 'Give at least ${n} field${n === '1' ? '' : 's'}' }).openapi({ minProperties: ${n} })`,
        })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return applyEdits(source, edits)
}

// Gap: security schemes are exported but never registered, and routes are named after paths. The appendix
// maps operationIds to routes (handlers are named after operationIds) and lists the security schemes.
function appendix(file, spec) {
  const routes = []
  for (const stmt of file.statements) {
    if (!ts.isVariableStatement(stmt)) continue
    for (const decl of stmt.declarationList.declarations) {
      const call = decl.initializer
      if (!call || !ts.isCallExpression(call) || call.expression.getText(file) !== 'createRoute') continue
      const opId = call.arguments[0].properties.find((p) => propName(p) === 'operationId')
      if (opId) routes.push([opId.initializer.text, decl.name.getText(file)])
    }
  }
  routes.sort(([a], [b]) => a.localeCompare(b))
  const schemes = Object.keys(spec.components?.securitySchemes ?? {}).map(
    (name) => `  ${name}: ${name[0].toUpperCase()}${name.slice(1)}SecurityScheme,`,
  )
  return `
/** Every operation of openapi.yaml by operationId. */
export const operations = {
${routes.map(([op, route]) => `  ${op}: ${route},`).join('\n')}
} as const

export type OperationId = keyof typeof operations

/** The security schemes of openapi.yaml, to register on the app's OpenAPI registry. */
export const securitySchemes = {
${schemes.join('\n')}
} as const
`
}

function propName(prop) {
  const name = prop?.name
  if (!name) return undefined
  return ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) ? name.text : undefined
}

function isZObjectCall(node) {
  return ts.isCallExpression(node) && /^z\.(object|strictObject|looseObject)$/.test(code(node.expression))
}

/** A node's source without whitespace, so that `z\n  .object` reads as `z.object`. */
function code(node, file) {
  return node.getText(file).replace(/\s+/g, '')
}

function parseTs(source) {
  return ts.createSourceFile('routes.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
}

function isInsideRequest(node) {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isPropertyAssignment(n)) {
      const name = propName(n)
      if (name === 'request') return true
      if (name === 'responses') return false
    }
  }
  return false
}

/** The object literal of the z.object() call at the root of a schema's method chain. */
function findObjectShape(node) {
  let n = node
  while (n && ts.isCallExpression(n)) {
    if (isZObjectCall(n) && ts.isObjectLiteralExpression(n.arguments[0])) return n.arguments[0]
    n = ts.isPropertyAccessExpression(n.expression) ? n.expression.expression : undefined
  }
  return undefined
}

function replace(node, text) {
  return { start: node.getStart(), end: node.end, text }
}

function applyEdits(source, edits) {
  let out = source
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return out
}
