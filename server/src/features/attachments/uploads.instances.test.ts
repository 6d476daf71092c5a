import { createHash, randomBytes } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from '../../app.js'
import { type AppContext, createContext } from '../../context.js'
import type { Attachment } from '../../generated/routes.js'
import { checkedFetch, createTestApp, type TestApp, testContextOverrides } from '../../test/app.js'
import { TEST_DATABASE } from '../../test/databases.js'
import { createProject } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'
import { tinyPng } from './test-files.js'
import { createTus } from './test-support.js'

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** A second server instance on the test's database and data directory, as a second process would be. */
async function secondInstance(t: TestApp): Promise<TestApp> {
  const ctx = await createContext(t.ctx.config, {
    ...testContextOverrides(),
    database: t.database,
    logger: pino({ level: 'silent' }),
  })
  onTestFinished(() => ctx.close())
  const app = createApp(ctx)
  const fetch = checkedFetch(app)
  return { ...t, ctx, app, fetch, request: (path, init) => fetch(`${t.baseUrl}${path}`, init) }
}

async function setup() {
  const a = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
  const b = await secondInstance(a)
  const alice = await signUpUser(a)
  const project = await createProject(a, alice.authHeaders)
  const png = await tinyPng()
  const file = Buffer.concat([png, randomBytes(300_000 - png.length)])
  return {
    a,
    b,
    alice,
    project,
    file,
    onA: createTus(a, alice.authHeaders, project.id),
    onB: createTus(b, alice.authHeaders, project.id),
  }
}

/**
 * Counts the store writes running at once across the instances. Each write is held back a little before
 * it starts, so that two PATCHes that were not kept apart by the lock would be seen overlapping.
 */
function watchWrites(...contexts: AppContext[]) {
  let running = 0
  let most = 0
  for (const ctx of contexts) {
    const datastore = ctx.services.uploads.store.datastore
    const write = datastore.write.bind(datastore)
    datastore.write = async (...args: Parameters<typeof write>) => {
      running++
      most = Math.max(most, running)
      try {
        await sleep(20)
        return await write(...args)
      } finally {
        running--
      }
    }
  }
  return { most: () => most }
}

/** A PATCH from offset 0 that sends `first`, then stalls (a slow client) until the test ends. */
function stalledPatch(app: TestApp, auth: Record<string, string>, location: string, first: Uint8Array) {
  let resume = () => {}
  const stalled = new Promise<void>((resolve) => {
    resume = resolve
  })
  onTestFinished(() => resume())
  let sent = false
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent) return stalled
      sent = true
      controller.enqueue(first)
    },
  })
  return app.request(location, {
    method: 'PATCH',
    headers: {
      ...auth,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
    },
    body,
    duplex: 'half',
  } as RequestInit)
}

/** Waits until the upload's file at `path` holds `size` bytes. */
async function grownTo(path: string, size: number) {
  for (let i = 0; i < 200 && ((await stat(path).catch(() => undefined))?.size ?? 0) < size; i++) await sleep(10)
  expect((await stat(path)).size).toBe(size)
}

