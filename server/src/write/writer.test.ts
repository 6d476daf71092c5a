import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createTestApp, type TestApp } from '../test/app.js'
import { TEST_DATABASE } from '../test/databases.js'
import { createProject, taskRow } from '../test/projects.js'
import { waitForQueueEmpty } from '../test/queue.js'
import { signUpUser } from '../test/users.js'
import type { WriteTx } from './writer.js'

/** The mail the queue sent (written as .eml files, no SMTP server being configured) to `to`. */
function mailTo(t: TestApp, to: string): string[] {
  const dir = join(t.ctx.config.DATA_DIR, 'mail')
  return readdirSync(dir)
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .filter((mail) => mail.includes(`To: ${to}`))
}

/** The changes recorded after `seq`, oldest first: their resource ids and data. */
async function changesAfter(t: TestApp, seq: bigint) {
  const rows = await t.ctx.db.kysely
    .selectFrom('changes')
    .select(['resource_id', 'data'])
    .where('seq', '>', String(seq) as never)
    .orderBy('seq')
    .execute()
  return rows.map((c) => ({ resourceId: c.resource_id, data: JSON.parse(c.data) }))
}

describe('the write seam', () => {
  it('refuses a repository write outside a transaction, and serves reads there', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    await expect(t.ctx.repositories.memberships.removeMember(project.id, alice.user.id)).rejects.toThrow(
      /outside a transaction/,
    )
    await expect(t.ctx.repositories.accounts.deleteUser(alice.user.id)).rejects.toThrow(/outside a transaction/)
    expect(await t.ctx.repositories.memberships.roleOf(project.id, alice.user.id)).toBe('owner')
    expect((await t.ctx.repositories.accounts.findUserById(alice.user.id))?.id).toBe(alice.user.id)
  })

  it('hands a write repositories bound to its transaction, rolled back together with its changes', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const before = await t.ctx.changeLog.latestSeq()
    await expect(
      t.ctx.writer.write(async (tx) => {
        await tx.memberships.removeMember(project.id, alice.user.id)
        await tx.record({
          type: 'member.removed',
          projectId: project.id,
          resourceType: 'member',
          resourceId: alice.user.id,
          version: null,
          actorId: alice.user.id,
          data: { id: alice.user.id, deleted: true },
        })
        throw new Error('the write failed')
      }),
    ).rejects.toThrow('the write failed')
    expect(await t.ctx.repositories.memberships.roleOf(project.id, alice.user.id)).toBe('owner')
    expect(await t.ctx.changeLog.latestSeq()).toBe(before)
  })

  it('lets a silent write change data but record no change', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const before = await t.ctx.changeLog.latestSeq()
    await t.ctx.writer.write((tx) => tx.accounts.updateUser(alice.user.id, { name: 'Renamed' }), { silent: true })
    expect((await t.ctx.repositories.accounts.findUserById(alice.user.id))?.name).toBe('Renamed')
    await expect(
      t.ctx.writer.write(
        (tx) =>
          tx.record({
            type: 'task.updated',
            projectId: null,
            resourceType: 'task',
            resourceId: 'tsk_1',
            version: 1,
            actorId: null,
            data: {},
          }),
        { silent: true },
      ),
    ).rejects.toThrow(/silent write recorded a change/)
    expect(await t.ctx.changeLog.latestSeq()).toBe(before)
  })

  // PostgreSQL ends a deadlock's or a serialization failure's loser; SQLite's one writer meets no other.
  it.runIf(TEST_DATABASE === 'postgres')(
    'sets off what a write ran again after a lost race once: its change, its job, its after-commit reactions',
    async () => {
      const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
      const alice = await signUpUser(t)
      const project = await createProject(t, alice.authHeaders)
      const before = await t.ctx.changeLog.latestSeq()
      const committed = vi.spyOn(t.ctx.changeSignal, 'committed')
      const wake = vi.spyOn(t.ctx.queue, 'wake')
      let attempts = 0
      const seq = await t.ctx.writer.write(async (tx) => {
        attempts++
        const seq = await tx.record({
          type: 'task.updated',
          projectId: project.id,
          resourceType: 'task',
          resourceId: 'tsk_retried',
          version: 1,
          actorId: alice.user.id,
          data: { attempt: attempts },
        })
        await tx.enqueue({ kind: 'mail', payload: { to: 'retried@example.com', subject: 'Retried', text: 'Once.' } })
        // The first attempt ends as PostgreSQL ends a deadlock's loser: after it recorded and enqueued, before
        // its commit.
        if (attempts === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' })
        return seq
      })
      expect(attempts).toBe(2)
      expect(committed.mock.calls).toEqual([[seq]])
      expect(wake).toHaveBeenCalledTimes(1)
      // Recorded once, by the attempt that committed.
      expect(await changesAfter(t, before)).toEqual([{ resourceId: 'tsk_retried', data: { attempt: 2 } }])
      await waitForQueueEmpty(t.ctx)
      expect(mailTo(t, 'retried@example.com')).toHaveLength(1)
    },
  )
})

