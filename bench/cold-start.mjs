#!/usr/bin/env node
// `npm run bench:cold-start`: starts `tasklane serve` (what `npm start` runs) N times, each on a fresh SQLite
// data directory, and reports per start: the child's CPU time (user+system of every thread, from
// /proc/<pid>/stat) at its first `/readyz` 200, the wall time from spawn to that answer, and its resident
// memory (VmRSS) once it has been idle for a moment. Linux only (it reads /proc).
//
//   node bench/cold-start.mjs [--runs 5] [--idle-ms 2000] [-- <command to start the server…>]
//
// Without a command it runs `node server/bin/tasklane.js serve`; pass another (e.g. an old checkout's CLI)
// to compare. Targets: under 500 ms of CPU and under 100 MB idle RSS.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '5' }, 'idle-ms': { type: 'string', default: '2000' } },
})
const RUNS = Number(values.runs)
const IDLE_MS = Number(values['idle-ms'])
const command = positionals.length ? positionals : [process.execPath, join(root, 'server/bin/tasklane.js'), 'serve']

// utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (USER_HZ, 100 on Linux); the
// command name in field 2 may hold spaces, so fields are counted after its closing parenthesis.
const TICK_MS = 10
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}
function rssMb(pid) {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb) / 1024
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function once() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-cold-start-'))
  const started = performance.now()
  const child = spawn(command[0], command.slice(1), {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s) => {
    stdout += s
  })
  child.stderr.setEncoding('utf8').on('data', (s) => {
    stderr += s
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    let url
    while (!url) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${stdout}${stderr}`)
      url = /Tasklane is running at (http:\/\/\S+)/.exec(stdout)?.[1]
      if (!url) await sleep(5)
    }
    while ((await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200) await sleep(5)
    const wallMs = performance.now() - started
    const cpu = cpuMs(child.pid)
    await sleep(IDLE_MS)
    return { cpuMs: cpu, wallMs, rssMb: rssMb(child.pid) }
  } finally {
    child.kill('SIGTERM')
    await exited
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

console.log(`cold start of: ${command.join(' ')}`)
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
const results = []
for (let i = 1; i <= RUNS; i++) {
  const r = await once()
  results.push(r)
  console.log(
    `run ${i}: CPU ${r.cpuMs.toFixed(0)} ms, wall ${r.wallMs.toFixed(0)} ms to /readyz 200, idle RSS ${r.rssMb.toFixed(1)} MB`,
  )
}
const cpu = median(results.map((r) => r.cpuMs))
const wall = median(results.map((r) => r.wallMs))
const rss = median(results.map((r) => r.rssMb))
console.log(
  `median of ${RUNS}: CPU ${cpu.toFixed(0)} ms (target < 500), wall ${wall.toFixed(0)} ms, idle RSS ${rss.toFixed(1)} MB (target < 100)`,
)
// On a shared, loaded machine CPU time is inflated by contention (caches, sibling hyperthreads); the
// least of the runs is the one least disturbed.
console.log(
  `least of ${RUNS}: CPU ${Math.min(...results.map((r) => r.cpuMs)).toFixed(0)} ms, idle RSS ${Math.min(...results.map((r) => r.rssMb)).toFixed(1)} MB`,
)
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
