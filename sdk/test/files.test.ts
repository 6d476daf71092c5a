// Files through the generated methods: downloads answer the bytes as they are (a Response, headers and all),
// uploads take a Blob or File as a multipart form or as the raw body, and the mocks of @tasklane/sdk/testing
// serve real image bytes.
import { type Attachment, createTasklane, isNotModified, NotFoundError } from '@tasklane/sdk'
import { fixture, tasklaneHandlers } from '@tasklane/sdk/testing'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, test } from 'vitest'

const baseUrl = 'http://tasklane.test'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const projectId = 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K'
const attachmentId = 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K'
const taskId = 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K'

/** A PNG's signature and header: 0x89 and the CR LF SUB LF that catch text-mode transfers, then NULs. */
const png = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe, 0x80,
])
const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer())

describe('downloads answer the bytes', () => {
  test('tl.attachments.download resolves to the Response: bytes intact, headers readable', async () => {
    server.use(
      http.get(`${baseUrl}/v1/attachments/:attachmentId/content`, () =>
        HttpResponse.arrayBuffer(png.slice().buffer, {
          headers: { 'Content-Type': 'image/png', ETag: '"abc"', 'Content-Disposition': 'inline; filename="a.png"' },
        }),
      ),
    )
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const response = await tl.attachments.download(attachmentId)
    expectTypeOf(response).toEqualTypeOf<Response>()
    expect(response.status).toBe(200)
    expect(response.headers.get('ETag')).toBe('"abc"')
    expect(response.headers.get('Content-Type')).toBe('image/png')
    expect(await bytesOf(response)).toEqual(png)
  })

  test('a Range header goes out, and the 206 and its Content-Range come back', async () => {
    let range: string | null = null
    server.use(
      http.get(`${baseUrl}/v1/attachments/:attachmentId/content`, ({ request }) => {
        range = request.headers.get('Range')
        return HttpResponse.arrayBuffer(png.slice(0, 4).buffer, {
          status: 206,
          headers: { 'Content-Type': 'image/png', 'Content-Range': `bytes 0-3/${png.length}` },
        })
      }),
    )
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const response = await tl.attachments.download(attachmentId, { headers: { Range: 'bytes=0-3' } })
    expect(range).toBe('bytes=0-3')
    expect(response.status).toBe(206)
    expect(response.headers.get('Content-Range')).toBe(`bytes 0-3/${png.length}`)
    expect(await bytesOf(response)).toEqual(png.slice(0, 4))
  })

  test('the body can be read as a stream, so a large file need not be held whole', async () => {
    server.use(
      http.get(`${baseUrl}/v1/files/:link`, () =>
        HttpResponse.arrayBuffer(png.slice().buffer, { headers: { 'Content-Type': 'image/png' } }),
      ),
    )
    const tl = createTasklane({ baseUrl })
    const response = await tl.attachments.downloadSignedFile('abc.def')
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const chunks: Uint8Array[] = []
    for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value)
    expect(new Uint8Array(Buffer.concat(chunks))).toEqual(png)
  })

  test('ifNoneMatch with a current ETag resolves to NotModified; an error status throws its class', async () => {
    server.use(
      http.get(`${baseUrl}/v1/attachments/:attachmentId/thumbnails/:size`, ({ request, params }) =>
        params.size === '64'
          ? HttpResponse.json(fixture('Problem', { status: 404, code: 'not_found', title: 'Not found' }), {
              status: 404,
              headers: { 'Content-Type': 'application/problem+json' },
            })
          : new HttpResponse(null, { status: 304, headers: { ETag: request.headers.get('If-None-Match') ?? '' } }),
      ),
    )
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const cached = await tl.attachments.getThumbnail(attachmentId, '256', { ifNoneMatch: '"v1"' })
    expect(isNotModified(cached)).toBe(true)
    const error = await tl.attachments.getThumbnail(attachmentId, '64').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as NotFoundError).code).toBe('not_found')
  })

  test('the mocks serve real image bytes, with a Content-Length that matches them', async () => {
    server.use(...tasklaneHandlers({ baseUrl }))
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const file = await tl.attachments.download(attachmentId)
    const bytes = await bytesOf(file)
    expect([...bytes.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(file.headers.get('Content-Type')).toBe('image/png')
    expect(file.headers.get('Content-Length')).toBe(String(bytes.length))
    const thumbnail = await tl.attachments.getThumbnail(attachmentId, '256')
    const webp = await bytesOf(thumbnail)
    expect(thumbnail.headers.get('Content-Type')).toBe('image/webp')
    expect(new TextDecoder().decode(webp.slice(0, 4))).toBe('RIFF')
    expect(new TextDecoder().decode(webp.slice(8, 12))).toBe('WEBP')
  })
})