/** A change to record in a test's write: a task of `resourceId` updated by `userId`, with `data`. */
const change = (resourceId: string, userId: string, data: unknown = { resourceId }) => ({
  type: 'task.updated',
  projectId: null,
  userId,
  resourceType: 'task',
  resourceId,
  version: 1,
  actorId: userId,
  data,
})

describe('writes that arrive together', () => {
  it('commit or roll back each on its own: one that fails leaves nothing, the others all commit', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const before = await t.ctx.changeLog.latestSeq()
    // Started in the same turn of the event loop, so on SQLite they share one transaction.
    const results = await Promise.allSettled([
      t.ctx.writer.write(async (tx) => {
        await tx.accounts.updateUser(alice.user.id, { name: 'First' })
        return tx.record(change('tsk_first', alice.user.id))
      }),
      t.ctx.writer.write(async (tx) => {
        await tx.accounts.updateUser(bob.user.id, { name: 'Failed' })
        await tx.record(change('tsk_failed', bob.user.id))
        throw new Error('the second write failed')
      }),
      t.ctx.writer.write(async (tx) => {
        // Reads its own group's earlier writes like any write reads committed ones.
        expect((await tx.accounts.findUserById(bob.user.id))?.name).not.toBe('Failed')
        return tx.record(change('tsk_third', bob.user.id))
      }),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('the second write failed'))
    const [first, , third] = results as PromiseFulfilledResult<bigint>[]
    // A SQLite group runs its writes in the order they came. PostgreSQL runs them side by side, each in its
    // own transaction, and a seq follows the id its transaction takes at its first write: either may be first.
    const sqlite = t.ctx.db.dialect === 'sqlite'
    if (sqlite) expect(third?.value).toBeGreaterThan(first?.value as bigint)
    expect((await t.ctx.repositories.accounts.findUserById(alice.user.id))?.name).toBe('First')
    expect((await t.ctx.repositories.accounts.findUserById(bob.user.id))?.name).toBe(bob.user.name)
    const changes = await t.ctx.db.kysely
      .selectFrom('changes')
      .select('resource_id')
      .where('seq', '>', String(before) as never)
      .orderBy('seq')
      .execute()
    const recorded = changes.map((c) => c.resource_id)
    expect(sqlite ? recorded : recorded.sort()).toEqual(['tsk_first', 'tsk_third'])
  })

  it('refuse a statement a failed write left running once it has ended, so it lands in no other write', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    let straggler: Promise<unknown> | undefined
    const results = await Promise.allSettled([
      t.ctx.writer.write(async (tx) => {
        straggler = (async () => {
          // Runs on after its write has failed and the writes after it have begun.
          await new Promise((resolve) => setImmediate(resolve))
          await tx.accounts.updateUser(alice.user.id, { name: 'Straggler' })
        })()
        // Looked at below, once both writes have ended.
        straggler.catch(() => {})
        throw new Error('failed, leaving a statement behind')
      }),
      t.ctx.writer.write(async (tx) => {
        await new Promise((resolve) => setImmediate(resolve))
        await new Promise((resolve) => setImmediate(resolve))
        return tx.record(change('tsk_after', alice.user.id))
      }),
    ])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled'])
    await expect(straggler).rejects.toThrow(/ended|rolled back|committed/)
    expect((await t.ctx.repositories.accounts.findUserById(alice.user.id))?.name).toBe(alice.user.name)
  })

  // SQLite's writes share their group's transaction, which is still open when a later write of the group
  // runs: there only the write seam refuses what an earlier write's tx runs.
  it.runIf(TEST_DATABASE === 'sqlite')(
    'refuse what a committed write runs in a later write of its group, built or compiled once alike',
    async () => {
      const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
      const alice = await signUpUser(t)
      const project = await createProject(t, alice.authHeaders)
      let leaked: WriteTx | undefined
      // A task's insert runs a statement compiled once (on SQLite), a user's update one built on the spot.
      const row = taskRow({ id: 'tsk_leaked', project_id: project.id, title: 'Leaked', created_by: alice.user.id })
      const [, refused] = await Promise.all([
        t.ctx.writer.write(async (tx) => {
          leaked = tx
        }),
        t.ctx.writer.write(async () => {
          const tx = leaked as WriteTx
          return Promise.allSettled([tx.tasks.insert(row), tx.accounts.updateUser(alice.user.id, { name: 'Leaked' })])
        }),
      ])
      expect(refused.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual([
        'Error: This write has ended; its transaction is closed to it.',
        'Error: This write has ended; its transaction is closed to it.',
      ])
      expect(await t.ctx.repositories.tasks.find('tsk_leaked')).toBeUndefined()
      expect((await t.ctx.repositories.accounts.findUserById(alice.user.id))?.name).toBe(alice.user.name)
    },
  )
})

