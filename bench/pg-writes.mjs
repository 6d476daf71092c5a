#!/usr/bin/env node
// `npm run bench:pg-writes`: createTask on PostgreSQL as writers and instances are added. Starts two
// Tasklane instances (pg-write-server.ts) on one new schema of the local PostgreSQL, then drives createTask
// with autocannon from separate processes: 1, 10 and 16 concurrent writers against one instance, and 16
// writers split over both. Scenarios are interleaved over rounds so load from elsewhere on the machine falls
// on all alike. Prints creates per second (wall clock), p50/p99, server and PostgreSQL CPU per create, the
// CPU-seconds per second both used (against the machine's cores: when one instance and PostgreSQL already
// use them all, a second instance has nothing to add), and the ratios the change log's design is judged by
// (16 writers vs 1; 2 instances vs 1), with the machine's load average.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { autocannon as run, startServer } from './lib.mjs'
import { freshSchema } from './pg-schema.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const schema = `bench_writes_${randomBytes(4).toString('hex')}`
// BENCH_SCENARIOS=1,4 runs only those scenarios (numbered as printed); BENCH_CPU_PROF=dir writes each
// instance's V8 CPU profile there (--cpu-prof); BENCH_WAITS=1 samples pg_stat_activity's wait events.
const ONLY = process.env.BENCH_SCENARIOS?.split(',').map(Number)
const CPU_PROF = process.env.BENCH_CPU_PROF
const WAITS = process.env.BENCH_WAITS === '1'
const cores = availableParallelism()
const TICK = 100 // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

const ticksOf = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(f[11]) + Number(f[12]) // utime, stime (fields 14 and 15)
  } catch {
    return undefined
  }
}

/**
 * CPU ticks used so far by each PostgreSQL process working for this benchmark (Linux, with PostgreSQL on
 * this machine; else undefined): the backends of its two instances (their application names carry its
 * schema) and the cluster's background processes (WAL writer, checkpointer, …). Other clients of the same
 * cluster (other test runs) are left out.
 */
const pgTicks = async (client) => {
  try {
    const { rows } = await client.query(
      `select pid from pg_stat_activity where application_name like $1 or backend_type <> 'client backend'`,
      [`%${schema}%`],
    )
    const ticks = new Map()
    for (const { pid } of rows) {
      const t = ticksOf(pid)
      if (t !== undefined) ticks.set(pid, t)
    }
    return ticks.size > 0 ? ticks : undefined
  } catch {
    return undefined
  }
}
/** CPU seconds between two `pgTicks`; a process that began in between counts from 0. */
const pgCpuS = (before, after) => {
  if (!before || !after) return Number.NaN
  let ticks = 0
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0)
  return ticks / TICK
}

const start = (seed) =>
  startServer(
    join(here, 'pg-write-server.ts'),
    ['--import', 'tsx', ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [])],
    {
      BENCH_SCHEMA: schema,
      BENCH_SEED: seed ? '1' : '0',
      BENCH_DATABASE_URL: URL,
    },
  )
const autocannon = (url, connections, headers, body, duration) =>
  run(url, { method: 'POST', connections, headers, body }, duration)

