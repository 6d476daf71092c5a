// The SDK's resource methods (`tl.tasks.create(projectId, { title })`) and named model types, generated
// from openapi.yaml by scripts/generate.mjs. Each operation becomes one method, named by its operationId
// within the group of its first tag; the runtime table and the types come from the same walk, so neither
// can drift from the spec.

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

/**
 * The event stream is no client method: `events(tl)` of the `@tasklane/sdk/events` entry serves it, so that
 * the main entry does not carry the stream's parser and reconnecting loop.
 */
const STREAM_OPERATION = 'streamEvents'
export const STREAM_FUNCTION = 'events (@tasklane/sdk/events)'
// The tus protocol's operations (they declare `Tus-Resumable`) are driven by `upload()` through tus-js-client,
// not called one by one: their client is the uploads entry, which keeps them out of the main one.
export const UPLOAD_FUNCTION = 'upload (@tasklane/sdk/uploads)'

/** Change types whose `data` is a tombstone `{ id, deleted: true }` instead of the resource. */
const TOMBSTONE_VERBS = new Set(['deleted', 'removed', 'revoked', 'accepted'])

/** `API keys` → `apiKeys`. */
export function groupName(tag) {
  const words = tag.split(/[^A-Za-z0-9]+/).filter(Boolean)
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase())).join('')
}

/** `createApiKey` in `API keys` → `create`; `getUnreadNotificationCount` in `Notifications` → `getUnreadCount`. */
export function methodName(operationId, tag) {
  const pascal = groupName(tag).replace(/^./, (c) => c.toUpperCase())
  for (const noun of [pascal, pascal.replace(/s$/, '')]) {
    const at = operationId.search(new RegExp(`${noun}(?=[A-Z]|$)`))
    if (at > 0) return operationId.slice(0, at) + operationId.slice(at + noun.length)
  }
  return operationId
}

function makeResolver(spec) {
  const resolve = (node) => {
    let current = node
    for (let hops = 0; typeof current?.$ref === 'string' && hops < 32; hops++) {
      current = current.$ref
        .slice(2)
        .split('/')
        .reduce((o, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], spec)
    }
    return current
  }
  return resolve
}

const schemaName = (node) => /^#\/components\/schemas\/([^/]+)$/.exec(node?.$ref ?? '')?.[1]

/**
 * Whether a media type carries a file's bytes rather than text: read as text they would be decoded as UTF-8
 * and come out corrupted, so such methods answer the `Response` itself (bytes, stream and headers).
 */
const isBinary = (contentType, schema) =>
  /^(application\/octet-stream|image\/|audio\/|video\/|\*\/\*)/.test(contentType) || schema?.format === 'binary'

/** The properties of an object schema that are files (`format: binary`), sent as file parts of a form. */
const fileFields = (schema) =>
  Object.entries(schema?.properties ?? {})
    .filter(([, p]) => p?.format === 'binary')
    .map(([name]) => name)

