import { Readable } from 'node:stream'
import type { Logger } from 'pino'
import { can } from '../../authorization/permissions.js'
import { ApiError } from '../../core/api-error.js'
import { assertIfMatch, preconditionFailed } from '../../core/etag.js'
import type { Principal } from '../../core/principal.js'
import type { Attachment, AttachmentList, AttachmentUpdate, ProjectStorage } from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import type { PageInput } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import { removeAttachments } from './attachments.reactions.js'
import {
  type AttachmentParent,
  type AttachmentRow,
  type attachmentsRepository,
  toAttachment,
  type UploadRow,
} from './attachments.repository.js'
import { createLinkSigner, type LinkClaims } from './download.js'
import { originalKey, thumbnailKey } from './files.js'
import { checkFilename, fileTooLarge, type Inspected, parseMultipart, UploadInspector } from './intake.js'
import type { FileStorage } from './storage/storage.js'
import { asApiError } from './storage-errors.js'
import { makeThumbnail, THUMBNAIL_SOURCE_TYPES, type ThumbnailSize } from './thumbnails.js'

const NO_ATTACHMENT = 'No attachment with this id.'

/** Where a file is attached: at most one of these. */
export interface AttachmentTargetInput {
  taskId?: string | null
  noteId?: string | null
  commentId?: string | null
}

export interface UploadInput {
  body: Readable
  contentType: string
  /** Raw uploads: the query parameters (multipart uploads send these as fields). */
  query: AttachmentTargetInput & { filename?: string; sha256?: string }
  /** Validates multipart fields as they arrive (the operation's schema), throwing its 400. */
  checkFields(fields: Record<string, string>): void
}

export type AttachmentsService = ReturnType<typeof createAttachmentsService>

/**
 * Attachments: uploads streamed to the file store and committed as rows through the write seam, their
 * metadata, downloads, signed links and thumbnails. Bytes are stored before the row commits; a failed
 * commit removes them again, and a crash in between leaves bytes without a row that the orphan sweep
 * removes. Deleted rows queue their bytes for deletion in the same transaction (see the janitor).
 */
