import type { Logger } from 'pino'
import type { Repositories } from '../../write/repositories.js'
import type { Writer } from '../../write/writer.js'

// Other instances' clocks may run behind ours; every poll rereads this much history so that a revocation
// stamped with a slow clock is not skipped. Entries are kept in a map, so rereading costs nothing.
const CLOCK_SKEW_MS = 30_000

/**
 * Which sessions were revoked recently, kept in memory so that checking an access token needs no database
 * round trip. Revocations made here are known at once; those made by other instances sharing the database
 * arrive with the next poll (every `pollMs`). An entry is needed only while access tokens of the session
 * can still be unexpired, so entries and rows older than the access-token lifetime are dropped.
 *
 * Its poll is also the accounts' housekeeping, at start and now and then after: the same write drops the
 * emailed tokens and sign-up requests that can no longer be used (used or expired), and the sessions that
 * ended more than `endedSessionsKeptMs` ago with their refresh tokens. Until then, a refresh token of an ended
 * session is answered for what it is (revoked, expired, reused); after, as unknown (`token_invalid`).
 */
export class RevocationCache {
  private readonly revoked = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private lastPoll = 0

  constructor(
    private readonly repositories: Repositories,
    private readonly writer: Writer,
    private readonly logger: Logger,
    private readonly accessTtlMs: number,
    private readonly pollMs: number,
    private readonly endedSessionsKeptMs: number,
  ) {}

  async start(): Promise<void> {
    await this.poll()
    await this.prune(Date.now()).catch((err) => this.logger.warn({ err }, 'pruning spent auth rows failed'))
    this.timer = setInterval(() => {
      this.poll().catch((err) => this.logger.warn({ err }, 'reading session revocations failed'))
      // Any instance may prune, now and then; deleting rows no instance still needs is idempotent.
      if (Math.random() < 0.05) {
        this.prune(Date.now()).catch((err) => this.logger.warn({ err }, 'pruning spent auth rows failed'))
      }
    }, this.pollMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId)
  }

  /** Records revocations this instance made (already written to the database). */
  add(sessionIds: readonly string[]): void {
    const now = Date.now()
    for (const id of sessionIds) this.revoked.set(id, now)
  }

  private async poll(): Promise<void> {
    const started = Date.now()
    const horizon = this.lastPoll === 0 ? started - this.accessTtlMs - CLOCK_SKEW_MS : this.lastPoll - CLOCK_SKEW_MS
    const rows = await this.repositories.sessions.listRevocationsSince(new Date(horizon).toISOString())
    for (const row of rows)
      if (!this.revoked.has(row.session_id)) this.revoked.set(row.session_id, Date.parse(row.revoked_at))
    this.lastPoll = started
    const expired = started - this.accessTtlMs - 2 * CLOCK_SKEW_MS
    for (const [id, at] of this.revoked) if (at < expired) this.revoked.delete(id)
  }

  /** Deletes revocations older than any access token still unexpired, spent emailed tokens and old ended sessions. */
  private async prune(now: number): Promise<void> {
    const before = new Date(now - this.accessTtlMs - 2 * CLOCK_SKEW_MS).toISOString()
    // Never before every access token of the session has expired, whatever the setting.
    const endedBefore = new Date(Math.min(Date.parse(before), now - this.endedSessionsKeptMs)).toISOString()
    const at = new Date(now).toISOString()
    await this.writer.write(
      async (tx) => {
        await tx.sessions.pruneRevocations(before)
        await tx.sessions.pruneEndedSessions(endedBefore)
        await tx.accounts.pruneEmailTokens(at)
        await tx.signupRequests.prune(at)
      },
      { silent: true },
    )
  }
}
