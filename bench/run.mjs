#!/usr/bin/env node
// `npm run bench`: Tasklane next to a bare node:http server, both in child processes, load from a third
// process (autocannon) on 127.0.0.1, each scenario for a fixed time. Reports requests per second of server
// CPU (the server process's own user+system time, read over IPC before and after each run) and p50/p99
// latency, each as a ratio to the bare server, as a markdown table in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { root, autocannon as run, startServer } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))

const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
// Rounds alternate which server goes first, and each scenario's numbers are summed over the rounds, so a
// burst of load from elsewhere on the machine falls on both servers alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
// BENCH_ONLY=search runs the scenarios whose name contains "search" (case-insensitive); a comma separates
// several (BENCH_ONLY=getTask,createTask).
const ONLY = (process.env.BENCH_ONLY ?? '').toLowerCase().split(',').filter(Boolean)

const start = startServer
const autocannon = (url, { connections = CONNECTIONS, ...options } = {}, duration = DURATION) =>
  run(url, { connections, ...options }, duration)

// BENCH_PROFILE=<dir> writes a CPU profile of Tasklane's measured run of each scenario there (the
// profiler's own cost lands in the numbers, so use it to find where time goes, not for the table).
const PROFILE = process.env.BENCH_PROFILE

async function measure(server, url, options, profileAs) {
  // A short warm-up so JIT and caches are in the same state for both servers.
  await autocannon(url, options, 1)
  if (PROFILE && profileAs) await server.profile(null)
  const before = await server.cpu()
  const result = await autocannon(url, options)
  const cpuS = (await server.cpu()) - before
  if (PROFILE && profileAs) {
    mkdirSync(PROFILE, { recursive: true })
    await server.profile(join(PROFILE, `${profileAs}.cpuprofile`))
  }
  const ok = result['2xx'] ?? 0
  return {
    ok,
    duration: result.duration,
    cpuS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  }
}

console.log(`bench: ${DURATION}s per scenario, ${CONNECTIONS} connections; seeding Tasklane…`)
const bare = start(join(here, 'bare-server.mjs'))
const tasklane = start(join(here, 'tasklane-server.ts'), ['--import', 'tsx'])
const [bareInfo, info] = await Promise.all([bare.ready, tasklane.ready])
console.log(`bench: ${info.tasks} tasks seeded in ${info.seedMs} ms; searches: ${JSON.stringify(info.searches)}`)
// The hand-tuned peer (fastify + ajv + jose + raw better-sqlite3 on a copy of the seeded database) serves
// getTask only; its scenario runs it in the same interleaved rounds.
const peer = info.peerDb ? start(join(here, 'peer-server.mjs'), [], { PEER_DB: info.peerDb }) : undefined
const peerInfo = await peer?.ready
if (peerInfo) {
  const body = async (port) =>
    (
      await fetch(`http://127.0.0.1:${port}/v1/tasks/${info.taskId}`, {
        headers: { Authorization: `Bearer ${info.token}` },
      })
    ).text()
  const [ours, theirs] = await Promise.all([body(info.port), body(peerInfo.port)])
  if (ours !== theirs) throw new Error(`the peer's getTask body differs from Tasklane's:\n${theirs}\n${ours}`)
}

