import { type Migration, PostgresAdapter, type RawBuilder, sql } from 'kysely'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

// PostgreSQL gets the vocabulary SQLite has had since 0100 (see db/search.ts): a long query word is looked
// up as the OR of the indexed words it begins, which GIN intersects entry by entry, instead of as a prefix,
// whose partial match reads every matching word's whole posting list into a bitmap before it can skip.
// The words are the lexemes of the search vectors themselves (less each row's project lexeme), so that the
// completions of a prefix are exactly the lexemes `prefix:*` matches. "C" collation: a prefix is then a
// range of the primary key. Existing rows are read in batches, so a large table is never held at once.
//
// The GIN indexes also stop keeping a pending list (`fastupdate`): every search that asks an index read all
// of that list, up to gin_pending_list_limit (4 MB) of entries not yet merged (EXPLAIN on the benchmark's
// 100k tasks: 342 buffers and about a millisecond before the first posting), and the write that overflowed
// it merged the whole list. Each write now adds its entries to the index itself.
export const postgresSearchWords: Migration = {
  async up(db: MigrationDb) {
    if (!isPostgres(db)) return
    for (const table of ['tasks', 'notes']) {
      await sql.raw(`alter index ${table}_search set (fastupdate = off)`).execute(db)
      await sql.raw(`select gin_clean_pending_list('${table}_search'::regclass)`).execute(db)
    }
    await sql`create table search_words (word text collate "C" primary key)`.execute(db)
    for (const table of ['tasks', 'notes']) {
      let after: string | null = null
      for (;;) {
        const from: RawBuilder<unknown> = after === null ? sql`` : sql`where id > ${after}`
        const { rows } = await sql<{ last: string | null }>`
          with batch as (
            select id, ts_delete(search_vector, array['#' || project_id]) as vector
            from ${sql.table(table)} ${from} order by id limit 1000),
          added as (
            insert into search_words (word)
            select distinct w.word from batch, unnest(tsvector_to_array(batch.vector)) as w(word)
            order by w.word on conflict do nothing)
          select max(id) as last from batch`.execute(db)
        const last: string | null = rows[0]?.last ?? null
        if (last === null) break
        after = last
      }
    }
  },
  async down(db: MigrationDb) {
    if (!isPostgres(db)) return
    await sql`drop table search_words`.execute(db)
    for (const table of ['tasks', 'notes']) await sql.raw(`alter index ${table}_search reset (fastupdate)`).execute(db)
  },
}