const fresh = await freshSchema(URL, schema)
const instances = []
// Reads which PostgreSQL processes serve the benchmark, for their CPU time.
const watcher = new pg.Client({ connectionString: URL })
await watcher.connect()
try {
  console.log(`bench: createTask on PostgreSQL (schema ${schema}), ${DURATION}s per scenario, ${ROUNDS} rounds`)
  const a = start(true)
  instances.push(a)
  const info = await a.ready
  const b = start(false)
  instances.push(b)
  const infoB = await b.ready
  const path = `/v1/projects/${info.projectId}/tasks`
  const headers = { Authorization: `Bearer ${info.token}`, 'content-type': 'application/json' }
  const body = JSON.stringify({ title: 'Bench task', priority: 1 })
  const targets = [
    { server: a, port: info.port },
    { server: b, port: infoB.port },
  ]
  const scenarios = [
    { name: '1 writer, 1 instance', writers: 1, over: 1 },
    { name: '10 writers, 1 instance', writers: 10, over: 1 },
    { name: '16 writers, 1 instance', writers: 16, over: 1 },
    { name: '16 writers, 2 instances', writers: 16, over: 2 },
  ]
  const run = async (s, duration) => {
    const used = targets.slice(0, s.over)
    const before = await Promise.all(used.map((t) => t.server.cpu()))
    const pgBefore = await pgTicks(watcher)
    const waits = new Map()
    let sampling = WAITS
    const sampler = (async () => {
      if (!sampling) return
      const client = new pg.Client({ connectionString: URL })
      await client.connect()
      try {
        while (sampling) {
          const { rows } = await client.query(
            `select coalesce(wait_event_type || ':' || wait_event, state) as w, count(*)::int as n from pg_stat_activity
              where application_name like $1 group by 1`,
            [`%${schema}%`],
          )
          for (const r of rows) waits.set(r.w, (waits.get(r.w) ?? 0) + r.n)
          waits.set('(samples)', (waits.get('(samples)') ?? 0) + 1)
          await new Promise((r) => setTimeout(r, 50))
        }
      } finally {
        await client.end()
      }
    })()
    const results = await Promise.all(
      used.map((t) => autocannon(`http://127.0.0.1:${t.port}${path}`, s.writers / s.over, headers, body, duration)),
    )
    const after = await Promise.all(used.map((t) => t.server.cpu()))
    const pgAfter = await pgTicks(watcher)
    sampling = false
    await sampler
    return {
      pgCpuS: pgCpuS(pgBefore, pgAfter),
      waits,
      ok: results.reduce((n, r) => n + (r['2xx'] ?? 0), 0),
      failed: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
      duration: Math.max(...results.map((r) => r.duration)),
      cpuS: after.reduce((n, c, i) => n + c - before[i], 0),
      p50: Math.max(...results.map((r) => r.latency.p50)),
      p99: Math.max(...results.map((r) => r.latency.p99)),
    }
  }
  const load = loadavg()
  const totals = scenarios.map(() => undefined)
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? scenarios.keys() : [...scenarios.keys()].reverse()
    for (const i of order) {
      if (ONLY && !ONLY.includes(i + 1)) continue
      const s = scenarios[i]
      await run(s, 1) // warm-up
      const m = await run(s, DURATION)
      const t = totals[i]
      totals[i] = t
        ? {
            ok: t.ok + m.ok,
            failed: t.failed + m.failed,
            duration: t.duration + m.duration,
            cpuS: t.cpuS + m.cpuS,
            pgCpuS: t.pgCpuS + m.pgCpuS,
            waits: new Map(
              [...m.waits]
                .map(([k, v]) => [k, v + (t.waits.get(k) ?? 0)])
                .concat([...t.waits].filter(([k]) => !m.waits.has(k))),
            ),
            p50: Math.max(t.p50, m.p50),
            p99: Math.max(t.p99, m.p99),
          }
        : m
      console.log(
        `bench: round ${round + 1}/${ROUNDS} ${s.name}: ${(m.ok / m.duration).toFixed(0)} creates/s, p50 ${m.p50} ms, p99 ${m.p99} ms, server ${(m.cpuS / m.duration).toFixed(2)} + postgres ${(m.pgCpuS / m.duration).toFixed(2)} CPU-s/s (${m.failed} failed)`,
      )
      if (WAITS) {
        const n = m.waits.get('(samples)') || 1
        const top = [...m.waits]
          .filter(([k]) => k !== '(samples)')
          .sort((x, y) => y[1] - x[1])
          .slice(0, 8)
        console.log(
          `bench:   backends by wait (mean of ${n} samples): ${top.map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(', ')}`,
        )
      }
    }
  }
  const rate = (i) => (totals[i] ? totals[i].ok / totals[i].duration : Number.NaN)
  const f2 = (n) => n.toFixed(2)
  const lines = [
    `# createTask on PostgreSQL — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${DURATION} s per scenario after a 1 s warm-up, ${ROUNDS} interleaved rounds; pool of 10 connections per instance; load average at the start ${load.map((l) => l.toFixed(1)).join(', ')}, at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}; ${cores} cores.`,
    '',
    '| scenario | creates/s | p50 (ms) | p99 (ms) | server CPU ms per create | postgres CPU ms per create | server + postgres CPU-s/s | failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...scenarios.flatMap((s, i) => {
      const t = totals[i]
      if (!t) return []
      const per = (cpu) => f2((cpu * 1000) / Math.max(t.ok, 1))
      return [
        `| ${s.name} | ${rate(i).toFixed(0)} | ${t.p50} | ${t.p99} | ${per(t.cpuS)} | ${per(t.pgCpuS)} | ${f2(t.cpuS / t.duration)} + ${f2(t.pgCpuS / t.duration)} = ${f2((t.cpuS + t.pgCpuS) / t.duration)} of ${cores} | ${t.failed} |`,
      ]
    }),
    '',
    `- 16 writers vs 1 writer (one instance): ${f2(rate(2) / rate(0))}× (target ≥ 4×)`,
    `- 10 writers vs 1 writer (one instance): ${f2(rate(1) / rate(0))}×`,
    `- 2 instances vs 1 (16 writers): ${f2(rate(3) / rate(2))}× (target ≥ 1.6×)`,
    `- PostgreSQL CPU counts this benchmark's backends and the cluster's background processes only.`,
    `- Ceiling from CPU alone: with ${cores} cores and the CPU one create costs (server + postgres, 16 writers on one instance), at most ${
      totals[2] ? ((cores * totals[2].ok) / (totals[2].cpuS + totals[2].pgCpuS)).toFixed(0) : '?'
    } creates/s could be made on this machine by any number of instances, if nothing else ran on it (load average above says how much else did).`,
    '',
  ]
  console.log(`\n${lines.join('\n')}`)
} finally {
  await Promise.all(instances.map((i) => i.stop()))
  await watcher.end()
  await fresh.drop()
}
