// `node --import tsx bench/hash-load.ts`: how a burst of logins (argon2id, 19 MiB each) affects everything
// else. Serves Tasklane over real HTTP on 127.0.0.1 with the given PASSWORD_HASH_* settings, then measures
// GET /v1/me latency one request after another, first idle and then while BURST logins run at once.
// Prints one markdown table row per setting.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../server/src/config.js'
import { startServer } from '../server/src/server.js'

const BURST = Number(process.env.BENCH_BURST ?? 50)
const SETTINGS: { label: string; env: Record<string, string> }[] = [
  // No effective bound: every login hashes at once, as before the queue existed.
  { label: 'unbounded (64 at once)', env: { PASSWORD_HASH_CONCURRENCY: '64', PASSWORD_HASH_QUEUE: '10000' } },
  { label: 'defaults (2 at once, 64 waiting)', env: {} },
  { label: '1 at once, 64 waiting', env: { PASSWORD_HASH_CONCURRENCY: '1' } },
  { label: '2 at once, 16 waiting', env: { PASSWORD_HASH_QUEUE: '16' } },
]

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
const ms = (n: number) => `${n.toFixed(1)} ms`

async function run(label: string, env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-hash-bench-'))
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      RATE_LIMITS_ENABLED: 'false',
      ...env,
    }),
  )
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const credentials = { email: 'bench@example.com', password: 'a long enough bench passphrase' }
    const signUp = await (await post('/v1/auth/signup', { ...credentials, name: 'Bench' })).json()
    const headers = { Authorization: `Bearer ${signUp.accessToken}` }
    const getMe = async () => {
      const start = performance.now()
      const res = await fetch(`${server.url}/v1/me`, { headers })
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`getMe answered ${res.status}`)
      return performance.now() - start
    }

    for (let i = 0; i < 20; i++) await getMe() // warm-up
    const idle: number[] = []
    for (let i = 0; i < 50; i++) idle.push(await getMe())

    const started = performance.now()
    let done = false
    const logins = Promise.all(
      Array.from({ length: BURST }, async () => {
        const res = await post('/v1/auth/login', credentials)
        await res.arrayBuffer()
        return res.status
      }),
    ).finally(() => {
      done = true
    })
    const busy: number[] = []
    while (!done) busy.push(await getMe())
    const statuses = await logins
    const burstMs = performance.now() - started

    idle.sort((a, b) => a - b)
    busy.sort((a, b) => a - b)
    const count = (status: number) => statuses.filter((s) => s === status).length
    console.log(
      `| ${label} | ${ms(percentile(idle, 50))} | ${ms(percentile(busy, 50))} | ${ms(percentile(busy, 99))} | ${ms(busy.at(-1) ?? Number.NaN)} | ${count(200)} / ${count(503)} | ${ms(burstMs)} |`,
    )
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

console.log(
  `| hashing | getMe p50 idle | getMe p50 during ${BURST} logins | p99 | max | logins 200 / 503 | burst took |`,
)
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const { label, env } of SETTINGS) await run(label, env)
