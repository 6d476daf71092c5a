import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.js'

type Db = Kysely<Database>

/** How long a client stays known to an account after its last successful sign-in. */
const KNOWN_FOR_MS = 90 * 86_400_000

/**
 * Whether `client` has signed in to the account with this email before (within KNOWN_FOR_MS). Unknown
 * email: false, the same as an unknown client.
 */
export async function isKnownLoginClient(db: Db, email: string, client: string, now = Date.now()): Promise<boolean> {
  const row = await db
    .selectFrom('login_clients as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select('k.client')
    .where('u.email_normalized', '=', email.toLowerCase())
    .where('k.client', '=', client)
    .where('k.last_success_at', '>=', new Date(now - KNOWN_FOR_MS).toISOString())
    .executeTakeFirst()
  return row !== undefined
}

/** Remembers a successful sign-in of `userId` from `client`. */
export async function rememberLoginClient(db: Db, userId: string, client: string, at: string): Promise<void> {
  await db
    .insertInto('login_clients')
    .values({ user_id: userId, client, last_success_at: at })
    .onConflict((oc) => oc.columns(['user_id', 'client']).doUpdateSet({ last_success_at: at }))
    .execute()
}