// A SQLite group runs first as one plain transaction; when one of its writes fails, that transaction is
// rolled back and the group runs again with each write in a savepoint, so the writes that succeed run twice.
describe.runIf(TEST_DATABASE === 'sqlite')('a group of writes of which one fails', () => {
  it('commits each other write once: its change, job and after-commit reaction happen once, from the run that committed', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    await waitForQueueEmpty(t.ctx)
    const before = await t.ctx.changeLog.latestSeq()
    const committed = vi.spyOn(t.ctx.changeSignal, 'committed')
    const runs = { first: 0, failed: 0, third: 0 }
    const write = (who: keyof typeof runs) =>
      t.ctx.writer.write(async (tx) => {
        runs[who]++
        const seq = await tx.record(change(`tsk_${who}`, alice.user.id, { run: runs[who] }))
        await tx.enqueue({ kind: 'mail', payload: { to: `${who}@group.example`, subject: 'Group', text: 'Once.' } })
        if (who === 'failed') throw new Error('this write fails')
        return seq
      })
    // Started in the same turn of the event loop: one group.
    const results = await Promise.allSettled([write('first'), write('failed'), write('third')])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(runs).toEqual({ first: 2, failed: 2, third: 1 })
    const seqs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    // The committed changes are the second runs' (the first run of `first` was rolled back with the group).
    expect(await changesAfter(t, before)).toEqual([
      { resourceId: 'tsk_first', data: { run: 2 } },
      { resourceId: 'tsk_third', data: { run: 1 } },
    ])
    expect(committed.mock.calls.map(([seq]) => seq)).toEqual(seqs)
    await waitForQueueEmpty(t.ctx)
    expect(mailTo(t, 'first@group.example')).toHaveLength(1)
    expect(mailTo(t, 'failed@group.example')).toHaveLength(0)
    expect(mailTo(t, 'third@group.example')).toHaveLength(1)
  })
})

describe.runIf(TEST_DATABASE === 'sqlite')(
  'a group of writes of which one is refused before it changes anything',
  () => {
    it('commits the others without running them again', async () => {
      const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
      const alice = await signUpUser(t)
      await waitForQueueEmpty(t.ctx)
      const before = await t.ctx.changeLog.latestSeq()
      const runs = { first: 0, refused: 0, third: 0 }
      const write = (who: keyof typeof runs) =>
        t.ctx.writer.write(async (tx) => {
          runs[who]++
          // Reads, then refuses: nothing of it is in the transaction.
          if (who === 'refused') {
            await tx.accounts.findUserById(alice.user.id)
            throw new Error('refused')
          }
          return tx.record(change(`tsk_${who}`, alice.user.id, { run: runs[who] }))
        })
      const results = await Promise.allSettled([write('first'), write('refused'), write('third')])
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect(runs).toEqual({ first: 1, refused: 1, third: 1 })
      expect(await changesAfter(t, before)).toEqual([
        { resourceId: 'tsk_first', data: { run: 1 } },
        { resourceId: 'tsk_third', data: { run: 1 } },
      ])
    })
  },
)

describe.runIf(TEST_DATABASE === 'postgres')('the write seam when PostgreSQL ends a write for a deadlock', () => {
  it('runs the losing write again: both succeed, and the change, job and after-commit reactions of each happen once', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const before = await t.ctx.changeLog.latestSeq()
    const committed = vi.spyOn(t.ctx.changeSignal, 'committed')
    // Each write takes one user's row, waits until the other holds the other row, then asks for it: the
    // two wait for each other and PostgreSQL ends one of them (40P01).
    let held = 0
    let bothHeld: () => void = () => {}
    const barrier = new Promise<void>((resolve) => {
      bothHeld = resolve
    })
    const attempts = { alice: 0, bob: 0 }
    const crossWrite = (first: typeof alice, second: typeof alice, who: 'alice' | 'bob') =>
      t.ctx.writer.write(async (tx) => {
        attempts[who]++
        await tx.accounts.updateUser(first.user.id, { name: `${who} first` })
        // Recorded and queued before the two meet, so the write that is ended had done both.
        const seq = await tx.record({
          type: 'task.updated',
          projectId: null,
          userId: first.user.id,
          resourceType: 'task',
          resourceId: `tsk_${who}`,
          version: 1,
          actorId: first.user.id,
          data: { who },
        })
        await tx.enqueue({
          kind: 'mail',
          payload: { to: `${who}@deadlock.example`, subject: 'Deadlock', text: 'Once.' },
        })
        if (++held === 2) bothHeld()
        await barrier
        await tx.accounts.updateUser(second.user.id, { name: `${who} second` })
        return seq
      })
    const seqs = await Promise.all([crossWrite(alice, bob, 'alice'), crossWrite(bob, alice, 'bob')])
    // One of them lost the race and ran again.
    expect(attempts.alice + attempts.bob).toBe(3)
    const changes = await changesAfter(t, before)
    expect(changes.map((c) => c.resourceId).sort()).toEqual(['tsk_alice', 'tsk_bob'])
    expect(committed.mock.calls.map(([seq]) => seq).sort()).toEqual([...seqs].sort())
    await waitForQueueEmpty(t.ctx)
    expect(mailTo(t, 'alice@deadlock.example')).toHaveLength(1)
    expect(mailTo(t, 'bob@deadlock.example')).toHaveLength(1)
  })
})
