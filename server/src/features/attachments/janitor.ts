import type { Logger } from 'pino'
import type { Db } from '../../db/database.js'
import { type ChangeLog, removalChange } from '../changes/change-log.js'
import { attachmentsRepository, toAttachment } from './attachments.repository.js'
import { thumbnailKey } from './files.js'
import { removeStaleTemporaryFiles } from './storage/local-storage.js'
import type { FileStorage } from './storage/storage.js'
import { THUMBNAIL_SIZES } from './thumbnails.js'

export interface JanitorOptions {
  db: Db
  files: FileStorage
  changeLog: ChangeLog
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
}

export type AttachmentJanitor = ReturnType<typeof startAttachmentJanitor>

/**
 * Keeps the file store and the attachment rows in step:
 * - `drain` deletes the bytes (and thumbnails) of rows whose deletion has committed, as queued in
 *   `attachment_deletions` by the deleting transaction: after every such write, and on each sweep;
 * - `sweep` also removes what a crash leaves: temporary files of interrupted uploads, stored objects
 *   whose row never committed (older than the grace period), and rows whose bytes or parent are gone
 *   (recorded as `attachment.deleted` like any deletion).
 * It runs at start-up and every `intervalMs`.
 */
export function startAttachmentJanitor({
  db,
  files,
  changeLog,
  logger,
  intervalMs,
  graceS,
  now = () => new Date(),
}: JanitorOptions) {
  const repo = attachmentsRepository(db.kysely, db.dialect)
  let draining: Promise<number> | undefined
  let next: Promise<number> | undefined
  let sweeping: Promise<SweepReport> | undefined

  async function deleteBytes(attachmentId: string, key: string) {
    await files.delete(key)
    for (const size of THUMBNAIL_SIZES) await files.delete(thumbnailKey(attachmentId, size))
  }

  async function drainOnce(): Promise<number> {
    let done = 0
    for (;;) {
      const batch = await repo.pendingDeletions(100)
      let progressed = false
      for (const item of batch) {
        try {
          await deleteBytes(item.attachment_id, item.storage_key)
          await repo.forgetDeletion(item.attachment_id)
          done++
          progressed = true
        } catch (err) {
          logger.warn(
            { err, key: item.storage_key },
            'deleting the bytes of a deleted attachment failed; retried later',
          )
        }
      }
      if (batch.length < 100 || !progressed) return done
    }
  }

  /**
   * Deletes the bytes queued by committed deletions. Runs one at a time; a call while one runs waits for
   * a run that starts after it (shared by every call that came meanwhile), so what it queued is covered.
   */
  function drain(): Promise<number> {
    if (next) return next
    const after = draining ?? Promise.resolve(0)
    next = after
      .catch(() => 0)
      .then(() => {
        next = undefined
        draining = drainOnce().finally(() => {
          draining = undefined
        })
        return draining
      })
    return next
  }

  async function sweepOnce(): Promise<SweepReport> {
    const report: SweepReport = { bytesDeleted: 0, temporaryFilesRemoved: 0, orphanObjectsRemoved: 0, rowsRemoved: 0 }
    report.bytesDeleted = await drain()
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
        await changeLog.write(async (tx) => {
          const r = attachmentsRepository(tx.db, db.dialect)
          const current = await r.findForUpdate(row.id)
          if (!current) return
          await r.delete(current, now().toISOString())
          await tx.record(
            removalChange({
              type: 'attachment.deleted',
              projectId: current.project_id,
              resourceType: 'attachment',
              resourceId: current.id,
              actorId: null,
              previous: toAttachment(current),
            }),
          )
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
      await Promise.allSettled([next, draining, sweeping])
    },
  }
}
