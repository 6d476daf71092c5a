import type { Kysely } from 'kysely'
import type { Dialect } from '../db/database.js'
import { instanceAlive } from '../db/instance-presence.js'
import type { Database, IdempotencyKeysTable } from '../db/schema.js'
import { assertTransaction } from '../db/transaction.js'

type IdempotencyRecord = Pick<
  IdempotencyKeysTable,
  'fingerprint' | 'state' | 'status' | 'headers' | 'body' | 'created_at' | 'locked_until' | 'expires_at' | 'holder'
>

/** `claimedAt` identifies this claim: a later takeover of the same key has another. */
export type Claim = { claimed: true; claimedAt: string } | { claimed: false; record: IdempotencyRecord }

export interface ClaimInput {
  principalId: string
  key: string
  fingerprint: string
  now: Date
  lockMs: number
  retainMs: number
  /** The instance making the claim (see db/instance-presence.ts): the claim is held while it runs. */
  holder: string
}

/** Idempotency records: claimed before a request runs, completed in its write, released when it fails. */
export function idempotencyRepository(db: Kysely<Database>, dialect: Dialect) {
  return {
    /**
     * Claims `key` for a request, atomically: the insert wins for exactly one of several concurrent requests
     * (on any instance); the others get the record that won. A record past its retention, or a claim whose
     * request died without finishing, is replaced: died because its instance has ended (free at once), or
     * because its lock ran out (a request stuck that long on a live instance).
     */
    async claimKey(input: ClaimInput): Promise<Claim> {
      assertTransaction(db)
      for (let attempt = 0; attempt < 3; attempt++) {
        const nowIso = input.now.toISOString()
        const inserted = await db
          .insertInto('idempotency_keys')
          .values({
            principal_id: input.principalId,
            key: input.key,
            fingerprint: input.fingerprint,
            state: 'running',
            status: null,
            headers: null,
            body: null,
            created_at: nowIso,
            locked_until: new Date(input.now.getTime() + input.lockMs).toISOString(),
            expires_at: new Date(input.now.getTime() + input.retainMs).toISOString(),
            holder: input.holder,
          })
          .onConflict((oc) => oc.columns(['principal_id', 'key']).doNothing())
          .executeTakeFirst()
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { claimed: true, claimedAt: nowIso }
        const record = await db
          .selectFrom('idempotency_keys')
          .select([
            'fingerprint',
            'state',
            'status',
            'headers',
            'body',
            'created_at',
            'locked_until',
            'expires_at',
            'holder',
          ])
          .where('principal_id', '=', input.principalId)
          .where('key', '=', input.key)
          .executeTakeFirst()
        if (!record) continue // released between our insert and select: try again
        const expired = record.expires_at <= nowIso
        const abandoned =
          record.state === 'running' &&
          (record.locked_until <= nowIso ||
            (record.holder !== null && !(await instanceAlive(db, dialect, input.holder, record.holder))))
        if (!expired && !abandoned) return { claimed: false, record }
        // Only the record we looked at is removed, so two requests replacing the same stale record cannot
        // both win; an abandoned claim only while still running, so a result its request committed
        // meanwhile is kept and replayed.
        let stale = db
          .deleteFrom('idempotency_keys')
          .where('principal_id', '=', input.principalId)
          .where('key', '=', input.key)
          .where('created_at', '=', record.created_at)
        if (!expired) stale = stale.where('state', '=', 'running')
        await stale.execute()
      }
      throw new Error('could not claim the idempotency key')
    },

    /**
     * Stores the response of the claim made at `claimedAt`; false when that claim is no longer ours (its
     * lock ran out and a retry took the key over), in which case nothing is stored.
     */
    async completeKey(
      principalId: string,
      key: string,
      claimedAt: string,
      response: { status: number; headers: string; body: string },
    ): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('idempotency_keys')
        .set({ state: 'done', status: response.status, headers: response.headers, body: response.body })
        .where('principal_id', '=', principalId)
        .where('key', '=', key)
        .where('created_at', '=', claimedAt)
        .where('state', '=', 'running')
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async releaseKey(principalId: string, key: string, claimedAt: string): Promise<void> {
      assertTransaction(db)
      await db
        .deleteFrom('idempotency_keys')
        .where('principal_id', '=', principalId)
        .where('key', '=', key)
        .where('created_at', '=', claimedAt)
        .where('state', '=', 'running')
        .execute()
    },

    async pruneExpiredKeys(now: Date): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now.toISOString()).execute()
    },
  }
}
