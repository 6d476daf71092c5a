import type { Kysely } from 'kysely'

// Kysely's Migration takes Kysely<any>: a migration runs against the schema as it was, not as it is now.
export type MigrationDb = Kysely<any>
