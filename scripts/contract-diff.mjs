#!/usr/bin/env node
// The breaking-change gate and the contract's changelog. It compares two OpenAPI documents the way a client
// built on the first one meets the second: what it may still send (requests may only widen) and what it
// may now receive (responses may only narrow, and keep every field). Tools that do this (oasdiff, openapi-diff)
// are a Go binary or stop at OpenAPI 3.0; the rules below are the ones of oasdiff's "breaking" level that
// apply to this contract.
//
//   node scripts/contract-diff.mjs                 openapi.yaml against the newest contracts/v*.yaml;
//                                                  fails on a breaking change under the same major version
//   node scripts/contract-diff.mjs OLD NEW         the same for any two files
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import $RefParser from '@apidevtools/json-schema-ref-parser'
import { parse } from 'yaml'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']

/** The released contracts, oldest first, as { version, file }. */
export function releasedContracts(dir = join(root, 'contracts')) {
  return readdirSync(dir)
    .map((file) => ({ file: join(dir, file), version: /^v(\d+\.\d+\.\d+)\.yaml$/.exec(file)?.[1] }))
    .filter((c) => c.version)
    .sort((a, b) => compareSemver(a.version, b.version))
}

export function compareSemver(a, b) {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i]
  return 0
}

async function load(fileOrDoc) {
  const doc = typeof fileOrDoc === 'string' ? parse(readFileSync(fileOrDoc, 'utf8')) : structuredClone(fileOrDoc)
  return $RefParser.dereference(doc, { dereference: { circular: 'ignore' } })
}

/** One schema with its `allOf` parts merged, as a validator applies them together. */
function flat(schema) {
  if (!schema || typeof schema !== 'object' || !schema.allOf) return schema ?? {}
  const out = {
    ...schema,
    allOf: undefined,
    properties: { ...(schema.properties ?? {}) },
    required: [...(schema.required ?? [])],
  }
  for (const part of schema.allOf.map(flat)) {
    for (const [name, value] of Object.entries(part.properties ?? {})) {
      out.properties[name] = out.properties[name] ? { allOf: [out.properties[name], value] } : value
    }
    out.required.push(...(part.required ?? []))
    for (const key of [
      'type',
      'enum',
      'additionalProperties',
      'maxLength',
      'minLength',
      'maximum',
      'minimum',
      'pattern',
      'items',
    ]) {
      if (part[key] !== undefined && out[key] === undefined) out[key] = part[key]
    }
  }
  return out
}

const types = (s) => (s.type === undefined ? null : Array.isArray(s.type) ? s.type : [s.type])

/**
 * The differences of one schema. `direction` is `request` (a client sends it: narrowing breaks) or `response`
 * (a client reads it: widening or losing fields breaks).
 */
