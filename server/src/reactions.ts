import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { ChangeAnnouncer } from './db/change-announcer.js'
import { PARENT_DELETIONS, removeFilesOfDeleted } from './features/attachments/attachments.reactions.js'
import { pruneChanges } from './features/changes/change-log.js'
import { tombstoneTaskComments } from './features/comments/comments.reactions.js'
import type { ChangeSignal } from './features/events/change-signal.js'
import { createNotifier, NOTIFYING_CHANGES } from './features/notifications/notifications.reactions.js'
import { unassignRemovedMember } from './features/tasks/tasks.reactions.js'
import { deliverToWebhooks } from './features/webhooks/webhook-fanout.js'
import type { Reactions, Writer } from './write/writer.js'

export interface ReactionDeps {
  config: Config
  changeSignal: ChangeSignal
  /** Tells other instances on the database that a write committed (PostgreSQL NOTIFY, after the commit). */
  announcer: ChangeAnnouncer
  logger: Logger
  now: () => Date
  /** Prune the change log after this many committed writes (one indexed delete; no timer to stop). */
  pruneEvery?: number
  /** Deletes the bytes of deleted attachments once their deletion has committed (attachments.reactions.ts). */
  attachmentBytes: { noteDeletion(): Promise<void>; afterCommit(writer: Writer): void }
}

/**
 * Everything a write sets off, in order, in one list: what runs inside the write's transaction for each
 * kind of change (and so commits or rolls back with it), then what runs once it has committed. A change
 * recorded by a reaction gets its own reactions, depth first. A new reaction is a new entry here.
 */
export function createReactions({
  config,
  changeSignal,
  announcer,
  logger,
  now,
  pruneEvery = 1000,
  attachmentBytes,
}: ReactionDeps): Reactions {
  let sincePrune = 0
  return {
    inTransaction: [
      {
        // A new member reads the project's log from the write that added them: nothing written, edited or
        // deleted before they could see it.
        name: "start a new member's view of the project's changes",
        on: ['member.added'],
        run: (tx, change) =>
          change.projectId === null
            ? Promise.resolve()
            : tx.changes.startMemberView(change.projectId, change.resourceId),
      },
      {
        name: "unassign a removed member's tasks",
        on: ['member.removed'],
        run: unassignRemovedMember(now),
      },
      {
        name: "tombstone a deleted task's comments",
        on: ['task.deleted'],
        run: tombstoneTaskComments,
      },
      {
        // After the comments' tombstones, whose own files go by this same entry.
        name: "remove a deleted task's, note's, comment's or project's files",
        on: PARENT_DELETIONS,
        run: removeFilesOfDeleted(now),
      },
      {
        name: 'queue the bytes of deleted attachments for after the commit',
        on: ['attachment.deleted'],
        run: () => attachmentBytes.noteDeletion(),
      },
      {
        name: 'notify the people a change concerns',
        on: NOTIFYING_CHANGES,
        run: createNotifier({ now, emailDelayS: config.NOTIFICATION_EMAIL_DELAY_S }),
      },
      {
        // Stored and queued in the write's transaction: a change that commits is never lost to a receiver.
        name: "deliver the change to its project's webhook endpoints",
        on: 'every change',
        run: deliverToWebhooks,
      },
    ],
    afterCommit: [
      {
        name: "wake this instance's event streams",
        run: (lastSeq) => changeSignal.committed(lastSeq),
      },
      {
        // After the commit, not inside it: PostgreSQL serialises notifying commits (see change-announcer.ts).
        name: 'announce the write to other instances',
        run: (_lastSeq, _writer, firstSeq) => announcer.committed(firstSeq),
      },
      {
        name: 'delete the bytes of attachments whose deletion committed',
        run: (_lastSeq, writer) => attachmentBytes.afterCommit(writer),
      },
      {
        name: 'prune the change log now and then',
        run: (_lastSeq, writer) => {
          if (++sincePrune < pruneEvery) return
          sincePrune = 0
          pruneChanges(writer, config.CHANGES_RETENTION_S, now).catch((err) =>
            logger.warn({ err }, 'pruning the change log failed'),
          )
        },
      },
    ],
  }
}
