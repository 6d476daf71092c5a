import type { Dialect, Queryable } from '../../db/database.js'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import type { NotificationReason, NotificationsTable } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'
import type { Notification, NotificationPreferences } from '../../generated/routes.js'
import type { CursorPosition } from '../../lib/cursor.js'

export const REASONS: readonly NotificationReason[] = ['assigned', 'mentioned', 'commented', 'invited']

export const toNotification = (row: NotificationsTable): Notification => ({
  id: row.id,
  reason: row.reason,
  projectId: row.project_id,
  taskId: row.task_id,
  commentId: row.comment_id,
  invitationId: row.invitation_id,
  actorId: row.actor_id,
  title: row.title,
  count: row.count,
  readAt: row.read_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export interface Channels {
  inApp: boolean
  email: boolean
}

/** A task as notifications need it: who to tell, and what to call it. */
export interface TaskFacts {
  id: string
  projectId: string
  title: string
  createdBy: string
  assigneeId: string | null
}

/** An email that is due: the notification, its recipient's address and the actor's and project's names. */
export interface DueEmail {
  notification: NotificationsTable
  to: string
  actorName: string | null
  projectName: string
}

/** Notifications and notification preferences: the only SQL for them. */
export function notificationsRepository(db: Queryable, dialect: Dialect) {
  /**
   * Notifications are shown only while their recipient can still see where they happened: a member of
   * the project, or anyone for an invitation (the invitee is not a member yet).
   */
  const visible = (userId: string) =>
    db
      .selectFrom('notifications as n')
      .where('n.user_id', '=', userId)
      .where((eb) =>
        eb.or([
          eb('n.reason', '=', 'invited'),
          eb.exists(
            eb
              .selectFrom('project_members as m')
              .select('m.user_id')
              .whereRef('m.project_id', '=', 'n.project_id')
              .whereRef('m.user_id', '=', 'n.user_id'),
          ),
        ]),
      )

  const find = (userId: string, notificationId: string): Promise<NotificationsTable | undefined> =>
    visible(userId).selectAll('n').where('n.id', '=', notificationId).executeTakeFirst()

  return {
    /** Deletes the notifications about an invitation; answers them as they were. */
    async deleteForInvitation(invitationId: string): Promise<{ id: string; user_id: string; project_id: string }[]> {
      assertTransaction(db)
      const rows = await db
        .selectFrom('notifications')
        .select(['id', 'user_id', 'project_id'])
        .where('invitation_id', '=', invitationId)
        .execute()
      if (rows.length > 0) {
        await db
          .deleteFrom('notifications')
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute()
      }
      return rows
    },

    async preferences(userId: string): Promise<NotificationPreferences> {
      const rows = await db.selectFrom('notification_preferences').selectAll().where('user_id', '=', userId).execute()
      const prefs = Object.fromEntries(REASONS.map((r) => [r, { inApp: true, email: true }])) as NotificationPreferences
      for (const row of rows) prefs[row.reason] = { inApp: row.in_app === 1, email: row.email === 1 }
      return prefs
    },

    async preferenceFor(userId: string, reason: NotificationReason): Promise<Channels> {
      const row = await db
        .selectFrom('notification_preferences')
        .select(['in_app', 'email'])
        .where('user_id', '=', userId)
        .where('reason', '=', reason)
        .executeTakeFirst()
      return row ? { inApp: row.in_app === 1, email: row.email === 1 } : { inApp: true, email: true }
    },

    /** Sets the channels given for one reason, leaving the other as it is (on by default), in one statement. */
    async savePreference(userId: string, reason: NotificationReason, change: Partial<Channels>): Promise<void> {
      assertTransaction(db)
      const set = {
        ...(change.inApp === undefined ? {} : { in_app: change.inApp ? 1 : 0 }),
        ...(change.email === undefined ? {} : { email: change.email ? 1 : 0 }),
      }
      await db
        .insertInto('notification_preferences')
        .values({ user_id: userId, reason, in_app: 1, email: 1, ...set })
        .onConflict((oc) => oc.columns(['user_id', 'reason']).doUpdateSet(set))
        .execute()
    },

    async userIdByEmail(emailNormalized: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('users')
        .select('id')
        .where('email_normalized', '=', emailNormalized)
        .executeTakeFirst()
      return row?.id
    },

    async task(taskId: string): Promise<TaskFacts | undefined> {
      const row = await db
        .selectFrom('tasks')
        .select(['id', 'project_id', 'title', 'created_by', 'assignee_id'])
        .where('id', '=', taskId)
        .executeTakeFirst()
      return (
        row && {
          id: row.id,
          projectId: row.project_id,
          title: row.title,
          createdBy: row.created_by,
          assigneeId: row.assignee_id,
        }
      )
    },

    async projectName(projectId: string): Promise<string | undefined> {
      const row = await db.selectFrom('projects').select('name').where('id', '=', projectId).executeTakeFirst()
      return row?.name
    },

    /**
     * Starts a thread, or bumps the recipient's unread one on the same subject and reason: one more in
     * `count`, the latest actor, comment, invitation and title, a new `updated_at`. The unique index on
     * unread threads makes this one atomic statement, so concurrent events never make two threads.
     */
    async upsert(row: NotificationsTable): Promise<NotificationsTable> {
      assertTransaction(db)
      return db
        .insertInto('notifications')
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(['user_id', 'reason', 'subject'])
            .where('read_at', 'is', null)
            .doUpdateSet((eb) => ({
              count: eb('notifications.count', '+', 1),
              actor_id: eb.ref('excluded.actor_id'),
              comment_id: eb.ref('excluded.comment_id'),
              invitation_id: eb.ref('excluded.invitation_id'),
              title: eb.ref('excluded.title'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
        )
        .returningAll()
        .executeTakeFirstOrThrow()
    },

    async list(
      userId: string,
      unread: boolean | undefined,
      after: CursorPosition | undefined,
      limit: number,
    ): Promise<Page<NotificationsTable>> {
      let query = visible(userId).selectAll('n')
      if (unread !== undefined) query = query.where('n.read_at', unread ? 'is' : 'is not', null)
      const rows = await keyset(query, { key: 'n.updated_at', id: 'n.id', direction: 'desc' }, after, limit).execute()
      return toPage(rows, limit, (r) => [r.updated_at, r.id])
    },

    async unreadCount(userId: string): Promise<number> {
      const row = await visible(userId)
        .where('n.read_at', 'is', null)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow()
      return Number(row.count)
    },

    find,

    /** Marks one unread notification read (and cancels its email); answers it if it was unread. */
    async markRead(userId: string, notificationId: string, at: string): Promise<NotificationsTable | undefined> {
      assertTransaction(db)
      return db
        .updateTable('notifications')
        .set({ read_at: at, email_due_at: null })
        .where('id', '=', notificationId)
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .returningAll()
        .executeTakeFirst()
    },

    /** Marks read every unread notification updated at or before `before`; answers those it marked. */
    async markAllRead(userId: string, before: string, at: string): Promise<NotificationsTable[]> {
      assertTransaction(db)
      return db
        .updateTable('notifications')
        .set({ read_at: at, email_due_at: null })
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .where('updated_at', '<=', before)
        .returningAll()
        .execute()
    },

    /**
     * Takes up to `limit` due emails off the queue and answers those that should go out: still unread,
     * the recipient still wants email for the reason, and can still see the project (or was invited).
     * Every row taken is cleared from the queue, sent or not, in the transaction that claims it; on
     * PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances run this at once, each row going to one.
     * The caller sends after the commit, so an email goes out at most once.
     */
    async claimDueEmails(now: string, limit: number): Promise<DueEmail[]> {
      assertTransaction(db)
      let due = db
        .selectFrom('notifications')
        .select('id')
        .where('email_due_at', '<=', now)
        .where('read_at', 'is', null)
        .orderBy('email_due_at')
        .limit(limit)
      if (dialect === 'postgres') due = due.forUpdate().skipLocked()
      const ids = (await due.execute()).map((r) => r.id)
      if (ids.length === 0) return []
      const rows = await db
        .selectFrom('notifications as n')
        .innerJoin('users as u', 'u.id', 'n.user_id')
        .innerJoin('projects as p', 'p.id', 'n.project_id')
        .leftJoin('users as a', 'a.id', 'n.actor_id')
        .leftJoin('notification_preferences as pref', (join) =>
          join.onRef('pref.user_id', '=', 'n.user_id').onRef('pref.reason', '=', 'n.reason'),
        )
        .selectAll('n')
        .select(['u.email as to', 'a.name as actor_name', 'p.name as project_name', 'pref.email as wants_email'])
        .select((eb) =>
          eb
            .exists(
              eb
                .selectFrom('project_members as m')
                .select('m.user_id')
                .whereRef('m.project_id', '=', 'n.project_id')
                .whereRef('m.user_id', '=', 'n.user_id'),
            )
            .as('is_member'),
        )
        .where('n.id', 'in', ids)
        .execute()
      const send = rows.filter((r) => r.wants_email !== 0 && (r.reason === 'invited' || Boolean(r.is_member)))
      const sentIds = new Set(send.map((r) => r.id))
      await db.updateTable('notifications').set({ email_due_at: null }).where('id', 'in', ids).execute()
      if (sentIds.size > 0) {
        await db
          .updateTable('notifications')
          .set({ emailed_at: now })
          .where('id', 'in', [...sentIds])
          .execute()
      }
      return send.map(({ to, actor_name, project_name, wants_email: _w, is_member: _m, ...notification }) => ({
        notification,
        to,
        actorName: actor_name,
        projectName: project_name,
      }))
    },
  }
}
