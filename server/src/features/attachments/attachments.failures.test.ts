import { request } from 'node:http'
import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from '../../app.js'
import { loadConfig } from '../../config.js'
import { createContext } from '../../context.js'
import { listen } from '../../server.js'
import { createTestApp, type TestApp } from '../../test/app.js'
import { freshDatabase } from '../../test/databases.js'
import { createProject } from '../../test/projects.js'
import { startTestS3 } from '../../test/s3.js'
import { signUpUser } from '../../test/users.js'
import { pngBomb, tinyPng, zipBomb } from './test-files.js'
import { multipart, rowCount, storedKeys, upload, uploaded } from './test-support.js'

async function setup(env: Record<string, string> = {}) {
  const t = await createTestApp(env)
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  return { t, alice, project }
}

async function problem(res: Response) {
  const body = (await res.json()) as { code: string; status: number }
  return `${res.status} ${body.code}`
}

/** Nothing of a refused upload is left: no row, no stored object, no temporary file, no usage. */
async function expectNothingLeft(t: TestApp, projectId: string, headers: Record<string, string>) {
  expect(await rowCount(t)).toBe(0)
  expect(await storedKeys(t)).toEqual([])
  const { readdir } = await import('node:fs/promises')
  if ('tmpDir' in t.ctx.files) expect(await readdir(t.ctx.files.tmpDir as string).catch(() => [])).toEqual([])
  const usage = await t.request(`/v1/projects/${projectId}/storage`, { headers })
  expect(await usage.json()).toMatchObject({ usedBytes: 0, fileCount: 0 })
}

