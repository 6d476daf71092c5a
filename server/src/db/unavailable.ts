// SQLSTATEs that say the server or this connection cannot serve now, not that the query is wrong:
// connection exceptions (class 08), shutdown and termination (57P01–57P03), too many connections, and a
// statement cancelled by statement_timeout.
const POSTGRES_UNAVAILABLE = new Set(['53300', '57014', '57P01', '57P02', '57P03'])

// Socket failures on the way to the database server.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

// node-postgres reports lost connections and its own time limits by message only.
const PG_CLIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
]

/**
 * Whether `err` (or an error it wraps) means the database could not be reached or gave up in time: such
 * failures are the database's outage, answered 503 with Retry-After, not a bug answered 500. SQLite's
 * SQLITE_BUSY (another connection held the write lock past busy_timeout) is transient in the same way.
 *
 * @example
 * if (isDatabaseUnavailable(err)) return retryLater()
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') {
      if (code.startsWith('08') && code.length === 5) return true
      if (POSTGRES_UNAVAILABLE.has(code) || NETWORK_CODES.has(code) || code === 'SQLITE_BUSY') return true
    }
    if (PG_CLIENT_MESSAGES.some((m) => e instanceof Error && e.message.startsWith(m))) return true
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true
  }
  return false
}
