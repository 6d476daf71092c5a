import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { ChangeList } from '../../generated/routes.js'
import { newId } from '../../lib/ids.js'
import { createTestApp } from '../../test/app.js'
import { TEST_DATABASE, TEST_POSTGRES_URL } from '../../test/databases.js'
import { openStream } from '../../test/events.js'
import { present } from '../../test/present.js'
import { createProject, jsonRequest } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'
import type { ChangeInput, RecordedChange } from '../../write/change.js'
import { createWriter, type Reactions } from '../../write/writer.js'

const change = (projectId: string | null, id: string, extra: Partial<ChangeInput> = {}): ChangeInput => ({
  type: 'task.updated',
  projectId,
  resourceType: 'task',
  resourceId: id,
  version: 1,
  actorId: null,
  data: { id },
  ...extra,
})

async function setup() {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
  const alice = await signUpUser(t)
  const bob = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  return {
    t,
    log: t.ctx.changeLog,
    writer: t.ctx.writer,
    alice: { userId: alice.user.id },
    bob: { userId: bob.user.id },
    project,
  }
}

describe('change log', () => {
  it('commits changes with the write, runs reactions inside it and after-commit reactions after it', async () => {
    const { t, log, alice, project } = await setup()
    const seen: RecordedChange[] = []
    const committed: bigint[] = []
    const reactions: Reactions = {
      inTransaction: [
        {
          name: 'test: see each change',
          on: 'every change',
          async run(tx, c) {
            // Inside the transaction: the reaction sees the write's uncommitted row.
            expect(await tx.changes.latestSeq()).toBe(c.seq)
            seen.push(c)
          },
        },
      ],
      afterCommit: [{ name: 'test: see the commit', run: (seq) => committed.push(seq) }],
    }
    const writer = createWriter({ db: t.ctx.db, reactions, logger: t.ctx.logger })
    const before = await log.latestSeq()
    const seqs = await writer.write(async (tx) => [
      await tx.record(change(project.id, 'tsk_1', { previous: { id: 'tsk_1', title: 'old' } })),
      await tx.record(change(project.id, 'tsk_2', { actorId: alice.userId })),
    ])
    expect(seqs[1]).toBeGreaterThan(present(seqs[0]))
    expect(seqs[0]).toBeGreaterThan(before)
    expect(seen.map((c) => c.seq)).toEqual(seqs)
    expect(seen[0]?.previous).toEqual({ id: 'tsk_1', title: 'old' })
    expect(committed).toEqual([seqs[1]])
    expect(await log.latestSeq()).toBe(seqs[1])
    const visible = await log.readVisible(alice, { since: before, limit: 10 })
    expect(visible).toEqual([
      expect.objectContaining({ seq: String(seqs[0]), type: 'task.updated', resourceId: 'tsk_1', actorId: null }),
      expect.objectContaining({
        seq: String(seqs[1]),
        resourceId: 'tsk_2',
        actorId: alice.userId,
        data: { id: 'tsk_2' },
      }),
    ])
    expect(visible[0]).not.toHaveProperty('previous')
    expect(Date.parse(present(visible[0]).occurredAt)).not.toBeNaN()
  })

  it('rolls the changes back with a failed write and runs no after-commit reaction', async () => {
    const { t, log, alice, project } = await setup()
    const committed: bigint[] = []
    const writer = createWriter({
      db: t.ctx.db,
      reactions: { inTransaction: [], afterCommit: [{ name: 'test', run: (seq) => committed.push(seq) }] },
      logger: t.ctx.logger,
    })
    const before = await log.latestSeq()
    await expect(
      writer.write(async (tx) => {
        await tx.record(change(project.id, 'tsk_1'))
        throw new Error('the write failed')
      }),
    ).rejects.toThrow('the write failed')
    expect(committed).toEqual([])
    expect(await log.readVisible(alice, { since: before, limit: 10 })).toEqual([])
  })

  it("shows each user their own changes and their projects' changes, nothing else", async () => {
    const { t, log, writer, alice, bob, project } = await setup()
    const bobs = await createProject(t, { Authorization: `Bearer ${(await signUpUser(t)).accessToken}` })
    const before = await log.latestSeq()
    await writer.write(async (tx) => {
      await tx.record(change(project.id, 'tsk_alice'))
      await tx.record(change(bobs.id, 'tsk_other'))
      await tx.record(change(null, 'ntf_bob', { type: 'notification.created', userId: bob.userId }))
      await tx.record(change(project.id, 'ntf_alice', { type: 'notification.created', userId: alice.userId }))
    })
    const ids = async (user: { userId: string }, projectId?: string) =>
      (await log.readVisible(user, { since: before, limit: 10, projectId })).map((c) => c.resourceId)
    expect(await ids(alice)).toEqual(['tsk_alice', 'ntf_alice'])
    expect(await ids(alice, project.id)).toEqual(['tsk_alice', 'ntf_alice'])
    expect(await ids(alice, bobs.id)).toEqual([])
    expect(await ids(bob)).toEqual(['ntf_bob'])
    expect((await log.readVisible(alice, { since: before, limit: 1 })).length).toBe(1)
  })

  it('never lets a reader skip a change that commits after a later seq was taken', async () => {
    const { log, writer, alice, project } = await setup()
    const since = await log.latestSeq()
    let releaseFirst!: () => void
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve
    })
    let firstTook!: (seq: bigint) => void
    const firstSeq = new Promise<bigint>((resolve) => {
      firstTook = resolve
    })
    // The first write takes its seq and then stays open; the second starts after it and would, without
    // ordering, take the next seq and commit first.
    const first = writer.write(async (tx) => {
      const seq = await tx.record(change(project.id, 'first'))
      firstTook(seq)
      await firstHolds
      return seq
    })
    await firstSeq
    const second = writer.write((tx) => tx.record(change(project.id, 'second')))
    await sleep(150)
    // A reader polls while the first write is still open, then follows its sync token.
    const delivered: string[] = []
    let cursor = since
    const poll = async () => {
      const page = await log.readVisible(alice, { since: cursor, limit: 10 })
      for (const c of page) delivered.push(c.resourceId)
      const last = page.at(-1)
      if (last) cursor = BigInt(last.seq)
    }
    const early = poll()
    await sleep(150)
    releaseFirst()
    const seqs = [await first, await second]
    await early
    await poll()
    expect(seqs[0]).toBeLessThan(present(seqs[1]))
    expect(delivered).toEqual(['first', 'second'])
  })

  it('prunes changes past retention and moves the oldest retained seq past them', async () => {
    const { t, log, writer, alice, project } = await setup()
    const base = await writer.write((tx) => tx.record(change(project.id, 'old')))
    expect(await log.oldestRetainedSeq()).toBe(1n)
    expect(await log.prune()).toBe(0) // nothing is a week old yet
    // Backdate the first change past the retention.
    await t.ctx.db.kysely
      .updateTable('changes')
      .set({ created_at: '2000-01-01T00:00:00.000Z' })
      .where('seq', '<=', String(base))
      .execute()
    const kept = await writer.write((tx) => tx.record(change(project.id, 'new')))
    expect(await log.prune()).toBeGreaterThanOrEqual(1)
    expect(await log.oldestRetainedSeq()).toBe(base + 1n)
    expect((await log.readVisible(alice, { since: 0n, limit: 10 })).map((c) => c.seq)).toEqual([String(kept)])
    expect(await log.latestSeq()).toBe(kept)
  })
})

