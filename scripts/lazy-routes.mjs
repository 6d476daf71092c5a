// The last step of generating server/src/generated/routes.ts: every schema, response and route of the
// module is built when first used instead of when the module loads. Building the zod schemas of every
// operation is most of what a start of the server spends after loading its code (and several MB of heap
// it keeps), while a process serves only some operations, and each first when it is first asked for.
//
// Each top-level `const NAME = <expression>` that builds schemas becomes `const NAME = lazy(() => …)`, a
// memoised function (so every schema is still built once, and shared), and each use of NAME, in the
// module or outside it, calls it: `NAME()`; `typeof NAME` in types becomes `ReturnType<typeof NAME>`.
// `operations` stays an object of routes by operationId, but each one is a getter that builds its route on
// first read. The module itself is loaded on the first request that needs a route: what the app needs of
// every operation at start (method, path, request body media types, request headers) is a module of its
// own, server/src/generated/operation-info.ts, taken from the spec. The router (server/src/http/router.ts)
// binds operations by id and loads the routes and builds each route's validators on its first request.
import ts from 'typescript'

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** Cheap constants the post-processing puts first, used as they are; `operations` is rewritten on its own. */
const EAGER = new Set(['EMAIL', 'RFC3339', 'DAYS_IN_MONTH', 'dateTime', 'operations', 'securitySchemes'])

const HELPERS = `
/** A memoised builder: \`build\` runs on the first call, and every call returns what it built. */
function lazy<T>(build: () => T): () => T {
  let built = false
  let value: T
  return () => {
    if (!built) {
      value = build()
      built = true
    }
    return value
  }
}

/** The routes by operationId, each built when first read. */
function lazyOperations<T extends Record<string, () => unknown>>(routes: T): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const operations = {}
  for (const [id, route] of Object.entries(routes)) Object.defineProperty(operations, id, { get: route, enumerable: true })
  return operations as { readonly [K in keyof T]: ReturnType<T[K]> }
}
`

/**
 * @param {string} source the post-processed routes module (scripts/takibi-postprocess.mjs)
 * @param {any} spec the parsed openapi.yaml it was generated from
 * @returns {{ routes: string, operationInfo: string }} the routes module, and the operation-info module
 */
