import type { Queryable } from '../../db/database.js'
import { assertTransaction } from '../../db/transaction.js'

/** How long a client stays known to an account after its last successful sign-in. */
const KNOWN_FOR_MS = 90 * 86_400_000

/**
 * Where each account has signed in from with its password (see migration 0080): a client known to an
 * account is exempt from the account-wide login ceiling and goes first in the hashing queue.
 */
export function loginClientsRepository(db: Queryable) {
  return {
    /** Whether `client` signed in to the account with this email within KNOWN_FOR_MS; false for an unknown email. */
    async isKnown(email: string, client: string, now = Date.now()): Promise<boolean> {
      const row = await db
        .selectFrom('login_clients as k')
        .innerJoin('users as u', 'u.id', 'k.user_id')
        .select('k.client')
        .where('u.email_normalized', '=', email.toLowerCase())
        .where('k.client', '=', client)
        .where('k.last_success_at', '>=', new Date(now - KNOWN_FOR_MS).toISOString())
        .executeTakeFirst()
      return row !== undefined
    },

    /** Remembers a successful sign-in of `userId` from `client`. */
    async remember(userId: string, client: string, at: string): Promise<void> {
      assertTransaction(db)
      await db
        .insertInto('login_clients')
        .values({ user_id: userId, client, last_success_at: at })
        .onConflict((oc) => oc.columns(['user_id', 'client']).doUpdateSet({ last_success_at: at }))
        .execute()
    },
  }
}
