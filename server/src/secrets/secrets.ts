import { hkdfSync, randomBytes } from 'node:crypto'
import type { Db } from '../db/database.js'
import { getOrCreateSecret } from './secrets.repository.js'

/** Keys for signing and MACs, each derived for one purpose from the instance's master secret. */
export interface Secrets {
  /** A 32-byte key for `purpose` ('jwt', 'cursor', …); the same on every instance sharing the database. */
  key(purpose: string): Uint8Array
}

/**
 * The master secret is `SECRET_KEY` when the operator sets one, otherwise a random 256-bit value that the
 * first instance stores in the database. Purposes get independent keys (HKDF-SHA256), so a key leaked from
 * one use cannot forge another.
 */
export async function loadSecrets(db: Db, configured?: string): Promise<Secrets> {
  const master = configured ?? (await getOrCreateSecret(db.kysely, 'master', randomBytes(32).toString('base64url')))
  const cache = new Map<string, Uint8Array>()
  return {
    key(purpose) {
      let key = cache.get(purpose)
      if (!key) {
        key = new Uint8Array(hkdfSync('sha256', master, 'tasklane', purpose, 32))
        cache.set(purpose, key)
      }
      return key
    },
  }
}
