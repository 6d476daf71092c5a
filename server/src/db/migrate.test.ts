import { randomBytes } from 'node:crypto'
import { Migrator, sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { notesRepository } from '../features/notes/notes.repository.js'
import { tasksRepository } from '../features/tasks/tasks.repository.js'
import { foldForSearch } from '../lib/search.js'
import { freshDatabase, TEST_DATABASE, TEST_POSTGRES_URL } from '../test/databases.js'
import { taskRow } from '../test/projects.js'
import { openDatabase } from './database.js'
import { migrateToLatest } from './migrate.js'
import { migrations } from './migrations/index.js'

/** A fresh database, opened; closed and dropped when the test ends. */
async function openedDatabase() {
  const database = await freshDatabase()
  const db = openDatabase(database.options)
  onTestFinished(async () => {
    await db.close()
    await database.drop()
  })
  return db
}

async function migratedDatabase() {
  const db = await openedDatabase()
  await migrateToLatest(db)
  return db
}

const at = '2026-01-01T00:00:00.000Z'

/**
 * A database migrated up to the migration before `migration`, holding what the rows of a migration's test
 * belong to: the user `usr_1` and the projects `projectIds` (each named by its id).
 */
async function migratedUpTo(migration: string, projectIds: string[]) {
  const db = await openedDatabase()
  const { rows } =
    db.dialect === 'postgres'
      ? await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely)
      : { rows: [] }
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: rows[0]?.schema,
  })
  const before = Object.keys(migrations).filter((name) => name < migration)
  expect((await migrator.migrateTo(before.at(-1) as string)).error).toBeUndefined()
  await db.kysely
    .insertInto('users')
    .values({
      id: 'usr_1',
      email: 'a@example.com',
      email_normalized: 'a@example.com',
      name: 'A',
      password_hash: 'x',
      email_verified_at: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  for (const id of projectIds) {
    await db.kysely
      .insertInto('projects')
      .values({ id, name: id, description: null, created_at: at, updated_at: at, version: 1 })
      .execute()
  }
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

  it('indexes the tasks and notes that existed before search by project, each in its own project only', async () => {
    const db = await migratedUpTo('0100-search-by-project', ['prj_1', 'prj_2'])
    const pg = db.dialect === 'postgres'
    // Rows as the release before wrote them (on PostgreSQL, with the search vector of that release).
    const vector = (title: string, body: string) =>
      sql`setweight(to_tsvector('simple', ${title}), 'A') || setweight(to_tsvector('simple', ${body}), 'B')`
    const task = (id: string, project_id: string, title: string, description: string) => ({
      ...taskRow({ id, project_id, title, description, created_by: 'usr_1', created_at: at, updated_at: at }),
      ...(pg ? { search_vector: vector(title, description) } : {}),
    })
    await db.kysely
      .insertInto('tasks')
      .values([
        task('tsk_1', 'prj_1', 'Quarterly report', 'draft'),
        task('tsk_2', 'prj_2', 'Quarterly report', 'final'),
        task('tsk_3', 'prj_1', 'Review', 'the quarterly numbers'),
      ])
      .execute()
    const note = {
      id: 'not_1',
      project_id: 'prj_2',
      title: 'Minutes',
      body: 'Quarterly review',
      created_by: 'usr_1',
      created_at: at,
      updated_at: at,
      version: 1,
    }
    await db.kysely
      .insertInto('notes')
      .values(pg ? { ...note, search_vector: vector(note.title, note.body) } : note)
      .execute()

    expect(await migrateToLatest(db)).toEqual([
      '0100-search-by-project',
      '0110-signup-requests',
      '0120-postgres-search-words',
      '0130-ended-sessions',
      '0140-search-index-writes',
    ])
    const tasks = tasksRepository(db.kysely, db.dialect)
    const found = async (projectId: string, words: string[]) =>
      (await tasks.list({ projectId, terms: words }, { field: 'relevance' }, undefined, 10)).items.map((t) => t.id)
    expect(await found('prj_1', ['quarterly'])).toEqual(['tsk_1', 'tsk_3'])
    expect(await found('prj_1', ['quarte'])).toEqual(['tsk_1', 'tsk_3'])
    expect(await found('prj_2', ['quarterly', 'fin'])).toEqual(['tsk_2'])
    const notes = notesRepository(db.kysely, db.dialect)
    const page = await notes.list('prj_2', ['quarterly'], { field: 'relevance' }, undefined, 10)
    expect(page.items.map((n) => n.id)).toEqual(['not_1'])
    expect((await notes.list('prj_1', ['quarterly'], { field: 'relevance' }, undefined, 10)).items).toEqual([])
  })
  it.skipIf(TEST_DATABASE !== 'postgres')(
    'fills the search vocabulary on PostgreSQL from the tasks and notes that existed before it, in batches',
    async () => {
      const db = await migratedUpTo('0120-postgres-search-words', ['prj_1'])
      // Rows as the release before wrote them, with its search vector; more than one batch of them, the
      // oldest two matching the words searched below and the newer ones not.
      const vector = (title: string, body: string) =>
        sql`setweight(to_tsvector('simple', ${foldForSearch(title)}), 'A') || setweight(to_tsvector('simple', ${foldForSearch(body)}), 'B') || array_to_tsvector(array['#prj_1'])`
      const task = (i: number) =>
        taskRow({
          id: `tsk_${String(i).padStart(5, '0')}`,
          project_id: 'prj_1',
          title: i < 2 ? `Quarterly report ${i}` : `Entry ${i}`,
          description: i % 2 === 0 ? 'Draft' : 'Final',
          position: i + 1,
          created_by: 'usr_1',
          created_at: at,
          updated_at: at,
        })
      const count = 2500
      for (let i = 0; i < count; i += 500) {
        await db.kysely
          .insertInto('tasks')
          .values(
            Array.from({ length: Math.min(500, count - i) }, (_, j) => {
              const row = task(i + j)
              return { ...row, search_vector: vector(row.title, row.description ?? '') }
            }),
          )
          .execute()
      }
      const note = { title: 'Minutes', body: 'Zoë reviewed it' }
      await db.kysely
        .insertInto('notes')
        .values({
          id: 'not_1',
          project_id: 'prj_1',
          ...note,
          created_by: 'usr_1',
          created_at: at,
          updated_at: at,
          version: 1,
          search_vector: vector(note.title, note.body),
        })
        .execute()

      expect(await migrateToLatest(db)).toEqual([
        '0120-postgres-search-words',
        '0130-ended-sessions',
        '0140-search-index-writes',
      ])
      const { rows } = await sql<{ word: string }>`select word from search_words order by word`.execute(db.kysely)
      const numbers = Array.from({ length: count }, (_, i) => String(i))
      const words = ['quarterly', 'report', 'entry', 'draft', 'final', 'minutes', 'zoe', 'reviewed', 'it', ...numbers]
      expect(rows.map((r) => r.word)).toEqual([...words].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
      // Searches never read a pending list of unmerged index entries.
      const { rows: options } = await sql<{ name: string; options: string[] | null }>`
        select relname as name, reloptions as options from pg_class
        where relnamespace = current_schema()::regnamespace and relname in ('tasks_search', 'notes_search')
        order by relname`.execute(db.kysely)
      expect(options).toEqual([
        { name: 'notes_search', options: ['fastupdate=off'] },
        { name: 'tasks_search', options: ['fastupdate=off'] },
      ])

      // A new task adds another word with the same beginning; a search that asks the index for it (the
      // newest tasks hold too few matches) finds the old tasks' word beside it.
      const tasks = tasksRepository(db.kysely, db.dialect)
      await db.kysely.transaction().execute(async (trx) => {
        await tasksRepository(trx, db.dialect).insert({ ...task(count), id: 'tsk_99999', title: 'Quarterback' })
      })
      const found = async (words: string[]) =>
        (await tasks.list({ projectId: 'prj_1', terms: words }, { field: 'relevance' }, undefined, 10)).items.map(
          (t) => t.id,
        )
      expect(await found(['quarter'])).toEqual(['tsk_99999', 'tsk_00001', 'tsk_00000'])
      expect(await found(['quarter', 'fin'])).toEqual(['tsk_00001'])
    },
  )
})
