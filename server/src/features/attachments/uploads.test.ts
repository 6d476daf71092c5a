import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished, type TestContext } from 'vitest'
import type { Attachment, ProjectStorage } from '../../generated/routes.js'
import { createTestApp, type TestApp } from '../../test/app.js'
import { createProject, createTask } from '../../test/projects.js'
import { startTestS3 } from '../../test/s3.js'
import { signUpUser } from '../../test/users.js'
import { tinyPng } from './test-files.js'
import { createTus, rowCount, storedKeys, type Tus, upload } from './test-support.js'

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

async function setup(env: Record<string, string> = {}) {
  const t = await createTestApp(env)
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  return { t, alice, project, tus: createTus(t, alice.authHeaders, project.id) }
}

async function storage(t: TestApp, headers: Record<string, string>, projectId: string) {
  const res = await t.request(`/v1/projects/${projectId}/storage`, { headers })
  return (await res.json()) as ProjectStorage
}

async function uploadDirEntries(t: TestApp) {
  return readdir(join(t.ctx.config.DATA_DIR, 'uploads')).catch(() => [])
}

/** A file whose type file-type recognises (a PNG) padded to `size` bytes. */
async function pngOf(size: number): Promise<Buffer> {
  const png = await tinyPng()
  return Buffer.concat([png, randomBytes(Math.max(0, size - png.length))])
}

/** The whole resumable flow on one driver: what both drivers must do alike. */
function flowTests(driver: () => Promise<{ env: Record<string, string> }>) {
  it('creates an upload, takes its bytes in pieces and makes the attachment from them', async () => {
    const { t, alice, project, tus } = await setup((await driver()).env)
    const task = await createTask(t, alice.authHeaders, project.id)
    const file = await pngOf(300_000)
    const created = await tus.create(file.length, { filename: 'Ω shot.png', filetype: 'text/plain', taskId: task.id })
    expect(created.status).toBe(201)
    expect(created.headers.get('tus-resumable')).toBe('1.0.0')
    expect(created.headers.get('upload-expires')).toMatch(/GMT$/)
    const location = created.headers.get('location') as string
    expect(location).toMatch(new RegExp(`^/v1/projects/${project.id}/uploads/upl_[0-9A-Z]{26}$`))
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: file.length })

    const head = await tus.head(location)
    expect(head.status).toBe(200)
    expect(head.headers.get('upload-offset')).toBe('0')
    expect(head.headers.get('upload-length')).toBe(String(file.length))

    const first = await tus.patch(location, 0, file.subarray(0, 100_000))
    expect(first.status).toBe(204)
    expect(first.headers.get('upload-offset')).toBe('100000')
    const last = await tus.patch(location, 100_000, file.subarray(100_000))
    expect(last.status).toBe(200)
    const attachment = (await last.json()) as Attachment
    expect(attachment).toMatchObject({
      projectId: project.id,
      taskId: task.id,
      filename: 'Ω shot.png',
      contentType: 'image/png',
      claimedContentType: 'text/plain',
      size: file.length,
      sha256: sha(file),
      createdBy: alice.user.id,
    })
    expect(last.headers.get('location')).toBe(`/v1/attachments/${attachment.id}`)
    const content = await t.request(`/v1/attachments/${attachment.id}/content`, { headers: alice.authHeaders })
    expect(sha(Buffer.from(await content.arrayBuffer()))).toBe(sha(file))
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({
      usedBytes: file.length,
      reservedBytes: 0,
      fileCount: 1,
    })
    // The upload is over: nothing more can be sent to it.
    expect((await tus.head(location)).status).toBe(404)
    const changes = await t.request('/v1/changes?since=0', { headers: alice.authHeaders })
    const types = ((await changes.json()) as { data: { type: string }[] }).data.map((c) => c.type)
    expect(types).toContain('attachment.created')
  })

  it('resumes after a cut connection from the last byte that arrived', async () => {
    const { t, alice, project, tus } = await setup((await driver()).env)
    const file = await pngOf(200_000)
    const created = await tus.create(file.length, { filename: 'resumed.png' })
    const location = created.headers.get('location') as string

    const cut = await tus.patchCut(location, 0, file.subarray(0, 120_000))
    // Whoever answers a cut connection answers nobody; the server kept what arrived.
    expect(cut.status).toBe(400)
    expect((await cut.json()).code).toBe('incomplete_body')
    const offset = Number((await tus.head(location)).headers.get('upload-offset'))
    expect(offset).toBeLessThanOrEqual(120_000)

    const rest = await tus.patch(location, offset, file.subarray(offset))
    expect(rest.status).toBe(200)
    const attachment = (await rest.json()) as Attachment
    expect(attachment.sha256).toBe(sha(file))
    expect(attachment.size).toBe(file.length)
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: file.length, reservedBytes: 0 })
  })

  it('refuses a type the settings do not take as soon as the first bytes show it, not at the end', async () => {
    const { t, alice, project, tus } = await setup({ ...(await driver()).env, ATTACHMENT_TYPES_ALLOW: 'text/plain' })
    const file = await pngOf(4 * 1024 * 1024)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    // The body is handed over 64 KiB at a time, as the server asks for it.
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= file.length) return controller.close()
        controller.enqueue(file.subarray(pulled, pulled + 65_536))
        pulled += 65_536
      },
    })
    const res = await t.request(location, {
      method: 'PATCH',
      headers: {
        ...alice.authHeaders,
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(415)
    expect(res.headers.get('tus-resumable')).toBe('1.0.0')
    expect((await res.json()).code).toBe('file_type_not_allowed')
    expect(pulled).toBeLessThan(file.length / 4)
    expect(await rowCount(t)).toBe(0)
    expect(await storedKeys(t)).toEqual([])
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: 0 })
    expect((await tus.head(location)).status).toBe(404)
    expect(await t.ctx.db.kysely.selectFrom('uploads').select('id').execute()).toEqual([])
  })
}

