/**
 * A service the server depends on (PostgreSQL, Redis) cannot be reached at start-up. The message is one
 * line for the operator, naming the dependency and the setting that points at it; the CLI prints it
 * without a stack trace.
 *
 * @example
 * throw new DependencyError('Redis at 127.0.0.1:6379 did not answer within 1000 ms (REDIS_URL)')
 */
export class DependencyError extends Error {
  override name = 'DependencyError'
}

/** `url` without its credentials, for messages: `postgres://db.internal:5432/tasklane`. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return '(unparsable URL)'
  }
}