describe('bad uploads are refused with a problem and leave nothing behind', () => {
  it('an empty file', async () => {
    const { t, alice, project } = await setup()
    expect(await problem(await upload(t, alice.authHeaders, project.id, { bytes: '' }))).toBe('400 empty_file')
    await expectNothingLeft(t, project.id, alice.authHeaders)
  })

  it('a file over the size limit', async () => {
    const { t, alice, project } = await setup({ ATTACHMENT_MAX_BYTES: '1000' })
    const res = await upload(t, alice.authHeaders, project.id, { bytes: 'x'.repeat(1001) })
    expect(await problem(res)).toBe('413 file_too_large')
    await expectNothingLeft(t, project.id, alice.authHeaders)
    expect((await upload(t, alice.authHeaders, project.id, { bytes: 'x'.repeat(1000) })).status).toBe(201)
  })

  it('a form without a file part, with two, or with the file under another name', async () => {
    const { t, alice, project } = await setup()
    const send = (parts: Parameters<typeof multipart>[0]) => {
      const { body, contentType } = multipart(parts)
      return t.request(`/v1/projects/${project.id}/attachments`, {
        method: 'POST',
        headers: { ...alice.authHeaders, 'content-type': contentType },
        body,
      })
    }
    expect(await problem(await send([{ name: 'taskId', body: 'x' }]))).toBe('400 missing_file')
    expect(
      await problem(
        await send([
          { name: 'file', filename: 'a.txt', body: 'a' },
          { name: 'file', filename: 'b.txt', body: 'b' },
        ]),
      ),
    ).toBe('400 duplicate_file')
    expect(await problem(await send([{ name: 'document', filename: 'a.txt', body: 'a' }]))).toBe('400 unexpected_file')
    expect(
      await problem(
        await send([
          { name: 'colour', body: 'red' },
          { name: 'file', filename: 'a.txt', body: 'a' },
        ]),
      ),
    ).toBe('400 validation_failed')
    const noBoundary = await t.request(`/v1/projects/${project.id}/attachments`, {
      method: 'POST',
      headers: { ...alice.authHeaders, 'content-type': 'multipart/form-data' },
      body: 'x',
    })
    expect(await problem(noBoundary)).toBe('400 malformed_multipart')
    const noType = await t.request(`/v1/projects/${project.id}/attachments?filename=a.txt`, {
      method: 'POST',
      headers: alice.authHeaders,
      body: new Uint8Array([1, 2, 3]),
    })
    expect(await problem(noType)).toBe('415 unsupported_media_type')
    await expectNothingLeft(t, project.id, alice.authHeaders)
  })

  it.each([
    ['../../etc/passwd', '../ in it'],
    ['..\\windows\\system.ini', 'a backslash path'],
    ['a\u0000b.txt', 'NUL'],
    ['invoice\u202Efdp.exe', 'an RTL override'],
    ['x'.repeat(1000), '1,000 characters'],
    ['report\r\nX-Injected: yes.txt', 'CR/LF'],
  ])('a file name with %#: %s', async (name) => {
    const { t, alice, project } = await setup()
    // Sent raw, where the name travels in the query, percent-encoded: any byte can reach the server.
    const res = await t.request(`/v1/projects/${project.id}/attachments?filename=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { ...alice.authHeaders, 'content-type': 'text/plain' },
      body: 'hello',
    })
    expect(await problem(res)).toMatch(/^400 (invalid_filename|validation_failed)$/)
    await expectNothingLeft(t, project.id, alice.authHeaders)
  })

  it('a path in a multipart file name', async () => {
    const { t, alice, project } = await setup()
    const res = await upload(t, alice.authHeaders, project.id, { name: '../../etc/passwd', bytes: 'x' })
    expect(await problem(res)).toBe('400 invalid_filename')
    await expectNothingLeft(t, project.id, alice.authHeaders)
  })

  it('bytes whose type the settings refuse, whatever type is claimed', async () => {
    const { t, alice, project } = await setup({ ATTACHMENT_TYPES_ALLOW: 'image/*,application/pdf' })
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)])
    expect(
      await problem(await upload(t, alice.authHeaders, project.id, { name: 'cat.png', type: 'image/png', bytes: exe })),
    ).toBe('415 file_type_not_allowed')
    expect(
      await problem(
        await upload(t, alice.authHeaders, project.id, { name: 'a.png', type: 'image/png', bytes: 'just text' }),
      ),
    ).toBe('415 file_type_not_allowed')
    await expectNothingLeft(t, project.id, alice.authHeaders)
    const png = await uploaded(
      await upload(t, alice.authHeaders, project.id, { name: 'a.txt', type: 'text/plain', bytes: await tinyPng() }),
    )
    expect([png.contentType, png.claimedContentType]).toEqual(['image/png', 'text/plain'])
  })

  it('a file whose bytes do not have the SHA-256 sent', async () => {
    const { t, alice, project } = await setup()
    const res = await upload(t, alice.authHeaders, project.id, { bytes: 'hello' }, { sha256: 'a'.repeat(64) })
    expect(await problem(res)).toBe('400 checksum_mismatch')
    await expectNothingLeft(t, project.id, alice.authHeaders)
  })

  it('a target that is not in the project, or more than one target', async () => {
    const { t, alice, project } = await setup()
    const other = await createProject(t, alice.authHeaders, { name: 'Other' })
    const { createTask } = await import('../../test/projects.js')
    const elsewhere = await createTask(t, alice.authHeaders, other.id)
    expect(
      await problem(await upload(t, alice.authHeaders, project.id, { bytes: 'x' }, { taskId: elsewhere.id })),
    ).toBe('404 not_found')
    expect(
      await problem(
        await upload(
          t,
          alice.authHeaders,
          project.id,
          { bytes: 'x' },
          { taskId: elsewhere.id, noteId: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K' },
        ),
      ),
    ).toBe('400 invalid_target')
    await expectNothingLeft(t, project.id, alice.authHeaders)
  })

  it('a zip bomb is stored as the bytes it is, never unpacked', async () => {
    const { t, alice, project } = await setup()
    const bomb = zipBomb()
    const attachment = await uploaded(
      await upload(t, alice.authHeaders, project.id, { name: 'zeros.zip', bytes: bomb }),
    )
    expect([attachment.contentType, attachment.size]).toEqual(['application/zip', bomb.length])
  })

  it('an image bomb is stored, and its thumbnail fails cleanly', async () => {
    const { t, alice, project } = await setup()
    const attachment = await uploaded(
      await upload(t, alice.authHeaders, project.id, { name: 'huge.png', bytes: pngBomb() }),
    )
    const res = await t.request(`/v1/attachments/${attachment.id}/thumbnails/256`, { headers: alice.authHeaders })
    expect(await problem(res)).toBe('422 thumbnail_unavailable')
    expect(await storedKeys(t)).toEqual([`att/${attachment.id}`])
  })
})

describe('quotas', () => {
  it('refuse a file over what is left of the project quota, and count deletions back', async () => {
    const { t, alice, project } = await setup({ PROJECT_STORAGE_QUOTA_BYTES: '10' })
    const first = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: '123456' }))
    expect(await problem(await upload(t, alice.authHeaders, project.id, { bytes: '12345' }))).toBe('413 quota_exceeded')
    await t.request(`/v1/attachments/${first.id}`, { method: 'DELETE', headers: alice.authHeaders })
    expect((await upload(t, alice.authHeaders, project.id, { bytes: '1234567890' })).status).toBe(201)
  })

  it('let only as many concurrent uploads through as fit', async () => {
    const { t, alice, project } = await setup({ PROJECT_STORAGE_QUOTA_BYTES: '1000' })
    // Each fits alone; together, only two do. All are streamed at once, so each passes the early check.
    const results = await Promise.all(
      Array.from({ length: 6 }, () => upload(t, alice.authHeaders, project.id, { bytes: 'q'.repeat(400) })),
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 201, 413, 413, 413, 413])
    const usage = await t.request(`/v1/projects/${project.id}/storage`, { headers: alice.authHeaders })
    expect(await usage.json()).toMatchObject({ usedBytes: 800, fileCount: 2 })
    expect(await rowCount(t)).toBe(2)
    expect((await storedKeys(t)).length).toBe(2)
  })
})

describe('a client that stops sending mid-body', () => {
  it('is answered 408 after the idle timeout, and its bytes are removed', async () => {
    const { t, alice, project } = await setup({ UPLOAD_IDLE_TIMEOUT_MS: '300' })
    let cancelled = false
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(64 * 1024).fill(1))
      },
      cancel() {
        cancelled = true
      },
    })
    const res = await t.request(`/v1/projects/${project.id}/attachments?filename=big.bin`, {
      method: 'POST',
      headers: { ...alice.authHeaders, 'content-type': 'application/octet-stream' },
      body: stalled,
      duplex: 'half',
    } as RequestInit)
    expect(await problem(res)).toBe('408 request_timeout')
    expect(cancelled).toBe(true)
    await expectNothingLeft(t, project.id, alice.authHeaders)
  })
})

describe('over real HTTP', () => {
  async function served(env: Record<string, string>) {
    const database = await freshDatabase()
    onTestFinished(() => database.drop())
    const config = loadConfig({
      DATA_DIR: database.dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMITS_ENABLED: 'false',
      ...env,
    })
    const ctx = await createContext(config, { database: database.options, logger: pino({ level: 'silent' }) })
    const server = await listen(ctx, createApp(ctx))
    onTestFinished(() => server.stop())
    const base = server.url.replace('localhost', '127.0.0.1')
    const signup = await fetch(`${base}/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `big-${Math.random().toString(36).slice(2)}@example.com`,
        password: 'a long enough test passphrase',
        name: 'Big',
      }),
    })
    const { accessToken } = (await signup.json()) as { accessToken: string }
    const headers = { authorization: `Bearer ${accessToken}` }
    const projectRes = await fetch(`${base}/v1/projects`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Big files' }),
    })
    const project = (await projectRes.json()) as { id: string }
    return { ctx, base, headers, project }
  }

  it('cuts a 5 GB body off at the limit with 413, having read little of it, and keeps nothing', async () => {
    const { ctx, base, headers, project } = await served({ ATTACHMENT_MAX_BYTES: String(1024 * 1024) })
    const declared = 5 * 1024 ** 3
    let sent = 0
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${base}/v1/projects/${project.id}/attachments?filename=huge.bin`)
      const req = request(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(declared) },
      })
      req.on('response', (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text })
          req.destroy()
        })
      })
      req.on('error', (err) => (sent > 0 ? undefined : reject(err)))
      const chunk = Buffer.alloc(64 * 1024, 7)
      const pump = () => {
        while (sent < declared && !req.destroyed) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
      }
      pump()
    })
    expect(status).toBe(413)
    expect(JSON.parse(body).code).toBe('file_too_large')
    // Socket buffers hold a few MB at most: nowhere near the 5 GB the client was ready to send.
    expect(sent).toBeLessThan(64 * 1024 * 1024)
    const rows = await ctx.db.kysely.selectFrom('attachments').select('id').execute()
    expect(rows).toEqual([])
    const keys: string[] = []
    for await (const o of ctx.files.list()) keys.push(o.key)
    expect(keys).toEqual([])
  })

  it('removes the partial file of a client that disconnects mid-body', async () => {
    const { ctx, base, headers, project } = await served({})
    await new Promise<void>((resolve) => {
      const url = new URL(`${base}/v1/projects/${project.id}/attachments?filename=cut.bin`)
      const req = request(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(10 * 1024 * 1024) },
      })
      req.on('error', () => resolve())
      req.write(Buffer.alloc(256 * 1024, 1), () =>
        setTimeout(() => {
          req.destroy()
          resolve()
        }, 200),
      )
    })
    // The server notices the reset, fails the upload and removes what it had written.
    const { readdir } = await import('node:fs/promises')
    const tmpDir = (ctx.files as unknown as { tmpDir: string }).tmpDir
    for (let i = 0; i < 100; i++) {
      if ((await readdir(tmpDir).catch(() => [])).length === 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(await readdir(tmpDir).catch(() => [])).toEqual([])
    expect(await ctx.db.kysely.selectFrom('attachments').select('id').execute()).toEqual([])
  })
})

describe('on S3 (s3rver)', () => {
  async function s3App() {
    const s3 = await startTestS3()
    const env = {
      FILES_DRIVER: 's3',
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_TIMEOUT_MS: '1000',
    }
    return { s3, ...(await setup(env)) }
  }

  it('uploads, downloads a range, makes a thumbnail and deletes', async () => {
    const { t, alice, project } = await s3App()
    const png = await tinyPng(300, 200)
    const attachment = await uploaded(await upload(t, alice.authHeaders, project.id, { name: 'p.png', bytes: png }))
    expect(await storedKeys(t)).toEqual([`att/${attachment.id}`])
    const part = await t.request(`/v1/attachments/${attachment.id}/content`, {
      headers: { ...alice.authHeaders, range: 'bytes=1-3' },
    })
    expect([part.status, [...Buffer.from(await part.arrayBuffer())]]).toEqual([206, [...png.subarray(1, 4)]])
    const thumb = await t.request(`/v1/attachments/${attachment.id}/thumbnails/64`, { headers: alice.authHeaders })
    expect(thumb.status).toBe(200)
    await t.request(`/v1/attachments/${attachment.id}`, { method: 'DELETE', headers: alice.authHeaders })
    await t.ctx.attachmentJanitor.drain()
    expect(await storedKeys(t)).toEqual([])
  })

  it('answers 503 with Retry-After while the store is down, leaving no row', async () => {
    const { s3, t, alice, project } = await s3App()
    const kept = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: 'kept' }))
    await s3.stop()
    const res = await upload(t, alice.authHeaders, project.id, { bytes: 'lost' })
    expect(res.headers.get('retry-after')).toBe('5')
    expect(await problem(res)).toBe('503 storage_unavailable')
    expect(await rowCount(t)).toBe(1)
    const download = await t.request(`/v1/attachments/${kept.id}/content`, { headers: alice.authHeaders })
    expect(await problem(download)).toBe('503 storage_unavailable')
    const usage = await t.request(`/v1/projects/${project.id}/storage`, { headers: alice.authHeaders })
    expect(await usage.json()).toMatchObject({ usedBytes: 4, fileCount: 1 })
  })
})

describe('on a full disk', () => {
  it('answers 507 and keeps nothing', async (ctx) => {
    const { execFileSync } = await import('node:child_process')
    const { t, alice, project } = await setup()
    const filesDir = (t.ctx.files as unknown as { root: string }).root
    const { mkdir } = await import('node:fs/promises')
    await mkdir(filesDir, { recursive: true })
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tasklane-test', filesDir], { stdio: 'ignore' })
    } catch {
      ctx.skip('mounting a tmpfs needs root: the full-disk test did not run')
    }
    onTestFinished(() => {
      execFileSync('umount', [filesDir])
    })
    const res = await upload(t, alice.authHeaders, project.id, { bytes: Buffer.alloc(2 * 1024 * 1024, 1) })
    expect(await problem(res)).toBe('507 insufficient_storage')
    await expectNothingLeft(t, project.id, alice.authHeaders)
  })
})