/** Every operation, as the SDK's methods see it. */
export function resourceOperations(spec) {
  const resolve = makeResolver(spec)
  const ops = []
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op?.operationId) continue
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve)
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
      const query = params.filter((p) => p.in === 'query')
      const headers = params.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase())
      const okStatus = Object.keys(op.responses ?? {})
        .filter((s) => /^2\d\d$/.test(s))
        .sort()[0]
      const ok = resolve(op.responses?.[okStatus]) ?? {}
      const [contentType, media] = Object.entries(ok.content ?? {})[0] ?? []
      const body = resolve(op.requestBody)
      const bodyMedia = body?.content?.['application/json']
      // A file body: a multipart form whose file fields are Blobs, or the raw bytes of one Blob.
      const formMedia = body?.content?.['multipart/form-data']
      const formSchema = resolve(formMedia?.schema)
      const formFiles = fileFields(formSchema)
      const rawBody = Object.entries(body?.content ?? {}).some(
        ([type, m]) => !/json|multipart/.test(type) && isBinary(type, resolve(m.schema)),
      )
      const okSchema = resolve(media?.schema)
      const isList =
        method === 'get' &&
        query.some((p) => p.name === 'cursor') &&
        okSchema?.properties?.data?.type === 'array' &&
        'nextCursor' in (okSchema?.properties ?? {})
      const tag = op.tags?.[0] ?? 'Default'
      ops.push({
        path,
        method,
        op,
        tag,
        group: groupName(tag),
        name: methodName(op.operationId, tag),
        pathParams,
        pathParamDocs: Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, p.description])),
        hasQuery: query.length > 0,
        queryRequired: query.some((p) => p.required),
        hasBody: Boolean(bodyMedia) || formFiles.length > 0 || rawBody,
        // The spec may mark a file body optional because its forms are validated apart; a form that requires
        // a file part cannot be sent without one.
        bodyRequired: Boolean(body?.required) || formFiles.some((f) => formSchema.required?.includes(f)),
        fileBody:
          !bodyMedia && (formFiles.length > 0 || rawBody) ? { form: formMedia?.schema, formFiles, rawBody } : null,
        bodySchema: bodyMedia?.schema,
        bodyExample: bodyMedia?.example ?? Object.values(bodyMedia?.examples ?? {})[0]?.value,
        ifNoneMatch: headers.includes('if-none-match') && '304' in (op.responses ?? {}),
        okStatus,
        okSchema: media?.schema,
        kind: headers.includes('tus-resumable')
          ? 'tus'
          : !contentType
            ? 'none'
            : /^text\/event-stream/.test(contentType)
              ? 'stream'
              : isBinary(contentType, okSchema)
                ? 'binary'
                : /json/.test(contentType)
                  ? isList
                    ? 'list'
                    : 'json'
                  : 'text',
        itemSchema: isList ? okSchema.properties.data.items : undefined,
        errors: Object.entries(op.responses ?? {})
          .filter(([s]) => /^[45]\d\d$/.test(s))
          .map(([status, r]) => {
            const resolved = resolve(r)
            const content = Object.values(resolved?.content ?? {})[0]
            const codes = (resolve(content?.schema)?.allOf ?? []).flatMap(
              (part) => resolve(part)?.properties?.code?.enum ?? [],
            )
            return { status: Number(status), codes }
          }),
      })
    }
  }
  for (const o of ops) {
    if (o.kind === 'stream' && o.op.operationId !== STREAM_OPERATION) {
      throw new Error(
        `generate: ${o.op.operationId} streams Server-Sent Events, but only ${STREAM_OPERATION} has a client (\`events()\` in sdk/src/events.ts); add one there`,
      )
    }
  }
  const seen = new Map()
  for (const o of ops) {
    const key = `${o.group}.${o.name}`
    if (seen.has(key)) {
      throw new Error(`generate: ${o.op.operationId} and ${seen.get(key)} would both be tl.${key}; rename one`)
    }
    seen.set(key, o.op.operationId)
  }
  return ops
}

const ERROR_CLASSES = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  409: 'ConflictError',
  410: 'CursorExpiredError',
  412: 'PreconditionFailedError',
  422: 'UnprocessableEntityError',
  429: 'RateLimitError',
}

const identifier = (name) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)
const camel = (name) => name.replace(/[-_ ]+(.)/g, (_, c) => c.toUpperCase()).replace(/^./, (c) => c.toLowerCase())
const quote = (text) => `'${String(text).replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

/** A TypeScript expression for a JSON example, single-quoted as the project writes it. */
function literal(value) {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? quote(value) : String(value)
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`
  return `{ ${Object.entries(value)
    .map(([k, v]) => `${identifier(k) ? k : quote(k)}: ${literal(v)}`)
    .join(', ')} }`
}

function typeOf(node, fallback) {
  const name = schemaName(node)
  return name ? name : fallback
}

function docComment(o, call, indent) {
  const lines = []
  const op = o.op
  lines.push(op.summary ?? op.operationId)
  const first = (op.description ?? '').split(/\n\s*\n/)[0]?.trim()
  if (first) lines.push('', ...first.split('\n').map((l) => l.trim()))
  lines.push('', `\`${op.operationId}\`: \`${o.method.toUpperCase()} ${o.path}\``)
  for (const p of o.pathParams) if (o.pathParamDocs[p]) lines.push(`@param ${camel(p)} ${o.pathParamDocs[p]}`)
  for (const e of o.errors) {
    const cls = ERROR_CLASSES[e.status] ?? (e.status >= 500 ? 'InternalServerError' : 'APIError')
    lines.push(`@throws {${cls}} ${e.status}${e.codes.length ? ` ${e.codes.map((c) => `\`${c}\``).join(', ')}` : ''}`)
  }
  if (op.deprecated) {
    const sunset = op['x-sunset'] ? ` It is removed after ${op['x-sunset']}.` : ''
    lines.push(`@deprecated This operation is deprecated.${sunset}`)
  }
  lines.push('@example', ...call.split('\n'))
  const body = lines.map((l) => (l ? ` * ${l.replaceAll('*/', '*\\/')}` : ' *')).join(`\n${indent}`)
  return `${indent}/**\n${indent}${body}\n${indent} */`
}

