import { type Migration, PostgresAdapter, sql } from 'kysely'
import { indexedWords } from '../../lib/search.js'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

const SEARCHABLE = [
  ['tasks', 'description'],
  ['notes', 'body'],
] as const

// Search reads only the searched project's matches, in an order an index gives (see lib/search.ts): the
// old indexes held every project's rows with no way to tell them apart, so a search in a small project
// read and ranked the matches of every project first. Existing rows are indexed anew.
//
// SQLite: FTS5 tables whose rows carry their project as a token, prefix indexes for words typed so far,
// and a vocabulary that longer words are completed from. PostgreSQL: each search vector gets a lexeme for
// its project (`#prj_…`, which no query word can match), and an index walks a project's rows newest first.
export const searchByProject: Migration = {
  async up(db: MigrationDb) {
    if (isPostgres(db)) {
      for (const [table] of SEARCHABLE) {
        await sql
          .raw(`update ${table} set search_vector = search_vector || array_to_tsvector(array['#' || project_id])`)
          .execute(db)
        await sql.raw(`create index ${table}_by_id on ${table} (project_id, id)`).execute(db)
      }
      return
    }
    await sql`create table search_words (word text primary key) without rowid`.execute(db)
    for (const [table, body] of SEARCHABLE) {
      for (const trigger of ['insert', 'delete', 'update']) {
        await sql.raw(`drop trigger if exists ${table}_fts_${trigger}`).execute(db)
      }
      await sql.raw(`drop table if exists ${table}_fts`).execute(db)
      const fts = `${table}_search`
      await sql
        .raw(
          `create virtual table ${fts} using fts5(project, title, ${body}, content='', contentless_delete=1, prefix='1 2 3', tokenize='unicode61 remove_diacritics 2')`,
        )
        .execute(db)
      const row = (of: 'new' | 't') =>
        `${of}.seq, replace(${of}.project_id, '_', ''), ${of}.title, coalesce(${of}.${body}, '')`
      await sql
        .raw(
          `create trigger ${fts}_insert after insert on ${table} begin
             insert into ${fts}(rowid, project, title, ${body}) values (${row('new')});
           end`,
        )
        .execute(db)
      await sql
        .raw(
          `create trigger ${fts}_delete after delete on ${table} begin
             delete from ${fts} where rowid = old.seq;
           end`,
        )
        .execute(db)
      await sql
        .raw(
          `create trigger ${fts}_update after update of title, ${body} on ${table} begin
             delete from ${fts} where rowid = old.seq;
             insert into ${fts}(rowid, project, title, ${body}) values (${row('new')});
           end`,
        )
        .execute(db)
      await sql.raw(`insert into ${fts}(rowid, project, title, ${body}) select ${row('t')} from ${table} t`).execute(db)
      // One segment for what was there, as if the index had been built over time and merged.
      await sql.raw(`insert into ${fts}(${fts}) values ('optimize')`).execute(db)
      // The vocabulary, in batches so that a large table is never held in memory at once.
      let after = -1
      for (;;) {
        const batch = await sql<{ seq: number; title: string; body: string | null }>`
          select seq, title, ${sql.ref(body)} as body from ${sql.table(table)} where seq > ${after} order by seq limit 1000`.execute(
          db,
        )
        if (batch.rows.length === 0) break
        const words = indexedWords(...batch.rows.flatMap((r) => [r.title, r.body]))
        await sql`insert or ignore into search_words (word) select value from json_each(${JSON.stringify(words)})`.execute(
          db,
        )
        after = (batch.rows.at(-1) as { seq: number }).seq
      }
    }
  },
  async down(db: MigrationDb) {
    if (isPostgres(db)) {
      for (const [table] of SEARCHABLE) {
        await sql.raw(`drop index ${table}_by_id`).execute(db)
        await sql
          .raw(`update ${table} set search_vector = ts_delete(search_vector, array['#' || project_id])`)
          .execute(db)
      }
      return
    }
    for (const [table] of SEARCHABLE) await sql.raw(`drop table if exists ${table}_search`).execute(db)
    await sql`drop table search_words`.execute(db)
  },
}
