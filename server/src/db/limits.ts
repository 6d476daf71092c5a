/**
 * The databases' bounds when nothing sets them: the configuration's defaults (DATABASE_CONNECT_TIMEOUT_MS,
 * DATABASE_STATEMENT_TIMEOUT_MS, SQLITE_CACHE_MB) and openDatabase's for callers that pass none, such as tests.
 */
export const DATABASE_LIMIT_DEFAULTS = {
  connectTimeoutMs: 5000,
  statementTimeoutMs: 15_000,
  sqliteCacheMb: 64,
} as const
