// The SDK's uploads (`@tasklane/sdk/uploads`) against the live server, through a network that drops
// connections: a resumable upload resumes from the last byte the server has, a simple one is one request,
// and downloads come back as Responses.
import { createHash, randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { APIError, unwrap } from '@tasklane/sdk'
import { download, upload } from '@tasklane/sdk/uploads'
import { beforeAll, describe, expect, test } from 'vitest'
import { tinyPng } from '../../src/features/attachments/test-files.js'
import { type LiveServer, startLiveServer } from './support/live.js'

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

let png: Buffer | undefined

/** A real PNG, then random bytes up to `size`: a file whose type the server recognises. */
function pngLike(size: number): Buffer {
  if (!png) throw new Error('load the PNG first (beforeAll)')
  return Buffer.concat([png, randomBytes(size - png.length)])
}

beforeAll(async () => {
  png = await tinyPng()
})

async function projectOf(live: LiveServer) {
  const user = await live.signUp()
  const tl = live.sdk({ accessToken: user.accessToken })
  const project = await unwrap(tl.POST('/v1/projects', { body: { name: 'Files' } }))
  const task = await unwrap(
    tl.POST('/v1/projects/{projectId}/tasks', { params: { path: { projectId: project.id } }, body: { title: 'T' } }),
  )
  return { tl, project, task }
}

describe('uploads against the live server', () => {
  test('a resumable upload whose connection is cut after the server stored a chunk resumes from there', async () => {
    const live = await startLiveServer()
    const { tl, project, task } = await projectOf(live)
    const file = pngLike(300 * 1024)
    // Creation and the first chunk pass; the answer to the second is lost after the server stored it.
    live.fault({}, {}, { drop: 'after' })
    const progress: number[] = []
    const attachment = await upload(tl, {
      projectId: project.id,
      file,
      filename: 'survey.png',
      attachTo: { taskId: task.id },
      resumable: true,
      chunkSize: 100 * 1024,
      retryDelays: [0],
      onProgress: ({ bytesSent }) => progress.push(bytesSent),
    })
    expect(attachment).toMatchObject({ filename: 'survey.png', taskId: task.id, size: file.length, sha256: sha(file) })
    const patches = live.requests.filter((r) => r.method === 'PATCH')
    // Three chunks, none sent twice: after the cut the client asked (HEAD) and went on from the third.
    expect(patches.map((r) => r.headers.get('upload-offset'))).toEqual(['0', String(100 * 1024), String(200 * 1024)])
    expect(live.count('HEAD', new URL(patches[0]?.path ?? '', live.url).pathname)).toBe(1)
    expect(progress.at(-1)).toBe(file.length)

    const res = await download(tl, attachment.id)
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(file))
    const part = await download(tl, attachment.id, { range: { start: 0, end: 7 } })
    expect(part.status).toBe(206)
    expect(Buffer.from(await part.arrayBuffer())).toEqual(file.subarray(0, 8))
  })

  test('a chunk lost before it reached the server is sent again from the offset the server reports', async () => {
    const live = await startLiveServer()
    const { tl, project } = await projectOf(live)
    const file = pngLike(200 * 1024)
    live.fault({}, { drop: 'before' })
    const attachment = await upload(tl, {
      projectId: project.id,
      file,
      filename: 'a.png',
      resumable: true,
      chunkSize: 100 * 1024,
      retryDelays: [0],
    })
    expect(attachment.sha256).toBe(sha(file))
    const offsets = live.requests.filter((r) => r.method === 'PATCH').map((r) => r.headers.get('upload-offset'))
    expect(offsets).toEqual(['0', '0', String(100 * 1024)])
  })

  test('small files go in one request, from bytes, a Blob or a path; refusals are the SDK errors', async () => {
    const live = await startLiveServer({ ATTACHMENT_MAX_BYTES: '100000' })
    const { tl, project } = await projectOf(live)
    const bytes = pngLike(4000)
    const fromBytes = await upload(tl, { projectId: project.id, file: bytes, filename: 'a.png' })
    expect(fromBytes).toMatchObject({ contentType: 'image/png', size: 4000, sha256: sha(bytes) })
    const blob = new Blob([new Uint8Array(bytes)], { type: 'image/png' })
    const fromBlob = await upload(tl, { projectId: project.id, file: blob, filename: 'b.png' })
    expect(fromBlob).toMatchObject({ claimedContentType: 'image/png', sha256: sha(bytes) })
    const path = join(live.ctx.config.DATA_DIR, 'c.png')
    await writeFile(path, bytes)
    const seen: number[] = []
    const fromPath = await upload(tl, { projectId: project.id, file: path, onProgress: (p) => seen.push(p.bytesSent) })
    expect(fromPath).toMatchObject({ filename: 'c.png', sha256: sha(bytes) })
    expect(seen.at(-1)).toBe(4000)
    expect(live.requests.filter((r) => r.path.endsWith('/uploads')).length).toBe(0)

    const tooBig = await upload(tl, { projectId: project.id, file: pngLike(100_001), filename: 'big.png' }).catch(
      (err: unknown) => err,
    )
    expect(tooBig).toBeInstanceOf(APIError)
    expect(tooBig).toMatchObject({ status: 413, code: 'file_too_large' })
    const tooBigResumable = await upload(tl, {
      projectId: project.id,
      file: pngLike(100_001),
      filename: 'big.png',
      resumable: true,
    }).catch((err: unknown) => err)
    expect(tooBigResumable).toMatchObject({ status: 413, code: 'file_too_large' })
  })

  test('aborting a resumable upload cancels it on the server, giving its quota hold back', async () => {
    const live = await startLiveServer()
    const { tl, project } = await projectOf(live)
    const controller = new AbortController()
    const file = pngLike(300 * 1024)
    const pending = upload(tl, {
      projectId: project.id,
      file,
      filename: 'a.png',
      resumable: true,
      chunkSize: 100 * 1024,
      signal: controller.signal,
      onProgress: ({ bytesSent }) => {
        if (bytesSent >= 100 * 1024) controller.abort()
      },
    })
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    await expect.poll(() => live.requests.some((r) => r.method === 'DELETE')).toBe(true)
    await expect
      .poll(
        async () =>
          (await unwrap(tl.GET('/v1/projects/{projectId}/storage', { params: { path: { projectId: project.id } } })))
            .reservedBytes,
      )
      .toBe(0)
  })
})
