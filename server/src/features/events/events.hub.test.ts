import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import { appWithProject, openStream, recordChange } from '../../test/events.js'
import { addMember, createProject } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

describe('event streams of one instance share one reader of the log', () => {
  it('reads each batch of changes once for every stream: streams that see none of the writes do not read the log', async () => {
    const { t, alice, project } = await appWithProject()
    const bob = await signUpUser(t)
    const mine = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    const idle = []
    for (let i = 0; i < 5; i++) idle.push(await openStream(t.fetch, t.baseUrl, { headers: bob.authHeaders }))
    // Each stream catches up once after joining; what is counted is what writes cost afterwards.
    await sleep(300)
    const perStream = vi.spyOn(t.ctx.changeLog, 'readVisible')
    const shared = vi.spyOn(t.ctx.repositories.changes, 'readAfter')

    const WRITES = 20
    const seqs: string[] = []
    for (let i = 0; i < WRITES; i++) {
      seqs.push(String(await recordChange(t, project.id, `write ${i}`)))
      expect((await mine.next()).id).toBe(seqs.at(-1))
    }
    await sleep(300)
    const bobsReads = perStream.mock.calls.filter(([principal]) => principal.userId === bob.user.id)
    expect(bobsReads).toEqual([])
    // One read per batch for all six streams (a batch per write or fewer), not one per stream and write.
    expect(shared.mock.calls.length).toBeGreaterThan(0)
    expect(shared.mock.calls.length).toBeLessThanOrEqual(2 * WRITES + 2)
    for (const stream of idle) expect(stream.events()).toEqual([])
    expect(mine.events().map((e) => e.id)).toEqual(seqs)
  })

  it('hands a member added while streaming the project from the write that added them, and nothing before', async () => {
    const { t, alice, project } = await appWithProject()
    const bob = await signUpUser(t)
    const stream = await openStream(t.fetch, t.baseUrl, { headers: bob.authHeaders })
    // Bob's own project's changes arrive once his stream is live; only then is he added to Alice's.
    const own = await createProject(t, bob.authHeaders)
    await stream.waitFor((b) => b.event?.event === 'member.added' && b.event.data.projectId === own.id)
    const start = stream.events().at(-1)?.id ?? ''
    await recordChange(t, project.id, 'before bob joined')
    await addMember(t, project.id, bob.user.id, 'viewer')
    const added = await t.ctx.writer.write((tx) =>
      tx.record({
        type: 'member.added',
        projectId: project.id,
        resourceType: 'member',
        resourceId: bob.user.id,
        version: null,
        actorId: alice.user.id,
        data: { userId: bob.user.id, projectId: project.id, role: 'viewer' },
      }),
    )
    const after = await recordChange(t, project.id, 'after bob joined')
    await stream.waitFor((b) => b.event?.id === String(after))
    const since = stream.events().findIndex((e) => e.id === start)
    expect(
      stream
        .events()
        .slice(since + 1)
        .map((e) => e.id),
    ).toEqual([String(added), String(after)])
    // A stream opened later from the same position reads the same from the log.
    const later = await openStream(t.fetch, t.baseUrl, { headers: bob.authHeaders, since: start })
    await later.waitFor((b) => b.event?.id === String(after))
    expect(later.events().map((e) => e.id)).toEqual([String(added), String(after)])
  })
})
