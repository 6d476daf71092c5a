import type { Kysely } from 'kysely'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import type { Database, InvitationsTable } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'
import type { Invitation } from '../../generated/routes.js'
import type { CursorPosition } from '../../lib/cursor.js'

const toInvitation = (row: InvitationsTable): Invitation => ({
  id: row.id,
  projectId: row.project_id,
  email: row.email,
  role: row.role,
  invitedBy: row.invited_by,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
})

/** Invitations: the only SQL for them, including turning an accepted one into a membership. */
export function invitationsRepository(db: Kysely<Database>) {
  const pending = (now: string) =>
    db
      .selectFrom('invitations')
      .selectAll()
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)

  return {
    /** Stores a new invitation, revoking any pending one for the same address; answers the revoked ids. */
    async replacePending(row: InvitationsTable): Promise<{ invitation: Invitation; revoked: string[] }> {
      assertTransaction(db)
      const pendingForEmail = db
        .selectFrom('invitations')
        .select('id')
        .where('project_id', '=', row.project_id)
        .where('email', '=', row.email)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
      const revoked = (await pendingForEmail.execute()).map((r) => r.id)
      if (revoked.length > 0) {
        await db.updateTable('invitations').set({ revoked_at: row.created_at }).where('id', 'in', revoked).execute()
      }
      await db.insertInto('invitations').values(row).execute()
      return { invitation: toInvitation(row), revoked }
    },

    async listPending(
      projectId: string,
      now: string,
      after: CursorPosition | undefined,
      limit: number,
    ): Promise<Page<Invitation>> {
      const rows = await keyset(
        pending(now).where('project_id', '=', projectId),
        { key: 'id', id: 'id', direction: 'asc' },
        after,
        limit,
      ).execute()
      const page = toPage(rows, limit, (r) => [r.id, r.id])
      return { items: page.items.map(toInvitation), next: page.next }
    },

    async revoke(projectId: string, invitationId: string, now: string): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('invitations')
        .set({ revoked_at: now })
        .where('id', '=', invitationId)
        .where('project_id', '=', projectId)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /**
     * Uses up a pending invitation, answering it (its project and role) or undefined when there is none to
     * use. The conditional update makes the token single-use even under concurrent accepts.
     */
    async consume(tokenHash: string, now: string): Promise<InvitationsTable | undefined> {
      assertTransaction(db)
      const invitation = await db
        .selectFrom('invitations')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      if (!invitation) return undefined
      const used = await db
        .updateTable('invitations')
        .set({ accepted_at: now })
        .where('id', '=', invitation.id)
        .where('accepted_at', 'is', null)
        .executeTakeFirst()
      return Number(used.numUpdatedRows) === 1 ? invitation : undefined
    },
  }
}
