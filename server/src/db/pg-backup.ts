import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StoredAttachment } from './backup.js'
import type { DatabaseOptions } from './database.js'
import { loadPg } from './pg.js'

type PostgresOptions = Extract<DatabaseOptions, { dialect: 'postgres' }>

/** pg_dump or pg_restore could not be run or failed; the message says why, in one line. */
export class PgToolError extends Error {
  override name = 'PgToolError'
}

export interface PgDump {
  /** The schema the app's tables are in (the first of the connection's search_path that exists). */
  schema: string
  /** The attachments the dump records, read in the same snapshot that pg_dump copies. */
  rows: StoredAttachment[]
  serverVersion: string
}

/**
 * Dumps the app's schema to `file` (pg_dump's custom format) as of one snapshot, and reads the attachment
 * rows in that same snapshot: a REPEATABLE READ transaction exports its snapshot (`pg_export_snapshot`),
 * reads the rows, and stays open while `pg_dump --snapshot` copies exactly what it sees. Writers carry on
 * meanwhile.
 */
export async function dumpPostgres(options: PostgresOptions, file: string): Promise<PgDump> {
  const client = connect(options)
  await client.connect()
  try {
    await client.query('begin isolation level repeatable read read only')
    const { rows } = await client.query<{ snapshot: string; schema: string | null; version: string }>(
      `select pg_export_snapshot() as snapshot, current_schema() as schema, current_setting('server_version') as version`,
    )
    const { snapshot, schema, version } = rows[0] as { snapshot: string; schema: string | null; version: string }
    if (!schema) throw new PgToolError('the database has no schema on its search_path to back up (check DATABASE_URL)')
    const attachments = await client.query<{ id: string; storage_key: string; size: number | string }>(
      'select id, storage_key, size from attachments order by id',
    )
    await runTool('pg_dump', options.url, [
      `--snapshot=${snapshot}`,
      `--schema=${schema}`,
      '--format=custom',
      `--file=${file}`,
    ])
    await client.query('commit')
    return {
      schema,
      serverVersion: version,
      rows: attachments.rows.map((r) => ({ id: r.id, storageKey: r.storage_key, size: Number(r.size) })),
    }
  } finally {
    await client.end().catch(() => {})
  }
}

/** Whether `schema` holds any table in the database at `options`, and whether the schema exists at all. */
export async function schemaState(options: PostgresOptions, schema: string): Promise<'missing' | 'empty' | 'used'> {
  const client = connect(options)
  await client.connect()
  try {
    const { rows } = await client.query<{ exists: boolean; relations: number }>(
      `select exists (select 1 from pg_namespace where nspname = $1) as exists,
              (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'S')) as relations`,
      [schema],
    )
    const row = rows[0] as { exists: boolean; relations: number }
    if (!row.exists) return 'missing'
    return row.relations > 0 ? 'used' : 'empty'
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Loads a dump made by `dumpPostgres` in one transaction (`--single-transaction --exit-on-error`): an
 * interrupted or failed restore leaves nothing, and can be run again. An empty schema of the same name
 * (made by hand beforehand) is left out of the dump's own `CREATE SCHEMA`.
 */
export async function restorePostgres(options: PostgresOptions, file: string, schemaExists: boolean): Promise<void> {
  const args = ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', file]
  if (schemaExists) {
    // pg_restore's list of what the dump holds, without the schema's creation.
    const list = await runTool('pg_restore', undefined, ['--list', file])
    const kept = list
      .split('\n')
      .filter((line) => !/^\d+; \d+ \d+ SCHEMA /.test(line))
      .join('\n')
    const dir = await mkdtemp(join(tmpdir(), 'tasklane-restore-'))
    try {
      await writeFile(join(dir, 'list'), kept)
      await runTool('pg_restore', options.url, [`--use-list=${join(dir, 'list')}`, ...args])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    return
  }
  await runTool('pg_restore', options.url, args)
}

function connect(options: PostgresOptions) {
  return new (loadPg().Client)({
    connectionString: options.url,
    application_name: 'tasklane-backup',
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  })
}

/**
 * Runs pg_dump or pg_restore on the database at `url` (its password passed in the environment, not on the
 * command line where `ps` shows it); answers its standard output.
 */
function runTool(tool: 'pg_dump' | 'pg_restore', url: string | undefined, args: string[]): Promise<string> {
  const env = { ...process.env }
  const connection: string[] = []
  if (url) {
    const parsed = new URL(url)
    if (parsed.password) {
      env.PGPASSWORD = decodeURIComponent(parsed.password)
      parsed.password = ''
    }
    // node-postgres reads a `+` in the query as a space (as URLSearchParams writes one); libpq does not.
    parsed.search = [...parsed.searchParams]
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&')
    connection.push(`--dbname=${parsed.toString()}`)
  }
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [...connection, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s
    })
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new PgToolError(
              `${tool} was not found on PATH: install PostgreSQL's client tools of the server's major version or newer (Debian: postgresql-client)`,
            )
          : err,
      )
    })
    child.once('close', (code) => {
      if (code === 0) return resolve(stdout)
      const last = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${code}`
      reject(new PgToolError(`${tool} failed: ${last}`))
    })
  })
}
