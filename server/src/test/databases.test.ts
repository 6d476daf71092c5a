import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'
import { changesRepository } from '../features/changes/changes.repository.js'
import { migratedDatabase } from './databases.js'

/** Opens a migrated test database, runs `fn` on it and gives it back, as a test's clean-up would. */
async function use<T>(fn: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const database = await migratedDatabase()
  const db = openDatabase(database.options)
  try {
    return await fn(db)
  } finally {
    await db.close()
    await database.drop()
  }
}

/** Appends one change as the write seam does (PostgreSQL numbers seqs from `changes_seq_base`). */
const appendChange = (db: ReturnType<typeof openDatabase>) =>
  db.kysely.transaction().execute((trx) =>
    changesRepository(trx, db.dialect).append(
      {
        type: 'task.updated',
        project_id: null,
        user_id: null,
        resource_type: 'task',
        resource_id: 'tsk_1',
        version: 1,
        actor_id: null,
        data: '{}',
        created_at: new Date().toISOString(),
      },
      0,
    ),
  )

// The migrated databases are copies of one migrated template (see databases.ts); each must look exactly like
// a database the migrations just ran on, whatever the test before did with its own.
describe('migratedDatabase', () => {
  it('is fully migrated, with what the migrations seed and nothing any test before it wrote', async () => {
    for (let round = 0; round < 3; round++) {
      await use(async (db) => {
        expect(await migrateToLatest(db)).toEqual([])
        expect(await db.kysely.selectFrom('changes').select('seq').execute()).toEqual([])
        expect(await db.kysely.selectFrom('changes_retention').selectAll().execute()).toEqual([
          { id: 1, pruned_through: 0 },
        ])
        // The change log numbers from the start again.
        if (db.dialect === 'sqlite') {
          expect(await appendChange(db)).toBe(1n)
        } else {
          expect(await db.kysely.selectFrom('changes_seq_base').selectAll().execute()).toEqual([{ id: 1, base: 1 }])
          expect(await appendChange(db)).toBeGreaterThan(1n)
          await db.kysely.updateTable('changes_seq_base').set({ base: 5 }).execute()
        }
        await db.kysely.updateTable('changes_retention').set({ pruned_through: 5 }).execute()
      })
    }
  })

  it('does not hand out again a database whose structure a test changed', async () => {
    await use((db) => sql`create table scratch (id integer primary key)`.execute(db.kysely))
    for (let round = 0; round < 2; round++) {
      await use(async (db) => {
        const tables = await db.kysely.introspection.getTables()
        expect(tables.map((t) => t.name)).not.toContain('scratch')
      })
    }
  })
})
