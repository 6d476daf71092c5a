// loadThenFollow against the live server: a change committed while the app loads is followed afterwards,
// and the resource methods work over real sockets as the path-string calls do.
import { loadThenFollow } from '@tasklane/sdk/events'
import { describe, expect, test } from 'vitest'
import { startLiveServer } from './support/live.js'

describe('load, then follow without a gap', () => {
  test('a task created while the list loads arrives as a change after the load', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    const project = await tl.projects.create({ name: 'Sync' })
    await tl.tasks.create(project.id, { title: 'before' })
    const controller = new AbortController()

    const { data, changes } = await loadThenFollow(
      tl,
      async () => {
        const tasks = await tl.tasks.list(project.id).toArray({ maxItems: 100 })
        // Someone else writes after the list was read and before the app starts following.
        await tl.tasks.create(project.id, { title: 'during' })
        return tasks
      },
      { projectId: project.id, signal: controller.signal },
    )
    expect(data.map((t) => t.title)).toEqual(['before'])
    for await (const event of changes) {
      if (event.type === 'task.created') {
        expect(event.data.title).toBe('during')
        break
      }
    }
    controller.abort()
  })
})