const auth = { Authorization: `Bearer ${info.token}` }
const list = `/v1/projects/${info.projectId}/tasks`
const search = (q, matches, extra = {}) => ({
  name: `search q=${decodeURIComponent(q)} (${matches} matches)${extra.connections === 1 ? ', 1 connection' : ''}`,
  path: `${list}?q=${q}`,
  options: { headers: auth, ...extra },
  search: true,
})
const [frequent, rarer, two, prefix3, prefix2] = info.searches
const all = [
  { name: 'getTask (authenticated)', path: `/v1/tasks/${info.taskId}`, options: { headers: auth }, peer: true },
  { name: 'listTasks, first page', path: list, options: { headers: auth } },
  { name: 'listTasks, page 500 of 100k', path: `${list}?cursor=${info.deepCursor}`, options: { headers: auth } },
  search(frequent.q, frequent.matches),
  // The same search from one client at a time: its latency without waiting behind other requests.
  search(frequent.q, frequent.matches, { connections: 1 }),
  search(rarer.q, rarer.matches),
  search(two.q, two.matches),
  // Search as you type: the first letters of a frequent word.
  search(prefix3.q, prefix3.matches),
  search(prefix2.q, prefix2.matches),
  {
    name: `search q=${frequent.q} in a project of ${info.smallTasks} tasks (next to the 100k)`,
    path: `/v1/projects/${info.smallProjectId}/tasks?q=${frequent.q}`,
    options: { headers: auth },
    search: true,
  },
  {
    name: 'createTask',
    path: `/v1/projects/${info.writeProjectId}/tasks`,
    options: {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Bench task', priority: 1 }),
    },
  },
]
const scenarios = all.filter((s) => ONLY.length === 0 || ONLY.some((o) => s.name.toLowerCase().includes(o)))

function sum(a, b) {
  if (!a) return b
  return {
    ok: a.ok + b.ok,
    duration: a.duration + b.duration,
    cpuS: a.cpuS + b.cpuS,
    p50: Math.max(a.p50, b.p50),
    p99: Math.max(a.p99, b.p99),
    non2xx: a.non2xx + b.non2xx,
    total: a.total + b.total,
  }
}
const totals = scenarios.map(() => ({ b: undefined, t: undefined, p: undefined }))
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, s] of scenarios.entries()) {
    const order = [...(round % 2 === 0 ? ['b', 't'] : ['t', 'b']), ...(s.peer && peer ? ['p'] : [])]
    if (round % 2 === 1 && order.includes('p')) order.unshift(order.pop())
    for (const which of order) {
      const server = which === 'b' ? bare : which === 'p' ? peer : tasklane
      const port = which === 'b' ? bareInfo.port : which === 'p' ? peerInfo.port : info.port
      const profileAs = which === 't' && `${s.name.replace(/[^A-Za-z0-9=]+/g, '-')}-round${round + 1}`
      const m = await measure(server, `http://127.0.0.1:${port}${s.path}`, s.options, profileAs)
      totals[i][which] = sum(totals[i][which], m)
    }
    const { b, t } = totals[i]
    console.log(
      `bench: round ${round + 1}/${ROUNDS} ${s.name}: bare ${(b.ok / b.duration).toFixed(0)} req/s, tasklane ${(t.ok / t.duration).toFixed(0)} req/s, p50 ${t.p50} ms (${t.non2xx} non-2xx)`,
    )
  }
}
const rows = scenarios.map((s, i) => {
  const { b, t, p } = totals[i]
  // Mean latency by Little's law (connections ÷ requests per second): exact where autocannon's
  // percentiles are whole milliseconds, which cannot tell 1.1 ms from 1.9 ms.
  const connections = s.options?.connections ?? CONNECTIONS
  const finish = (m) =>
    m && { ...m, rps: m.ok / m.duration, perCpu: m.ok / m.cpuS, meanMs: (connections * m.duration * 1000) / m.total }
  return { s, b: finish(b), t: finish(t), p: finish(p) }
})
await Promise.all([bare.stop(), tasklane.stop(), peer?.stop()])

