import { createTasklane } from '@tasklane/sdk'
import { mockUploads, tasklaneHandlers } from '@tasklane/sdk/testing'
import { download, upload } from '@tasklane/sdk/uploads'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'

// `@tasklane/sdk/uploads` against the mocks that `@tasklane/sdk/testing` ships for it: what an app's own
// tests would do, offline.
const BASE_URL = 'http://tasklane.test'
const files = mockUploads({ baseUrl: BASE_URL, maxFileBytes: 1_000_000 })
const server = setupServer(...files.handlers, ...tasklaneHandlers({ baseUrl: BASE_URL }))
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const tl = createTasklane({ baseUrl: BASE_URL, apiKey: 'tl_test', backoff: { initialMs: 1, maxMs: 2 } })
const projectId = 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K'
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251)

describe('uploads with the mocks of @tasklane/sdk/testing', () => {
  test('a small file goes in one request and comes back from download', async () => {
    const attachment = await upload(tl, {
      projectId,
      file: new Blob([bytes(1000)], { type: 'text/plain' }),
      filename: 'notes.txt',
      attachTo: { taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K' },
    })
    expect(attachment).toMatchObject({ filename: 'notes.txt', size: 1000, taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K' })
    expect(files.bytesOf(attachment.id)).toEqual(bytes(1000))
    const res = await download(tl, attachment.id, { range: { start: 10, end: 19 } })
    expect(res.status).toBe(206)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes(1000).slice(10, 20))
  })

  test('a resumable upload goes in chunks with its progress, and ends with the attachment', async () => {
    const progress: number[] = []
    const attachment = await upload(tl, {
      projectId,
      file: bytes(250_000),
      filename: 'big.bin',
      resumable: true,
      chunkSize: 100_000,
      onProgress: ({ bytesSent, totalBytes }) => {
        expect(totalBytes).toBe(250_000)
        progress.push(bytesSent)
      },
    })
    expect(progress).toEqual([0, 100_000, 200_000, 250_000])
    expect(files.bytesOf(attachment.id)).toEqual(bytes(250_000))
    expect(attachment.size).toBe(250_000)
  })

  test('refusals are the SDK error classes, with the problem code', async () => {
    const refused = await upload(tl, { projectId, file: bytes(1_000_001), filename: 'x', resumable: true }).catch(
      (err: unknown) => err,
    )
    expect(refused).toMatchObject({ status: 413, code: 'file_too_large' })
    await expect(upload(tl, { projectId, file: bytes(10) })).rejects.toMatchObject({ code: 'filename_required' })
    await expect(download(tl, 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9X')).rejects.toMatchObject({ status: 404 })
  })
})
