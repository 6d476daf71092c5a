import type { Readable } from 'node:stream'
import type { Logger } from 'pino'
import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'
import type { Attachment } from '../../generated/routes.js'
import type { ServiceDeps } from '../service-deps.js'
import type { UploadRow } from './attachments.repository.js'
import { type AttachmentsService, quotaExceeded } from './attachments.service.js'
import type { UploadStore } from './files.js'
import { allowedType, checkFilename, fileTooLarge, SAMPLE_BYTES } from './intake.js'
import { asStorageError } from './storage/storage.js'
import { asApiError } from './storage-errors.js'

const NO_UPLOAD = 'No upload with this id.'
const SHA256 = /^[0-9a-fA-F]{64}$/

export type UploadsService = ReturnType<typeof createUploadsService>

/**
 * Resumable (tus) uploads: the rules around the bytes that @tus/server gathers in the upload store. An
 * upload is a row (who, where, what it will attach to) plus a hold on the project's quota for its whole
 * Upload-Length, taken when it is created, so uploads running side by side cannot together pass the quota.
 * The request that completes it hands the bytes to the attachments' own intake and commit (type from the
 * bytes, checksum, policy, the write seam), which ends the upload in the same transaction. Uploads not
 * finished by their expiry are swept with their bytes and their hold.
 */
