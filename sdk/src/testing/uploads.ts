import { type HttpHandler, HttpResponse, http } from 'msw'
import type { components } from '../generated/openapi.js'
import { spec } from '../generated/spec.js'
import { createFixtureFactory } from './fixtures.js'

type Attachment = components['schemas']['Attachment']

/**
 * Options of `mockUploads`.
 *
 * @example
 * const files = mockUploads({ baseUrl: 'http://tasklane.test', maxFileBytes: 1_000_000 } satisfies MockUploadsOptions)
 */
export interface MockUploadsOptions {
  /** The `baseUrl` the app's client uses; `*` (the default) matches any origin. */
  baseUrl?: string
  /** The largest file taken (413 `file_too_large` past it). Default 100 MiB. */
  maxFileBytes?: number
}

/**
 * The mock file store: its msw handlers, and what was uploaded to it.
 *
 * @example
 * const files: MockUploads = mockUploads()
 * expect(files.bytesOf(files.attachments()[0].id)).toEqual(bytes)
 */
export interface MockUploads {
  /** Put these before `tasklaneHandlers(…)` so they answer the upload and download operations. */
  handlers: HttpHandler[]
  /** Every attachment uploaded, in order. */
  attachments(): Attachment[]
  /** The bytes of an uploaded attachment. */
  bytesOf(attachmentId: string): Uint8Array | undefined
}

const fixture = createFixtureFactory<components['schemas']>(spec)
const ID_CHARS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const newId = (prefix: string) =>
  `${prefix}_${Array.from({ length: 26 }, () => ID_CHARS[Math.floor(Math.random() * 32)]).join('')}`

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}

const problem = (status: number, code: string, detail: string, headers: Record<string, string> = {}) =>
  HttpResponse.json(
    { type: `https://tasklane.dev/problems/${code}`, title: code, status, detail, code, requestId: 'req_mock' },
    { status, headers: { 'Content-Type': 'application/problem+json', ...headers } },
  )

/**
 * A stateful, in-memory stand-in for the server's file operations, for testing code that uses
 * `@tasklane/sdk/uploads` without a server: simple uploads (`createAttachment` with a raw body), resumable
 * ones (the tus `createUpload`, `getUploadOffset`, `appendUploadChunk`, `deleteUpload`, offsets checked)
 * and downloads (`downloadAttachment`, with `Range`). The stored `contentType` is what the client claimed
 * (the real server reads it from the bytes).
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { mockUploads, tasklaneHandlers } from '@tasklane/sdk/testing'
 *
 * const files = mockUploads({ baseUrl: 'http://tasklane.test' })
 * const server = setupServer(...files.handlers, ...tasklaneHandlers({ baseUrl: 'http://tasklane.test' }))
 * // … await upload(tl, { projectId, file, filename: 'a.txt' })
 * expect(files.attachments()).toHaveLength(1)
 */
