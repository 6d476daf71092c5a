import type { Logger } from 'pino'
import type { Repositories } from '../../write/repositories.js'
import type { Writer } from '../../write/writer.js'
import { type ByteCleanup, removeAttachments } from './attachments.reactions.js'
import { removeStaleTemporaryFiles } from './storage/local-storage.js'
import type { FileStorage } from './storage/storage.js'
import type { UploadsService } from './uploads.service.js'

export interface JanitorOptions {
  repositories: Repositories
  writer: Writer
  files: FileStorage
  cleanup: ByteCleanup
  /** Resumable uploads, whose expired ones the sweep removes. */
  uploads: Pick<UploadsService, 'sweepExpired'>
  logger: Logger
  intervalMs: number
  /** Stored bytes without a row must be this old before they go (an upload between store and commit). */
  graceS: number
  now?: () => Date
}

export interface SweepReport {
  bytesDeleted: number
  temporaryFilesRemoved: number
  orphanObjectsRemoved: number
  rowsRemoved: number
  /** Resumable uploads past UPLOAD_EXPIRY_S, removed with their bytes and their hold on the quota. */
  uploadsExpired: number
}

export type AttachmentJanitor = ReturnType<typeof startAttachmentJanitor>

/**
 * Keeps the file store and the attachment rows in step:
 * - `drain` deletes the bytes (and thumbnails) of rows whose deletion has committed (see createByteCleanup);
 * - `sweep` also removes what a crash leaves: temporary files of interrupted uploads, stored objects
 *   whose row never committed (older than the grace period), and rows whose bytes or parent are gone
 *   (recorded as `attachment.deleted` like any deletion); and resumable uploads past their expiry.
 * It runs at start-up and every `intervalMs`.
 */
export function startAttachmentJanitor({
  repositories,
  writer,
  files,
  cleanup,
  uploads,
  logger,
  intervalMs,
  graceS,
  now = () => new Date(),
}: JanitorOptions) {
  const repo = repositories.attachments
  let sweeping: Promise<SweepReport> | undefined
  const drain = () => cleanup.drain(writer, repositories)

  async function sweepOnce(): Promise<SweepReport> {
    const report: SweepReport = {
      bytesDeleted: 0,
      temporaryFilesRemoved: 0,
      orphanObjectsRemoved: 0,
      rowsRemoved: 0,
      uploadsExpired: 0,
    }
    report.bytesDeleted = await drain()
    report.uploadsExpired = await uploads.sweepExpired()
    const before = new Date(now().getTime() - graceS * 1000)
    if ('tmpDir' in files && typeof files.tmpDir === 'string') {
      report.temporaryFilesRemoved = await removeStaleTemporaryFiles(files.tmpDir, before)
    }
    // Objects whose row never committed (the server died between storing and committing).
    for await (const object of files.list()) {
      if (object.modifiedAt >= before) continue
      const [kind, id] = object.key.split('/')
      const orphan =
        kind === 'att'
          ? !(await repo.existsWithKey(object.key))
          : kind === 'thumb' && id !== undefined
            ? (await repo.find(id)) === undefined
            : false
      if (orphan) {
        await files.delete(object.key)
        report.orphanObjectsRemoved++
      }
    }
    // Rows whose bytes are gone, or whose project, task, note or comment is.
    let after = ''
    for (;;) {
      const rows = await repo.scan(after, 200)
      for (const row of rows) {
        const broken = !(await repo.parentExists(row)) || (await files.size(row.storage_key)) === undefined
        if (!broken) continue
        await writer.write(async (tx) => {
          const current = await tx.attachments.findForUpdate(row.id)
          if (current) await removeAttachments(tx, [current], null, now)
        })
        report.rowsRemoved++
      }
      if (rows.length < 200) break
      after = rows.at(-1)?.id ?? after
    }
    if (report.rowsRemoved > 0) report.bytesDeleted += await drain()
    return report
  }

  /** One sweep; concurrent calls share it. */
  function sweep(): Promise<SweepReport> {
    sweeping ??= sweepOnce().finally(() => {
      sweeping = undefined
    })
    return sweeping
  }

  const run = () => {
    sweep().then(
      (report) => {
        if (Object.values(report).some((n) => n > 0)) logger.info({ report }, 'attachment sweep')
      },
      (err: unknown) => logger.warn({ err }, 'attachment sweep failed; it runs again later'),
    )
  }
  const startup = setTimeout(run, 0)
  const timer = setInterval(run, intervalMs)
  startup.unref()
  timer.unref()

  return {
    drain,
    sweep,
    async stop() {
      clearTimeout(startup)
      clearInterval(timer)
      await Promise.allSettled([sweeping, cleanup.idle()])
    },
  }
}
