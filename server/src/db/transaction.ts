import type { Queryable } from './database.js'

/**
 * Refuses a write made outside a transaction. Every writing repository method calls it first, so a write
 * that bypasses the write seam (`ctx.writer.write`) fails loudly in tests instead of committing half of
 * what it meant to (the Bluesky PDS's `assertTransaction()` does the same). Reads need no transaction.
 */
export function assertTransaction(db: Queryable): void {
  if (!db.isTransaction) {
    throw new Error('A repository write ran outside a transaction; writes go through ctx.writer.write().')
  }
}