function exampleCall(o) {
  const args = o.pathParams.map(camel)
  if (o.fileBody?.formFiles.length) args.push(`{ ${o.fileBody.formFiles.map(camel).join(', ')} }`)
  else if (o.fileBody) args.push('file')
  else if (o.hasBody) args.push(o.bodyExample === undefined ? '{}' : literal(o.bodyExample))
  const call = `tl.${o.group}.${o.name}(${args.join(', ')})`
  const noun = (typeOf(o.kind === 'list' ? o.itemSchema : o.okSchema, '') || 'result').replace(/^./, (c) =>
    c.toLowerCase(),
  )
  switch (o.kind) {
    case 'list':
      return `for await (const ${noun} of ${call}) {\n  console.log(${noun})\n}`
    case 'none':
      return `await ${call}`
    case 'binary':
      return `const response = await ${call}\nconst bytes = new Uint8Array(await response.arrayBuffer())`
    default:
      return `const ${noun} = await ${call}`
  }
}

function signature(o) {
  const id = o.op.operationId
  const args = o.pathParams.map((p) => `${camel(p)}: string`)
  if (o.fileBody) {
    const { form, formFiles, rawBody } = o.fileBody
    const forms = []
    if (formFiles.length) {
      const fields = typeOf(form, `FormOf<operations['${id}']>`)
      forms.push(`FormBody<${fields}, ${formFiles.map(quote).join(' | ')}>`)
    }
    if (rawBody) forms.push('Blob')
    args.push(`body${o.bodyRequired ? '' : '?'}: ${forms.join(' | ')}`)
  } else if (o.hasBody) {
    const body = typeOf(o.bodySchema, `JsonBody<operations['${id}']>`)
    args.push(`body${o.bodyRequired ? '' : '?'}: ${body}`)
  }
  if (o.hasQuery) {
    args.push(`query${o.queryRequired ? '' : '?'}: NonNullable<operations['${id}']['parameters']['query']>`)
  }
  const ok = `operations['${id}']['responses'][${o.okStatus}]`
  switch (o.kind) {
    case 'list': {
      const item = typeOf(o.itemSchema, `ListItemOf<${ok}>`)
      const page = typeOf(o.okSchema, `JsonOf<${ok}>`)
      return `(${[...args, 'options?: RequestOptions'].join(', ')}): Paginator<${item}, ${page}>`
    }
    case 'none':
      return `(${[...args, 'options?: RequestOptions'].join(', ')}): Promise<void>`
    case 'text':
      return `(${[...args, 'options?: RequestOptions'].join(', ')}): Promise<string>`
    case 'binary':
      return `(${[...args, 'options?: RequestOptions'].join(', ')}): Promise<Response>`
    default: {
      const data = typeOf(o.okSchema, `JsonOf<${ok}>`)
      return `(${[...args, 'options?: RequestOptions'].join(', ')}): Promise<${data}>`
    }
  }
}

/**
 * The runtime table: group → method → [METHOD, path, flags]. Flags: b body, f file body (form or raw), q query,
 * l list, t text, r raw response (binary), n none. Deprecation is not in it: the client warns when the server
 * it talks to answers `Deprecation`, which is what that server's contract says (the types say `@deprecated`).
 */
function table(ops) {
  const groups = {}
  for (const o of ops) {
    const flags =
      (o.hasBody ? 'b' : '') +
      (o.fileBody ? 'f' : '') +
      (o.hasQuery ? 'q' : '') +
      { list: 'l', text: 't', binary: 'r', none: 'n', json: '' }[o.kind]
    const row = [o.method.toUpperCase(), o.path]
    if (flags) row.push(flags)
    groups[o.group] ??= {}
    groups[o.group][o.name] = row
  }
  return groups
}