export function mockUploads(options: MockUploadsOptions = {}): MockUploads {
  const base = (options.baseUrl ?? '*').replace(/\/+$/, '')
  const maxFileBytes = options.maxFileBytes ?? 100 * 1024 * 1024
  const stored = new Map<string, { attachment: Attachment; bytes: Uint8Array }>()
  const uploads = new Map<
    string,
    { projectId: string; length: number; bytes: Uint8Array; meta: Record<string, string> }
  >()
  const tus = { 'Tus-Resumable': '1.0.0' }

  async function store(projectId: string, bytes: Uint8Array, meta: Record<string, string | undefined>) {
    const at = new Date().toISOString()
    const attachment = fixture('Attachment', {
      id: newId('att'),
      projectId,
      taskId: meta.taskId ?? null,
      noteId: meta.noteId ?? null,
      commentId: meta.commentId ?? null,
      filename: meta.filename ?? 'file',
      contentType: meta.filetype ?? 'application/octet-stream',
      claimedContentType: meta.filetype ?? null,
      size: bytes.byteLength,
      sha256: await sha256(bytes),
      thumbnails: false,
      createdAt: at,
      updatedAt: at,
      version: 1,
    })
    stored.set(attachment.id, { attachment, bytes })
    return attachment
  }

  const handlers: HttpHandler[] = [
    http.post(`${base}/v1/projects/:projectId/attachments`, async ({ request, params }) => {
      const url = new URL(request.url)
      const bytes = new Uint8Array(await request.arrayBuffer())
      if (bytes.byteLength > maxFileBytes) return problem(413, 'file_too_large', 'The file is too large.')
      if (bytes.byteLength === 0) return problem(400, 'empty_file', 'The file is empty.')
      const query = Object.fromEntries(url.searchParams)
      const attachment = await store(String(params.projectId), bytes, {
        ...query,
        filetype: request.headers.get('content-type') ?? undefined,
      })
      return HttpResponse.json(attachment, { status: 201, headers: { Location: `/v1/attachments/${attachment.id}` } })
    }),
    http.post(`${base}/v1/projects/:projectId/uploads`, ({ request, params }) => {
      const length = Number(request.headers.get('upload-length'))
      if (!Number.isInteger(length) || length <= 0) return problem(400, 'length_required', 'Send Upload-Length.')
      if (length > maxFileBytes) return problem(413, 'file_too_large', 'The file is too large.', tus)
      const meta: Record<string, string> = {}
      for (const pair of (request.headers.get('upload-metadata') ?? '').split(',')) {
        const [key, value] = pair.trim().split(' ')
        if (key) meta[key] = value ? new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))) : ''
      }
      const id = newId('upl')
      uploads.set(id, { projectId: String(params.projectId), length, bytes: new Uint8Array(0), meta })
      return new HttpResponse(null, {
        status: 201,
        headers: { ...tus, Location: `/v1/projects/${params.projectId}/uploads/${id}` },
      })
    }),
    http.head(`${base}/v1/projects/:projectId/uploads/:uploadId`, ({ params }) => {
      const upload = uploads.get(String(params.uploadId))
      if (!upload) return new HttpResponse(null, { status: 404, headers: tus })
      return new HttpResponse(null, {
        status: 200,
        headers: {
          ...tus,
          'Upload-Offset': String(upload.bytes.byteLength),
          'Upload-Length': String(upload.length),
          'Cache-Control': 'no-store',
        },
      })
    }),
    http.patch(`${base}/v1/projects/:projectId/uploads/:uploadId`, async ({ request, params }) => {
      const id = String(params.uploadId)
      const upload = uploads.get(id)
      if (!upload) return problem(404, 'not_found', 'No upload with this id.', tus)
      if (Number(request.headers.get('upload-offset')) !== upload.bytes.byteLength) {
        return problem(409, 'offset_mismatch', 'Upload-Offset is not where the upload stands.', tus)
      }
      upload.bytes = concat(upload.bytes, new Uint8Array(await request.arrayBuffer()))
      if (upload.bytes.byteLength > upload.length) {
        uploads.delete(id)
        return problem(413, 'file_too_large', 'The body runs past Upload-Length.', tus)
      }
      const offset = { ...tus, 'Upload-Offset': String(upload.bytes.byteLength) }
      if (upload.bytes.byteLength < upload.length) return new HttpResponse(null, { status: 204, headers: offset })
      uploads.delete(id)
      const attachment = await store(upload.projectId, upload.bytes, upload.meta)
      return HttpResponse.json(attachment, {
        status: 200,
        headers: { ...offset, Location: `/v1/attachments/${attachment.id}` },
      })
    }),
    http.delete(`${base}/v1/projects/:projectId/uploads/:uploadId`, ({ params }) => {
      if (!uploads.delete(String(params.uploadId))) return problem(404, 'not_found', 'No upload with this id.', tus)
      return new HttpResponse(null, { status: 204, headers: tus })
    }),
    http.get(`${base}/v1/attachments/:attachmentId/content`, ({ request, params }) => {
      const file = stored.get(String(params.attachmentId))
      if (!file) return problem(404, 'not_found', 'No attachment with this id.')
      const headers = {
        'Content-Type': file.attachment.contentType,
        'Content-Disposition': `attachment; filename="${file.attachment.filename.replace(/[^\x20-\x7e]|"/g, '_')}"`,
        'Accept-Ranges': 'bytes',
      }
      const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.get('range') ?? '')
      const size = file.bytes.byteLength
      if (!range) return new HttpResponse(file.bytes as BodyInit, { status: 200, headers })
      const start = Number(range[1])
      const end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1)
      if (start >= size) return problem(416, 'range_not_satisfiable', 'The range starts past the end.')
      return new HttpResponse(file.bytes.slice(start, end + 1) as BodyInit, {
        status: 206,
        headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}` },
      })
    }),
  ]

  return {
    handlers,
    attachments: () => [...stored.values()].map((f) => f.attachment),
    bytesOf: (id) => stored.get(id)?.bytes,
  }
}
