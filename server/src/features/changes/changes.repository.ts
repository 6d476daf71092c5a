import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../../db/database.js'
import type { ChangesTable, Database, ProjectMembersTable } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'

type Role = ProjectMembersTable['role']

export type ChangeRow = Omit<ChangesTable, 'seq'> & { seq: number }
export type NewChangeRow = Omit<ChangesTable, 'seq'>

// Any constant: the first key of the two-key advisory lock, the second being the schema, so apps in
// different schemas of one database (tests, tenants) do not wait on each other.
const CHANGE_LOCK_NAMESPACE = 720_911

/** The change log's SQL. */
export function changesRepository(db: Kysely<Database>, dialect: Dialect) {
  return {
    /**
     * PostgreSQL hands out identity values as they are asked for but makes rows visible as their
     * transactions commit, so seq 41 can appear after 42 has been read past. Holding this lock from the
     * moment a seq is taken until commit makes seq order and commit order the same. SQLite has one writer.
     */
    async lockForAppend(): Promise<void> {
      assertTransaction(db)
      if (dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(${sql.lit(CHANGE_LOCK_NAMESPACE)}, hashtext(current_schema()))`.execute(
          db,
        )
      }
    },

    async append(row: NewChangeRow): Promise<number> {
      assertTransaction(db)
      const { seq } = await db.insertInto('changes').values(row).returning('seq').executeTakeFirstOrThrow()
      return Number(seq)
    },

    /**
     * Changes after `since` that `userId` may see now: their own (`user_id`), and those of projects they
     * are a member of at this moment whose resource type their role may read (`readable`).
     */
    async readVisible(
      userId: string,
      since: number,
      limit: number,
      readable: Record<string, readonly string[]>,
      projectId?: string,
    ): Promise<ChangeRow[]> {
      let q = db
        .selectFrom('changes as c')
        .selectAll('c')
        .where('c.seq', '>', since)
        .where((eb) =>
          eb.or([
            eb('c.user_id', '=', userId),
            eb.and([
              eb('c.user_id', 'is', null),
              eb.exists(
                eb
                  .selectFrom('project_members as m')
                  .select('m.user_id')
                  .whereRef('m.project_id', '=', 'c.project_id')
                  .where('m.user_id', '=', userId)
                  .where((mb) =>
                    mb.or(
                      Object.entries(readable)
                        .filter(([, types]) => types.length > 0)
                        .map(([role, types]) =>
                          mb.and([mb('m.role', '=', role as Role), mb('c.resource_type', 'in', [...types])]),
                        ),
                    ),
                  ),
              ),
            ]),
          ]),
        )
      if (projectId !== undefined) q = q.where('c.project_id', '=', projectId)
      const rows = await q.orderBy('c.seq').limit(limit).execute()
      return rows.map((r) => ({ ...r, seq: Number(r.seq) }))
    },

    async latestSeq(): Promise<number> {
      const row = await db
        .selectFrom('changes')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .executeTakeFirst()
      // Kept rows are all newer than what was pruned; only an emptied log needs the pruning mark.
      if (row?.seq != null) return Number(row.seq)
      return this.prunedThrough()
    },

    async prunedThrough(): Promise<number> {
      const row = await db
        .selectFrom('changes_retention')
        .select('pruned_through')
        .where('id', '=', 1)
        .executeTakeFirst()
      return Number(row?.pruned_through ?? 0)
    },

    /** Deletes changes older than `before`, moving the retention mark past them; returns how many went. */
    async pruneBefore(before: string): Promise<number> {
      assertTransaction(db)
      const row = await db
        .selectFrom('changes')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('created_at', '<', before)
        .executeTakeFirst()
      const through = Number(row?.seq ?? 0)
      if (through === 0) return 0
      const deleted = await db.deleteFrom('changes').where('seq', '<=', through).executeTakeFirst()
      await db
        .updateTable('changes_retention')
        .set({ pruned_through: through })
        .where('id', '=', 1)
        .where('pruned_through', '<', through)
        .execute()
      return Number(deleted.numDeletedRows)
    },
  }
}
