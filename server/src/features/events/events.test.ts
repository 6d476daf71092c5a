import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { openStream } from '../../test/events.js'
import { createProject } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

async function setup(env: Record<string, string> = {}) {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false', ...env })
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  return { t, alice, project }
}

/** Appends a change to the log the way every service write does. */
const record = (t: TestApp, projectId: string, id: string, type = 'task.updated') =>
  t.ctx.changeLog.write((tx) =>
    tx.record({ type, projectId, resourceType: 'task', resourceId: id, version: 1, actorId: null, data: { id } }),
  )

describe('streamEvents', () => {
  it('sends retry first, then each visible change with its seq as id, with headers for proxies', async () => {
    const { t, alice, project } = await setup()
    const stream = await openStream(t.fetch, t.baseUrl, { headers: { ...alice.authHeaders, 'Accept-Encoding': 'gzip' } })
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(stream.response.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no')
    expect(stream.response.headers.get('content-encoding')).toBeNull()
    await stream.waitFor((b) => b.retry !== undefined)
    expect(stream.blocks[0]).toEqual({ retry: 3000, comments: [] })

    const seq = await record(t, project.id, 'tsk_1')
    const event = await stream.next()
    expect(event).toEqual({
      id: String(seq),
      event: 'task.updated',
      data: expect.objectContaining({ seq: String(seq), type: 'task.updated', projectId: project.id, resourceId: 'tsk_1' }),
    })
  })
})
