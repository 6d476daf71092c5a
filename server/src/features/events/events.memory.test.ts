import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { appWithProject, recordChange, stalledStream } from '../../test/events.js'
import { present } from '../../test/present.js'

// This file measures the process's memory, so it runs in a process of its own (vitest.config.ts runs
// *.memory.test.ts isolated): in a worker shared with other files, what they left behind moves RSS too.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// A full garbage collection before each memory reading, so what is counted is what is still referenced.
v8.setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
function settledMemory() {
  gc()
  gc()
  const usage = process.memoryUsage()
  return { rss: usage.rss, held: usage.heapUsed + usage.arrayBuffers }
}

describe('streamEvents with a reader that stops reading, measured', () => {
  // The grace period a full queue gets, shortened from production's 2 s (as in events.test.ts).
  const SHORT_GRACE = { EVENTS_SLOW_CONSUMER_GRACE_MS: '300' }
  const GRACE_PASSED_MS = 800

  it('keeps memory flat however much is written while it does not read', async () => {
    // SQLite's page cache fills with the pages written up to its configured bound (SQLITE_CACHE_MB, 64 by
    // default), which RSS counts; held small here, so that what RSS gains is what the streams keep.
    const { t, alice, project } = await appWithProject({
      EVENTS_BUFFER_BYTES: String(128 * 1024),
      SQLITE_CACHE_MB: '2',
      ...SHORT_GRACE,
    })
    const readRest = await stalledStream(t, alice.authHeaders)
    const payload = 'x'.repeat(64 * 1024)
    const WRITES = 500
    // Warm-up, as many writes as are measured: writing grows V8's young generation to its working size
    // (megabytes of transient strings), which RSS counts; measured from before that, the growth depended on
    // what the process happened to do earlier. After the warm-up, what RSS still gains is what writes keep.
    for (let i = 0; i < WRITES; i++) await recordChange(t, project.id, payload)
    const before = settledMemory()
    for (let i = 0; i < WRITES; i++) await recordChange(t, project.id, payload)
    const after = settledMemory()
    const rssMb = (after.rss - before.rss) / 1024 / 1024
    // What JavaScript holds: the heap and the bytes of ArrayBuffers (the stream's queue is Uint8Arrays).
    const heldMb = (after.held - before.held) / 1024 / 1024
    const writtenMb = (WRITES * payload.length) / 1024 / 1024
    // Time passes: the grace period for a full queue runs out, and the reader is told to reconnect.
    await sleep(GRACE_PASSED_MS)
    const { events, error } = await readRest()
    const changes = events.filter((e) => e.id !== undefined)
    console.info(
      `[events] slow reader: RSS ${rssMb >= 0 ? '+' : ''}${rssMb.toFixed(1)} MB, heap+buffers ${heldMb >= 0 ? '+' : ''}${heldMb.toFixed(1)} MB ` +
        `while ${writtenMb.toFixed(1)} MB of changes were written; ${changes.length} events were queued for it`,
    )
    // What was queued is bounded by the buffer, not by what was written.
    expect(changes.length).toBeLessThan(20)
    // Told to reconnect from its position; or, when it let even that sit unread too long, cut off.
    if (error === undefined) {
      expect(events.at(-1)).toEqual({
        event: 'reconnect',
        data: { reason: 'slow_consumer', since: present(changes.at(-1)).id },
      })
    }
    // In the log's order with none skipped: the ids are the log's own seqs from the first one on (seqs need
    // not be consecutive numbers: on PostgreSQL they carry the writing transaction's id). A reader that was
    // cut off may have none to compare: the cut errors its stream, and a stream that errors drops what it
    // had buffered, so it reads nothing even of what reached it (as happens when the writes take longer than
    // the grace periods, as they do on PostgreSQL on a slow machine).
    if (error === undefined || changes.length > 0) {
      const ids = changes.map((e) => String(e.id))
      const first = BigInt(present(ids[0]))
      const res = await t.request(`/v1/changes?since=${first - 1n}&limit=${ids.length}`, {
        headers: alice.authHeaders,
      })
      const logged = ((await res.json()) as { data: { seq: string | number }[] }).data.map((c) => String(c.seq))
      expect(ids).toEqual(logged)
    } else {
      expect(String(error)).toMatch(/event stream reader stopped reading/)
    }
    expect(heldMb).toBeLessThan(writtenMb / 4)
    expect(rssMb).toBeLessThan(writtenMb / 2)
  }, 30_000)
})
