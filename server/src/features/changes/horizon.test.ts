import { describe, expect, it } from 'vitest'
import { newId } from '../../lib/ids.js'
import { createTestApp } from '../../test/app.js'
import { TEST_DATABASE } from '../../test/databases.js'
import { createProject } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

describe.runIf(TEST_DATABASE === 'postgres')('the change log horizon under concurrent writes', () => {
  it('never moves back: what a reader may read up to only grows while writes run side by side', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const first = await t.ctx.changeLog.readableSeq()
    let writing = true
    const writers = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; i < 60; i++) {
        const id = newId('tsk')
        await t.ctx.writer.write((tx) =>
          tx.record({
            type: 'task.updated',
            projectId: project.id,
            resourceType: 'task',
            resourceId: id,
            version: 1,
            actorId: null,
            data: { id, title: `writer ${w} write ${i}` },
          }),
        )
      }
    })
    const done = Promise.all(writers).finally(() => {
      writing = false
    })
    // A write that takes its transaction id just after a reader's snapshot once made the horizon fall 2^32
    // transaction ids back, so that a read found nothing (readableSeq fell to the pruning mark) after
    // another had read past it: a stream that takes an empty read as caught up skips changes.
    let readable = first
    let visible = 0
    const backwards: string[] = []
    while (writing) {
      const now = await t.ctx.changeLog.readableSeq()
      if (now < readable) backwards.push(`readableSeq ${readable} then ${now}`)
      readable = now
      const read = await t.ctx.changeLog.readVisible({ userId: alice.user.id }, { since: first, limit: 1_000 })
      if (read.length < visible) backwards.push(`read ${visible} changes, then ${read.length}`)
      visible = read.length
    }
    await done
    expect(backwards).toEqual([])
  })
})
