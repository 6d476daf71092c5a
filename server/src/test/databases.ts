import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { inject } from 'vitest'
import { type DatabaseOptions, openDatabase } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'

/** Which database this test run targets; vitest's projects set it (see vitest.config.ts). */
export const TEST_DATABASE: 'sqlite' | 'postgres' = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface FreshDatabase {
  options: DatabaseOptions
  /** The data directory (SQLite) the database lives in. */
  dataDir: string
  drop(): Promise<void>
}

/**
 * Removes a test's data directory. @tus/file-store creates its directory (DATA_DIR/uploads) from its
 * constructor without waiting for it: a test that ends soon after building its app can remove the data
 * directory while that mkdir is still on libuv's thread pool (which other tests' password hashing can keep
 * busy for seconds), and the directory is then not empty when it is removed (ENOTEMPTY). So the whole removal
 * is tried again: rmSync's own retries list the children only once and then wait on the directory alone.
 */
async function removeDataDir(dataDir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(dataDir, { recursive: true, force: true })
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || attempt === 20) throw err
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt))
    }
  }
}

/**
 * A database no other test touches: a new SQLite file in a temporary folder, or a new schema in the test
 * PostgreSQL database (dropped with everything in it afterwards). It is empty; `migratedDatabase` gives one
 * with the schema already in place.
 */
export async function freshDatabase(dialect = TEST_DATABASE): Promise<FreshDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-test-'))
  if (dialect === 'sqlite') {
    return {
      options: { dialect: 'sqlite', file: join(dataDir, 'tasklane.db') },
      dataDir,
      drop: () => removeDataDir(dataDir),
    }
  }
  const schema = `test_${randomBytes(6).toString('hex')}`
  await withAdmin((client) => client.query(`create schema ${schema}`))
  return {
    options: { dialect: 'postgres', url: TEST_POSTGRES_URL, schema, poolSize: 5 },
    dataDir,
    drop: async () => {
      await withAdmin((client) => client.query(`drop schema ${schema} cascade`))
      await removeDataDir(dataDir)
    },
  }
}

/**
 * Like `freshDatabase`, but with every migration applied, as the app would find it after its first start.
 * Running the migrations costs far more than most tests (≈1 s of DDL on PostgreSQL), so it is done once per
 * test process and copied: SQLite copies a migrated template file; PostgreSQL hands out a schema of a pool
 * that this process migrated, and, when the test ends, empties it back to the migrated state and returns it
 * to the pool (or drops it, when the test changed its structure). No two tests hold the same database at
 * the same time.
 */
export async function migratedDatabase(dialect = TEST_DATABASE): Promise<FreshDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-test-'))
  if (dialect === 'sqlite') {
    const template = await sqliteTemplate()
    const file = join(dataDir, 'tasklane.db')
    copyFileSync(template, file)
    return { options: { dialect: 'sqlite', file }, dataDir, drop: () => removeDataDir(dataDir) }
  }
  const pool = schemaPool()
  if (!pool) {
    const fresh = await freshDatabase('postgres')
    await removeDataDir(dataDir)
    const db = openDatabase(fresh.options)
    await migrateToLatest(db).finally(() => db.close())
    return fresh
  }
  const schema = await pool.take()
  return {
    options: { dialect: 'postgres', url: TEST_POSTGRES_URL, schema, poolSize: 5 },
    dataDir,
    drop: async () => {
      await pool.give(schema)
      await removeDataDir(dataDir)
    },
  }
}

let sqliteTemplateFile: Promise<string> | undefined

/** A SQLite file with every migration applied, made once per process and removed when it exits. */
function sqliteTemplate(): Promise<string> {
  sqliteTemplateFile ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasklane-template-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'tasklane.db')
    const db = openDatabase({ dialect: 'sqlite', file })
    await migrateToLatest(db).finally(() => db.close())
    // Closing the last connection checkpoints the write-ahead log into the file and removes it.
    if (existsSync(`${file}-wal`)) throw new Error('the migrated SQLite template kept a write-ahead log')
    return file
  })().catch((err: unknown) => {
    sqliteTemplateFile = undefined
    throw err
  })
  return sqliteTemplateFile
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The prefix of every PostgreSQL schema this run pools; global-setup.ts drops them when the run ends. */
    testSchemaPrefix: string
  }
}

interface SchemaPool {
  take(): Promise<string>
  give(schema: string): Promise<void>
}

let pool: SchemaPool | null | undefined

/**
 * This process's pool of migrated PostgreSQL schemas, or null when the run did not set one up (its global
 * setup provides the prefix under which the schemas are dropped at the end; without it, nothing would).
 */
function schemaPool(): SchemaPool | null {
  if (pool !== undefined) return pool
  let prefix: string | undefined
  try {
    prefix = inject('testSchemaPrefix')
  } catch {
    prefix = undefined
  }
  pool = prefix ? createSchemaPool(`${prefix}${randomBytes(3).toString('hex')}_`) : null
  return pool
}