describe.runIf(TEST_DATABASE === 'postgres')('resumable uploads across instances on one PostgreSQL database', () => {
  it("holds a PATCH on one instance while another instance's PATCH of the upload runs, and asks that one to let go", async () => {
    const { a, alice, project, file, onA, onB } = await setup()
    const location = (await onA.create(file.length, { filename: 'two.png' })).headers.get('location') as string
    const path = join(a.ctx.config.DATA_DIR, 'uploads', location.slice(location.lastIndexOf('/') + 1))

    // A's PATCH sends its first 100 000 bytes, then stalls (a slow client), holding the upload.
    const answered: string[] = []
    const onAPatch = stalledPatch(a, alice.authHeaders, location, file.subarray(0, 100_000)).then((res) => {
      answered.push('A')
      return res
    })
    await grownTo(path, 100_000)

    // B's PATCH sends the rest from where the file stands: it waits for A's lock.
    const onBPatch = onB.patch(location, 100_000, file.subarray(100_000)).then((res) => {
      answered.push('B')
      return res
    })
    await sleep(500)
    expect(answered).toEqual([])
    expect((await stat(path)).size).toBe(100_000)

    // Asked to let go, A stops where it was (within @tus/server's lock drain time), and then B goes on.
    const [first, second] = await Promise.all([onAPatch, onBPatch])
    expect(answered).toEqual(['A', 'B'])
    expect(first.status).toBe(204)
    expect(first.headers.get('upload-offset')).toBe('100000')
    expect(second.status).toBe(200)
    const attachment = (await second.json()) as Attachment
    expect(attachment.sha256).toBe(sha(file))
    const content = await a.request(`/v1/attachments/${attachment.id}/content`, { headers: alice.authHeaders })
    expect(Buffer.from(await content.arrayBuffer()).equals(file)).toBe(true)
    const usage = await a.request(`/v1/projects/${project.id}/storage`, { headers: alice.authHeaders })
    expect(await usage.json()).toMatchObject({ usedBytes: file.length, reservedBytes: 0, fileCount: 1 })
  })

  it('keeps PATCHes racing through two instances one at a time: offsets hold and the file is whole', async () => {
    const { a, b, alice, project, file, onA, onB } = await setup()
    const writes = watchWrites(a.ctx, b.ctx)
    const location = (await onA.create(file.length, { filename: 'race.png' })).headers.get('location') as string
    const finished: Attachment[] = []
    const statuses: number[] = []

    // Each instance's client asks where the upload stands and sends the next 20 000 bytes from there.
    const client = async (tus: typeof onA) => {
      for (let round = 0; round < 100; round++) {
        const head = await tus.head(location)
        if (head.status === 404) return
        const offset = Number(head.headers.get('upload-offset'))
        const res = await tus.patch(location, offset, file.subarray(offset, offset + 20_000))
        statuses.push(res.status)
        if (res.status === 200) finished.push((await res.json()) as Attachment)
        else await res.body?.cancel()
      }
    }
    await Promise.all([client(onA), client(onB), client(onA), client(onB)])

    expect(writes.most()).toBe(1)
    expect(finished).toHaveLength(1)
    expect(statuses.filter((s) => ![200, 204, 404, 409].includes(s))).toEqual([])
    const [attachment] = finished as [Attachment]
    expect(attachment.sha256).toBe(sha(file))
    const content = await b.request(`/v1/attachments/${attachment.id}/content`, { headers: alice.authHeaders })
    expect(Buffer.from(await content.arrayBuffer()).equals(file)).toBe(true)
    const usage = await a.request(`/v1/projects/${project.id}/storage`, { headers: alice.authHeaders })
    expect(await usage.json()).toMatchObject({ usedBytes: file.length, reservedBytes: 0, fileCount: 1 })
  })
  it('stops a request whose lock went with its lost connection, and takes locks again once reconnected', async () => {
    const { a, alice, file, onA, onB } = await setup()
    const location = (await onA.create(file.length, { filename: 'lost.png' })).headers.get('location') as string
    const path = join(a.ctx.config.DATA_DIR, 'uploads', location.slice(location.lastIndexOf('/') + 1))
    const onAPatch = stalledPatch(a, alice.authHeaders, location, file.subarray(0, 100_000))
    await grownTo(path, 100_000)

    // Both instances' lock connections are cut (a failover, an operator's pg_terminate_backend).
    const schema = (a.database as { schema?: string }).schema ?? 'public'
    const { rows } = await sql<{ cut: boolean }>`
      select pg_terminate_backend(pid) as cut from pg_stat_activity
      where application_name like ${`tasklane-locks ${schema} %`}`.execute(a.ctx.db.kysely)
    expect(rows.length).toBe(2)

    // A no longer holds the upload: it stops where it was, as when asked to let go.
    const stopped = await onAPatch
    expect(stopped.status).toBe(204)
    expect(stopped.headers.get('upload-offset')).toBe('100000')
    // The instances reconnect and lock again: B goes on from there.
    const rest = await onB.patch(location, 100_000, file.subarray(100_000))
    expect(rest.status).toBe(200)
    expect(((await rest.json()) as Attachment).sha256).toBe(sha(file))
  })
})
