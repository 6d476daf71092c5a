import { sql } from 'kysely'
import { describe, expect, it, onTestFinished } from 'vitest'
import { freshDatabase, TEST_DATABASE } from '../test/databases.js'
import { openDatabase } from './database.js'
import { migrateToLatest } from './migrate.js'

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
})
