#!/usr/bin/env node
// `npm run bench:webhooks`: what webhooks cost a write. One Tasklane (the built CLI, SQLite, default queue
// settings) with two projects: one with no webhook endpoints, one with 3 endpoints subscribed to `task.*`
// that point at a receiver on 127.0.0.1 answering 204 at once. autocannon (a process of its own) creates
// tasks in one project, then in the other, in interleaved rounds. For each: createTask req/s and req per
// CPU-second of the server while the load runs; and, with endpoints, the time until every delivery has
// arrived, deliveries/s over the whole run, and req per CPU-second counting the server's CPU until the last
// delivery (the whole cost of a write: its transaction, its 3 queued jobs, their signing and sending).
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { buildServer, call, cpuSeconds, load, root, sleep, startTasklane, userAndProject } from './cli-server.mjs'
import { autocannon as run } from './lib.mjs'

const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const ENDPOINTS = 3
const DRAIN_LIMIT_MS = 180_000

const autocannon = (url, token, duration) =>
  run(
    url,
    {
      method: 'POST',
      connections: CONNECTIONS,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: 'Benchmark task' }),
    },
    duration,
  )

// The receiver counts deliveries by webhook-id (a repeat is an attempt whose answer the server did not
// record in time, e.g. past WEBHOOK_TIMEOUT_MS); it does not verify signatures (the receiver's CPU, not the
// server's).
let delivered = 0
let repeats = 0
const seen = new Set()
const receiver = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    const id = String(req.headers['webhook-id'])
    if (seen.has(id)) repeats++
    else {
      seen.add(id)
      delivered++
    }
    res.statusCode = 204
    res.end()
  })
})
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve))
const receiverUrl = `http://127.0.0.1:${receiver.address().port}`

buildServer()
const loadAtStart = load()
console.log(
  `bench:webhooks: ${DURATION}s per scenario, ${CONNECTIONS} connections, ${ROUNDS} rounds; load ${loadAtStart}`,
)
const server = await startTasklane({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_TARGETS: '127.0.0.1' })
const { token, projectId: plain } = await userAndProject(server.url, 'No webhooks')
const { id: hooked } = await call(server.url, 'POST', '/v1/projects', {
  token,
  body: { name: 'Webhooks' },
  expect: 201,
})
for (let i = 0; i < ENDPOINTS; i++) {
  await call(server.url, 'POST', `/v1/projects/${hooked}/webhooks`, {
    token,
    body: { url: `${receiverUrl}/hook${i}`, eventTypes: ['task.*'] },
    expect: 201,
  })
}

async function scenario(projectId, endpoints, duration = DURATION) {
  const url = `${server.url}/v1/projects/${projectId}/tasks`
  const deliveredBefore = delivered
  const repeatsBefore = repeats
  const cpuBefore = cpuSeconds(server.pid)
  const start = Date.now()
  const result = await autocannon(url, token, duration)
  const cpuLoad = cpuSeconds(server.pid) - cpuBefore
  const created = result['2xx'] ?? 0
  const expected = created * endpoints
  while (delivered - deliveredBefore < expected && Date.now() - start < DRAIN_LIMIT_MS) await sleep(20)
  const seconds = (Date.now() - start) / 1000
  return {
    created,
    failed: result.non2xx + result.errors + result.timeouts,
    duration: result.duration,
    cpuLoad,
    cpuAll: cpuSeconds(server.pid) - cpuBefore,
    drainS: Math.max(0, seconds - result.duration),
    deliveries: delivered - deliveredBefore,
    repeats: repeats - repeatsBefore,
    expected,
    seconds,
  }
}

// Warm-up, so JIT and caches are in the same state for both.
await scenario(plain, 0, 1)
await scenario(hooked, ENDPOINTS, 1)
const runs = { 0: [], [ENDPOINTS]: [] }
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? [0, ENDPOINTS] : [ENDPOINTS, 0]
  for (const endpoints of order) runs[endpoints].push(await scenario(endpoints ? hooked : plain, endpoints))
  console.log(`round ${round + 1}/${ROUNDS} done`)
}
await server.stop()
receiver.close()

const sum = (rs, k) => rs.reduce((n, r) => n + r[k], 0)
const summary = (rs) => ({
  created: sum(rs, 'created'),
  failed: sum(rs, 'failed'),
  reqS: sum(rs, 'created') / sum(rs, 'duration'),
  perCpu: sum(rs, 'created') / sum(rs, 'cpuLoad'),
  perCpuAll: sum(rs, 'created') / sum(rs, 'cpuAll'),
  deliveries: sum(rs, 'deliveries'),
  repeats: sum(rs, 'repeats'),
  expected: sum(rs, 'expected'),
  deliveriesS: sum(rs, 'deliveries') / sum(rs, 'seconds'),
  drainS: Math.max(...rs.map((r) => r.drainS)),
})
const none = summary(runs[0])
const three = summary(runs[ENDPOINTS])
const f = (n, d = 0) => n.toFixed(d)
const text = `# Webhooks: createTask with 0 and with ${ENDPOINTS} endpoints subscribed

${new Date().toISOString()}, Node ${process.version}; \`tasklane serve\` on SQLite, default queue settings (QUEUE_CONCURRENCY 10, QUEUE_POLL_MS 1000), rate limits off; autocannon ${CONNECTIONS} connections, ${DURATION} s per scenario, ${ROUNDS} interleaved rounds (sums over the rounds); receiver on 127.0.0.1 answering 204. "CPU-s" is the server process's user+system time (/proc). Load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${load()}.

| | 0 endpoints | ${ENDPOINTS} endpoints | ratio (${ENDPOINTS} / 0) |
|---|---:|---:|---:|
| tasks created (non-2xx) | ${none.created} (${none.failed}) | ${three.created} (${three.failed}) | |
| createTask req/s | ${f(none.reqS)} | ${f(three.reqS)} | ${f(three.reqS / none.reqS, 2)} |
| createTask req/CPU-s, during the load | ${f(none.perCpu)} | ${f(three.perCpu)} | ${f(three.perCpu / none.perCpu, 2)} |
| createTask req/CPU-s, until the last delivery | ${f(none.perCpuAll)} | ${f(three.perCpuAll)} | ${f(three.perCpuAll / none.perCpuAll, 2)} |
| deliveries received (distinct webhook-id) / expected; repeats | | ${three.deliveries} / ${three.expected}; ${three.repeats} | |
| deliveries/s (load start to last delivery) | | ${f(three.deliveriesS)} | |
| longest wait after the load for the last delivery | | ${f(three.drainS, 1)} s | |

Server CPU per write: ${f((1000 * sum(runs[0], 'cpuAll')) / none.created, 2)} ms with no endpoints, ${f((1000 * sum(runs[ENDPOINTS], 'cpuAll')) / three.created, 2)} ms with ${ENDPOINTS} (each delivery: ${f((1000 * (sum(runs[ENDPOINTS], 'cpuAll') / three.created - sum(runs[0], 'cpuAll') / none.created)) / ENDPOINTS, 2)} ms).
`
console.log(`\n${text}`)
mkdirSync(join(root, 'bench/results'), { recursive: true })
writeFileSync(join(root, 'bench/results', `webhooks-${new Date().toISOString().replace(/[:.]/g, '-')}.md`), text)
