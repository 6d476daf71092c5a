import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'
import { createProject, createTask, jsonRequest } from '../test/projects.js'
import { specOperations } from '../test/spec.js'
import { signUpUser } from '../test/users.js'

// biome-ignore lint/suspicious/noExplicitAny: openapi.yaml as parsed, walked by key.
type Json = any

/** Every date-time a request can carry, as `operationId query|body name`, read from the contract. */
function dateTimeInputs(): string[] {
  const isDateTime = (schema: Json) => JSON.stringify(schema ?? {}).includes('"date-time"')
  return specOperations.flatMap((o) => [
    ...(o.operation.parameters ?? [])
      .filter((p: Json) => isDateTime(p.schema))
      .map((p: Json) => `${o.operationId} ${p.in} ${p.name}`),
    ...Object.entries(o.operation.requestBody?.content?.['application/json']?.schema?.properties ?? {})
      .filter(([, schema]) => isDateTime(schema))
      .map(([name]) => `${o.operationId} body ${name}`),
  ])
}

describe('a leap second in any date-time a request carries', () => {
  it('is taken as the last millisecond of its minute everywhere, never a 500', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const task = await createTask(t, alice.authHeaders, project.id, { title: 'Leap' })
    const leap = '2026-12-31T23:59:60Z'
    const stored = '2026-12-31T23:59:59.999Z'
    const future = '2036-12-31T23:59:60+00:00'
    const send = (method: string, path: string, body?: unknown) => jsonRequest(t, method, path, alice.authHeaders, body)

    const checks: Record<string, () => Promise<void>> = {
      'createApiKey body expiresAt': async () => {
        const res = await send('POST', '/v1/me/api-keys', { name: 'leap', scopes: ['read'], expiresAt: future })
        expect(res.status).toBe(201)
        expect((await res.json()).expiresAt).toBe('2036-12-31T23:59:59.999Z')
      },
      'listTasks query dueBefore': async () => {
        const res = await send('GET', `/v1/projects/${project.id}/tasks?dueBefore=${encodeURIComponent(leap)}`)
        expect(res.status).toBe(200)
      },
      'listTasks query dueAfter': async () => {
        const res = await send('GET', `/v1/projects/${project.id}/tasks?dueAfter=${encodeURIComponent(leap)}`)
        expect(res.status).toBe(200)
      },
      'createTask body dueAt': async () => {
        const res = await send('POST', `/v1/projects/${project.id}/tasks`, { title: 'Due at the leap', dueAt: leap })
        expect(res.status).toBe(201)
        expect((await res.json()).dueAt).toBe(stored)
      },
      'updateTask body dueAt': async () => {
        const res = await send('PATCH', `/v1/tasks/${task.id}`, { dueAt: leap })
        expect(res.status).toBe(200)
        expect((await res.json()).dueAt).toBe(stored)
      },
      'markAllNotificationsRead body before': async () => {
        const res = await send('POST', '/v1/notifications/read', { before: leap })
        expect(res.status).toBe(200)
      },
    }
    // A date-time input added to the contract must be added here too.
    expect(Object.keys(checks).sort()).toEqual(dateTimeInputs().sort())
    for (const [input, check] of Object.entries(checks)) {
      await check().catch((err: Error) => {
        throw new Error(`${input}: ${err.message}`)
      })
    }
  })
})