// SQLite runs one write at a time, so only PostgreSQL can commit a later seq before an earlier one.
describe.runIf(TEST_DATABASE === 'postgres')('change log while writes commit out of seq order', () => {
  it('lets no reader skip the write that commits last: not one polling between the commits, not one starting there', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const poll = async (since: string) => {
      const res = await jsonRequest(t, 'GET', `/v1/changes?since=${since}&limit=100`, alice.authHeaders)
      expect(res.status).toBe(200)
      return (await res.json()) as ChangeList
    }
    const { syncToken: before } = await poll('0')
    const ids = { first: newId('tsk'), second: newId('tsk') }
    const names = (resourceIds: unknown[]) =>
      resourceIds.map((id) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id)

    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let took!: (seq: bigint) => void
    const firstTook = new Promise<bigint>((resolve) => {
      took = resolve
    })
    const first = t.ctx.writer.write(async (tx) => {
      took(await tx.record(change(project.id, ids.first)))
      await held
    })
    const firstSeq = await firstTook
    // Begun after the first took its seq, committed while the first is still open: seq order and commit
    // order now differ.
    const secondSeq = await t.ctx.writer.write((tx) => tx.record(change(project.id, ids.second)))
    expect(firstSeq).toBeLessThan(secondSeq)

    // Between the two commits: a client polls, and another opens a stream with no position.
    const between = await poll(before)
    const stream = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    release()
    await first

    const after = await poll(between.syncToken)
    expect(names([...between.data, ...after.data].map((c) => c.resourceId))).toEqual(['first', 'second'])
    await stream.waitFor((b) => b.event?.data?.resourceId === ids.second)
    expect(names(stream.events().map((e) => e.data?.resourceId))).toEqual(['first', 'second'])
  })

  it('delivers a change held back by an older write still open on another connection once it ends, not at the next heartbeat', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false', EVENTS_HEARTBEAT_S: '15' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const stream = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    // Another connection of this app (a raw one: no change signal of its own) with a write transaction open.
    const options = t.ctx.db.options
    const outside = new pg.Client({
      connectionString: TEST_POSTGRES_URL,
      application_name: `tasklane:${options.dialect === 'postgres' ? options.schema : ''}:w`,
    })
    await outside.connect()
    onTestFinished(() => outside.end())
    await outside.query('begin')
    await outside.query('select pg_current_xact_id()')
    const id = newId('tsk')
    await t.ctx.writer.write((tx) => tx.record(change(project.id, id)))
    const page = await jsonRequest(t, 'GET', `/v1/changes?since=${stream.ready.data.since}`, alice.authHeaders)
    expect(((await page.json()) as ChangeList).data).toEqual([])
    await outside.query('commit')
    // Well within the 15 s heartbeat that would otherwise be the next look at the log.
    await stream.waitFor((b) => b.event?.data?.resourceId === id, 3_000)
  })
})