function compareSchema(before, after, where, direction, out, depth = 0) {
  if (depth > 20) return
  const a = flat(before)
  const b = flat(after)
  const breaking = (message) => out.push({ level: 'breaking', where, message })
  const change = (message) => out.push({ level: 'change', where, message })
  const ta = types(a)
  const tb = types(b)
  if (ta && tb) {
    const removed = ta.filter((t) => !tb.includes(t) && !(t === 'integer' && tb.includes('number')))
    const added = tb.filter((t) => !ta.includes(t) && !(t === 'integer' && ta.includes('number')))
    if (direction === 'request' && removed.length) breaking(`no longer accepts type ${removed.join(', ')}`)
    if (direction === 'response' && added.length) breaking(`may now be ${added.join(', ')}`)
    if (direction === 'request' && added.length) change(`now also accepts ${added.join(', ')}`)
  }
  if (a.enum || b.enum) {
    const ea = a.enum ?? []
    const eb = b.enum ?? []
    const removed = a.enum ? ea.filter((v) => !eb.includes(v)) : []
    const added = b.enum && a.enum ? eb.filter((v) => !ea.includes(v)) : []
    if (direction === 'request') {
      if (removed.length || (b.enum && !a.enum))
        breaking(
          `no longer accepts ${removed.map((v) => JSON.stringify(v)).join(', ') || 'values outside the new enum'}`,
        )
      if (added.length) change(`now also accepts ${added.map((v) => JSON.stringify(v)).join(', ')}`)
    } else {
      // As oasdiff rates it, a warning: clients are expected to tolerate values they do not know yet.
      if (added.length) change(`may now answer ${added.map((v) => JSON.stringify(v)).join(', ')}`)
      if (removed.length) change(`no longer answers ${removed.map((v) => JSON.stringify(v)).join(', ')}`)
    }
  }
  const tighter = (key, smallerIsTighter) => {
    const x = a[key]
    const y = b[key]
    if (y === undefined || x === y) return false
    return x === undefined || (smallerIsTighter ? y < x : y > x)
  }
  if (direction === 'request') {
    for (const key of ['maxLength', 'maximum', 'maxItems', 'exclusiveMaximum'])
      if (tighter(key, true)) breaking(`${key} lowered to ${b[key]}`)
    for (const key of ['minLength', 'minimum', 'minItems', 'exclusiveMinimum'])
      if (tighter(key, false)) breaking(`${key} raised to ${b[key]}`)
    if (b.pattern !== undefined && a.pattern !== b.pattern) breaking(`pattern changed to ${b.pattern}`)
  }
  const pa = a.properties ?? {}
  const pb = b.properties ?? {}
  const ra = new Set(a.required ?? [])
  const rb = new Set(b.required ?? [])
  for (const name of Object.keys(pa)) {
    const at = `${where}.${name}`
    if (!(name in pb)) {
      if (direction === 'response') out.push({ level: 'breaking', where: at, message: 'removed' })
      else if (b.additionalProperties === false)
        out.push({ level: 'breaking', where: at, message: 'no longer accepted' })
      else out.push({ level: 'change', where: at, message: 'no longer read' })
      continue
    }
    if (direction === 'response' && ra.has(name) && !rb.has(name)) {
      out.push({ level: 'breaking', where: at, message: 'no longer always present' })
    }
    if (direction === 'request' && !ra.has(name) && rb.has(name)) {
      out.push({ level: 'breaking', where: at, message: 'now required' })
    }
    if (!pa[name].deprecated && pb[name].deprecated) out.push({ level: 'change', where: at, message: 'deprecated' })
    compareSchema(pa[name], pb[name], at, direction, out, depth + 1)
  }
  for (const name of Object.keys(pb)) {
    if (name in pa) continue
    const at = `${where}.${name}`
    if (direction === 'request' && rb.has(name)) out.push({ level: 'breaking', where: at, message: 'added, required' })
    else out.push({ level: 'change', where: at, message: rb.has(name) ? 'added' : 'added (optional)' })
  }
  if (a.items || b.items) compareSchema(a.items, b.items, `${where}[]`, direction, out, depth + 1)
  for (const key of ['oneOf', 'anyOf']) {
    const xa = a[key] ?? []
    const xb = b[key] ?? []
    for (let i = 0; i < Math.min(xa.length, xb.length); i++)
      compareSchema(xa[i], xb[i], `${where}|${i}`, direction, out, depth + 1)
    if (direction === 'request' && xb.length < xa.length)
      breaking(`${key} lost ${xa.length - xb.length} alternative(s)`)
    if (direction === 'response' && xb.length > xa.length)
      breaking(`${key} gained ${xb.length - xa.length} alternative(s)`)
  }
}

const paramKey = (p) => `${p.in}:${p.name}`

/**
 * Every difference between two contracts, each `{ level: 'breaking' | 'change', where, message }`.
 *
 * @param {string | object} before a file or a parsed document
 * @param {string | object} after
 */
export async function diffContracts(before, after) {
  const a = await load(before)
  const b = await load(after)
  const out = []
  for (const [path, itemA] of Object.entries(a.paths ?? {})) {
    for (const method of METHODS) {
      const opA = itemA[method]
      if (!opA) continue
      const name = `${method.toUpperCase()} ${path}${opA.operationId ? ` (${opA.operationId})` : ''}`
      const opB = b.paths?.[path]?.[method]
      if (!opB) {
        out.push({ level: 'breaking', where: name, message: 'operation removed' })
        continue
      }
      if (!opA.deprecated && opB.deprecated) {
        const sunset = opB['x-sunset'] ? `, removed after ${opB['x-sunset']}` : ''
        out.push({ level: 'change', where: name, message: `deprecated${sunset}` })
      }
      const params = (item, op) =>
        new Map([...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => [paramKey(p), p]))
      const pa = params(itemA, opA)
      const pb = params(b.paths[path], opB)
      for (const [key, p] of pa) {
        const q = pb.get(key)
        const where = `${name} ${p.in} parameter ${p.name}`
        if (!q) {
          out.push({ level: p.in === 'path' ? 'breaking' : 'change', where, message: 'removed' })
          continue
        }
        if (!p.required && q.required) out.push({ level: 'breaking', where, message: 'now required' })
        if (!p.deprecated && q.deprecated) out.push({ level: 'change', where, message: 'deprecated' })
        compareSchema(p.schema, q.schema, where, 'request', out)
      }
      for (const [key, q] of pb) {
        if (pa.has(key)) continue
        const where = `${name} ${q.in} parameter ${q.name}`
        out.push(
          q.required
            ? { level: 'breaking', where, message: 'added, required' }
            : { level: 'change', where, message: 'added (optional)' },
        )
      }
      const bodyA = opA.requestBody
      const bodyB = opB.requestBody
      if (bodyB?.required && !bodyA?.required)
        out.push({ level: 'breaking', where: `${name} request body`, message: 'now required' })
      for (const [type, media] of Object.entries(bodyA?.content ?? {})) {
        const next = bodyB?.content?.[type]
        if (!next) out.push({ level: 'breaking', where: `${name} request body`, message: `${type} no longer accepted` })
        else compareSchema(media.schema, next.schema, `${name} request body`, 'request', out)
      }
      for (const [status, responseA] of Object.entries(opA.responses ?? {})) {
        const responseB = opB.responses?.[status]
        const where = `${name} response ${status}`
        if (!responseB) {
          if (/^2/.test(status)) out.push({ level: 'breaking', where, message: 'removed' })
          continue
        }
        for (const [type, media] of Object.entries(responseA.content ?? {})) {
          const next = responseB.content?.[type]
          if (!next)
            out.push({ level: /^2/.test(status) ? 'breaking' : 'change', where, message: `${type} no longer answered` })
          else if (/^2/.test(status)) compareSchema(media.schema, next.schema, `${where} body`, 'response', out)
        }
      }
      for (const status of Object.keys(opB.responses ?? {})) {
        if (!(status in (opA.responses ?? {})))
          out.push({ level: 'change', where: `${name} response ${status}`, message: 'added' })
      }
    }
  }
  for (const [path, itemB] of Object.entries(b.paths ?? {})) {
    for (const method of METHODS) {
      if (itemB[method] && !a.paths?.[path]?.[method]) {
        const id = itemB[method].operationId
        out.push({
          level: 'change',
          where: `${method.toUpperCase()} ${path}${id ? ` (${id})` : ''}`,
          message: 'operation added',
        })
      }
    }
  }
  return out
}

