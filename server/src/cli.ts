import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { BackupError, backupDataDir, restoreDataDir } from './backup/backup.js'
import { ConfigError, loadConfig } from './config.js'
import { assertDatabaseAnswers, createContext, databaseLimits, databaseOptions } from './context.js'
import { DataDirLockedError, lockDataDir } from './db/data-dir-lock.js'
import { openDatabase } from './db/database.js'
import { MigrationError, migrateToLatest } from './db/migrate.js'
import { DependencyError } from './lib/dependency-error.js'
import { startServer } from './server.js'

const USAGE = `Usage: tasklane <command>

Commands:
  serve           start the API server (the default)
  migrate         apply pending database migrations and exit
  backup <dir>    write a backup (the database — SQLite, or PostgreSQL through pg_dump — and the attachment
                  files, consistent with each other) into the new or empty directory <dir>, safe while
                  servers run
  restore <dir>   restore a backup made by \`backup\` into DATA_DIR (and on PostgreSQL into DATABASE_URL),
                  which must hold no database; no server may run on it meanwhile
  sweep           remove what a crash left behind (attachment files without a row, rows without their
                  bytes) once, print what was removed, and exit

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
    // Log lines wait to be written in batches: what this process prints itself comes after them.
    const say = (text: string) => {
      server.logger.flush()
      console.log(text)
    }
    // Logged (after every line before it) where the operator reads the server's logs, then the process
    // ends as Node would have ended it, with the stack on stderr. Unhandled rejections arrive here too.
    process.on('uncaughtException', (err, origin) => {
      server.logger.fatal({ err, origin }, 'uncaught exception: exiting')
      server.logger.flush()
      console.error(err)
      process.exit(1)
    })
    say(`Tasklane is running at ${server.url}\nAPI docs: ${server.url}/docs`)
    const shutdown = (signal: string) => {
      say(`${signal} received: finishing in-flight requests`)
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
      console.error('backup needs a target directory: tasklane backup <dir>')
      return 2
    }
    const options = databaseOptions(config)
    if (options.dialect === 'sqlite' && !existsSync(options.file)) {
      // Opening a missing file would create an empty database, and the copy of it would look like a backup.
      console.error(`no database to back up: ${options.file} does not exist (check DATA_DIR)`)
      return 1
    }
    const db = openDatabase(options, databaseLimits(config))
    try {
      await assertDatabaseAnswers(db, options, config.DATABASE_CONNECT_TIMEOUT_MS)
      const { totalPages, dumpBytes, manifest } = await backupDataDir({
        db,
        dataDir: config.DATA_DIR,
        filesDriver: config.FILES_DRIVER,
        target,
      })
      const { files } = manifest
      const what =
        files.driver === 'local'
          ? `${files.attachments} attachment files, ${files.bytes} bytes`
          : 'attachment bytes stay in the S3 bucket'
      const database =
        totalPages !== undefined
          ? `${totalPages} database pages`
          : `schema ${manifest.postgres?.schema} dumped, ${dumpBytes} bytes`
      console.log(`backup written to ${target} (${database}; ${what})`)
      if (files.missing.length > 0) {
        console.error(
          `${count(files.missing.length, 'attachment')} had no bytes to copy; the sweep removes them after a restore`,
        )
      }
    } finally {
      await db.close()
    }
    return 0
  }

  if (command === 'restore') {
    const [source] = rest
    if (!source) {
      console.error('restore needs a backup directory: tasklane restore <dir>')
      return 2
    }
    const options = databaseOptions(config)
    // On PostgreSQL servers do not lock the data directory; a running one has tables, which restore refuses.
    const lock = options.dialect === 'sqlite' ? lockDataDir(config.DATA_DIR) : undefined
    try {
      const { manifest, missing } = await restoreDataDir({
        source,
        dataDir: config.DATA_DIR,
        postgres: options.dialect === 'postgres' ? options : undefined,
      })
      const into = manifest.postgres ? `schema ${manifest.postgres.schema} and ${config.DATA_DIR}` : config.DATA_DIR
      console.log(
        `restored the backup of ${manifest.createdAt} into ${into} (${manifest.files.attachments} attachment files)`,
      )
      if (missing.length > 0) {
        console.error(
          `${count(missing.length, 'attachment')} without bytes in the backup; the sweep removes them at start`,
        )
      }
    } finally {
      lock?.release()
    }
    return 0
  }

  if (command === 'sweep') {
    // On SQLite the lock keeps a server from starting meanwhile; on PostgreSQL others may run, and the
    // grace period (ATTACHMENT_ORPHAN_GRACE_S) spares their uploads in progress.
    const lock = config.DATABASE_URL ? undefined : lockDataDir(config.DATA_DIR)
    try {
      const ctx = await createContext(config)
      try {
        const report = await ctx.attachmentJanitor.sweep()
        // The report is the last line: the log lines of the sweep, which wait to be written, go first.
        ctx.logger.flush()
        console.log(JSON.stringify(report))
      } finally {
        await ctx.close()
      }
    } finally {
      lock?.release()
    }
    return 0
  }

  console.error(`unknown command: ${command}\n\n${USAGE}`)
  return 2
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`

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
      err instanceof DataDirLockedError ||
      err instanceof BackupError
    ) {
      console.error(err.message)
      process.exit(1)
    }
    console.error(err)
    process.exit(1)
  },
)
