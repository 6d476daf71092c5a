import { sql } from 'kysely'
import type { Db, Queryable } from '../db/database.js'
import type { JobsTable } from '../db/schema.js'

export type JobRow = JobsTable

/** Puts a job on the queue as part of whatever transaction `db` is (the write's own). */
export async function insertJob(db: Queryable, row: JobRow): Promise<void> {
  await db.insertInto('jobs').values(row).execute()
}

/**
 * Takes up to `limit` jobs that are due (queued and past `available_at`, or running on a lease that ran out)
 * and leases them to `workerId` until `leaseUntil`, counting the attempt. One statement, so two workers can
 * never both take a job: on PostgreSQL the rows another worker is taking are skipped (`SKIP LOCKED`), on
 * SQLite the statement holds the database's write lock.
 */
export function claimJobs(
  database: Db,
  options: { workerId: string; now: string; leaseUntil: string; limit: number },
): Promise<JobRow[]> {
  const { workerId, now, leaseUntil, limit } = options
  return database.kysely
    .updateTable('jobs')
    .set({
      state: 'running',
      attempts: sql<number>`attempts + 1`,
      available_at: leaseUntil,
      locked_by: workerId,
      updated_at: now,
    })
    .where('id', 'in', (eb) => {
      let due = eb
        .selectFrom('jobs')
        .select('id')
        .where('state', '<>', 'failed')
        .where('available_at', '<=', now)
        .orderBy('available_at')
        .limit(limit)
      if (database.dialect === 'postgres') due = due.forUpdate().skipLocked()
      return due
    })
    .returningAll()
    .execute()
}

/** The lease a worker holds on one attempt: changes made through it apply only while it still holds it. */
export interface Lease {
  id: string
  workerId: string
  attempt: number
}

const held = (db: Queryable, { id, workerId, attempt }: Lease) =>
  db
    .updateTable('jobs')
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('locked_by', '=', workerId)
    .where('attempts', '=', attempt)

/** The job is done: it leaves the queue. False when the lease was lost (another worker took the job over). */
export async function completeJob(db: Queryable, lease: Lease): Promise<boolean> {
  const result = await db
    .deleteFrom('jobs')
    .where('id', '=', lease.id)
    .where('state', '=', 'running')
    .where('locked_by', '=', lease.workerId)
    .where('attempts', '=', lease.attempt)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** The attempt failed: queued again for `availableAt`, or kept as `failed` when `availableAt` is null. */
export async function settleFailedAttempt(
  db: Queryable,
  lease: Lease,
  options: { availableAt: string | null; error: string; now: string },
): Promise<boolean> {
  const { availableAt, error, now } = options
  const result = await held(db, lease)
    .set({
      state: availableAt ? 'queued' : 'failed',
      available_at: availableAt ?? now,
      locked_by: null,
      last_error: error,
      updated_at: now,
    })
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Gives a job back unrun (shutdown): due at once, and the attempt it was on does not count. */
export async function releaseJob(db: Queryable, lease: Lease, now: string): Promise<void> {
  await held(db, lease)
    .set({ state: 'queued', attempts: lease.attempt - 1, available_at: now, locked_by: null, updated_at: now })
    .execute()
}

/** Extends the leases `workerId` holds on these running jobs, so a slow attempt is not taken over. */
export async function extendLeases(db: Queryable, workerId: string, ids: string[], until: string): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('jobs')
    .set({ available_at: until })
    .where('id', 'in', ids)
    .where('state', '=', 'running')
    .where('locked_by', '=', workerId)
    .execute()
}

export interface QueueStat {
  kind: string
  state: JobRow['state']
  count: number
  oldest: string
}

/** How many jobs there are per kind and state, and when the oldest of each was enqueued (for /metrics). */
export function queueStats(db: Queryable): Promise<QueueStat[]> {
  return db
    .selectFrom('jobs')
    .select(['kind', 'state'])
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<string>('created_at').as('oldest')])
    .groupBy(['kind', 'state'])
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, count: Number(r.count) })))
}

/** One job as stored, or undefined once done (for inspection and tests). */
export function findJob(db: Queryable, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Jobs that ended as `failed`, newest first. */
export function listFailedJobs(db: Queryable, kind: string, limit: number): Promise<JobRow[]> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('kind', '=', kind)
    .where('state', '=', 'failed')
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute()
}
