import {
  type ColumnMetadata,
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type Kysely,
  PostgresDialect,
  PostgresIntrospector,
  sql,
  type TableMetadata,
} from 'kysely'

/**
 * Kysely's PostgreSQL dialect, except that introspection (what the Migrator asks to learn whether its
 * tables exist) sees only the connection's own schema.
 *
 * Kysely's own introspector reads the tables of every schema in the database and looks each schema up by
 * name while doing so (`has_schema_privilege(name, …)`, `pg_get_serial_sequence('schema.table', …)`).
 * The catalog rows come from the query's snapshot, the name lookups from the catalog as it is now, so a
 * schema that anyone else drops meanwhile (another app sharing the database, a parallel test) fails the
 * whole query with "schema … does not exist", and with it the migration. Tasklane's tables all live in
 * its own schema; nothing else in the database is its business.
 */
export class OwnSchemaPostgresDialect extends PostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect interface hands the introspector a Kysely<any>
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db)
  }
}

interface ColumnRow {
  column: string
  not_null: boolean
  has_default: boolean
  table: string
  table_type: string
  schema: string
  type: string
  type_schema: string
  column_description: string | null
  auto_incrementing: string | null
}

/** Kysely's introspector with `getTables` (which its `getMetadata` uses) kept to the current schema. */
class OwnSchemaIntrospector extends PostgresIntrospector {
  // biome-ignore lint/suspicious/noExplicitAny: as given by Kysely's Dialect interface
  readonly #db: Kysely<any>

  // biome-ignore lint/suspicious/noExplicitAny: as given by Kysely's Dialect interface
  constructor(db: Kysely<any>) {
    super(db)
    this.#db = db
  }

  /** The tables and views of the connection's current schema, described as Kysely's own introspector does. */
  override async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const internal = options.withInternalKyselyTables
      ? sql`true`
      : sql`c.relname not in (${DEFAULT_MIGRATION_TABLE}, ${DEFAULT_MIGRATION_LOCK_TABLE})`
    // The schema is matched by the current_schema() of this very query, and privileges checked by oid, so
    // no other schema is ever looked up by name. pg_get_serial_sequence runs on this schema's rows only.
    const { rows } = await sql<ColumnRow>`
      select a.attname as "column", a.attnotnull as not_null, a.atthasdef as has_default,
        c.relname as "table", c.relkind as table_type, ns.nspname as "schema",
        typ.typname as "type", dtns.nspname as type_schema,
        col_description(a.attrelid, a.attnum) as column_description,
        pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname) as auto_incrementing
      from pg_catalog.pg_attribute a
        join pg_catalog.pg_class c on a.attrelid = c.oid
        join pg_catalog.pg_namespace ns on c.relnamespace = ns.oid
        join pg_catalog.pg_type typ on a.atttypid = typ.oid
        join pg_catalog.pg_namespace dtns on typ.typnamespace = dtns.oid
      where ns.nspname = current_schema()
        and c.relkind in ('r', 'v', 'p')
        and has_schema_privilege(ns.oid, 'USAGE')
        and a.attnum >= 0
        and not a.attisdropped
        and ${internal}
      order by c.relname, a.attnum
    `.execute(this.#db)
    return toTables(rows)
  }
}

function toTables(rows: ColumnRow[]): TableMetadata[] {
  const tables = new Map<string, TableMetadata & { columns: ColumnMetadata[] }>()
  for (const row of rows) {
    let table = tables.get(row.table)
    if (!table) {
      table = { name: row.table, schema: row.schema, isView: row.table_type === 'v', columns: [] }
      tables.set(row.table, table)
    }
    table.columns.push({
      name: row.column,
      dataType: row.type,
      dataTypeSchema: row.type_schema,
      isNullable: !row.not_null,
      isAutoIncrementing: row.auto_incrementing !== null,
      hasDefaultValue: row.has_default,
      comment: row.column_description ?? undefined,
    })
  }
  return [...tables.values()]
}