function createSchemaPool(prefix: string): SchemaPool {
  const free: string[] = []
  let count = 0
  // The first schema, never handed out: what the others are emptied back to, and what their structure must match.
  let pristine: Promise<{ name: string; fingerprint: string; reset: string }> | undefined
  // One connection for the pool's own work: opening one costs more than emptying a schema.
  let admin: Promise<pg.Client> | undefined

  const adminClient = () => {
    admin ??= (async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, application_name: 'tasklane-test-pool' })
      client.on('error', () => {
        admin = undefined
      })
      await client.connect()
      // Idle between tests, it must not keep the test process alive.
      ;(client as unknown as { connection: { stream: { unref(): void } } }).connection.stream.unref()
      return client
    })().catch((err: unknown) => {
      admin = undefined
      throw err
    })
    return admin
  }
  const migrate = async (schema: string) => {
    await (await adminClient()).query(`create schema ${schema}`)
    const db = openDatabase({ dialect: 'postgres', url: TEST_POSTGRES_URL, schema, poolSize: 1 })
    await migrateToLatest(db).finally(() => db.close())
  }
  const template = () => {
    pristine ??= (async () => {
      const name = `${prefix}template_${randomBytes(3).toString('hex')}`
      await migrate(name)
      const client = await adminClient()
      return { name, fingerprint: await fingerprint(client, name), reset: await resetStatements(client, name) }
    })().catch((err: unknown) => {
      pristine = undefined
      throw err
    })
    return pristine
  }
  const reset = async (schema: string): Promise<boolean> => {
    const { name, fingerprint: expected, reset } = await template()
    const client = await adminClient()
    if ((await fingerprint(client, schema)) !== expected) return false
    const statements = reset.replaceAll(PLACEHOLDER, schema).replaceAll(TEMPLATE, name)
    try {
      await client.query(`begin; set local lock_timeout = '5s'; ${statements} commit`)
      return true
    } catch {
      await client.query('rollback')
      return false
    }
  }

  return {
    async take() {
      await template()
      const reused = free.pop()
      if (reused) return reused
      const schema = `${prefix}${count++}`
      await migrate(schema)
      return schema
    },
    async give(schema) {
      if (await reset(schema).catch(() => false)) free.push(schema)
      else await withAdmin((client) => client.query(`drop schema ${schema} cascade`))
    },
  }
}

const PLACEHOLDER = '__schema__'
const TEMPLATE = '__template__'

/**
 * What a schema's structure is, as one hash with its own name left out: relations, columns with types and
 * defaults, constraints, triggers and functions. A test that adds a table or an index changes it.
 */
async function fingerprint(client: pg.Client, schema: string): Promise<string> {
  const { rows } = await client.query<{ items: string | null }>(
    `select string_agg(item, E'\\n' order by item) as items from (
       select 'rel ' || c.relname || ' ' || c.relkind::text as item
         from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1
       union all
       select 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' ||
              a.attnotnull::text || ' ' || a.attidentity::text || ' ' || a.attgenerated::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
         left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where n.nspname = $1 and a.attnum > 0 and not a.attisdropped
       union all
       select 'con ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
         from pg_constraint k join pg_namespace n on n.oid = k.connamespace where n.nspname = $1
       union all
       select 'idx ' || pg_get_indexdef(i.indexrelid)
         from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1
       union all
       select 'trg ' || t.tgname
         from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and not t.tgisinternal
       union all
       select 'fn ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(p.prosrc)
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1
     ) items`,
    [schema],
  )
  return (rows[0]?.items ?? '').replaceAll(`${schema}.`, '')
}

/**
 * The statements that bring a used schema back to the migrated template `schema`: delete every row
 * (referencing tables first), copy the rows the migrations seeded from the template, restart sequences.
 * Kysely's own bookkeeping tables are left as they are. Written with placeholders for both schema names.
 */
async function resetStatements(client: pg.Client, schema: string): Promise<string> {
  const { rows: tables } = await client.query<{ name: string; parents: string[]; seeded: boolean }>(
    `select c.relname as name,
            array(select distinct p.relname::text from pg_constraint k join pg_class p on p.oid = k.confrelid
                   where k.conrelid = c.oid and k.contype = 'f' and k.confrelid <> c.oid) as parents,
            false as seeded
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind = 'r' and c.relname not like 'kysely\\_%'`,
    [schema],
  )
  const { rows: triggers } = await client.query(
    `select 1 from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and not t.tgisinternal limit 1`,
    [schema],
  )
  // A trigger could write elsewhere while rows are deleted; then only a new schema is a clean one.
  if (triggers.length > 0) throw new Error(`schema ${schema} has triggers; its copies are not reused`)
  for (const table of tables) {
    const { rows } = await client.query(`select exists (select 1 from ${schema}."${table.name}") as seeded`)
    table.seeded = rows[0].seeded
  }
  // Parents before children; deleting goes the other way round.
  const ordered: typeof tables = []
  const placed = new Set<string>()
  while (ordered.length < tables.length) {
    const next = tables.filter((t) => !placed.has(t.name) && t.parents.every((p) => placed.has(p) || p === t.name))
    if (next.length === 0) throw new Error(`schema ${schema} has a cycle of foreign keys`)
    for (const t of next) {
      ordered.push(t)
      placed.add(t.name)
    }
  }
  const { rows: sequences } = await client.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'S'`,
    [schema],
  )
  return [
    ...[...ordered].reverse().map((t) => `delete from ${PLACEHOLDER}."${t.name}";`),
    ...ordered
      .filter((t) => t.seeded)
      .map(
        (t) => `insert into ${PLACEHOLDER}."${t.name}" overriding system value select * from ${TEMPLATE}."${t.name}";`,
      ),
    ...sequences.map((s) => `alter sequence ${PLACEHOLDER}."${s.name}" restart;`),
  ].join(' ')
}

/**
 * Whether tests that need PostgreSQL should run: it answers, or CI requires it (REQUIRE_POSTGRES=1), in which
 * case the tests run and fail on the missing database instead of skipping.
 */
export async function postgresWanted(): Promise<boolean> {
  if (process.env.REQUIRE_POSTGRES === '1') return true
  return withAdmin(async () => true).catch(() => false)
}

/** A short-lived connection to the test database as its administrator. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
