import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { Change, ChangeList } from '../../generated/routes.js'
import { createTestApp, type TestApp } from '../../test/app.js'
import { openStream } from '../../test/events.js'
import { createProject, createTask, jsonRequest } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

const TWO_TO_53 = 2n ** 53n

/** Makes every later seq of `t`'s log larger than `above`, as a log that has run for long would have them. */
async function startLogAbove(t: TestApp, above: bigint) {
  const db = t.ctx.db.kysely
  if (t.ctx.db.dialect === 'postgres') {
    await db
      .updateTable('changes_seq_base')
      .set({ base: String(above) })
      .where('id', '=', 1)
      .execute()
  } else {
    await sql`delete from sqlite_sequence where name = 'changes'`.execute(db)
    await sql`insert into sqlite_sequence (name, seq) values ('changes', ${String(above)})`.execute(db)
  }
}

describe('seqs above 2^53', () => {
  it('are exact in listChanges, its syncToken and since, and in the stream with since or Last-Event-ID', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    await startLogAbove(t, TWO_TO_53)
    const project = await createProject(t, alice.authHeaders)
    const task = await createTask(t, alice.authHeaders, project.id)
    expect((await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, alice.authHeaders, { status: 'done' })).status).toBe(
      200,
    )
    const list = async (since: string) => {
      const res = await jsonRequest(t, 'GET', `/v1/changes?since=${since}&limit=100`, alice.authHeaders)
      expect(res.status).toBe(200)
      return (await res.json()) as ChangeList
    }

    const all = await list('0')
    const summary = (changes: Change[]) => changes.map((c) => c.type)
    expect(summary(all.data)).toEqual(['project.created', 'member.added', 'task.created', 'task.updated'])
    const seqs = all.data.map((c) => BigInt(c.seq))
    for (const seq of seqs) expect(seq).toBeGreaterThan(TWO_TO_53)
    // One write's changes take consecutive seqs, so one of these two is odd: past 2^53 a number cannot hold it.
    expect(seqs[1]).toBe((seqs[0] as bigint) + 1n)
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)))
    expect(new Set(seqs).size).toBe(seqs.length)
    expect(all.syncToken).toBe(all.data.at(-1)?.seq)

    // Each position continues exactly after its change: nothing again, nothing skipped.
    for (const [i, change] of all.data.entries()) {
      expect(summary((await list(change.seq)).data)).toEqual(summary(all.data.slice(i + 1)))
      const byHeader = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders, lastEventId: change.seq })
      const byQuery = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders, since: change.seq })
      for (const stream of [byHeader, byQuery]) {
        expect(stream.ready.data).toEqual({ since: change.seq })
        expect(stream.ready.id).toBe(change.seq)
        const rest = all.data.slice(i + 1).map((c) => c.seq)
        if (rest.length > 0) await stream.waitFor((b) => b.event?.id === rest.at(-1))
        expect(stream.events().map((e) => e.id)).toEqual(rest)
        await stream.close()
      }
    }
    expect((await list(all.syncToken)).data).toEqual([])
    // The largest seq there can be is past the newest change, not a server error.
    const ahead = await jsonRequest(t, 'GET', '/v1/changes?since=9223372036854775807', alice.authHeaders)
    expect(ahead.status).toBe(400)
    expect((await ahead.json()).code).toBe('since_ahead')
  })

  it('reach webhook deliveries and replays exactly', async () => {
    const t = await createTestApp({
      RATE_LIMITS_ENABLED: 'false',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
      QUEUE_RETRY_BASE_MS: '60000',
    })
    const alice = await signUpUser(t)
    await startLogAbove(t, TWO_TO_53)
    const project = await createProject(t, alice.authHeaders)
    const res = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/webhooks`, alice.authHeaders, {
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['task.*'],
    })
    expect(res.status).toBe(201)
    const endpoint = (await res.json()) as { id: string }
    await createTask(t, alice.authHeaders, project.id)
    await createTask(t, alice.authHeaders, project.id)
    const changes = (
      (await (await jsonRequest(t, 'GET', '/v1/changes?since=0', alice.authHeaders)).json()) as ChangeList
    ).data.filter((c) => c.type === 'task.created')
    const deliveries = await jsonRequest(t, 'GET', `/v1/webhooks/${endpoint.id}/deliveries`, alice.authHeaders)
    expect(deliveries.status).toBe(200)
    const seqsOf = (body: { data: { changeSeq: string | null }[] }) => body.data.map((d) => d.changeSeq).sort()
    expect(seqsOf(await deliveries.json())).toEqual(changes.map((c) => c.seq).sort())

    const replay = await jsonRequest(t, 'POST', `/v1/webhooks/${endpoint.id}/replay`, alice.authHeaders, {
      since: changes[0]?.seq,
    })
    expect(replay.status).toBe(202)
    expect(await replay.json()).toMatchObject({ queued: 1, throughSeq: changes[1]?.seq, hasMore: false })
  })
})
