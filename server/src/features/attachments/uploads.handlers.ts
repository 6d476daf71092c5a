import { Server } from '@tus/server'
import { ERRORS } from '@tus/utils'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Config } from '../../config.js'
import { ApiError } from '../../core/api-error.js'
import { etagOf } from '../../core/etag.js'
import type { Principal } from '../../core/principal.js'
import type { Attachment, operations } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppEnv, AppRouteHandler } from '../../http/env.js'
import { validationHook } from '../../http/errors.js'
import { loadRoutes } from '../../http/router.js'
import { newId } from '../../lib/ids.js'
import type { Services } from '../services.js'
import type { UploadRow } from './attachments.repository.js'
import { fileTooLarge } from './intake.js'
import { asStorageError } from './storage/storage.js'
import { asApiError } from './storage-errors.js'

type Routes = typeof operations

const TUS_VERSION = '1.0.0'
const UPLOAD_ID = /^upl_[0-9A-Z]{26}$/
/** How long a client waits before asking again for an upload another request held through the whole wait. */
const LOCKED_RETRY_AFTER_S = 5

/** What a request brought to @tus/server's hooks, which see only the Request. */
interface Pending {
  principal: Principal
  projectId: string
  /** HEAD, PATCH and DELETE: the caller's upload, already authorized. */
  upload?: UploadRow
  /** POST: the upload begun (its row and hold) before the store was asked to create it. */
  begun?: UploadRow
}

/**
 * The tus 1.0.0 endpoints (core, creation, termination, expiration), served by @tus/server's web handler
 * inside the app, so authentication, rate limits, request ids, CORS and logging apply as to any route.
 * Authorization and the rules (uploads.service.ts) run before @tus/server sees a request or in its hooks;
 * what it answers with an error becomes the documented problem+json here.
 */
