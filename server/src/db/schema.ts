// The database's tables as Kysely sees them: one interface per table, each added with its migration.
export interface Database {}
