// Fixes the known gaps of hono-takibi 0.9.x output on @hono/zod-openapi 1.6 + zod 4, so that the routes
// validate what openapi.yaml says and emit a document equal to it (server/src/openapi/drift.test.ts proves
// that). Each fix is small, applied to the parsed output rather than by guessing at text, and covered by
// server/src/openapi/takibi-gaps.test.ts.
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
  const file = ts.createSourceFile('routes.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  /** @type {{ start: number, end: number, text: string }[]} */
  const edits = []
  const text = (node) => node.getText(file)

  const visit = (node) => {
    // Gap: an inline response header comes out as `{ description, required, schema }` inside z.object(),
    // which makes document emission throw. The header's schema alone is what z.object() wants.
    if (ts.isPropertyAssignment(node) && propName(node) === 'headers' && isZObjectCall(node.initializer)) {
      const shape = node.initializer.arguments[0]
      for (const prop of shape.properties) {
        if (!ts.isPropertyAssignment(prop) || !ts.isObjectLiteralExpression(prop.initializer)) continue
        const schema = prop.initializer.properties.find((p) => propName(p) === 'schema')
        if (schema) edits.push(replace(prop.initializer, text(schema.initializer)))
      }
      // Request headers reach the validator with lower-case names; the documented name stays in `param`.
      if (isInsideRequest(node)) {
        for (const prop of shape.properties) {
          const name = propName(prop)
          if (name && name !== name.toLowerCase()) edits.push(replace(prop.name, `'${name.toLowerCase()}'`))
        }
      }
      return
    }
    // Gap: component schema properties lose some string formats (uri-reference).
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text.endsWith('Schema')) {
      const component = spec.components?.schemas?.[node.name.text.slice(0, -'Schema'.length)]
      const shape = component && findObjectShape(node.initializer)
      if (shape) {
        for (const prop of shape.properties) {
          const format = component.properties?.[propName(prop)]?.format
          if (
            ts.isPropertyAssignment(prop) &&
            DROPPED_FORMATS.has(format) &&
            !text(prop.initializer).includes('format')
          ) {
            edits.push({
              start: prop.initializer.end,
              end: prop.initializer.end,
              text: `.openapi({ format: '${format}' })`,
            })
          }
        }
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)

  let out = applyEdits(source, edits)
  // Gap: zod-openapi documents `.exactOptional()` fields as required. For JSON input the two are the same
  // (JSON has no `undefined`), so plain `.optional()` keeps validation and fixes the document.
  out = out.replaceAll('.exactOptional()', '.optional()')
  // Gap: `z.iso.datetime()` rejects RFC 3339 offsets such as `+02:00`, which `format: date-time` allows.
  // The formatter may break the chain across lines (`z.iso\n  .datetime()`), so match it with any spacing.
  out = out.replace(/z\.iso(\s*)\.datetime\(\)/g, 'z.iso$1.datetime({ offset: true })')
  // Gap: `minProperties` becomes a bare refine: give it a message and put it back in the document.
  out = out.replace(
    /\.refine\(\(o\) => Object\.keys\(o\)\.length >= (\d+)\)/g,
    (_, n) =>
      `.refine((o) => Object.keys(o).length >= ${n}, { error: 'Give at least ${n} field${n === '1' ? '' : 's'}' }).openapi({ minProperties: ${n} })`,
  )
  return out + appendix(file, spec)
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
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined
}

function isZObjectCall(node) {
  return ts.isCallExpression(node) && /^z\.(object|strictObject|looseObject)$/.test(node.expression.getText())
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
