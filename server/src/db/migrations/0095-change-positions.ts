import { type Migration, PostgresAdapter, sql } from 'kysely'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

// Two things about where a reader of the change log stands.
//
// PostgreSQL: a change's seq is no longer an identity value handed out under a lock that every write of the
// database waited for, but `base + xid × 2^20 + n`, the writing transaction's id and the change's place in
// the write (see `changesRepository`), so concurrent writes no longer queue on one lock. `base` puts every
// new seq above every old one; it never changes afterwards (tests set it to start a log above 2^53).
// SQLite has one writer and keeps its AUTOINCREMENT seq.
//
// Both: where each member's view of a project's log starts (`joined_after`: changes after that seq), so
// someone added later does not read what was written, edited or deleted before they could see it.
export const changePositions: Migration = {
  async up(db: MigrationDb) {
    if (isPostgres(db)) {
      await sql`alter table changes alter column seq drop identity if exists`.execute(db)
      await db.schema
        .createTable('changes_seq_base')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('base', 'bigint', (c) => c.notNull())
        .execute()
      await sql`insert into changes_seq_base (id, base)
        select 1, greatest(coalesce((select max(seq) from changes), 0), (select pruned_through from changes_retention where id = 1)) + 1`.execute(
        db,
      )
    }
    await db.schema
      .alterTable('project_members')
      .addColumn('joined_after', isPostgres(db) ? 'bigint' : 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    // Members who joined within the retained log start at the write that added them (for a project's
    // creator, the one that created it); older members joined before anything retained.
    await sql`update project_members set joined_after = coalesce((
        select max(case when p.seq is not null then p.seq else a.seq end) - 1
          from changes a
          left join changes p on p.project_id = a.project_id and p.type = 'project.created' and p.seq = a.seq - 1
         where a.type = 'member.added' and a.project_id = project_members.project_id
           and a.resource_id = project_members.user_id
      ), 0)`.execute(db)
  },
  async down(db: MigrationDb) {
    await db.schema.alterTable('project_members').dropColumn('joined_after').execute()
    if (isPostgres(db)) {
      await db.schema.dropTable('changes_seq_base').execute()
      await sql`alter table changes alter column seq add generated always as identity`.execute(db)
      await sql`select setval(pg_get_serial_sequence('changes', 'seq'), greatest((select max(seq) from changes), 1))`.execute(
        db,
      )
    }
  },
}
