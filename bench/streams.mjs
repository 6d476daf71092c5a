#!/usr/bin/env node
// `npm run bench:streams`: what open event streams cost the server. Starts Tasklane (streams-server.ts, the
// checkout under BENCH_ROOT or this one) on 127.0.0.1 and measures, from this process:
//
// 1. Server CPU per write while IDLE streams are open that see none of the writes (one user's, as a client
//    with many tabs would hold), in windows over WRITES sequential creates: flat when a write's cost does
//    not depend on streams that do not see it.
// 2. Delivery latency with many streams: STREAMS streams spread over the seeded users (groups of
//    BENCH_MEMBERS users share a project), RATE creates per second for SECONDS into those projects; each
//    create reaches the streams of its project's members. Prints p50/p99/max from the create being sent to
//    each stream receiving it, deliveries missing, server CPU, and /healthz latency meanwhile.
//
// Traffic goes to 127.0.0.1 only; every phase is bounded in connections and time. Prints numbers; nothing
// is asserted. Each stream is a socket in this process and in the server: both need `ulimit -n` above
// STREAMS (plus a few hundred).
import http from 'node:http'
import { loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(process.env.BENCH_ROOT ?? join(here, '..'))
const IDLE = Number(process.env.BENCH_IDLE ?? 20)
const WRITES = Number(process.env.BENCH_WRITES ?? 1500)
const WINDOW = Number(process.env.BENCH_WINDOW ?? 300)
const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000)
const USERS = Number(process.env.BENCH_USERS ?? 500)
const RATE = Number(process.env.BENCH_RATE ?? 100)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const OPEN_TIMEOUT_S = Number(process.env.BENCH_OPEN_TIMEOUT_S ?? 180)

const server = startServer(join(here, 'streams-server.ts'), ['--import', 'tsx'], {
  BENCH_ROOT: ROOT,
  BENCH_USERS: String(USERS),
})
const ready = await server.ready
const serverCpu = async () => (await server.cpu()) * 1000 // ms
// The server's process, for the message that startServer does not know ('loop').
const child = server.child

const serverLoop = () =>
  new Promise((resolve) => {
    const onMessage = (m) => {
      if (!m.loop) return
      child.off('message', onMessage)
      resolve(m.loop)
    }
    child.on('message', onMessage)
    child.send('loop')
  })

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
// /healthz on connections of its own, so that it measures the server and not the queue of writes.
const healthAgent = new http.Agent({ keepAlive: true, maxSockets: 4 })
const request = (method, path, token, body, via = agent) =>
  new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined
    const req = http.request(
      {
        host: '127.0.0.1',
        port: ready.port,
        method,
        path,
        agent: via,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })

/**
 * Opens one event stream on a socket of its own; `onTitle` gets the title of each task.created received.
 * Resolves once `ready` arrived, or with the refusal's status.
 */
function openStream(token, onTitle) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: ready.port,
        path: '/v1/events',
        agent: false,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          resolve({ status: res.statusCode })
          return
        }
        res.setEncoding('utf8')
        let carry = ''
        let opened = false
        res.on('data', (text) => {
          carry += text
          const end = carry.lastIndexOf('\n\n')
          if (end < 0) return
          const blocks = carry.slice(0, end)
          carry = carry.slice(end + 2)
          if (!opened && blocks.includes('event: ready')) {
            opened = true
            resolve({ status: 200, close: () => req.destroy() })
          }
          for (const match of blocks.matchAll(/"title":"w(\d+)"/g)) onTitle(Number(match[1]))
        })
      },
    )
    req.on('error', () => resolve({ status: 0 }))
    req.end()
  })
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]
const fmt = (n, d = 2) => (n === undefined ? '—' : n.toFixed(d))
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

console.log(`bench:streams — server from ${ROOT} (${ready.database}), load ${load()}`)

// 1. CPU per write with idle streams.
async function cpuPerWrite(streams) {
  const idle = []
  const user = ready.users[0]
  for (let i = 0; i < streams; i++) {
    const s = await openStream(user.token, () => {})
    if (s.status !== 200) throw new Error(`an idle stream was refused: ${s.status}`)
    idle.push(s)
  }
  const windows = []
  let n = 0
  while (n < WRITES) {
    const before = await serverCpu()
    const started = performance.now()
    for (let i = 0; i < WINDOW && n < WRITES; i++, n++) {
      const res = await request('POST', `/v1/projects/${ready.privateProjectId}/tasks`, ready.writerToken, {
        title: `idle ${n}`,
      })
      if (res.status !== 201) throw new Error(`createTask answered ${res.status}: ${res.body}`)
    }
    windows.push({
      upTo: n,
      cpuMs: ((await serverCpu()) - before) / WINDOW,
      wallMs: (performance.now() - started) / WINDOW,
    })
  }
  for (const s of idle) s.close()
  // The server frees a stream's slot once it sees the socket close.
  await new Promise((r) => setTimeout(r, 1000))
  return windows
}
for (const streams of [0, IDLE]) {
  const windows = await cpuPerWrite(streams)
  console.log(
    `idle streams ${String(streams).padStart(3)}: server CPU per write by window of ${WINDOW} writes: ` +
      windows.map((w) => `${fmt(w.cpuMs)} ms`).join(', ') +
      ` (last/first ${fmt((windows.at(-1)?.cpuMs ?? 0) / (windows[0]?.cpuMs ?? 1))}×)`,
  )
}

