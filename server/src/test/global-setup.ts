import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { TestProject } from 'vitest/node'

/**
 * Names the PostgreSQL schemas this run's test processes pool (see migratedDatabase in databases.ts) and
 * drops them when the run ends: a pooled schema outlives the test that used it, and its process may end
 * without a chance to clean up. The prefix is the run's own, so parallel runs on one database keep theirs.
 */
export default function setup(project: TestProject) {
  const prefix = `test_run${randomBytes(4).toString('hex')}_`
  project.provide('testSchemaPrefix', prefix)
  const url = project.config.env?.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  return async () => {
    const client = new pg.Client({ connectionString: url })
    // Without PostgreSQL there was nothing to pool.
    if (
      !(await client.connect().then(
        () => true,
        () => false,
      ))
    )
      return
    try {
      const { rows } = await client.query<{ name: string }>(
        `select nspname as name from pg_namespace where starts_with(nspname, $1)`,
        [prefix],
      )
      for (const { name } of rows) await client.query(`drop schema ${name} cascade`)
    } finally {
      await client.end()
    }
  }
}
