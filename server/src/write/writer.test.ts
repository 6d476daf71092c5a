import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'
import { TEST_DATABASE } from '../test/databases.js'
import { createProject } from '../test/projects.js'
import { signUpUser } from '../test/users.js'

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
})

describe('writes that arrive together', () => {
  const change = (resourceId: string, userId: string) => ({
    type: 'task.updated',
    projectId: null,
    userId,
    resourceType: 'task',
    resourceId,
    version: 1,
    actorId: userId,
    data: { resourceId },
  })

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
    expect(third?.value).toBeGreaterThan(first?.value as bigint)
    expect((await t.ctx.repositories.accounts.findUserById(alice.user.id))?.name).toBe('First')
    expect((await t.ctx.repositories.accounts.findUserById(bob.user.id))?.name).toBe(bob.user.name)
    const changes = await t.ctx.db.kysely
      .selectFrom('changes')
      .select('resource_id')
      .where('seq', '>', String(before) as never)
      .orderBy('seq')
      .execute()
    expect(changes.map((c) => c.resource_id)).toEqual(['tsk_first', 'tsk_third'])
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
})

describe.runIf(TEST_DATABASE === 'postgres')('the write seam when PostgreSQL ends a write for a deadlock', () => {
  it('runs the losing write again, so both writes succeed and each change is recorded once', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const before = await t.ctx.changeLog.latestSeq()
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
        if (++held === 2) bothHeld()
        await barrier
        await tx.accounts.updateUser(second.user.id, { name: `${who} second` })
        await tx.record({
          type: 'task.updated',
          projectId: null,
          userId: first.user.id,
          resourceType: 'task',
          resourceId: `tsk_${who}`,
          version: 1,
          actorId: first.user.id,
          data: { who },
        })
      })
    await Promise.all([crossWrite(alice, bob, 'alice'), crossWrite(bob, alice, 'bob')])
    // One of them lost the race and ran again.
    expect(attempts.alice + attempts.bob).toBe(3)
    const changes = await t.ctx.db.kysely
      .selectFrom('changes')
      .select('resource_id')
      .where('seq', '>', String(before) as never)
      .execute()
    expect(changes.map((c) => c.resource_id).sort()).toEqual(['tsk_alice', 'tsk_bob'])
  })
})
