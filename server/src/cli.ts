import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config.js'
import { assertDatabaseAnswers, databaseLimits, databaseOptions } from './context.js'
import { backupSqlite } from './db/backup.js'
import { DataDirLockedError } from './db/data-dir-lock.js'
import { openDatabase } from './db/database.js'
import { MigrationError, migrateToLatest } from './db/migrate.js'
import { DependencyError } from './lib/dependency-error.js'
import { startServer } from './server.js'

const USAGE = `Usage: tasklane <command>

Commands:
  serve           start the API server (the default)
  migrate         apply pending database migrations and exit
  backup <file>   write a consistent copy of the SQLite database to <file>, safe while the server runs

Configuration comes from the environment; see the README for every variable.`

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  })
  const [command = 'serve', ...rest] = positionals
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const config = loadConfig()

  if (command === 'serve') {
    const server = await startServer(config)
    console.log(`Tasklane is running at ${server.url}\nAPI docs: ${server.url}/docs`)
    const shutdown = (signal: string) => {
      console.log(`${signal} received: finishing in-flight requests`)
      server.stop().then(
        () => process.exit(0),
        (err) => {
          console.error('shutdown failed', err)
          process.exit(1)
        },
      )
    }
    process.once('SIGTERM', () => shutdown('SIGTERM'))
    process.once('SIGINT', () => shutdown('SIGINT'))
    return -1
  }

  if (command === 'migrate') {
    const options = databaseOptions(config)
    const db = openDatabase(options, databaseLimits(config))
    try {
      await assertDatabaseAnswers(db, options, config.DATABASE_CONNECT_TIMEOUT_MS)
      const applied = await migrateToLatest(db)
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date')
    } finally {
      await db.close()
    }
    return 0
  }

  if (command === 'backup') {
    const [target] = rest
    if (!target) {
      console.error('backup needs a target file: tasklane backup <file>')
      return 2
    }
    if (config.DATABASE_URL) {
      console.error('backup copies the embedded SQLite database; on PostgreSQL use pg_dump')
      return 2
    }
    const file = join(config.DATA_DIR, 'tasklane.db')
    // Opening a missing file would create an empty database, and the copy of it would look like a backup.
    if (!existsSync(file)) {
      console.error(`no database to back up: ${file} does not exist (check DATA_DIR)`)
      return 1
    }
    const db = openDatabase({ dialect: 'sqlite', file })
    try {
      const { totalPages } = await backupSqlite(db, target)
      console.log(`backup written to ${target} (${totalPages} pages)`)
    } finally {
      await db.close()
    }
    return 0
  }

  console.error(`unknown command: ${command}\n\n${USAGE}`)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (err) => {
    // Problems the operator can fix get one line, not a stack trace.
    if (
      err instanceof ConfigError ||
      err instanceof MigrationError ||
      err instanceof DependencyError ||
      err instanceof DataDirLockedError
    ) {
      console.error(err.message)
      process.exit(1)
    }
    console.error(err)
    process.exit(1)
  },
)
