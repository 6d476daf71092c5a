// `node --import tsx bench/signup-timing.ts`: whether startSignUp's answer time tells a taken address from a
// free one. Serves Tasklane over real HTTP on 127.0.0.1 (SQLite, or with DATABASE_URL PostgreSQL, in a fresh
// schema of that database dropped at the end), signs one account up, then asks startSignUp for that address
// and for fresh ones in turn, and prints each one's p50/p90 and the ratio of the p50s (1.00 means the time
// says nothing).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../server/src/config.js'
import { startServer } from '../server/src/server.js'
import { freshSchema } from './pg-schema.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300)
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-signup-bench-'))
const pgUrl = process.env.DATABASE_URL
const schema = pgUrl ? await freshSchema(pgUrl, `bench_signup_${process.pid}`) : undefined
const server = await startServer(
  loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMITS_ENABLED: 'false',
    // Immediate, so that the bench can make the taken account in one call; startSignUp is the same under both.
    SIGNUP_FLOW: 'immediate',
    ...(schema ? { DATABASE_URL: schema.databaseUrl } : {}),
  }),
).catch(async (err) => {
  await schema?.drop()
  throw err
})
try {
  const post = async (path: string, body: unknown) => {
    const started = performance.now()
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    await res.arrayBuffer()
    return { status: res.status, ms: performance.now() - started }
  }
  const taken = `taken-${Date.now()}@example.com`
  const made = await post('/v1/auth/signup', { email: taken, password: 'a long enough bench passphrase', name: 'B' })
  if (made.status !== 201) throw new Error(`signUp answered ${made.status}`)
  const times = { taken: [] as number[], free: [] as number[] }
  for (let i = 0; i < ROUNDS + 20; i++) {
    // Interleaved, so that the machine's load falls on both alike; the first 20 rounds warm up.
    for (const kind of i % 2 ? (['taken', 'free'] as const) : (['free', 'taken'] as const)) {
      const res = await post('/v1/auth/signup-request', { email: kind === 'taken' ? taken : `free-${i}@example.com` })
      if (res.status !== 202) throw new Error(`startSignUp answered ${res.status}`)
      if (i >= 20) times[kind].push(res.ms)
    }
  }
  const row = (kind: 'taken' | 'free') =>
    `${kind}: p50 ${percentile(times[kind], 50).toFixed(2)} ms, p90 ${percentile(times[kind], 90).toFixed(2)} ms`
  const ratio = percentile(times.free, 50) / percentile(times.taken, 50)
  console.log(
    `startSignUp on ${schema ? 'PostgreSQL' : 'SQLite'}, ${ROUNDS} each: ${row('taken')}; ${row('free')}; free/taken p50 ${ratio.toFixed(2)}`,
  )
} finally {
  await server.stop()
  rmSync(dataDir, { recursive: true, force: true })
  await schema?.drop()
}
