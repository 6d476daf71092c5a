import { Readable } from 'node:stream'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../../core/api-error.js'
import { etagOf, isNotModified } from '../../core/etag.js'
import type { Attachment, operations } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppEnv, AppRouteHandler } from '../../http/env.js'
import { validationHook } from '../../http/errors.js'
import { setNextLink } from '../../http/pagination.js'
import { loadRoutes } from '../../http/router.js'
import type { Services } from '../services.js'
import { type AttachmentRow, toAttachment } from './attachments.repository.js'
import { contentDisposition, contentEtag, decideRange, downloadHeaders } from './download.js'
import type { ThumbnailSize } from './thumbnails.js'

type Routes = typeof operations

type GeneratedRoutes = Awaited<ReturnType<typeof loadRoutes>>
// Built on first use, as the generated schemas are.
let uploadFields: ReturnType<typeof fieldsSchema> | undefined
const fieldsSchema = (routes: GeneratedRoutes) => routes.AttachmentUploadSchema().omit({ file: true })
const FIELDS = (routes: GeneratedRoutes) => (uploadFields ??= fieldsSchema(routes))

/** The request body as a Node stream, read as it arrives. */
function bodyStream(c: Context<AppEnv>): Readable {
  const body = c.req.raw.body
  if (!body) return Readable.from([])
  return Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)
}

/** A name for the entity tags of each thumbnail: the original's hash and the size. */
const thumbnailEtag = (sha256: string, size: number) => `"${sha256}-${size}"`

