#!/usr/bin/env node
// `npm run bench:uploads`: upload and download of one large file (100 MB by default) through Tasklane (the
// built CLI, SQLite, local disk driver) and through a bare node:http server that copies the same bytes to
// disk and back (bare-files-server.mjs), in interleaved rounds. Reports MB/s, each server's RSS sampled
// every 50 ms during each transfer (it must stay flat: bodies are streamed, never held whole), the ratios,
// and the load average. Writes a markdown table to bench/results/.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { buildServer, load, root, rssMb, sampleRss, sleep, startTasklane, userAndProject } from './cli-server.mjs'

const MB = 1024 * 1024
const SIZE_MB = Number(process.env.BENCH_FILE_MB ?? 100)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

/** Sends `file` as the body of a POST to `url`; answers the parsed JSON response. */
async function upload(url, file, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...headers } })
    req.on('response', (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        if (res.statusCode !== 201) reject(new Error(`upload answered ${res.statusCode}: ${body}`))
        else resolve(JSON.parse(body))
      })
    })
    req.on('error', reject)
    pipeline(createReadStream(file, { highWaterMark: MB }), req).catch(reject)
  })
}

/** GETs `url` and counts the body's bytes without keeping them. */
async function download(url, headers = {}) {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`download answered ${res.statusCode}`))
      let bytes = 0
      pipeline(
        res,
        new Writable({
          write(chunk, _, done) {
            bytes += chunk.length
            done()
          },
        }),
      ).then(() => resolve(bytes), reject)
    })
      .on('error', reject)
      .end()
  })
}

/** Runs `transfer` while sampling `pid`'s RSS; answers MB/s and the RSS before and at its peak. */
async function timed(pid, transfer) {
  await sleep(200) // let the last transfer's garbage settle
  const before = rssMb(pid)
  const sampler = sampleRss(pid)
  const start = process.hrtime.bigint()
  const bytes = await transfer()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const rss = sampler.stop()
  return { mbps: bytes / MB / seconds, rssBefore: before, rssPeak: rss.max, samples: rss.count }
}

async function startBare() {
  const child = spawn(process.execPath, [join(root, 'bench/bare-files-server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (s) => {
      const m = /at (http:\/\/\S+)/.exec(s)
      if (m) resolve(m[1])
    })
  })
  return { url, pid: child.pid, stop: () => child.kill('SIGTERM') }
}

buildServer()
const work = mkdtempSync(join(tmpdir(), 'tasklane-bench-file-'))
const file = join(work, 'big.bin')
{
  // Random bytes: no type to sniff, nothing to compress.
  const out = createWriteStream(file)
  for (let i = 0; i < SIZE_MB; i++) if (!out.write(randomBytes(MB))) await new Promise((r) => out.once('drain', r))
  await new Promise((r) => out.end(r))
}
const loadAtStart = load()
console.log(`bench:uploads: ${SIZE_MB} MB file, ${ROUNDS} rounds; load average ${loadAtStart}`)

const tasklane = await startTasklane({
  ATTACHMENT_MAX_BYTES: String((SIZE_MB + 1) * MB),
  PROJECT_STORAGE_QUOTA_BYTES: String((SIZE_MB + 1) * MB * (ROUNDS + 1)),
})
const bare = await startBare()
const { token, projectId } = await userAndProject(tasklane.url)
const auth = { authorization: `Bearer ${token}` }

const servers = {
  tasklane: {
    pid: tasklane.pid,
    up: async () =>
      (await upload(`${tasklane.url}/v1/projects/${projectId}/attachments?filename=big.bin`, file, auth)).id,
    down: (id) => download(`${tasklane.url}/v1/attachments/${id}/content`, auth),
  },
  bare: {
    pid: bare.pid,
    up: async () => (await upload(`${bare.url}/upload`, file)).id,
    down: (id) => download(`${bare.url}/files/${id}`),
  },
}
const results = { tasklane: { up: [], down: [] }, bare: { up: [], down: [] } }
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ['tasklane', 'bare'] : ['bare', 'tasklane']
  for (const name of order) {
    const s = servers[name]
    let id
    results[name].up.push(
      await timed(s.pid, async () => {
        id = await s.up()
        return SIZE_MB * MB
      }),
    )
    results[name].down.push(await timed(s.pid, () => s.down(id)))
  }
  console.log(`round ${round + 1}/${ROUNDS} done`)
}
await tasklane.stop()
bare.stop()
rmSync(work, { recursive: true, force: true })

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const row = (what, t, b) => {
  const tm = median(t.map((r) => r.mbps))
  const bm = median(b.map((r) => r.mbps))
  const growth = (rs) => Math.max(...rs.map((r) => r.rssPeak - r.rssBefore))
  const peak = (rs) => Math.max(...rs.map((r) => r.rssPeak))
  return `| ${what} | ${tm.toFixed(0)} | ${bm.toFixed(0)} | ${(tm / bm).toFixed(2)} | ${peak(t).toFixed(0)} (+${growth(t).toFixed(1)}) | ${peak(b).toFixed(0)} (+${growth(b).toFixed(1)}) |`
}
const text = `# Upload and download of a ${SIZE_MB} MB file: Tasklane vs a bare node:http copy

${new Date().toISOString()}, Node ${process.version}, ${ROUNDS} interleaved rounds (median MB/s), Tasklane as \`tasklane serve\` on SQLite with the local disk driver (raw-body upload: streamed to a temporary file with SHA-256 and type sniffing on the way, fsync, rename; download with the attachment headers), the bare server copying to a temporary file with fsync and rename and streaming it back. Client and both servers on 127.0.0.1. RSS sampled every 50 ms during each transfer: peak, and (in brackets) the largest growth over the RSS just before a transfer.
Load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${load()}.

| transfer | Tasklane MB/s | bare MB/s | Tasklane / bare | Tasklane RSS peak MB (growth) | bare RSS peak MB (growth) |
|---|---:|---:|---:|---:|---:|
${row('upload', results.tasklane.up, results.bare.up)}
${row('download', results.tasklane.down, results.bare.down)}

Per round, MB/s (Tasklane / bare): upload ${results.tasklane.up.map((r, i) => `${r.mbps.toFixed(0)}/${results.bare.up[i].mbps.toFixed(0)}`).join(', ')}; download ${results.tasklane.down.map((r, i) => `${r.mbps.toFixed(0)}/${results.bare.down[i].mbps.toFixed(0)}`).join(', ')}.
`
console.log(`\n${text}`)
mkdirSync(join(root, 'bench/results'), { recursive: true })
writeFileSync(join(root, 'bench/results', `uploads-${new Date().toISOString().replace(/[:.]/g, '-')}.md`), text)