export function uploadsHandlers({ uploads }: Services, config: Pick<Config, 'ATTACHMENT_MAX_BYTES'>) {
  const pending = new WeakMap<Request, Pending>()
  const failures = new WeakMap<Request, unknown>()
  const { datastore, keyOf, locker } = uploads.store
  const uploadIdOf = (key: string) => key.slice(key.lastIndexOf('/') + 1)
  const stateOf = (req: Request) => {
    const state = pending.get(req)
    if (!state) throw new Error('a tus request reached @tus/server without going through its route')
    return state
  }

  const tus = new Server({
    // Not matched against: the routes below find the upload (getFileIdFromRequest) and name it (generateUrl).
    path: '/v1/projects/uploads',
    datastore,
    // Shared by the instances on one PostgreSQL database (db/upload-locks.ts); else in memory.
    locker,
    maxSize: config.ATTACHMENT_MAX_BYTES,
    // Deferred lengths and concatenation are refused before @tus/server is asked (createUpload).
    namingFunction: () => keyOf(newId('upl')),
    getFileIdFromRequest: (_req, last) => (last && UPLOAD_ID.test(last) ? keyOf(last) : undefined),
    generateUrl: (req, { id }) => `/v1/projects/${stateOf(req).projectId}/uploads/${uploadIdOf(id)}`,
    disableTerminationForFinishedUploads: true,
    async onUploadCreate(req, upload) {
      const state = stateOf(req)
      state.begun = await uploads.begin(state.principal, state.projectId, uploadIdOf(upload.id), {
        length: upload.size,
        metadata: upload.metadata ?? {},
      })
      return {}
    },
    async onUploadFinish(req, upload) {
      const state = stateOf(req)
      // A creation that carries the whole file (creation-with-upload) is refused before it gets here.
      if (!state.upload) throw new Error('an upload finished without its row')
      // @tus/server calls this after it let go of the upload's lock: taken again, so that two requests
      // that both found the upload complete do not both make its attachment. A request that asks for
      // the lock meanwhile waits for the attachment rather than stopping it.
      const lock = locker.newLock(upload.id)
      await lock.lock(new AbortController().signal, () => {})
      let attachment: Attachment
      try {
        attachment = await uploads.finish(state.principal, state.upload)
      } finally {
        await lock.unlock()
      }
      return {
        status_code: 200,
        headers: {
          'Content-Type': 'application/json',
          Location: `/v1/attachments/${attachment.id}`,
          ETag: etagOf(attachment.version),
        },
        body: JSON.stringify(attachment),
      }
    },
    onResponseError(req, err) {
      failures.set(req, err)
      return undefined
    },
  })

  /** Hands the request to @tus/server and its answer back, errors as problem+json. */
  async function viaTus(c: Context<AppEnv>, state: Pending, sample?: TypeSample): Promise<Response> {
    const watched = watchBody(c.req.raw, sample)
    const req = watched.request
    pending.set(req, state)
    const res = await tus.handleWeb(req)
    const refused = watched.refused()
    if (refused !== undefined && state.upload) {
      // The first bytes are of a type the settings refuse: the rest of the body was not taken, and the
      // upload ends here with what it stored.
      await res.body?.cancel()
      await uploads.abandon(state.upload)
      if (refused instanceof ApiError)
        Object.assign(refused.headers, { 'Tus-Resumable': TUS_VERSION, Connection: 'close' })
      throw refused
    }
    if (res.status >= 400) {
      // A creation the store could not make (a full disk, S3 down) leaves no upload and no hold behind.
      if (state.begun) await uploads.abandon(state.begun)
      const failure = failures.get(req)
      if (failure instanceof ApiError) {
        Object.assign(failure.headers, { 'Tus-Resumable': TUS_VERSION })
        throw failure
      }
      throw await tusProblem(res, failure)
    }
    if (watched.failed() && res.status === 204) {
      // The bytes that arrived are kept (the store's offset counts them): the client resumes from there.
      throw new ApiError(400, 'incomplete_body', 'The body ended before it was whole; ask where the upload stands.', {
        headers: { 'Tus-Resumable': TUS_VERSION, Connection: 'close' },
      })
    }
    // CORS is the app's (CORS_ORIGINS), not @tus/server's allow-any default.
    const headers = new Headers(res.headers)
    for (const name of [...headers.keys()]) if (name.startsWith('access-control-')) headers.delete(name)
    // @tus/server answers a creation with an empty text rather than no body; only the attachment that ends
    // an upload is a body, and it says its type.
    if (!headers.has('content-type')) {
      await res.body?.cancel()
      return new Response(null, { status: res.status, headers })
    }
    return new Response(res.body, { status: res.status, headers })
  }

  /**
   * tus answers 412 to a version it does not speak, before anything else is checked: so here, before the
   * route's validators (which would call a missing header a 400).
   */
  const tusResumable = createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.header('tus-resumable') !== TUS_VERSION) {
      throw new ApiError(
        412,
        'tus_version_unsupported',
        `This server speaks tus ${TUS_VERSION}; send Tus-Resumable: ${TUS_VERSION}.`,
        { headers: { 'Tus-Version': TUS_VERSION, 'Tus-Resumable': TUS_VERSION } },
      )
    }
    await next()
  })

  const createUpload: AppRouteHandler<Routes['createUpload']> = async (c) => {
    const principal = requireAuth(c, 'write')
    if (c.req.header('upload-defer-length') !== undefined) {
      throw new ApiError(400, 'length_required', 'Send Upload-Length: uploads of unknown length are not taken.')
    }
    // Checked here, whatever its size: @tus/server would call a length past 2^53 invalid (400) rather than
    // too large, and tus answers 413 for a length over the server's maximum, which Tus-Max-Size tells.
    const declared = c.req.header('upload-length')
    if (declared !== undefined && /^[0-9]+$/.test(declared) && BigInt(declared) > BigInt(config.ATTACHMENT_MAX_BYTES)) {
      throw fileTooLarge(config.ATTACHMENT_MAX_BYTES, {
        'Tus-Resumable': TUS_VERSION,
        'Tus-Max-Size': String(config.ATTACHMENT_MAX_BYTES),
      })
    }
    const length = c.req.header('content-length')
    const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined
    if (c.req.header('upload-concat') !== undefined || hasBody) {
      throw new ApiError(
        400,
        'validation_failed',
        'Send the bytes with appendUploadChunk: a creation carries no body, and uploads are not concatenated.',
      )
    }
    return (await viaTus(c, { principal, projectId: c.req.valid('param').projectId })) as never
  }

  /** HEAD, PATCH and DELETE: the caller's own upload, authorized before @tus/server is asked. */
  async function onOwnUpload(c: Context<AppEnv>, params: { projectId: string; uploadId: string }) {
    const principal = requireAuth(c, 'write')
    const upload = await uploads.own(principal, params.projectId, params.uploadId)
    // A PATCH that brings the upload's first bytes has its type checked as soon as they are in.
    const sample =
      c.req.method === 'PATCH' ? await uploads.typeSample(upload, Number(c.req.header('upload-offset'))) : undefined
    return viaTus(
      c,
      { principal, projectId: params.projectId, upload },
      sample && { ...sample, check: (bytes) => uploads.checkType(bytes) },
    )
  }

  /** A GET of an upload is not an operation: it answers as any method the path does not have. */
  const headOnly = createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== 'HEAD') return c.notFound()
    await next()
  })

  const getUploadOffset = async (c: Context<AppEnv>) => {
    const { operations } = await loadRoutes()
    const params = operations.getUploadOffset.request.params.safeParse(c.req.param())
    if (!params.success) {
      validationHook({ success: false, error: params.error, target: 'param' } as never, c as never)
      throw new Error('unreachable: the validation hook throws')
    }
    return onOwnUpload(c, params.data)
  }

  const appendUploadChunk: AppRouteHandler<Routes['appendUploadChunk']> = async (c) => {
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/offset+octet-stream') {
      throw new ApiError(415, 'unsupported_media_type', 'Send the bytes as application/offset+octet-stream.', {
        headers: { 'Accept-Patch': 'application/offset+octet-stream' },
      })
    }
    return (await onOwnUpload(c, c.req.valid('param'))) as never
  }

  const deleteUpload: AppRouteHandler<Routes['deleteUpload']> = async (c) => {
    const principal = requireAuth(c, 'write')
    const { projectId, uploadId } = c.req.valid('param')
    await uploads.cancel(await uploads.own(principal, projectId, uploadId))
    return c.body(null, 204, { 'Tus-Resumable': TUS_VERSION })
  }

  return { tusResumable, headOnly, createUpload, getUploadOffset, appendUploadChunk, deleteUpload }
}