export function attachmentsHandlers({ attachments }: Services) {
  // Uploads are stored before the row is written; the handler answers what the intake stored.
  const uploaded = new WeakMap<Request, Attachment>()

  /**
   * Runs before the route's validators: zod-openapi's form validator would read a multipart body whole
   * into memory. This streams it to the store instead (checking the fields with the operation's own
   * schema as they arrive), then hands the validator the fields it checked, so it reads nothing.
   */
  const streamUpload = createMiddleware<AppEnv>(async (c, next) => {
    const principal = requireAuth(c, 'write')
    const contentType = c.req.header('content-type')
    if (!contentType) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        'Send the file as multipart/form-data or as a raw body with its Content-Type.',
        {
          headers: { 'Accept-Post': 'multipart/form-data, */*' },
        },
      )
    }
    const routes = await loadRoutes()
    const query = routes.operations.createAttachment.request.query.safeParse(c.req.query())
    if (!query.success) validationHook({ success: false, error: query.error, target: 'query' } as never, c as never)
    const checkFields = (fields: Record<string, string>) => {
      const result = FIELDS(routes).safeParse(fields)
      if (!result.success) validationHook({ success: false, error: result.error, target: 'form' } as never, c as never)
    }
    const attachment = await attachments.upload(principal, c.req.param('projectId') as string, {
      body: bodyStream(c),
      contentType,
      query: query.data ?? {},
      checkFields,
    })
    uploaded.set(c.req.raw, attachment)
    if (contentType.toLowerCase().startsWith('multipart/form-data')) {
      const form = new FormData()
      form.set('file', new File([], attachment.filename))
      for (const key of ['taskId', 'noteId', 'commentId'] as const) {
        const value = attachment[key]
        if (value) form.set(key, value)
      }
      c.req.bodyCache.formData = Promise.resolve(form) as never
    }
    await next()
  })

  const createAttachment: AppRouteHandler<Routes['createAttachment']> = async (c) => {
    const attachment = uploaded.get(c.req.raw)
    if (!attachment) throw new Error('createAttachment ran without its upload middleware')
    return c.json(attachment, 201, {
      Location: `/v1/attachments/${attachment.id}`,
      ETag: etagOf(attachment.version),
    })
  }

  const listAttachments: AppRouteHandler<Routes['listAttachments']> = async (c) => {
    const { limit = 20, ...query } = c.req.valid('query')
    const page = await attachments.list(requireAuth(c, 'read'), c.req.valid('param').projectId, { limit, ...query })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const getAttachment: AppRouteHandler<Routes['getAttachment']> = async (c) => {
    const row = await attachments.get(requireAuth(c, 'read'), c.req.valid('param').attachmentId)
    const etag = etagOf(row.version)
    if (isNotModified(c.req.valid('header')['If-None-Match'], row.version)) return c.body(null, 304, { ETag: etag })
    return c.json(toAttachment(row), 200, { ETag: etag })
  }

  const updateAttachment: AppRouteHandler<Routes['updateAttachment']> = async (c) => {
    const attachment = await attachments.update(
      requireAuth(c, 'write'),
      c.req.valid('param').attachmentId,
      c.req.valid('json'),
      c.req.valid('header')['If-Match'],
    )
    return c.json(attachment, 200, { ETag: etagOf(attachment.version) })
  }

  const deleteAttachment: AppRouteHandler<Routes['deleteAttachment']> = async (c) => {
    await attachments.remove(
      requireAuth(c, 'write'),
      c.req.valid('param').attachmentId,
      c.req.valid('header')['If-Match'],
    )
    return c.body(null, 204)
  }

  const downloadAttachment: AppRouteHandler<Routes['downloadAttachment']> = async (c) => {
    const row = await attachments.get(requireAuth(c, 'read'), c.req.valid('param').attachmentId)
    return serveFile(c, row, {}) as never
  }

  /** The bytes of a file with every download header, honouring If-None-Match, Range, If-Range and HEAD. */
  async function serveFile(c: Context<AppEnv>, row: AttachmentRow, extra: Record<string, string>) {
    const headers = {
      ...downloadHeaders({ filename: row.filename, contentType: row.content_type, sha256: row.sha256 }),
      ...extra,
    }
    const etag = contentEtag(row.sha256)
    const ifNoneMatch = c.req.header('if-none-match')
    if (ifNoneMatch?.split(',').some((t) => [etag, `W/${etag}`, '*'].includes(t.trim()))) {
      return c.body(null, 304, { ETag: etag, ...extra })
    }
    const size = Number(row.size)
    const decision = decideRange(c.req.header('range'), size, etag, c.req.header('if-range'))
    if (decision.kind === 'unsatisfiable') {
      throw new ApiError(
        416,
        'range_not_satisfiable',
        `The file has ${size} bytes; the range asked for starts past its end.`,
        {
          title: 'Range not satisfiable',
          headers: { 'Content-Range': `bytes */${size}` },
        },
      )
    }
    const head = c.req.method === 'HEAD'
    if (decision.kind === 'partial') {
      const { start, end } = decision.range
      const body = head ? null : Readable.toWeb(await attachments.open(row, decision.range))
      return c.body(body as never, 206, {
        ...headers,
        'Content-Range': `bytes ${start}-${end}/${size}`,
        'Content-Length': String(end - start + 1),
      })
    }
    const body = head ? null : Readable.toWeb(await attachments.open(row))
    return c.body(body as never, 200, { ...headers, 'Content-Length': String(size) })
  }

  const getAttachmentThumbnail: AppRouteHandler<Routes['getAttachmentThumbnail']> = async (c) => {
    const { attachmentId, size } = c.req.valid('param')
    const row = await attachments.get(requireAuth(c, 'read'), attachmentId)
    return serveThumbnail(c, row, Number(size) as ThumbnailSize, {}) as never
  }

  async function serveThumbnail(
    c: Context<AppEnv>,
    row: AttachmentRow,
    size: ThumbnailSize,
    extra: Record<string, string>,
  ) {
    const etag = thumbnailEtag(row.sha256, size)
    const ifNoneMatch = c.req.header('if-none-match')
    if (ifNoneMatch?.split(',').some((t) => [etag, `W/${etag}`, '*'].includes(t.trim()))) {
      return c.body(null, 304, { ETag: etag, ...extra })
    }
    const thumb = await attachments.thumbnail(row, size)
    const name = `${row.filename.replace(/\.[^.]*$/, '')}-${size}.webp`
    return c.body(c.req.method === 'HEAD' ? null : (Readable.toWeb(thumb.body) as never), 200, {
      'Content-Type': 'image/webp',
      'Content-Disposition': contentDisposition('inline', name),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      ETag: etag,
      'Content-Length': String(thumb.size),
      ...extra,
    })
  }

  const createAttachmentLink: AppRouteHandler<Routes['createAttachmentLink']> = async (c) => {
    const { thumbnail } = c.req.valid('query')
    const link = await attachments.link(
      requireAuth(c, 'read'),
      c.req.valid('param').attachmentId,
      thumbnail ? (Number(thumbnail) as ThumbnailSize) : undefined,
    )
    return c.json(link, 200, { 'Cache-Control': 'no-store' })
  }

  const downloadSignedFile: AppRouteHandler<Routes['downloadSignedFile']> = async (c) => {
    const { row, claims, maxAgeS } = await attachments.resolveLink(c.req.valid('param').link)
    const cache = { 'Cache-Control': `private, max-age=${maxAgeS}` }
    if (claims.variant === 'original') return serveFile(c, row, cache) as never
    return serveThumbnail(c, row, Number(claims.variant) as ThumbnailSize, cache) as never
  }

  const getProjectStorage: AppRouteHandler<Routes['getProjectStorage']> = async (c) => {
    return c.json(await attachments.storage(requireAuth(c, 'read'), c.req.valid('param').projectId), 200)
  }

  return {
    streamUpload,
    createAttachment,
    listAttachments,
    getAttachment,
    updateAttachment,
    deleteAttachment,
    downloadAttachment,
    getAttachmentThumbnail,
    createAttachmentLink,
    downloadSignedFile,
    getProjectStorage,
  }
}
