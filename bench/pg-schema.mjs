// A fresh schema of a PostgreSQL database for a benchmark's Tasklane: it migrates there, not into the
// database's own `public` schema, and leaves nothing behind once `drop` has run. Plain JavaScript, so that
// the .mjs benchmarks import it as the TypeScript ones do.

/**
 * Runs one statement on its own connection to `url`.
 * @param {string} url
 * @param {string} text
 */
async function run(url, text) {
  // Loaded here: a benchmark on SQLite does not load node-postgres.
  const pg = (await import('pg')).default
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/**
 * Makes the schema `name` in the database at `url`; answers the DATABASE_URL that puts a server on it (by its
 * `search_path`) and `drop`, which removes it with everything in it.
 *
 * @example
 * const schema = await freshSchema(process.env.BENCH_DATABASE_URL, `bench_${process.pid}`)
 * loadConfig({ DATABASE_URL: schema.databaseUrl, … }) // … and at the end: await schema.drop()
 *
 * @param {string} url
 * @param {string} name
 * @returns {Promise<{ databaseUrl: string, drop: () => Promise<void> }>}
 */
export async function freshSchema(url, name) {
  await run(url, `create schema ${name}`)
  return {
    databaseUrl: `${url}${url.includes('?') ? '&' : '?'}options=-c%20search_path%3D${name}`,
    drop: () => run(url, `drop schema ${name} cascade`),
  }
}
