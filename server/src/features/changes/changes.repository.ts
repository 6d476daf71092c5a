import { type Expression, type Kysely, sql } from 'kysely'
import type { Dialect } from '../../db/database.js'
import { compiledOnce } from '../../db/prepared.js'
import type { ChangesTable, Database, ProjectMembersTable } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'

type Role = ProjectMembersTable['role']

/** A stored change with its seq as text: seqs are 64-bit and may exceed 2^53. */
export type ChangeRow = Omit<ChangesTable, 'seq'> & { seq: string }
export type NewChangeRow = Omit<ChangesTable, 'seq'>

/**
 * How many changes one write may record on PostgreSQL: a seq is `base + xid × 2^20 + n` with `n` the
 * change's place in its write. Leaves 2^43 transaction ids before a seq passes 2^63.
 */
const CHANGES_PER_WRITE = 1_048_576

/** A change's columns as `appendRow` takes them. */
const APPENDED = [
  'project_id',
  'user_id',
  'type',
  'resource_type',
  'resource_id',
  'version',
  'actor_id',
  'data',
  'created_at',
] as const satisfies readonly (keyof NewChangeRow)[]

/**
 * SQLite: every write appends, so the statements are compiled once rather than on each write's transaction.
 *
 * The seq is read with a statement of its own rather than `RETURNING`: an insert with `RETURNING` makes
 * every FTS5 table the transaction has written flush its pending terms to a new segment there and then, and
 * a change is appended right after the write's indexed rows, so each append paid an extra FTS5 flush (an
 * append took ~130 µs after an indexed insert, ~11 µs without RETURNING). `last_insert_rowid()` is the
 * connection's, and nothing else runs on the connection between the two: the write's transaction holds it.
 */
const appendRow = compiledOnce((db: Kysely<Database>, ...values: (string | number | null)[]) =>
  db.insertInto('changes').values(Object.fromEntries(APPENDED.map((column, i) => [column, values[i]])) as NewChangeRow),
)
// As text: a seq may pass 2^53.
const appendedSeq = compiledOnce((db: Kysely<Database>) =>
  db.selectNoFrom(sql<string>`cast(last_insert_rowid() as text)`.as('seq')),
)

/**
 * The change log's SQL.
 *
 * Readers must never skip a change: once one has read past a seq, no change with a smaller seq may appear.
 * SQLite has one writer, so seqs commit in order. PostgreSQL runs writes side by side and makes a row
 * visible when its transaction commits, so a seq taken first may commit last. There, a seq is derived from
 * the writing transaction's id (`base + xid × 2^20 + n`), and readers see only changes of transactions
 * older than every change-recording write of this app still open on the schema (see `horizonValue`): those
 * below have ended, so nothing can still appear there, and every write that has not ended (or not begun)
 * has a larger id, so its seqs come later. Writes take no common lock; the price is that a change becomes
 * readable once every change-recording write that began before it has ended (they are short).
 */