const f0 = (n) => n.toFixed(0)
const f2 = (n) => n.toFixed(2)
const lines = [
  `# Tasklane benchmark — ${new Date().toISOString()}`,
  '',
  `Node ${process.version}, ${CONNECTIONS} connections unless stated, ${DURATION} s per scenario after a 1 s warm-up, ${ROUNDS} interleaved rounds (req/s and req/CPU-s summed over them, p50/p99 the worst round's), ${info.database === 'postgres' ? 'PostgreSQL' : 'SQLite'}, ${info.tasks} tasks in the project, rate limits off, log level ${process.env.BENCH_LOG_LEVEL ?? 'info'}. Load average at the start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(
      ', ',
    )}. Load from a separate autocannon process on 127.0.0.1. "req/CPU-s" = successful requests per second of the server process's own CPU time.`,
  '',
  '| scenario | bare req/s | Tasklane req/s | bare req/CPU-s | Tasklane req/CPU-s | req/CPU-s ratio | p50 bare / Tasklane (ms) | p50 ratio | p99 bare / Tasklane (ms) | p99 ratio | Tasklane non-2xx |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    ({ s, b, t }) =>
      `| ${s.name} | ${f0(b.rps)} | ${f0(t.rps)} | ${f0(b.perCpu)} | ${f0(t.perCpu)} | ${f2(t.perCpu / b.perCpu)}× | ${b.p50} / ${t.p50} | ${f2(t.p50 / Math.max(b.p50, 0.5))}× | ${b.p99} / ${t.p99} | ${f2(t.p99 / Math.max(b.p99, 0.5))}× | ${t.non2xx} |`,
  ),
  '',
]
const row = (name) => rows.find((r) => r.s.name.startsWith(name))
const verdict = (ok) => (ok ? 'met' : '**not met**')
const targets = []
const get = row('getTask')
if (get) {
  const ratio = get.t.perCpu / get.b.perCpu
  targets.push(`- getTask ≥ 0.25× bare req/CPU-s: ${f2(ratio)}× — ${verdict(ratio >= 0.25)}`)
  if (get.p) {
    const toPeer = get.t.perCpu / get.p.perCpu
    targets.push(
      `- getTask ≥ 1.0× the hand-tuned peer (fastify + ajv + jose + raw better-sqlite3) in req/CPU-s: ${f2(toPeer)}× (peer ${f0(get.p.perCpu)} req/CPU-s, ${f2(get.p.perCpu / get.b.perCpu)}× bare; p50 peer / Tasklane ${get.p.p50} / ${get.t.p50} ms) — ${verdict(toPeer >= 1)}`,
    )
  }
}
const list1 = row('listTasks, first page')
if (list1) {
  const ratio = list1.t.perCpu / list1.b.perCpu
  targets.push(`- listTasks page 1 ≥ 0.15× bare req/CPU-s: ${f2(ratio)}× — ${verdict(ratio >= 0.15)}`)
}
const create = row('createTask')
if (create) {
  const ratio = create.t.perCpu / create.b.perCpu
  targets.push(`- createTask ≥ 0.07× bare req/CPU-s: ${f2(ratio)}× — ${verdict(ratio >= 0.07)}`)
}
const [first, deep] = [row('listTasks, first page'), row('listTasks, page 500')]
if (first && deep) {
  targets.push(
    `- page 500 within 1.2× of page 1: req/CPU-s ${f2(first.t.perCpu / deep.t.perCpu)}× lower, mean latency ${f2(deep.t.meanMs)} / ${f2(first.t.meanMs)} ms = ${f2(deep.t.meanMs / first.t.meanMs)}× (p50 ${deep.t.p50} / ${first.t.p50} ms) — ${verdict(first.t.perCpu / deep.t.perCpu <= 1.2 && deep.t.meanMs <= first.t.meanMs * 1.2)}`,
  )
}
for (const r of rows.filter((r) => r.s.search)) {
  targets.push(
    `- ${r.s.name}: p50 ${r.t.p50} ms (< 20), p99 ${r.t.p99} ms (< 100) — ${verdict(r.t.p50 < 20 && r.t.p99 < 100)}; ${f0(r.t.perCpu)} searches per CPU-second`,
  )
}
lines.push(
  '## Targets',
  '',
  ...targets,
  '',
  'Latency is measured under load (all connections busy), so p50 includes queueing; autocannon reports whole milliseconds (the page-500 target uses the mean latency instead: connections ÷ req/s). On a shared machine numbers move by ±10–20% between runs.',
  '',
)
const text = lines.join('\n')
mkdirSync(join(here, 'results'), { recursive: true })
const file = join(here, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.md`)
writeFileSync(file, text)
writeFileSync(join(here, 'results', 'latest.md'), text)
console.log(`\n${text}\nbench: written to ${file.slice(root.length + 1)}`)