describe('resumable uploads (tus) on local disk', () => {
  flowTests(async () => ({ env: {} }))

  it('keeps the bytes that arrived before the cut, to the byte', async () => {
    const { tus } = await setup()
    const file = await pngOf(50_000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    await tus.patchCut(location, 0, file.subarray(0, 30_000))
    expect((await tus.head(location)).headers.get('upload-offset')).toBe('30000')
  })

  it('answers 409 to bytes sent from the wrong offset, and keeps nothing of them', async () => {
    const { tus } = await setup()
    const file = await pngOf(10_000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    const wrong = await tus.patch(location, 500, file.subarray(500))
    expect(wrong.status).toBe(409)
    expect(wrong.headers.get('content-type')).toBe('application/problem+json')
    expect((await wrong.json()).code).toBe('offset_mismatch')
    expect((await tus.head(location)).headers.get('upload-offset')).toBe('0')
  })

  it('refuses a length over the size limit at creation, and bytes past the length, with 413', async () => {
    const { t, alice, project, tus } = await setup({ ATTACHMENT_MAX_BYTES: '100000' })
    // Lengths past what a double holds exactly, and past 64 bits, are over the limit too: tus answers 413
    // for an Upload-Length over the server's maximum, and says the maximum in Tus-Max-Size.
    for (const length of ['100001', '9999999999999999', '99999999999999999999']) {
      const tooBig = await t.request(tus.base, {
        method: 'POST',
        headers: {
          ...alice.authHeaders,
          'Tus-Resumable': '1.0.0',
          'Upload-Length': length,
          'Upload-Metadata': `filename ${Buffer.from('big.bin').toString('base64')}`,
        },
      })
      expect(tooBig.status).toBe(413)
      expect(tooBig.headers.get('tus-max-size')).toBe('100000')
      const problem = await tooBig.json()
      expect(problem.code).toBe('file_too_large')
      expect(problem.detail).toContain('100000 bytes')
    }
    expect(await uploadDirEntries(t)).toEqual([])

    const file = await pngOf(1000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    const over = await tus.patch(location, 0, Buffer.concat([file, Buffer.alloc(10)]))
    expect(over.status).toBe(413)
    expect((await over.json()).code).toBe('file_too_large')
    expect(await rowCount(t)).toBe(0)
    expect((await storage(t, alice.authHeaders, project.id)).usedBytes).toBe(0)
  })

  it('holds the quota at creation: of two uploads started at once, only the one that fits is taken', async () => {
    const { t, alice, project, tus } = await setup({ PROJECT_STORAGE_QUOTA_BYTES: '1000000' })
    const answers = await Promise.all([
      tus.create(600_000, { filename: 'one.bin' }),
      tus.create(600_000, { filename: 'two.bin' }),
      tus.create(600_000, { filename: 'three.bin' }),
    ])
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 413, 413])
    for (const res of answers.filter((r) => r.status === 413)) expect((await res.json()).code).toBe('quota_exceeded')
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: 600_000 })
    // A simple upload meanwhile counts the hold too.
    const simple = await upload(t, alice.authHeaders, project.id, { name: 'c.bin', bytes: randomBytes(500_000) })
    expect(simple.status).toBe(413)
    expect((await simple.json()).code).toBe('quota_exceeded')
  })

  it('answers 423 with Retry-After when another request holds the upload for the whole wait', async () => {
    const { t, tus } = await setup({ UPLOAD_LOCK_TIMEOUT_MS: '300' })
    const file = await pngOf(1000)
    const location = (await tus.create(file.length, { filename: 'held.png' })).headers.get('location') as string
    const { locker, keyOf } = t.ctx.services.uploads.store
    // Held as the request that makes an upload's attachment holds it: it does not let go when asked.
    const held = locker.newLock(keyOf(location.slice(location.lastIndexOf('/') + 1)))
    await held.lock(new AbortController().signal, () => Promise.resolve())
    try {
      const head = await tus.head(location)
      expect(head.status).toBe(423)
      expect(Number(head.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(head.headers.get('tus-resumable')).toBe('1.0.0')
      const patch = await tus.patch(location, 0, file)
      expect(patch.status).toBe(423)
      expect(Number(patch.headers.get('retry-after'))).toBeGreaterThan(0)
      expect((await patch.json()).code).toBe('upload_locked')
    } finally {
      await held.unlock()
    }
    // Nothing was written meanwhile: once the holder lets go, the upload goes on from where it stood.
    expect((await tus.head(location)).headers.get('upload-offset')).toBe('0')
    expect((await tus.patch(location, 0, file)).status).toBe(200)
  })

  it('cancels an upload: its bytes and its hold on the quota go', async () => {
    const { t, alice, project, tus } = await setup()
    const file = await pngOf(10_000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    await tus.patch(location, 0, file.subarray(0, 5000))
    const cancelled = await tus.delete(location)
    expect(cancelled.status).toBe(204)
    expect((await tus.head(location)).status).toBe(404)
    expect((await storage(t, alice.authHeaders, project.id)).reservedBytes).toBe(0)
    expect(await uploadDirEntries(t)).toEqual([])
  })

  it('sweeps an upload past its expiry with its bytes and its hold; until then it answers 410', async () => {
    const { t, alice, project, tus } = await setup()
    const file = await pngOf(10_000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    await tus.patch(location, 0, file.subarray(0, 5000))
    expect((await uploadDirEntries(t)).length).toBeGreaterThan(0)
    // The expiry passes.
    await t.ctx.db.kysely
      .updateTable('uploads')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute()
    const expired = await tus.patch(location, 5000, file.subarray(5000))
    expect(expired.status).toBe(410)
    expect((await expired.json()).code).toBe('upload_expired')

    const report = await t.ctx.attachmentJanitor.sweep()
    expect(report.uploadsExpired).toBe(1)
    expect((await storage(t, alice.authHeaders, project.id)).reservedBytes).toBe(0)
    expect(await uploadDirEntries(t)).toEqual([])
    expect((await tus.head(location)).status).toBe(404)
    expect(await rowCount(t)).toBe(0)
  })

  it('ends an upload whose bytes are of a refused type with 415, keeping nothing', async () => {
    const { t, alice, project, tus } = await setup({ ATTACHMENT_TYPES_ALLOW: 'text/plain' })
    const file = await pngOf(2000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    const res = await tus.patch(location, 0, file)
    expect(res.status).toBe(415)
    expect((await res.json()).code).toBe('file_type_not_allowed')
    expect(await rowCount(t)).toBe(0)
    expect(await storedKeys(t)).toEqual([])
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: 0 })
    expect((await tus.head(location)).status).toBe(404)
  })

  it('reads the type from first bytes that came in two PATCHes, and keeps nothing of a refused one', async () => {
    const { t, alice, project, tus } = await setup({ ATTACHMENT_TYPES_DENY: 'image/*' })
    const file = await pngOf(1_000_000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    expect((await tus.patch(location, 0, file.subarray(0, 1000))).status).toBe(204)
    const res = await tus.patch(location, 1000, file.subarray(1000, 200_000))
    expect(res.status).toBe(415)
    expect((await res.json()).code).toBe('file_type_not_allowed')
    expect(await uploadDirEntries(t)).toEqual([])
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: 0 })
    expect((await tus.head(location)).status).toBe(404)
  })

  it('checks the sha256 of the metadata against the bytes', async () => {
    const { t, tus } = await setup()
    const file = await pngOf(2000)
    const location = (
      await tus.create(file.length, { filename: 'a.png', sha256: sha(Buffer.from('something else')) })
    ).headers.get('location') as string
    const res = await tus.patch(location, 0, file)
    expect(res.status).toBe(400)
    expect((await res.json()).code).toBe('checksum_mismatch')
    expect(await rowCount(t)).toBe(0)
  })

  it('refuses what the protocol or the rules do not allow, before any byte is stored', async () => {
    const { t, alice, project, tus } = await setup()
    const noVersion = await t.request(`/v1/projects/${project.id}/uploads`, {
      method: 'POST',
      headers: { ...alice.authHeaders, 'Upload-Length': '10' },
    })
    expect(noVersion.status).toBe(412)
    expect(noVersion.headers.get('tus-version')).toBe('1.0.0')
    expect((await noVersion.json()).code).toBe('tus_version_unsupported')

    const cases: [Record<string, string>, number, string][] = [
      [{}, 400, 'invalid_metadata'],
      [{ filename: '../etc/passwd' }, 400, 'invalid_filename'],
      [{ filename: 'a.txt', taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }, 404, 'not_found'],
      [{ filename: 'a.txt', sha256: 'nope' }, 400, 'invalid_metadata'],
    ]
    for (const [metadata, status, code] of cases) {
      const res = await tus.create(10, metadata)
      expect([res.status, (await res.json()).code]).toEqual([status, code])
    }
    const empty = await tus.create(0, { filename: 'a.txt' })
    expect((await empty.json()).code).toBe('empty_file')
    const wrongType = await t.request(`${tus.base}/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K`, {
      method: 'PATCH',
      headers: { ...alice.authHeaders, 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'text/plain' },
      body: 'x',
    })
    expect(wrongType.status).toBe(415)
    expect(await uploadDirEntries(t)).toEqual([])
    expect((await storage(t, alice.authHeaders, project.id)).reservedBytes).toBe(0)
  })

  it("keeps each user's uploads their own", async () => {
    const { t, project, tus } = await setup()
    const bob = await signUpUser(t)
    const location = (await tus.create(100, { filename: 'a.txt' })).headers.get('location') as string
    const bobs: Tus = createTus(t, bob.authHeaders, project.id)
    expect((await bobs.head(location)).status).toBe(404)
    expect((await bobs.patch(location, 0, Buffer.alloc(100, 1))).status).toBe(404)
    expect((await bobs.delete(location)).status).toBe(404)
  })
})

describe('resumable uploads (tus) on a full disk', () => {
  /** DATA_DIR/uploads on a real filesystem of `size` (a tmpfs, which needs root as CI runs), grown by `grow`. */
  async function fullDisk(ctx: TestContext, t: TestApp, size: string) {
    const dir = join(t.ctx.config.DATA_DIR, 'uploads')
    await mkdir(dir, { recursive: true })
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tasklane-test', dir], { stdio: 'ignore' })
    } catch {
      ctx.skip('mounting a tmpfs needs root: the full-disk test did not run')
    }
    onTestFinished(() => {
      execFileSync('umount', [dir])
    })
    return {
      dir,
      /** Gives the filesystem more room, as an operator freeing space does. */
      grow: (to: string) => execFileSync('mount', ['-o', `remount,size=${to}`, dir]),
    }
  }

  it('answers a PATCH that fills the disk with 507, keeps what fit, and resumes from there once there is room', async (ctx) => {
    const { t, alice, project, tus } = await setup()
    const disk = await fullDisk(ctx, t, '1m')
    const file = await pngOf(1_500_000)
    const location = (await tus.create(file.length, { filename: 'big.png' })).headers.get('location') as string

    const full = await tus.patch(location, 0, file)
    expect(full.status).toBe(507)
    expect(full.headers.get('content-type')).toBe('application/problem+json')
    expect(full.headers.get('tus-resumable')).toBe('1.0.0')
    expect((await full.json()).code).toBe('insufficient_storage')
    const offset = Number((await tus.head(location)).headers.get('upload-offset'))
    expect(offset).toBeGreaterThan(0)
    expect(offset).toBeLessThan(file.length)
    // The upload goes on: its hold on the quota stays, and no attachment was made.
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: file.length })
    expect(await rowCount(t)).toBe(0)

    disk.grow('4m')
    const rest = await tus.patch(location, offset, file.subarray(offset))
    expect(rest.status).toBe(200)
    const attachment = (await rest.json()) as Attachment
    expect(attachment.sha256).toBe(sha(file))
    const content = await t.request(`/v1/attachments/${attachment.id}/content`, { headers: alice.authHeaders })
    expect(Buffer.from(await content.arrayBuffer()).equals(file)).toBe(true)
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({
      usedBytes: file.length,
      reservedBytes: 0,
      fileCount: 1,
    })
  })

  it('cancels an upload cut short by a full disk, leaving nothing', async (ctx) => {
    const { t, alice, project, tus } = await setup()
    await fullDisk(ctx, t, '1m')
    const file = await pngOf(1_500_000)
    const location = (await tus.create(file.length, { filename: 'big.png' })).headers.get('location') as string
    expect((await tus.patch(location, 0, file)).status).toBe(507)
    expect((await tus.delete(location)).status).toBe(204)
    expect(await uploadDirEntries(t)).toEqual([])
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: 0 })
  })

  it('answers a creation on a full disk with 507, leaving no upload and no hold', async (ctx) => {
    const { t, alice, project, tus } = await setup()
    const disk = await fullDisk(ctx, t, '64k')
    // Fills the filesystem to the last byte.
    await writeFile(join(disk.dir, 'filler'), Buffer.alloc(64 * 1024)).catch(() => {})
    await appendFile(join(disk.dir, 'filler'), Buffer.alloc(4096)).catch(() => {})
    const res = await tus.create(10_000, { filename: 'a.png' })
    expect(res.status).toBe(507)
    expect((await res.json()).code).toBe('insufficient_storage')
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: 0 })
    expect(await t.ctx.db.kysely.selectFrom('uploads').select('id').execute()).toEqual([])
    expect((await uploadDirEntries(t)).filter((name) => name !== 'filler')).toEqual([])
  })
})