/** The first bytes of an upload to check its type on, as a PATCH brings them. */
interface TypeSample {
  /** The bytes stored before this PATCH's offset. */
  prefix: Buffer
  /** Where the sample ends: the check runs once the bytes up to here are in. */
  end: number
  check(sample: Buffer): Promise<void>
}

/**
 * The request with its body passed through a watch that notes whether reading it failed (the connection
 * was cut) and then ends it there, so that @tus/server stores what arrived rather than failing the write.
 * With a `sample`, the body's first bytes are checked as they arrive: if the check fails, the body ends
 * before the chunk that completed the sample, and `refused` answers why.
 */
function watchBody(
  request: Request,
  sample?: TypeSample,
): { request: Request; failed: () => boolean; refused: () => unknown } {
  const source = request.body
  if (!source) return { request, failed: () => false, refused: () => undefined }
  let failed = false
  let refused: unknown
  let sampling = sample !== undefined
  const head: Buffer[] = sample ? [sample.prefix] : []
  let headBytes = sample?.prefix.length ?? 0
  const reader = source.getReader()
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch {
        // What arrived is written whole (as @tus/server does with a request aborted on Node's own server),
        // so the upload resumes from the last byte that arrived, not from the last flushed one.
        failed = true
        controller.close()
        return
      }
      if (chunk.done) {
        controller.close()
        return
      }
      if (sampling && sample) {
        head.push(Buffer.from(chunk.value))
        headBytes += chunk.value.length
        if (headBytes >= sample.end) {
          sampling = false
          try {
            await sample.check(Buffer.concat(head).subarray(0, sample.end))
          } catch (err) {
            refused = err
            controller.close()
            reader.cancel().catch(() => {})
            return
          }
        }
      }
      controller.enqueue(chunk.value)
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
  return {
    request: new Request(request, { body, duplex: 'half' } as RequestInit),
    failed: () => failed,
    refused: () => refused,
  }
}

/** What @tus/server answered with an error, as the problem the operation documents. */
async function tusProblem(res: Response, failure: unknown): Promise<unknown> {
  const text = (await res.text()).trim()
  const headers = { 'Tus-Resumable': TUS_VERSION }
  switch (res.status) {
    case 400:
      if (/Upload-Metadata/i.test(text)) return new ApiError(400, 'invalid_metadata', text, { headers })
      if (/Upload-Length/i.test(text)) return new ApiError(400, 'length_required', text, { headers })
      // Another request for the same upload took its lock: this one stops where it was.
      if (failure === ERRORS.ABORTED || /lock/i.test(text)) {
        return new ApiError(409, 'offset_mismatch', 'Another request for this upload took over; ask where it stands.', {
          headers,
        })
      }
      return new ApiError(400, 'validation_failed', text, { headers })
    case 409:
      return new ApiError(409, 'offset_mismatch', 'Upload-Offset is not where the upload stands; ask with HEAD.', {
        headers,
      })
    case 404:
      return new ApiError(404, 'not_found', 'No upload with this id.', { headers })
    case 410:
      return new ApiError(410, 'upload_expired', 'The upload expired before it finished; start a new one.', { headers })
    case 413:
      return new ApiError(413, 'file_too_large', 'The upload runs past its Upload-Length or the size limit.', {
        headers: { ...headers, Connection: 'close' },
      })
    default: {
      // Another request held the upload for the whole wait (one making its attachment does not let go):
      // 423, which tus clients take as "locked for now" and retry, where any other 4xx to their HEAD would
      // make them drop the upload and start over.
      if (failure === ERRORS.ERR_LOCK_TIMEOUT) {
        return new ApiError(423, 'upload_locked', 'Another request for this upload holds it; try again shortly.', {
          headers: { ...headers, 'Retry-After': String(LOCKED_RETRY_AFTER_S) },
        })
      }
      // A failure of the store or a bug: the error handler logs it (500), or answers the outage (503) or
      // the full disk (507), after which the client resumes from the bytes that were kept.
      if (failure === undefined) return new Error(`@tus/server answered ${res.status}: ${text}`)
      const problem = asApiError(asStorageError(failure))
      // The rest of the body is not read: the connection closes rather than wait for it.
      if (problem instanceof ApiError) Object.assign(problem.headers, headers, { Connection: 'close' })
      return problem
    }
  }
}