export function changesRepository(db: Kysely<Database>, dialect: Dialect) {
  const pg = dialect === 'postgres'
  /**
   * PostgreSQL: a seq below which every change is final, as a value for the next statement. The oldest
   * transaction id still held by a write of this app on this schema that may record changes
   * (`application_name` with `:w`, see openDatabase and `markWriter`), or failing one, the next id to be assigned: every write transaction with a smaller id
   * has either ended before this statement returns, so the next statement's snapshot sees it, or wrote no
   * change. Read in a statement of its own, before the rows, for that reason; transactions of other
   * databases and apps on the cluster do not hold readers back. `backend_xid` is 32 bits: it is placed in
   * the epoch nearest the snapshot's `xmax`. pg_stat_activity is read after the snapshot is taken, so it can
   * show a write that took its id since, just above `xmax`: that one counts as at or above `xmax` (and so
   * does not lower the horizon), never as an id of the previous epoch, which put the horizon 2^32 ids back
   * and made a read find nothing at all while other reads had already seen past it.
   */
  const horizonValue = async (): Promise<string> => {
    const { rows } = await sql<{ h: string }>`
      select cast(b.base + least(s.xmax, coalesce(min(
               case when w.x - s.xmax % 4294967296 > 2147483648 then s.xmax - s.xmax % 4294967296 - 4294967296 + w.x
                    when s.xmax % 4294967296 - w.x > 2147483648 then s.xmax - s.xmax % 4294967296 + 4294967296 + w.x
                    else s.xmax - s.xmax % 4294967296 + w.x end), s.xmax)) * ${sql.lit(CHANGES_PER_WRITE)} as text) as h
        from (select pg_snapshot_xmax(pg_current_snapshot())::text::bigint as xmax) s
        cross join changes_seq_base b
        left join (select a.backend_xid::text::bigint as x from pg_stat_activity a
                    where a.application_name = regexp_replace(current_setting('application_name'), ':w$', '') || ':w'
                      and a.datname = current_database() and a.backend_xid is not null) w on true
       where b.id = 1
       group by b.base, s.xmax`.execute(db)
    return rows[0]?.h as string
  }
  const seqText = sql<string>`cast(c.seq as text)`
  const changeColumns = [
    seqText.as('seq'),
    'c.project_id',
    'c.user_id',
    'c.type',
    'c.resource_type',
    'c.resource_id',
    'c.version',
    'c.actor_id',
    'c.data',
    'c.created_at',
  ] as const
  /** The first seq this transaction appended (the repository is built once per write's transaction). */
  let firstAppended: bigint | undefined

  return {
    /**
     * PostgreSQL: marks this transaction as one that may record changes (its connection's
     * `application_name` gets `:w` until it ends), before it holds a transaction id, so that readers wait
     * for it and not for silent writes. Nothing to do on SQLite.
     */
    async markWriter(): Promise<void> {
      assertTransaction(db)
      if (pg)
        await sql`select set_config('application_name', current_setting('application_name') || ':w', true)`.execute(db)
    },

    /**
     * Appends a change; `n` is its place among the changes of this write (0, 1, …), which on PostgreSQL
     * makes its seq after every seq its write took before.
     */
    async append(row: NewChangeRow, n: number): Promise<bigint> {
      assertTransaction(db)
      if (n >= CHANGES_PER_WRITE) throw new Error(`A write may record at most ${CHANGES_PER_WRITE} changes.`)
      let seq: bigint
      if (pg) {
        const values: NewChangeRow & { seq: Expression<string> } = {
          ...row,
          seq: sql<string>`(select b.base + pg_current_xact_id()::text::bigint * ${sql.lit(CHANGES_PER_WRITE)} + ${sql.lit(n)} from changes_seq_base b where b.id = 1)`,
        }
        const inserted = await db
          .insertInto('changes')
          .values(values)
          .returning(sql<string>`cast(seq as text)`.as('seq'))
          .executeTakeFirstOrThrow()
        seq = BigInt(inserted.seq)
      } else {
        await appendRow(db, ...APPENDED.map((column) => row[column]))
        const { rows } = await appendedSeq(db)
        seq = BigInt((rows[0] as { seq: string }).seq)
      }
      firstAppended ??= seq
      return seq
    },

    /**
     * Starts `userId`'s view of the project's log at the write recording this (which has appended a change
     * already): someone added to a project reads its changes from the write that added them on, not what
     * was written, edited or deleted before.
     */
    async startMemberView(projectId: string, userId: string): Promise<void> {
      assertTransaction(db)
      if (firstAppended === undefined) throw new Error('A member view starts at a write that recorded a change.')
      await db
        .updateTable('project_members')
        .set({ joined_after: String(firstAppended - 1n) })
        .where('project_id', '=', projectId)
        .where('user_id', '=', userId)
        .execute()
    },

    /**
     * Changes after `since` that `userId` may see now: their own (`user_id`), and those of projects they
     * are a member of at this moment, written since they joined, whose resource type their role may read
     * (`readable`). With `through`, only up to that seq, which the caller vouches is final (no change at or
     * below it can still appear).
     */
    async readVisible(
      userId: string,
      since: bigint,
      limit: number,
      readable: Record<string, readonly string[]>,
      projectId?: string,
      through?: bigint,
    ): Promise<ChangeRow[]> {
      let q = db
        .selectFrom('changes as c')
        .select(changeColumns)
        .where('c.seq', '>', String(since))
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
                  .whereRef('c.seq', '>', 'm.joined_after')
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
      // Through a seq the caller knows is final (an earlier read reached it), no horizon is needed.
      if (through !== undefined) q = q.where('c.seq', '<=', String(through))
      else if (pg) q = q.where('c.seq', '<', await horizonValue())
      if (projectId !== undefined) q = q.where('c.project_id', '=', projectId)
      return q.orderBy('c.seq').limit(limit).execute()
    },

    /**
     * Every change after `since`, in seq order, as far as they are final (see `readVisible`), whoever may see
     * them: what an instance's event streams share (see `createStreamHub`), filtered in memory.
     */
    async readAfter(since: bigint, limit: number): Promise<ChangeRow[]> {
      let q = db.selectFrom('changes as c').select(changeColumns).where('c.seq', '>', String(since))
      if (pg) q = q.where('c.seq', '<', await horizonValue())
      return q.orderBy('c.seq').limit(limit).execute()
    },

    /**
     * A project's changes after `since` that no single user owns, in seq order, as far as they are final
     * (for a webhook replay; see `readVisible`).
     */
    async projectChangesAfter(projectId: string, since: bigint, limit: number): Promise<ChangeRow[]> {
      let q = db
        .selectFrom('changes as c')
        .select(changeColumns)
        .where('c.project_id', '=', projectId)
        .where('c.user_id', 'is', null)
        .where('c.seq', '>', String(since))
      if (pg) q = q.where('c.seq', '<', await horizonValue())
      return q.orderBy('c.seq').limit(limit).execute()
    },

    /**
     * The newest seq committed (inside a write: including the write's own). No answer has given a position
     * past it.
     */
    async latestSeq(): Promise<bigint> {
      const row = await db
        .selectFrom('changes as c')
        .select(sql<string | null>`cast(max(c.seq) as text)`.as('seq'))
        .executeTakeFirst()
      // Kept rows are all newer than what was pruned; only an emptied log needs the pruning mark.
      if (row?.seq != null) return BigInt(row.seq)
      return this.prunedThrough()
    },

    /**
     * Where a reader that starts now starts: the newest seq below which no change can still appear (on
     * SQLite the newest seq; on PostgreSQL the newest of transactions that have all ended).
     */
    async readableSeq(): Promise<bigint> {
      if (!pg) return this.latestSeq()
      const row = await db
        .selectFrom('changes as c')
        .select(sql<string | null>`cast(max(c.seq) as text)`.as('seq'))
        .where('c.seq', '<', await horizonValue())
        .executeTakeFirst()
      if (row?.seq != null) return BigInt(row.seq)
      return this.prunedThrough()
    },

    async prunedThrough(): Promise<bigint> {
      const row = await db
        .selectFrom('changes_retention')
        .select(sql<string>`cast(pruned_through as text)`.as('through'))
        .where('id', '=', 1)
        .executeTakeFirst()
      return BigInt(row?.through ?? 0)
    },

    /** Deletes changes older than `before`, moving the retention mark past them; returns how many went. */
    async pruneBefore(before: string): Promise<number> {
      assertTransaction(db)
      let newest = db
        .selectFrom('changes as c')
        .select(sql<string | null>`cast(max(c.seq) as text)`.as('seq'))
        .where('c.created_at', '<', before)
      // Only what readers may already have read past: a change of a transaction still open stays.
      if (pg) newest = newest.where('c.seq', '<', await horizonValue())
      const row = await newest.executeTakeFirst()
      if (row?.seq == null) return 0
      const through = row.seq
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
