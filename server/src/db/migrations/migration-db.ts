import type { Kysely } from 'kysely'

// Kysely's Migration takes Kysely<any>: a migration runs against the schema as it was, not as it is now.
// biome-ignore lint/suspicious/noExplicitAny: no table interface describes every past schema; Kysely's Migration is typed so.
export type MigrationDb = Kysely<any>
