import { type Migration, PostgresAdapter, sql } from 'kysely'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

const SEARCHABLE = [
  ['tasks', 'description'],
  ['notes', 'body'],
] as const

// SQLite: a row's words go into its full-text index by a statement of the repository's own, in the write
// that inserts or edits the row (db/search.ts, indexForSearch), no longer by a trigger. A statement that
// fires a trigger opens a statement savepoint, and at every savepoint FTS5 writes out the terms it holds
// as a segment of its own, so each write made a segment and merged segments with it (at 100k tasks,
// ~300 µs of each create even when writes commit in groups). Written by a statement of their own, the
// terms of a group of writes go out once, at its commit. Deletes keep their trigger: a project's deletion
// removes its tasks and notes by cascade, which no repository sees.
export const searchIndexWrites: Migration = {
  async up(db: MigrationDb) {
    if (isPostgres(db)) return
    for (const [table] of SEARCHABLE) {
      for (const trigger of ['insert', 'update']) {
        await sql.raw(`drop trigger ${table}_search_${trigger}`).execute(db)
      }
    }
  },
  async down(db: MigrationDb) {
    if (isPostgres(db)) return
    for (const [table, body] of SEARCHABLE) {
      const fts = `${table}_search`
      const row = `new.seq, replace(new.project_id, '_', ''), new.title, coalesce(new.${body}, '')`
      await sql
        .raw(
          `create trigger ${fts}_insert after insert on ${table} begin
             insert into ${fts}(rowid, project, title, ${body}) values (${row});
           end`,
        )
        .execute(db)
      await sql
        .raw(
          `create trigger ${fts}_update after update of title, ${body} on ${table} begin
             delete from ${fts} where rowid = old.seq;
             insert into ${fts}(rowid, project, title, ${body}) values (${row});
           end`,
        )
        .execute(db)
    }
  },
}