describe('the path methods read bytes as bytes', () => {
  test('tl.GET of a download without parseAs answers the bytes as a Blob, typed so', async () => {
    server.use(
      http.get(`${baseUrl}/v1/attachments/:attachmentId/content`, () =>
        HttpResponse.arrayBuffer(png.slice().buffer, { headers: { 'Content-Type': 'image/png' } }),
      ),
    )
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const params = { path: { attachmentId } }
    const { data, error, response } = await tl.GET('/v1/attachments/{attachmentId}/content', { params })
    expectTypeOf(data).toEqualTypeOf<Blob | undefined>()
    expect(error).toBeUndefined()
    expect(response.headers.get('Content-Type')).toBe('image/png')
    expect(data).toBeInstanceOf(Blob)
    expect(new Uint8Array(await (data as Blob).arrayBuffer())).toEqual(png)

    // The caller's parseAs still decides.
    const buffer = await tl.GET('/v1/attachments/{attachmentId}/content', { params, parseAs: 'arrayBuffer' })
    expectTypeOf(buffer.data).toEqualTypeOf<ArrayBuffer | undefined>()
    expect(new Uint8Array(buffer.data as ArrayBuffer)).toEqual(png)
  })

  test('tl.GET of a text answer without parseAs answers the text', async () => {
    const yaml = 'openapi: 3.1.0\ninfo:\n  title: Tasklane\n'
    server.use(
      http.get(`${baseUrl}/openapi.yaml`, () =>
        HttpResponse.text(yaml, { headers: { 'Content-Type': 'application/yaml' } }),
      ),
    )
    const tl = createTasklane({ baseUrl })
    const { data } = await tl.GET('/openapi.yaml')
    expectTypeOf(data).toEqualTypeOf<string | undefined>()
    expect(data).toBe(yaml)
  })
})

describe('uploads take a file', () => {
  const stored = (filename: string): Attachment => fixture('Attachment', { projectId, filename })

  test('a form: fields first, then the file part with its name and bytes', async () => {
    let seen: { keys: string[]; taskId: unknown; name?: string; type?: string; bytes?: Uint8Array } | null = null
    server.use(
      http.post(`${baseUrl}/v1/projects/:projectId/attachments`, async ({ request }) => {
        expect(request.headers.get('Content-Type')).toMatch(/^multipart\/form-data; boundary=/)
        const form = await request.formData()
        const file = form.get('file') as File
        seen = {
          keys: [...form.keys()],
          taskId: form.get('taskId'),
          name: file.name,
          type: file.type,
          bytes: new Uint8Array(await file.arrayBuffer()),
        }
        return HttpResponse.json(stored(file.name), { status: 201 })
      }),
    )
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const file = new File([png], 'chart.png', { type: 'image/png' })
    const attachment = await tl.attachments.create(projectId, { file, taskId })
    expect(attachment.filename).toBe('chart.png')
    expect(seen).toEqual({ keys: ['taskId', 'file'], taskId, name: 'chart.png', type: 'image/png', bytes: png })

    await tl.attachments.create(projectId, { file: new Blob([png]), filename: 'bare.png' })
    expect(seen).toMatchObject({ keys: ['file'], name: 'bare.png', bytes: png })
  })

  test('a Blob or File alone is sent raw, with its type and (for a File) its name as `filename`', async () => {
    const requests: { type: string | null; query: string; bytes: Uint8Array }[] = []
    server.use(
      http.post(`${baseUrl}/v1/projects/:projectId/attachments`, async ({ request }) => {
        const url = new URL(request.url)
        requests.push({
          type: request.headers.get('Content-Type'),
          query: url.search,
          bytes: new Uint8Array(await request.arrayBuffer()),
        })
        return HttpResponse.json(stored(url.searchParams.get('filename') ?? 'x'), { status: 201 })
      }),
    )
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    await tl.attachments.create(projectId, new File([png], 'raw.png', { type: 'image/png' }), { taskId })
    await tl.attachments.create(projectId, new Blob([png]), { filename: 'blob.bin' })
    expect(requests).toEqual([
      { type: 'image/png', query: `?taskId=${taskId}&filename=raw.png`, bytes: png },
      { type: 'application/octet-stream', query: '?filename=blob.bin', bytes: png },
    ])
  })

  test('the body is typed from the spec: a file is required, its fields are the form schema', () => {
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const file = new Blob([png])
    // Types only: never called.
    const types = () => {
      // @ts-expect-error the form needs its file part
      void tl.attachments.create(projectId, { taskId })
      // @ts-expect-error a file is not a string
      void tl.attachments.create(projectId, { file: 'not bytes' })
      // @ts-expect-error no such field in the upload form
      void tl.attachments.create(projectId, { file, title: 'x' })
      // @ts-expect-error an upload without a body
      void tl.attachments.create(projectId)
      void tl.attachments.create(projectId, { file, noteId: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K', sha256: 'ab' })
    }
    expect(typeof types).toBe('function')
  })
})
