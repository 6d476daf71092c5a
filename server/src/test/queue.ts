import type { AppContext } from '../context.js'
import { queueStats } from '../queue/jobs.repository.js'

/**
 * Waits until the app's job queue has nothing left to run (every job done or kept as failed), waking its
 * worker so due jobs start at once. Fails after `timeoutMs`.
 */
export async function waitForQueueEmpty(ctx: Pick<AppContext, 'db' | 'queue'>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    ctx.queue.wake()
    const left = (await queueStats(ctx.db.kysely)).filter((s) => s.state !== 'failed').reduce((n, s) => n + s.count, 0)
    if (left === 0) return
    if (Date.now() > deadline) throw new Error(`${left} jobs still queued or running after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
