import type { Kysely, Selectable } from 'kysely'
import type { AuthFlowsTable, AuthIdentitiesTable, Database, ReauthenticationsTable } from '../../../db/schema.js'
import { assertTransaction } from '../../../db/transaction.js'

type Db = Kysely<Database>
export type IdentityRow = Selectable<AuthIdentitiesTable>
export type FlowRow = Selectable<AuthFlowsTable>

/** Provider identities of accounts, and provider sign-ins in progress. */
export function identitiesRepository(db: Db) {
  return {
    findIdentity: (provider: string, subject: string) =>
      db
        .selectFrom('auth_identities')
        .selectAll()
        .where('provider', '=', provider)
        .where('subject', '=', subject)
        .executeTakeFirst(),

    findIdentityOfUser: (userId: string, id: string) =>
      db
        .selectFrom('auth_identities')
        .selectAll()
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst(),

    listIdentities(userId: string, limit: number, before?: string) {
      let query = db.selectFrom('auth_identities').selectAll().where('user_id', '=', userId)
      if (before) query = query.where('id', '<', before)
      return query.orderBy('id', 'desc').limit(limit).execute()
    },

    /** The providers the user can sign in with; a user's rows are few, so all of them are read. */
    async providersOfUser(userId: string): Promise<string[]> {
      const rows = await db.selectFrom('auth_identities').select('provider').where('user_id', '=', userId).execute()
      return rows.map((r) => r.provider)
    },

    async insertIdentity(row: IdentityRow): Promise<void> {
      assertTransaction(db)
      await db.insertInto('auth_identities').values(row).execute()
    },

    async touchIdentity(id: string, email: string | null, now: string): Promise<void> {
      assertTransaction(db)
      await db.updateTable('auth_identities').set({ last_used_at: now, email }).where('id', '=', id).execute()
    },

    async deleteIdentity(id: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('auth_identities').where('id', '=', id).execute()
    },

    async insertFlow(row: FlowRow): Promise<void> {
      assertTransaction(db)
      await db.insertInto('auth_flows').values(row).execute()
    },

    findFlowByState: (stateHash: string) =>
      db.selectFrom('auth_flows').selectAll().where('state_hash', '=', stateHash).executeTakeFirst(),

    findFlowByExchange: (exchangeHash: string) =>
      db.selectFrom('auth_flows').selectAll().where('exchange_hash', '=', exchangeHash).executeTakeFirst(),

    /**
     * Records the provider's answer on a flow that has none yet; false when another callback came first
     * (a replayed redirect), so each state is answered once.
     */
    async recordCallback(
      stateHash: string,
      answer: { params: string; exchangeHash: string | null; exchangeExpiresAt: string | null; usedAt: string | null },
    ): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('auth_flows')
        .set({
          callback_params: answer.params,
          exchange_hash: answer.exchangeHash,
          exchange_expires_at: answer.exchangeExpiresAt,
          used_at: answer.usedAt,
        })
        .where('state_hash', '=', stateHash)
        .where('callback_params', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Uses up a flow's exchange code; false when it was used already (the compare-and-set that makes it single-use). */
    async useFlow(stateHash: string, now: string): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('auth_flows')
        .set({ used_at: now })
        .where('state_hash', '=', stateHash)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async pruneFlows(before: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('auth_flows').where('expires_at', '<', before).execute()
    },

    async recordSessionProvider(sessionId: string, provider: string): Promise<void> {
      assertTransaction(db)
      await db.insertInto('session_providers').values({ session_id: sessionId, provider }).execute()
    },

    /** The provider each of these sessions was started with; sessions started with a password are absent. */
    async providersOfSessions(sessionIds: readonly string[]): Promise<Map<string, string>> {
      if (sessionIds.length === 0) return new Map()
      const rows = await db
        .selectFrom('session_providers')
        .select(['session_id', 'provider'])
        .where('session_id', 'in', sessionIds)
        .execute()
      return new Map(rows.map((r) => [r.session_id, r.provider]))
    },

    /** The user's live sessions started with `provider`. */
    async sessionsOfProvider(userId: string, provider: string, now: string): Promise<string[]> {
      const rows = await db
        .selectFrom('session_providers')
        .innerJoin('sessions', 'sessions.id', 'session_providers.session_id')
        .select('sessions.id')
        .where('sessions.user_id', '=', userId)
        .where('session_providers.provider', '=', provider)
        .where('sessions.revoked_at', 'is', null)
        .where('sessions.expires_at', '>', now)
        .execute()
      return rows.map((r) => r.id)
    },

    /** Live sessions started with a provider not in `enabled`, with their users. */
    sessionsOfOtherProviders(enabled: readonly string[], now: string) {
      let query = db
        .selectFrom('session_providers')
        .innerJoin('sessions', 'sessions.id', 'session_providers.session_id')
        .select(['sessions.id', 'sessions.user_id'])
        .where('sessions.revoked_at', 'is', null)
        .where('sessions.expires_at', '>', now)
      if (enabled.length > 0) query = query.where('session_providers.provider', 'not in', enabled)
      return query.execute()
    },

    async insertReauthentication(row: Selectable<ReauthenticationsTable>): Promise<void> {
      assertTransaction(db)
      await db.insertInto('reauthentications').values(row).execute()
    },

    /** Uses up a live re-authentication of `userId`; false when unknown, another user's, used or expired. */
    async useReauthentication(tokenHash: string, userId: string, now: string): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('reauthentications')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
  }
}
