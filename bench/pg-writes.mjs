#!/usr/bin/env node
// `npm run bench:pg-writes`: createTask on PostgreSQL as writers and instances are added. Starts two
// Tasklane instances (pg-write-server.ts) on one new schema of the local PostgreSQL, then drives createTask
// with autocannon from separate processes: 1, 10 and 16 concurrent writers against one instance, and 16
// writers split over both. Scenarios are interleaved over rounds so load from elsewhere on the machine falls
// on all alike. Prints creates per second (wall clock), p50/p99, server CPU per create, and the ratios the
// change log's design is judged by (16 writers vs 1; 2 instances vs 1), with the machine's load average.
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { autocannon as run, startServer } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const schema = `bench_writes_${randomBytes(4).toString('hex')}`

const admin = async (text) => {
  const client = new pg.Client({ connectionString: URL })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

const start = (seed) =>
  startServer(join(here, 'pg-write-server.ts'), ['--import', 'tsx'], {
    BENCH_SCHEMA: schema,
    BENCH_SEED: seed ? '1' : '0',
    BENCH_DATABASE_URL: URL,
  })
const autocannon = (url, connections, headers, body, duration) =>
  run(url, { method: 'POST', connections, headers, body }, duration)

await admin(`create schema ${schema}`)
const instances = []
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
    const results = await Promise.all(
      used.map((t) => autocannon(`http://127.0.0.1:${t.port}${path}`, s.writers / s.over, headers, body, duration)),
    )
    const after = await Promise.all(used.map((t) => t.server.cpu()))
    return {
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
            p50: Math.max(t.p50, m.p50),
            p99: Math.max(t.p99, m.p99),
          }
        : m
      console.log(
        `bench: round ${round + 1}/${ROUNDS} ${s.name}: ${(m.ok / m.duration).toFixed(0)} creates/s, p50 ${m.p50} ms, p99 ${m.p99} ms (${m.failed} failed)`,
      )
    }
  }
  const rate = (i) => totals[i].ok / totals[i].duration
  const f2 = (n) => n.toFixed(2)
  const lines = [
    `# createTask on PostgreSQL — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${DURATION} s per scenario after a 1 s warm-up, ${ROUNDS} interleaved rounds; pool of 10 connections per instance; load average at the start ${load.map((l) => l.toFixed(1)).join(', ')}, at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}.`,
    '',
    '| scenario | creates/s | p50 (ms) | p99 (ms) | server CPU ms per create | failed |',
    '|---|---:|---:|---:|---:|---:|',
    ...scenarios.map((s, i) => {
      const t = totals[i]
      return `| ${s.name} | ${rate(i).toFixed(0)} | ${t.p50} | ${t.p99} | ${f2((t.cpuS * 1000) / Math.max(t.ok, 1))} | ${t.failed} |`
    }),
    '',
    `- 16 writers vs 1 writer (one instance): ${f2(rate(2) / rate(0))}× (target ≥ 4×)`,
    `- 10 writers vs 1 writer (one instance): ${f2(rate(1) / rate(0))}×`,
    `- 2 instances vs 1 (16 writers): ${f2(rate(3) / rate(2))}× (target ≥ 1.6×)`,
    '',
  ]
  console.log(`\n${lines.join('\n')}`)
} finally {
  await Promise.all(instances.map((i) => i.stop()))
  await admin(`drop schema ${schema} cascade`)
}
