import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * Returns the stored secret called `name`, storing `candidate` first if there is none. Concurrent first
 * starts agree: the insert is a no-op for all but one, and everyone reads the row that won.
 */
export async function getOrCreateSecret(db: Kysely<Database>, name: string, candidate: string): Promise<string> {
  await db
    .insertInto('server_secrets')
    .values({ name, value: candidate, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow()
  return row.value
}
