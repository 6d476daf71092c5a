import type { IdempotencyScope } from '../write/writer.js'

export type Scope = 'read' | 'write'

/**
 * Who is calling: set by the authentication middleware for a valid access token or API key, absent for
 * anonymous requests.
 */
export interface Principal {
  userId: string
  /** The session an access token belongs to. */
  sessionId?: string
  /** The API key used, when the caller authenticated with one. */
  apiKeyId?: string
  /** What the credentials may do: access tokens carry both scopes; API keys the ones they were made with. */
  scopes: readonly Scope[]
  /** When the credentials stop being valid (epoch milliseconds); absent for API keys that never expire. */
  expiresAt?: number
  /**
   * Checks the credentials again (expired, revoked, account deleted?): false once they no longer hold.
   * For whatever keeps the principal past its request, such as an open event stream.
   */
  recheck(): Promise<boolean>
  /**
   * The request's `Idempotency-Key` record, when it sent one: services pass their caller to their write
   * (`ctx.writer.write(fn, { by: caller })`), which completes the record in the same transaction.
   */
  idempotency?: IdempotencyScope
}