/**
 * The gate: the contract may not break the last released one under the same major version, and a contract
 * that changed must carry a newer `info.version`.
 *
 * @returns {Promise<{ ok: boolean, report: string, changes: object[] }>}
 */
export async function checkContract(baseFile, currentFile) {
  const base = parse(readFileSync(baseFile, 'utf8'))
  const current = parse(readFileSync(currentFile, 'utf8'))
  const from = String(base.info?.version)
  const to = String(current.info?.version)
  const changes = await diffContracts(base, current)
  const breaking = changes.filter((c) => c.level === 'breaking')
  const sameMajor = from.split('.')[0] === to.split('.')[0]
  const lines = []
  let ok = true
  if (!/^\d+\.\d+\.\d+$/.test(to)) {
    ok = false
    lines.push(`info.version ${JSON.stringify(to)} is not semver (MAJOR.MINOR.PATCH)`)
  }
  if (breaking.length && sameMajor) {
    ok = false
    lines.push(`${breaking.length} breaking change(s) against the released ${from} (same major version ${to}):`)
    for (const c of breaking) lines.push(`  ✗ ${c.where}: ${c.message}`)
    lines.push('Make the change additive, or release a new major version under a new base path.')
  }
  // A reminder, not a failure: additions land one by one and the release raises the version once.
  if (changes.length && compareSemver(to, from) <= 0) {
    lines.push(`note: the contract changed since ${from} but info.version is still ${to}; raise it when releasing`)
  }
  if (ok) lines.push(`contract ${to} keeps every promise of ${from} (${changes.length} additive change(s))`)
  return { ok, report: lines.join('\n'), changes }
}

/** The changelog of the contract, newest first: each release against the one before, and what is unreleased. */
export async function changelog(currentFile = join(root, 'openapi.yaml'), contracts = releasedContracts()) {
  const sections = []
  const current = parse(readFileSync(currentFile, 'utf8'))
  const newest = contracts.at(-1)
  const describe = (changes) =>
    changes.length
      ? changes.map((c) => `- ${c.level === 'breaking' ? '**Breaking:** ' : ''}\`${c.where}\`: ${c.message}`).join('\n')
      : '- No changes to operations, parameters or schemas.'
  if (newest) {
    const unreleased = await diffContracts(newest.file, current)
    if (unreleased.length) sections.push(`## ${current.info.version} (unreleased)\n\n${describe(unreleased)}`)
  }
  for (let i = contracts.length - 1; i >= 0; i--) {
    const release = contracts[i]
    const previous = contracts[i - 1]
    sections.push(
      previous
        ? `## ${release.version}\n\n${describe(await diffContracts(previous.file, release.file))}`
        : `## ${release.version}\n\n- First released contract.`,
    )
  }
  return `<!-- generated from openapi.yaml and contracts/ by \`npm run generate\` — do not edit -->
# API changelog

What changed in the Tasklane API contract (\`openapi.yaml\`), release by release, as
\`scripts/contract-diff.mjs\` finds it. Each release is kept in \`contracts/v<version>.yaml\`; breaking changes
within a major version fail \`npm run check\`. Deprecated operations and parameters answer \`Deprecation\`
(and \`Sunset\` when their removal date is set) with a \`Link\` to their docs.

${sections.join('\n\n')}
`
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [baseArg, currentArg] = process.argv.slice(2)
  const base = baseArg ?? releasedContracts().at(-1)?.file
  if (!base) {
    console.error('contract-diff: no released contract in contracts/')
    process.exit(1)
  }
  const { ok, report } = await checkContract(base, currentArg ?? join(root, 'openapi.yaml'))
  ;(ok ? console.log : console.error)(report)
  process.exit(ok ? 0 : 1)
}