export function resourcesModule(spec, header) {
  const all = resourceOperations(spec)
  const ops = all.filter((o) => o.kind !== 'stream' && o.kind !== 'tus')
  const groups = new Map()
  for (const o of ops) {
    if (!groups.has(o.group)) groups.set(o.group, { tag: o.tag, ops: [] })
    groups.get(o.group).ops.push(o)
  }
  const tagDoc = Object.fromEntries((spec.tags ?? []).map((t) => [t.name, t.description]))
  const models = new Set()
  const interfaces = []
  for (const [group, { tag, ops: members }] of groups) {
    const name = `${group.replace(/^./, (c) => c.toUpperCase())}Resource`
    const body = members
      .map((o) => {
        for (const node of [o.bodySchema, o.okSchema, o.itemSchema, o.fileBody?.form])
          if (schemaName(node)) models.add(schemaName(node))
        const doc = docComment(o, exampleCall(o), '  ')
        const lines = []
        if (o.ifNoneMatch) {
          const conditional = signature(o)
            .replace('options?: RequestOptions', 'options: RequestOptions & { ifNoneMatch: string | null }')
            .replace(/Promise<(.*)>$/, 'Promise<$1 | NotModified>')
          lines.push(doc, `  ${o.name}${conditional}`)
        }
        lines.push(doc, `  ${o.name}${signature(o)}`)
        return lines.join('\n')
      })
      .join('\n')
    interfaces.push(
      `/** ${(tagDoc[tag] ?? tag).trim().replaceAll('*/', '*\\/')} (\`tl.${group}\`) */\nexport interface ${name} {\n${body}\n}`,
    )
  }
  const resources = [...groups.keys()]
    .map((g) => `  ${g}: ${g.replace(/^./, (c) => c.toUpperCase())}Resource`)
    .join('\n')
  const operationMethods = Object.fromEntries(
    all.map((o) => [
      o.op.operationId,
      o.kind === 'stream' ? STREAM_FUNCTION : o.kind === 'tus' ? UPLOAD_FUNCTION : `${o.group}.${o.name}`,
    ]),
  )
  const helpers = ['FormBody', 'FormOf', 'JsonBody', 'JsonOf', 'ListItemOf', 'NotModified', 'RequestOptions'].filter(
    (h) => interfaces.some((text) => new RegExp(`\\b${h}<|\\b${h}\\b`).test(text)),
  )
  return `${header}import type { Paginator } from '../core/pagination.js'
import type { ${helpers.join(', ')} } from '../core/resource-types.js'
import type { ${[...models].sort().join(', ')} } from './models.js'
import type { operations } from './openapi.js'

${interfaces.join('\n\n')}

/** Every group of resource methods, by tag: \`tl.tasks\`, \`tl.notes\`, … */
export interface TasklaneResources {
${resources}
}

/** Each operation's method, as \`[METHOD, path, flags]\` by group and name (see scripts/sdk-resources.mjs). */
export const resourceTable: Record<string, Record<string, [string, string, string?]>> = {
${Object.entries(table(ops))
  .map(
    ([group, methods]) =>
      `  ${group}: {\n${Object.entries(methods)
        .map(([name, row]) => `    ${identifier(name) ? name : quote(name)}: [${row.map(quote).join(', ')}],`)
        .join('\n')}\n  },`,
  )
  .join('\n')}
}

/** Which method calls each operation, by operationId: \`createTask\` → \`tasks.create\`; the event stream is \`${STREAM_FUNCTION}\`, resumable uploads \`${UPLOAD_FUNCTION}\`. */
export const operationMethods: Record<string, string> = {
${Object.entries(operationMethods)
  .map(([id, m]) => `  ${id}: ${quote(m)},`)
  .join('\n')}
}
`
}

/** Named types for every schema, so hovers read \`Task\` and apps import them by name. */
export function modelsModule(spec, header) {
  const resolve = makeResolver(spec)
  const schemas = spec.components?.schemas ?? {}
  const lines = []
  for (const [name, schema] of Object.entries(schemas)) {
    const doc = schema.description
      ? `/** ${schema.description.trim().split('\n').join(' ').replaceAll('*/', '*\\/')} */\n`
      : ''
    // An interface keeps its name in hovers and errors; unions and non-objects cannot be one.
    const objectLike = schema.type === 'object' && !schema.oneOf && !schema.anyOf
    lines.push(
      objectLike
        ? `${doc}export interface ${name} extends Schema<'${name}'> {}`
        : `${doc}export type ${name} = Schema<'${name}'>`,
    )
  }
  const change = resolve(schemas.Change)
  const types = change?.properties?.type?.enum ?? []
  const dataOf = types.map((type) => {
    const [resource, verb] = type.split('.')
    const model = Object.keys(schemas).find((s) => s.toLowerCase() === resource)
    const data = TOMBSTONE_VERBS.has(verb) || !model ? 'Tombstone' : model
    return `  '${type}': ${data}`
  })
  return `${header}import type { components } from './openapi.js'

// A generic alias, because an interface may extend \`Schema<'Task'>\` but not \`components['schemas']['Task']\`.
type Schema<K extends keyof components['schemas']> = components['schemas'][K]

${lines.join('\n')}

/** What a change's \`data\` holds after a deletion or removal: the id, and that it is gone. */
export interface Tombstone {
  id: string
  deleted: true
}

/** The type of \`data\` for each change \`type\`: the resource as its get operation answers it, or a tombstone. */
export interface ChangeDataMap {
${dataOf.join('\n')}
}
`
}