export function createUploadsService(
  { config, repositories, writer, access, now }: ServiceDeps,
  attachments: AttachmentsService,
  { store, logger }: { store: UploadStore; logger: Logger },
) {
  const repo = repositories.attachments
  const { datastore, keyOf } = store

  const removeBytes = (uploadId: string) =>
    store.remove(uploadId).catch((err: unknown) => {
      logger.warn({ err, uploadId }, 'removing the bytes of an upload failed')
    })

  /** Ends an upload that will not finish: its row, its hold on the quota (one silent write), then its bytes. */
  async function discard(upload: UploadRow): Promise<boolean> {
    const ended = await writer.write(
      async (tx) => {
        if (!(await tx.attachments.deleteUpload(upload.id))) return false
        await tx.attachments.releaseUploadHold(upload.project_id, Number(upload.length))
        return true
      },
      { silent: true },
    )
    await removeBytes(upload.id)
    return ended
  }

  return {
    store,

    /**
     * Checks a new upload before any byte of it is stored (who, where, the name, the length against the
     * size limit) and takes its hold on the quota. Called by @tus/server as it creates the upload.
     */
    async begin(
      caller: Principal,
      projectId: string,
      uploadId: string,
      { length, metadata }: { length: number | undefined; metadata: Record<string, string | null> },
    ): Promise<UploadRow> {
      await access.authorize(caller, projectId, 'attachment', 'create')
      if (length === undefined) {
        throw new ApiError(400, 'length_required', 'Send Upload-Length: uploads of unknown length are not taken.')
      }
      if (length === 0) throw new ApiError(400, 'empty_file', 'The file is empty.')
      if (length > config.ATTACHMENT_MAX_BYTES) throw fileTooLarge(config.ATTACHMENT_MAX_BYTES)
      const value = (key: string) => metadata[key] ?? undefined
      const name = value('filename') ?? value('name')
      if (name === undefined) throw new ApiError(400, 'invalid_metadata', 'Upload-Metadata has no filename.')
      const filename = checkFilename(name)
      const sha256 = value('sha256')
      if (sha256 !== undefined && !SHA256.test(sha256)) {
        throw new ApiError(400, 'invalid_metadata', 'The sha256 in Upload-Metadata is not 64 hex digits.')
      }
      const target = attachments.targetOf({
        taskId: value('taskId'),
        noteId: value('noteId'),
        commentId: value('commentId'),
      })
      const created = now()
      const row: UploadRow = {
        id: uploadId,
        project_id: projectId,
        created_by: caller.userId,
        length,
        filename,
        claimed_type: value('filetype')?.slice(0, 255) ?? null,
        task_id: target?.column === 'task_id' ? target.id : null,
        note_id: target?.column === 'note_id' ? target.id : null,
        comment_id: target?.column === 'comment_id' ? target.id : null,
        sha256: sha256?.toLowerCase() ?? null,
        created_at: created.toISOString(),
        expires_at: new Date(created.getTime() + config.UPLOAD_EXPIRY_S * 1000).toISOString(),
      }
      // Silent: nobody is told of an upload under way; the attachment it makes is recorded as it commits.
      await writer.write(
        async (tx) => {
          const r = tx.attachments
          await attachments.assertTarget(r, projectId, target)
          if (!(await r.holdForUpload(projectId, length, config.PROJECT_STORAGE_QUOTA_BYTES))) {
            const { usedBytes, reservedBytes } = await r.usage(projectId)
            throw quotaExceeded(Math.max(0, config.PROJECT_STORAGE_QUOTA_BYTES - usedBytes - reservedBytes))
          }
          await r.insertUpload(row)
        },
        { silent: true },
      )
      return row
    },

    /**
     * The caller's own upload in the project, for HEAD, PATCH and DELETE: someone else's, or one in
     * another project, is 404 like a missing one; a member who may no longer upload gets 403; an upload
     * past its expiry is 410 (and goes with the next sweep).
     */
    async own(caller: Principal, projectId: string, uploadId: string): Promise<UploadRow> {
      await access.authorize(caller, projectId, 'attachment', 'read')
      const upload = await repo.findUpload(uploadId)
      if (!upload || upload.project_id !== projectId || upload.created_by !== caller.userId) {
        throw new ApiError(404, 'not_found', NO_UPLOAD)
      }
      await access.authorize(caller, projectId, 'attachment', 'create')
      if (upload.expires_at <= now().toISOString()) {
        throw new ApiError(410, 'upload_expired', 'The upload expired before it finished; start a new one.')
      }
      return upload
    },

    /**
     * Makes the attachment of a completed upload; the caller holds the upload's lock. If that fails (type refused, checksum, target gone), the
     * upload cannot finish any other way: it is discarded, and the error answers the request.
     */
    async finish(caller: Principal, upload: UploadRow): Promise<Attachment> {
      // Another request (an empty PATCH at the last byte, a retry) may have finished it first.
      if (!(await repo.findUpload(upload.id))) throw new ApiError(404, 'not_found', NO_UPLOAD)
      let body: Readable
      try {
        body = await datastore.read(keyOf(upload.id))
      } catch (err) {
        throw asApiError(asStorageError(err))
      }
      try {
        return await attachments.ingest(caller, upload, body)
      } catch (err) {
        body.destroy()
        const problem = asApiError(err)
        // An outage leaves the upload to be finished again; a refusal ends it.
        if (!(problem instanceof ApiError && problem.status === 503)) await discard(upload)
        throw problem
      }
    },

    /**
     * Ends an upload that cannot go on: one whose creation failed after `begin` (the store could not make
     * it), or whose first bytes are of a refused type. Its row, hold and bytes go. A failure here is logged;
     * the sweep removes the upload at its expiry.
     */
    async abandon(upload: UploadRow): Promise<void> {
      await discard(upload).catch((err: unknown) => {
        logger.warn({ err, uploadId: upload.id }, 'undoing a failed upload creation failed')
      })
    },

    /**
     * What a PATCH from `offset` needs to read the upload's type from its first bytes (file-type's sample):
     * the bytes before `offset` and where the sample ends; undefined when the sample lies before `offset`
     * (already checked) or the bytes before it cannot be read back (an unfinished S3 upload: the type is
     * then checked as the upload completes).
     */
    async typeSample(upload: UploadRow, offset: number): Promise<{ prefix: Buffer; end: number } | undefined> {
      const end = Math.min(SAMPLE_BYTES, Number(upload.length))
      if (!Number.isSafeInteger(offset) || offset < 0 || offset >= end) return undefined
      if (offset === 0) return { prefix: Buffer.alloc(0), end }
      const prefix = await store.readPrefix?.(upload.id, offset).catch(() => undefined)
      // Fewer bytes than the offset: the PATCH is at the wrong offset, and is refused with 409.
      return prefix && prefix.length === offset ? { prefix, end } : undefined
    },

    /**
     * Reads the type from the upload's first bytes (`typeSample`): 415 `file_type_not_allowed` when the
     * settings refuse it, so that the upload ends (`abandon`) before the rest of the file is sent.
     */
    async checkType(sample: Buffer): Promise<void> {
      await allowedType(sample, { allow: config.ATTACHMENT_TYPES_ALLOW, deny: config.ATTACHMENT_TYPES_DENY })
    },

    /** Cancels an upload (tus termination): its row, hold and bytes go. */
    async cancel(upload: UploadRow): Promise<void> {
      if (!(await discard(upload))) throw new ApiError(404, 'not_found', NO_UPLOAD)
    },

    /**
     * Removes uploads past their expiry with their bytes and holds; how many went. Then asks the store to
     * drop expired uploads it still holds without a row (a removal that failed after its row went).
     */
    async sweepExpired(): Promise<number> {
      let removed = 0
      for (;;) {
        const expired = await repo.expiredUploads(now().toISOString(), 100)
        for (const upload of expired) if (await discard(upload)) removed++
        if (expired.length < 100) break
      }
      await datastore.deleteExpired().catch((err: unknown) => {
        logger.warn({ err }, 'the upload store could not list its expired uploads')
      })
      return removed
    },
  }
}