export function deferRoutes(source, spec) {
  const file = ts.createSourceFile('routes.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  /** @type {Map<string, ts.VariableDeclaration>} */
  const consts = new Map()
  for (const stmt of file.statements) {
    if (!ts.isVariableStatement(stmt) || !(stmt.declarationList.flags & ts.NodeFlags.Const)) continue
    for (const decl of stmt.declarationList.declarations) {
      if (ts.isIdentifier(decl.name) && decl.initializer) consts.set(decl.name.text, decl)
    }
  }
  const operations = consts.get('operations')
  if (!operations || !ts.isAsExpression(operations.initializer)) {
    throw new Error('lazy-routes: the routes module has no `operations = { … } as const` to defer')
  }

  // What to defer: every constant that calls something (z.…, createRoute) or uses one that is deferred.
  const deferred = new Set()
  const calls = (node) => ts.isCallExpression(node) || ts.forEachChild(node, calls) === true
  const uses = (node, names) =>
    (ts.isIdentifier(node) && names.has(node.text)) || ts.forEachChild(node, (n) => uses(n, names)) === true
  for (const [name, decl] of consts) if (!EAGER.has(name) && calls(decl.initializer)) deferred.add(name)
  for (let grew = true; grew; ) {
    grew = false
    for (const [name, decl] of consts) {
      if (!EAGER.has(name) && !deferred.has(name) && uses(decl.initializer, deferred)) {
        deferred.add(name)
        grew = true
      }
    }
  }

  /** @type {{ start: number, end: number, text: string }[]} */
  const edits = []
  const visit = (node) => {
    if (node === operations) return
    if (ts.isIdentifier(node) && deferred.has(node.text) && isReference(node)) {
      const parent = node.parent
      if (ts.isTypeQueryNode(parent)) {
        edits.push({ start: parent.getStart(file), end: parent.end, text: `ReturnType<typeof ${node.text}>` })
      } else if (ts.isShorthandPropertyAssignment(parent)) {
        edits.push({ start: node.getStart(file), end: node.end, text: `${node.text}: ${node.text}()` })
      } else {
        edits.push({ start: node.getStart(file), end: node.end, text: `${node.text}()` })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  for (const name of deferred) {
    const init = consts.get(name).initializer
    // An object literal returned by an arrow function is parenthesised (else it reads as a block).
    const paren = ts.isObjectLiteralExpression(init)
    edits.push({ start: init.getStart(file), end: init.getStart(file), text: paren ? 'lazy(() => (' : 'lazy(() => ' })
    edits.push({ start: init.end, end: init.end, text: paren ? '))' : ')' })
  }
  // `operations = { id: route, … } as const`: the same routes, each a getter that builds it.
  const routes = operations.initializer.expression
  edits.push({
    start: operations.initializer.getStart(file),
    end: operations.initializer.end,
    text: `lazyOperations(${routes.getText(file)})`,
  })

  const out = applyEdits(source, edits)
  const at = lastImportEnd(file)
  return { routes: `${out.slice(0, at)}\n${HELPERS}${out.slice(at)}`, operationInfo: operationInfoModule(spec) }
}

/** Whether an identifier names the value (not a property, a declaration's own name, or a key). */
function isReference(node) {
  const parent = node.parent
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false
  if (ts.isVariableDeclaration(parent) && parent.name === node) return false
  if (ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name !== node
  }
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) return false
  return true
}

function lastImportEnd(file) {
  const lastImport = file.statements.filter((s) => ts.isImportDeclaration(s)).at(-1)
  return lastImport ? lastImport.end : 0
}

/** Edits sorted by position; an insertion (start === end) goes before a replacement starting there. */
function applyEdits(source, edits) {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - a.start - (b.end - b.start))
  let out = ''
  let at = 0
  for (const e of sorted) {
    if (e.start < at) throw new Error(`lazy-routes: overlapping edits at ${e.start}`)
    out += source.slice(at, e.start) + e.text
    at = e.end
  }
  return out + source.slice(at)
}

/**
 * `operationInfo`: for every operation, what the app reads at start to set up the middleware that runs
 * before the route's validators (body limits, idempotency, 404/405), taken from the spec itself.
 *
 * @param {any} spec
 */
function operationInfoModule(spec) {
  const resolve = (node) =>
    typeof node?.$ref === 'string' && node.$ref.startsWith('#/')
      ? resolve(
          node.$ref
            .slice(2)
            .split('/')
            .reduce((o, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], spec),
        )
      : node
  const rows = []
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op?.operationId) continue
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve)
      const headers = params.filter((p) => p?.in === 'header').map((p) => p.name)
      const body = Object.keys(resolve(op.requestBody)?.content ?? {})
      rows.push([op.operationId, { method, path, body, headers, validates: params.length > 0 || body.length > 0 }])
    }
  }
  rows.sort(([a], [b]) => a.localeCompare(b))
  return `import type { OperationId } from './routes.js'

/** What the app needs of an operation at start, without loading the routes. */
export interface OperationInfo {
  readonly method: string
  /** The OpenAPI path template (\`/v1/tasks/{taskId}\`). */
  readonly path: string
  /** The media types of its request body (none without one). */
  readonly body: readonly string[]
  /** The request headers it declares. */
  readonly headers: readonly string[]
  /** Whether its route validates anything of the request (it has parameters or a body). */
  readonly validates: boolean
}

/** Every operation's method, path, request body media types and headers, and whether it validates, by operationId. */
export const operationInfo: { readonly [K in OperationId]: OperationInfo } = {
${rows.map(([id, info]) => `  ${id}: ${JSON.stringify(info)},`).join('\n')}
}
`
}
