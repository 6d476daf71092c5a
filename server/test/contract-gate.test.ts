// The breaking-change gate (scripts/contract-diff.mjs, run by `npm run check`): the contract against the last
// released one, and edits to a copy of it that a client built on the release would or would not survive.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
// @ts-expect-error a plain .mjs script without declarations
import { checkContract, releasedContracts } from '../../scripts/contract-diff.mjs'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SPEC = join(ROOT, 'openapi.yaml')
const dir = mkdtempSync(join(tmpdir(), 'tasklane-contract-gate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document edited by key
type Json = Record<string, any>
type Result = { ok: boolean; report: string; changes: { level: string; where: string; message: string }[] }

const released: { file: string; version: string } = releasedContracts().at(-1)

/** The released contract with one edit, checked against the release as the gate checks openapi.yaml. */
async function gate(edit: (doc: Json) => void): Promise<Result> {
  const doc = parse(readFileSync(released.file, 'utf8'))
  edit(doc)
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, stringify(doc))
  return checkContract(released.file, file)
}

const listTasks = (doc: Json) => doc.paths['/v1/projects/{projectId}/tasks'].get

describe('the breaking-change gate', () => {
  it('passes openapi.yaml against the last released contract', async () => {
    const { ok, report } = await checkContract(released.file, SPEC)
    expect(report).not.toContain('✗')
    expect(ok).toBe(true)
  }, 60_000)

  it('fails when a response field is removed, and says which', async () => {
    const result = await gate((doc) => {
      delete doc.components.schemas.Task.properties.title
      doc.components.schemas.Task.required = doc.components.schemas.Task.required.filter((f: string) => f !== 'title')
    })
    expect(result.ok).toBe(false)
    expect(result.report).toContain('✗ GET /v1/tasks/{taskId} (getTask) response 200 body.title: removed')
  }, 60_000)

  it('fails when an enum a client sends is narrowed', async () => {
    const result = await gate((doc) => {
      const status = listTasks(doc).parameters.find((p: Json) => p.name === 'status')
      status.schema.enum = status.schema.enum.filter((v: string) => v !== 'done')
    })
    expect(result.ok).toBe(false)
    expect(result.report).toMatch(
      /✗ GET \/v1\/projects\/\{projectId\}\/tasks \(listTasks\) query parameter status: no longer accepts "done"/,
    )
  }, 60_000)

  it('fails when an optional parameter becomes required', async () => {
    const result = await gate((doc) => {
      doc.components.parameters.Limit.required = true
    })
    expect(result.ok).toBe(false)
    expect(result.report).toContain('✗ GET /v1/projects (listProjects) query parameter limit: now required')
  }, 60_000)

  it('passes an added optional field, and lists it as a change', async () => {
    const result = await gate((doc) => {
      doc.info.version = '1.1.0'
      doc.components.schemas.Task.properties.estimateMinutes = {
        type: ['integer', 'null'],
        minimum: 0,
        maximum: 100000,
      }
      doc.components.schemas.TaskCreate.properties.estimateMinutes = { type: 'integer', minimum: 0, maximum: 100000 }
    })
    expect(result.ok).toBe(true)
    expect(result.changes).toContainEqual({
      level: 'change',
      where: 'POST /v1/projects/{projectId}/tasks (createTask) request body.estimateMinutes',
      message: 'added (optional)',
    })
    expect(result.changes.filter((c) => c.level === 'breaking')).toEqual([])
  }, 60_000)

  it('lets a new major version break what the old one promised', async () => {
    const result = await gate((doc) => {
      doc.info.version = '2.0.0'
      delete doc.paths['/v1/tasks/{taskId}'].delete
    })
    expect(result.ok).toBe(true)
    expect(result.changes).toContainEqual({
      level: 'breaking',
      where: 'DELETE /v1/tasks/{taskId} (deleteTask)',
      message: 'operation removed',
    })
  }, 60_000)
})