// 2. Latency with many streams.
const sent = new Map()
const latencies = []
/** Pairs (write, time received), to set against when the write was answered. */
const arrivals = []
const answered = new Map()
const streamsOf = new Map()
let opened = 0
let refused = 0
const openStarted = performance.now()
const perUser = Math.ceil(STREAMS / ready.users.length)
const wanted = []
for (let k = 0; k < perUser; k++) for (const user of ready.users) if (wanted.length < STREAMS) wanted.push(user)
const handles = []
for (let i = 0; i < wanted.length; i += 200) {
  if ((performance.now() - openStarted) / 1000 > OPEN_TIMEOUT_S) break
  const batch = wanted.slice(i, i + 200)
  const results = await Promise.all(
    batch.map((user) =>
      openStream(user.token, (title) => {
        const at = sent.get(title)
        if (at === undefined) return
        const now = performance.now()
        latencies.push(now - at)
        arrivals.push(title, now)
      }),
    ),
  )
  results.forEach((r, j) => {
    if (r.status !== 200) {
      refused++
      return
    }
    opened++
    handles.push(r)
    const projectId = batch[j].projectId
    streamsOf.set(projectId, (streamsOf.get(projectId) ?? 0) + 1)
  })
}
const openS = (performance.now() - openStarted) / 1000
console.log(
  `opened ${opened} of ${wanted.length} streams over ${ready.users.length} users in ${fmt(openS, 1)} s (${refused} refused), load ${load()}`,
)

// What the open streams cost while nothing is written (heartbeats, credential checks).
{
  const before = await serverCpu()
  await new Promise((r) => setTimeout(r, 3000))
  console.log(
    `${opened} open streams, nothing written: server CPU ${fmt(((await serverCpu()) - before) / 30, 1)}% of a core`,
  )
}

const health = []
const healthTimer = setInterval(async () => {
  const t = performance.now()
  const res = await request('GET', '/healthz', undefined, undefined, healthAgent).catch(() => undefined)
  if (res?.status === 200) health.push(performance.now() - t)
}, 100)
const cpuBefore = await serverCpu()
const clientCpuBefore = process.cpuUsage()
await serverLoop()
const writeStarted = performance.now()
let expected = 0
let writeErrors = 0
const writeLatencies = []
const total = RATE * SECONDS
const inFlight = []
for (let n = 0; n < total; n++) {
  const due = writeStarted + (n * 1000) / RATE
  const wait = due - performance.now()
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  const projectId = ready.projects[n % ready.projects.length]
  expected += streamsOf.get(projectId) ?? 0
  const at = performance.now()
  sent.set(n, at)
  inFlight.push(
    request('POST', `/v1/projects/${projectId}/tasks`, ready.writerToken, { title: `w${n}` }).then(
      (res) => {
        if (res.status !== 201) writeErrors++
        else {
          answered.set(n, performance.now())
          writeLatencies.push(performance.now() - at)
        }
      },
      () => writeErrors++,
    ),
  )
}
await Promise.all(inFlight)
const writeS = (performance.now() - writeStarted) / 1000
// Let the last deliveries arrive (bounded).
for (const until = performance.now() + 5000; latencies.length < expected && performance.now() < until; ) {
  await new Promise((r) => setTimeout(r, 50))
}
const cpuMs = (await serverCpu()) - cpuBefore
const loop = await serverLoop()
const clientCpu = process.cpuUsage(clientCpuBefore)
const clientMs = (clientCpu.user + clientCpu.system) / 1000
clearInterval(healthTimer)
latencies.sort((a, b) => a - b)
health.sort((a, b) => a - b)
writeLatencies.sort((a, b) => a - b)
// After the create was answered (0 when the event came first): what the stream adds to the write.
const afterCommit = []
for (let i = 0; i < arrivals.length; i += 2) {
  const done = answered.get(arrivals[i])
  if (done !== undefined) afterCommit.push(Math.max(0, arrivals[i + 1] - done))
}
afterCommit.sort((a, b) => a - b)
console.log(
  `${total} writes in ${fmt(writeS, 1)} s (${fmt(total / writeS, 0)}/s, ${writeErrors} failed) to ${opened} streams: ` +
    `${latencies.length} of ${expected} deliveries, latency p50 ${fmt(percentile(latencies, 50), 1)} ms, ` +
    `p99 ${fmt(percentile(latencies, 99), 1)} ms, max ${fmt(latencies.at(-1), 1)} ms (from the create being sent; ` +
    `the create's own answer took p50 ${fmt(percentile(writeLatencies, 50), 1)} ms, p99 ${fmt(percentile(writeLatencies, 99), 1)} ms; ` +
    `after that answer p50 ${fmt(percentile(afterCommit, 50), 1)} ms, p99 ${fmt(percentile(afterCommit, 99), 1)} ms); ` +
    `server CPU ${fmt((cpuMs / 1000 / writeS) * 100, 0)}% of a core (${fmt(cpuMs / total)} ms per write); ` +
    `server event-loop delay p50 ${fmt(loop.p50, 1)} ms, p99 ${fmt(loop.p99, 1)} ms; ` +
    `/healthz p50 ${fmt(percentile(health, 50), 1)} ms, p99 ${fmt(percentile(health, 99), 1)} ms; ` +
    `this client used ${fmt((clientMs / 1000 / writeS) * 100, 0)}% of a core; load ${load()}`,
)

for (const h of handles) h.close()
agent.destroy()
healthAgent.destroy()
await server.stop()