export function createAttachmentsService(
  { config, repositories, writer, cursors, access, now }: ServiceDeps,
  { files, linkKey, logger }: { files: FileStorage; linkKey: Uint8Array; logger: Logger },
) {
  const repo = repositories.attachments
  const links = createLinkSigner(linkKey)
  const policy = { allow: config.ATTACHMENT_TYPES_ALLOW, deny: config.ATTACHMENT_TYPES_DENY }

  async function load(caller: Principal, attachmentId: string, action: 'read' | 'update' | 'delete') {
    const row = await repo.find(attachmentId)
    if (!row) throw new ApiError(404, 'not_found', NO_ATTACHMENT)
    const role = await access.authorize(caller, row.project_id, 'attachment', 'read', NO_ATTACHMENT)
    if (action !== 'read') {
      const own = row.created_by === caller.userId
      const allowed =
        action === 'update'
          ? (own && can(role, 'attachment', 'updateOwn')) || can(role, 'attachment', 'updateAny')
          : (own && can(role, 'attachment', 'deleteOwn')) || can(role, 'attachment', 'deleteAny')
      if (!allowed) {
        throw new ApiError(403, 'forbidden', `Only whoever uploaded a file or a project owner may ${action} it.`)
      }
    }
    return { row }
  }

  /** The one task, note or comment named, or none; more than one is 400 `invalid_target`. */
  function targetOf(input: AttachmentTargetInput): AttachmentParent | null | undefined {
    const named = (
      [
        ['task_id', input.taskId],
        ['note_id', input.noteId],
        ['comment_id', input.commentId],
      ] as const
    ).filter(([, id]) => id !== undefined && id !== null)
    if (named.length > 1) {
      throw new ApiError(400, 'invalid_target', 'Attach the file to one of a task, a note or a comment.')
    }
    const [first] = named
    return first ? { column: first[0], id: first[1] as string } : undefined
  }

  async function assertTarget(
    db: ReturnType<typeof attachmentsRepository>,
    projectId: string,
    target?: AttachmentParent | null,
  ) {
    if (target && !(await db.targetInProject(projectId, target))) {
      const what = { task_id: 'task', note_id: 'note', comment_id: 'comment', project_id: 'project' }[target.column]
      throw new ApiError(404, 'not_found', `No ${what} with this id in the project.`)
    }
  }

  /** Streams one file into the store under a new key, measuring it; nothing is left behind on failure. */
  async function store(projectId: string, stream: Readable, claimedType: string | undefined, heldBytes = 0) {
    const { usedBytes, reservedBytes } = await repo.usage(projectId)
    // A resumable upload's own reservation is given back as it commits, so it counts as room here.
    const left = Math.max(0, config.PROJECT_STORAGE_QUOTA_BYTES - usedBytes - reservedBytes + heldBytes)
    const maxFile = config.ATTACHMENT_MAX_BYTES
    const inspector = new UploadInspector(Math.min(maxFile, left), policy, () =>
      left < maxFile ? quotaExceeded(left) : fileTooLarge(maxFile),
    )
    // The form may have failed while the usage was read (a second file part): then nothing is stored.
    if (stream.destroyed) throw stream.errored ?? new Error('the request body ended early')
    const id = newId('att')
    const key = originalKey(id)
    // A client that stops sending is not waited for forever: the upload fails with 408 and is removed.
    let idle: NodeJS.Timeout | undefined
    const arm = () => {
      clearTimeout(idle)
      idle = setTimeout(() => {
        const err = new ApiError(
          408,
          'request_timeout',
          `No bytes of the body arrived for ${config.UPLOAD_IDLE_TIMEOUT_MS} ms.`,
          {
            title: 'Request timeout',
            headers: { Connection: 'close' },
          },
        )
        inspector.destroy(err)
        stream.destroy(err)
      }, config.UPLOAD_IDLE_TIMEOUT_MS)
    }
    arm()
    stream.on('data', arm)
    stream.on('error', (err) => inspector.destroy(err))
    // A body that closes before it ends (the client went away) fails the upload; `pipe` alone would leave
    // the store waiting for the rest.
    stream.on('close', () => {
      if (!stream.readableEnded) inspector.destroy(new Error('the request body ended early'))
    })
    // The store's promise reports the inspector's failure; this keeps it from also being an unhandled event.
    inspector.on('error', () => {})
    stream.pipe(inspector)
    try {
      await files.put(key, inspector, { contentType: claimedType ?? 'application/octet-stream' })
      return { id, key, inspected: await inspector.result }
    } catch (err) {
      stream.resume()
      throw asApiError(err)
    } finally {
      clearTimeout(idle)
      stream.off('data', arm)
    }
  }

  const removeBytes = (key: string) =>
    files.delete(key).catch((err: unknown) => logger.warn({ err, key }, 'removing stored bytes failed; the sweep will'))

  async function commit(
    caller: Principal,
    projectId: string,
    stored: { id: string; key: string; inspected: Inspected },
    meta: {
      filename: string
      claimedType: string | undefined
      target: AttachmentParent | null | undefined
      sha256?: string | null
      /** The resumable upload this file completes: its row goes and its hold on the quota is given back. */
      upload?: { id: string; length: number }
    },
  ): Promise<Attachment> {
    try {
      if (meta.sha256 && meta.sha256.toLowerCase() !== stored.inspected.sha256) {
        throw new ApiError(
          400,
          'checksum_mismatch',
          `The file's SHA-256 is ${stored.inspected.sha256}, not the one sent.`,
        )
      }
      const at = now().toISOString()
      return await writer.write(
        async (tx) => {
          const r = tx.attachments
          await assertTarget(r, projectId, meta.target)
          if (meta.upload) {
            // Finished, cancelled or swept meanwhile by another request: this one makes nothing.
            if (!(await r.deleteUpload(meta.upload.id))) throw new ApiError(404, 'not_found', 'No upload with this id.')
            await r.releaseUploadHold(projectId, meta.upload.length)
          }
          if (!(await r.reserve(projectId, stored.inspected.size, config.PROJECT_STORAGE_QUOTA_BYTES))) {
            const { usedBytes, reservedBytes } = await r.usage(projectId)
            throw quotaExceeded(Math.max(0, config.PROJECT_STORAGE_QUOTA_BYTES - usedBytes - reservedBytes))
          }
          const row: AttachmentRow = {
            id: stored.id,
            project_id: projectId,
            task_id: meta.target?.column === 'task_id' ? meta.target.id : null,
            note_id: meta.target?.column === 'note_id' ? meta.target.id : null,
            comment_id: meta.target?.column === 'comment_id' ? meta.target.id : null,
            filename: meta.filename,
            content_type: stored.inspected.contentType,
            claimed_type: meta.claimedType?.slice(0, 255) ?? null,
            size: stored.inspected.size,
            sha256: stored.inspected.sha256,
            storage_key: stored.key,
            created_by: caller.userId,
            created_at: at,
            updated_at: at,
            version: 1,
          }
          await r.insert(row)
          const attachment = toAttachment(row)
          await tx.record(attachmentChange('attachment.created', attachment, caller.userId))
          return attachment
        },
        { by: caller },
      )
    } catch (err) {
      await removeBytes(stored.key)
      throw err
    }
  }

  return {
    /** What resumable uploads share with the simple one (uploads.service.ts): the target rules and the intake. */
    targetOf,
    assertTarget,
    /**
     * Streams the completed bytes of resumable upload `upload` through the same intake as a simple upload
     * (size, type, checksum) and commits the attachment, ending the upload in the same transaction.
     */
    async ingest(caller: Principal, upload: UploadRow, body: Readable): Promise<Attachment> {
      const length = Number(upload.length)
      const stored = await store(upload.project_id, body, upload.claimed_type ?? undefined, length)
      if (stored.inspected.size !== length) {
        await removeBytes(stored.key)
        throw new Error(`the upload store held ${stored.inspected.size} bytes of ${length}`)
      }
      const target = targetOf({ taskId: upload.task_id, noteId: upload.note_id, commentId: upload.comment_id })
      return commit(caller, upload.project_id, stored, {
        filename: upload.filename,
        claimedType: upload.claimed_type ?? undefined,
        target,
        sha256: upload.sha256,
        upload: { id: upload.id, length },
      })
    },

    async upload(caller: Principal, projectId: string, input: UploadInput): Promise<Attachment> {
      await access.authorize(caller, projectId, 'attachment', 'create')
      const mediaType = input.contentType.split(';')[0]?.trim().toLowerCase() ?? ''
      if (mediaType === 'multipart/form-data') {
        const { fields, stored } = await parseMultipart(
          input.body,
          input.contentType,
          async (file, fieldsSoFar) => {
            // What is known before the bytes is checked before any byte is stored.
            input.checkFields(fieldsSoFar)
            const filename = checkFilename(file.filename)
            const target = targetOf(fieldsSoFar)
            await assertTarget(repo, projectId, target)
            return {
              filename,
              claimedType: file.claimedType,
              stored: await store(projectId, file.stream, file.claimedType),
            }
          },
          (done) => removeBytes(done.stored.key),
        )
        try {
          input.checkFields(fields)
        } catch (err) {
          await removeBytes(stored.stored.key)
          throw err
        }
        return commit(caller, projectId, stored.stored, {
          filename: stored.filename,
          claimedType: stored.claimedType,
          target: targetOf(fields),
          sha256: fields.sha256,
        })
      }
      const filename = checkFilename(input.query.filename)
      const target = targetOf(input.query)
      await assertTarget(repo, projectId, target)
      const claimedType = input.contentType
      const stored = await store(projectId, input.body, claimedType)
      return commit(caller, projectId, stored, { filename, claimedType, target, sha256: input.query.sha256 })
    },

    async list(
      caller: Principal,
      projectId: string,
      input: PageInput & { taskId?: string; noteId?: string; commentId?: string },
    ): Promise<AttachmentList> {
      await access.authorize(caller, projectId, 'attachment', 'read')
      const filter = { taskId: input.taskId, noteId: input.noteId, commentId: input.commentId }
      const scope = listScope('listAttachments', { projectId, ...filter })
      const after = input.cursor ? cursors.decode(scope, input.cursor) : undefined
      const page = await repo.list(projectId, filter, after, input.limit)
      return { data: page.items, nextCursor: page.next && cursors.encode(scope, page.next) }
    },

    async get(caller: Principal, attachmentId: string): Promise<AttachmentRow> {
      return (await load(caller, attachmentId, 'read')).row
    },

    async update(
      caller: Principal,
      attachmentId: string,
      patch: AttachmentUpdate,
      ifMatch: string | undefined,
    ): Promise<Attachment> {
      await load(caller, attachmentId, 'update')
      const filename = patch.filename === undefined ? undefined : checkFilename(patch.filename)
      const retarget = 'taskId' in patch || 'noteId' in patch || 'commentId' in patch
      const target = retarget ? (targetOf(patch) ?? null) : undefined
      return writer.write(
        async (tx) => {
          const r = tx.attachments
          const current = await r.findForUpdate(attachmentId)
          if (!current) throw new ApiError(404, 'not_found', NO_ATTACHMENT)
          assertIfMatch(ifMatch, current.version)
          await assertTarget(r, current.project_id, target)
          const next: AttachmentRow = {
            ...current,
            filename: filename ?? current.filename,
            ...(target === undefined
              ? {}
              : {
                  task_id: target?.column === 'task_id' ? target.id : null,
                  note_id: target?.column === 'note_id' ? target.id : null,
                  comment_id: target?.column === 'comment_id' ? target.id : null,
                }),
            updated_at: now().toISOString(),
            version: current.version + 1,
          }
          if (!(await r.update(next, current.version))) throw preconditionFailed(current.version)
          const updated = toAttachment(next)
          await tx.record({
            ...attachmentChange('attachment.updated', updated, caller.userId),
            previous: toAttachment(current),
          })
          return updated
        },
        { by: caller },
      )
    },

    async remove(caller: Principal, attachmentId: string, ifMatch: string | undefined): Promise<void> {
      await load(caller, attachmentId, 'delete')
      await writer.write(
        async (tx) => {
          const current = await tx.attachments.findForUpdate(attachmentId)
          if (!current) throw new ApiError(404, 'not_found', NO_ATTACHMENT)
          assertIfMatch(ifMatch, current.version)
          await removeAttachments(tx, [current], caller.userId, now)
        },
        { by: caller },
      )
    },

    async storage(caller: Principal, projectId: string): Promise<ProjectStorage> {
      await access.authorize(caller, projectId, 'attachment', 'read')
      const usage = await repo.usage(projectId)
      return {
        usedBytes: usage.usedBytes,
        reservedBytes: usage.reservedBytes,
        fileCount: usage.fileCount,
        quotaBytes: config.PROJECT_STORAGE_QUOTA_BYTES,
        maxFileBytes: config.ATTACHMENT_MAX_BYTES,
      }
    },

    /** A signed link for the caller to the file or one of its thumbnails. */
    async link(caller: Principal, attachmentId: string, thumbnail?: ThumbnailSize) {
      const { row } = await load(caller, attachmentId, 'read')
      const expires = Math.floor(now().getTime() / 1000) + config.ATTACHMENT_LINK_TTL_S
      const token = links.sign({
        attachmentId: row.id,
        userId: caller.userId,
        variant: thumbnail ? String(thumbnail) : 'original',
        expires,
      })
      return { url: `/v1/files/${token}`, expiresAt: new Date(expires * 1000).toISOString() }
    },

    /**
     * What a signed link serves, checked now: the signature, the expiry, that the file exists and that the
     * user the link was made for may still read it. Anything else is 404, alike.
     */
    async resolveLink(token: string): Promise<{ row: AttachmentRow; claims: LinkClaims; maxAgeS: number }> {
      const gone = () => new ApiError(404, 'not_found', 'This link is not valid, has expired, or its file is gone.')
      const claims = links.verify(token)
      const nowS = Math.floor(now().getTime() / 1000)
      if (!claims || claims.expires <= nowS) throw gone()
      const row = await repo.find(claims.attachmentId)
      if (!row) throw gone()
      await access.authorize({ userId: claims.userId }, row.project_id, 'attachment', 'read').catch(() => {
        throw gone()
      })
      return { row, claims, maxAgeS: claims.expires - nowS }
    },

    /** The stored bytes of a file, or of a range of them. */
    async open(row: AttachmentRow, range?: { start: number; end: number }): Promise<Readable> {
      try {
        return await files.read(row.storage_key, range)
      } catch (err) {
        throw asApiError(err)
      }
    },

    /**
     * The thumbnail of `size`, made on first request and kept in the store; its bytes and size. A
     * thumbnail that fails (malformed image, decompression bomb) is not kept: the next request fails alike.
     */
    async thumbnail(row: AttachmentRow, size: ThumbnailSize): Promise<{ body: Readable; size: number }> {
      if (!THUMBNAIL_SOURCE_TYPES.has(row.content_type)) {
        throw new ApiError(422, 'not_an_image', `No thumbnail is made of ${row.content_type} files.`)
      }
      const key = thumbnailKey(row.id, size)
      try {
        const existing = await files.size(key)
        if (existing !== undefined) return { body: await files.read(key), size: existing }
        const image = await makeThumbnail(await files.read(row.storage_key), size)
        await files.put(key, Readable.from([image]), { contentType: 'image/webp' })
        return { body: Readable.from([image]), size: image.length }
      } catch (err) {
        throw asApiError(err)
      }
    },
  }
}

export function quotaExceeded(leftBytes: number) {
  return new ApiError(
    413,
    'quota_exceeded',
    `The project has ${leftBytes} bytes of its storage quota left; the file is larger.`,
    { headers: { Connection: 'close' } },
  )
}

const attachmentChange = (type: 'attachment.created' | 'attachment.updated', a: Attachment, actorId: string) => ({
  type,
  projectId: a.projectId,
  resourceType: 'attachment',
  resourceId: a.id,
  version: a.version,
  actorId,
  data: a,
})