describe('resumable uploads (tus) on S3 (s3rver)', () => {
  flowTests(async () => {
    const s3 = await startTestS3()
    return {
      env: {
        FILES_DRIVER: 's3',
        S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      },
    }
  })

  it('answers 503 with Retry-After while the bucket is down, keeping no upload it could not create', async () => {
    const s3 = await startTestS3()
    const { t, alice, project, tus } = await setup({
      FILES_DRIVER: 's3',
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_TIMEOUT_MS: '1000',
    })
    const file = await pngOf(10_000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    await s3.stop()

    const patch = await tus.patch(location, 0, file)
    expect(patch.status).toBe(503)
    expect(patch.headers.get('retry-after')).toBe('5')
    expect(patch.headers.get('tus-resumable')).toBe('1.0.0')
    expect((await patch.json()).code).toBe('storage_unavailable')
    const created = await tus.create(file.length, { filename: 'b.png' })
    expect(created.status).toBe(503)
    expect(created.headers.get('retry-after')).toBe('5')
    expect((await created.json()).code).toBe('storage_unavailable')
    // The first upload is still there to resume; the second left nothing behind.
    expect(await t.ctx.db.kysely.selectFrom('uploads').select('id').execute()).toHaveLength(1)
    expect(await storage(t, alice.authHeaders, project.id)).toMatchObject({ usedBytes: 0, reservedBytes: file.length })
    expect(await rowCount(t)).toBe(0)
  })

  it('sweeps an expired upload from the bucket', async () => {
    const s3 = await startTestS3()
    const { t, alice, project, tus } = await setup({
      FILES_DRIVER: 's3',
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    })
    const file = await pngOf(10_000)
    const location = (await tus.create(file.length, { filename: 'a.png' })).headers.get('location') as string
    await tus.patch(location, 0, file.subarray(0, 5000))
    await t.ctx.db.kysely
      .updateTable('uploads')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute()
    expect((await t.ctx.attachmentJanitor.sweep()).uploadsExpired).toBe(1)
    expect((await storage(t, alice.authHeaders, project.id)).reservedBytes).toBe(0)
    expect(await storedKeys(t)).toEqual([])
  })
})
