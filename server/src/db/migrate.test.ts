import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { freshDatabase, TEST_DATABASE, TEST_POSTGRES_URL } from '../test/databases.js'
import { openDatabase } from './database.js'
import { migrateToLatest } from './migrate.js'
import { migrations } from './migrations/index.js'

async function migratedDatabase() {
  const database = await freshDatabase()
  const db = openDatabase(database.options)
  onTestFinished(async () => {
    await db.close()
    await database.drop()
  })
  await migrateToLatest(db)
  return db
}

describe('migrateToLatest', () => {
  it('is idempotent', async () => {
    const db = await migratedDatabase()
    expect(await migrateToLatest(db)).toEqual([])
  })

  it.skipIf(TEST_DATABASE !== 'postgres')(
    'keeps its bookkeeping in its own schema when another schema of the database has been migrated',
    async () => {
      // Two schemas in one PostgreSQL database, the first migrated before the second exists.
      await migratedDatabase()
      const second = await migratedDatabase()
      const tables = await second.kysely.introspection.getTables({ withInternalKyselyTables: true })
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(second.kysely)
      const own = tables.filter((t) => t.schema === rows[0]?.schema).map((t) => t.name)
      expect(own).toEqual(expect.arrayContaining(['kysely_migration', 'kysely_migration_lock']))
    },
  )

  it.skipIf(TEST_DATABASE !== 'postgres')(
    'migrates while other schemas of the database are created and dropped',
    async () => {
      // Another app (or a parallel test) creating and dropping schemas with tables in the same database,
      // as fast as it can, for as long as the migrations below run.
      const churn = new pg.Client({ connectionString: TEST_POSTGRES_URL, application_name: 'tasklane-test-churn' })
      await churn.connect()
      let churning = true
      let cycles = 0
      const churned = (async () => {
        while (churning) {
          const schema = `test_churn_${randomBytes(6).toString('hex')}`
          await churn.query(`create schema ${schema}; create table ${schema}.t (id serial primary key, name text)`)
          await churn.query(`drop schema ${schema} cascade`)
          cycles++
        }
      })()
      const migrated: string[][] = []
      try {
        const until = Date.now() + 4000
        while (Date.now() < until && migrated.length < 30) {
          const database = await freshDatabase()
          const db = openDatabase(database.options)
          try {
            migrated.push(await migrateToLatest(db))
          } finally {
            await db.close()
            await database.drop()
          }
        }
      } finally {
        churning = false
        await churned.finally(() => churn.end())
      }
      expect(cycles).toBeGreaterThan(0)
      expect(migrated.length).toBeGreaterThan(0)
      for (const names of migrated) expect(names).toEqual(Object.keys(migrations))
    },
  )
})
