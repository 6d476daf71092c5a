// Helpers for the benchmarks that run Tasklane as operators do: the built CLI (`tasklane serve`, from
// server/dist) in a process of its own, measured from outside through /proc (Linux): CPU time and RSS.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

/** Builds the server bundle the CLI runs (well under a second), so the benchmark measures the sources. */
export function buildServer() {
  execFileSync(process.execPath, [join(root, 'server/scripts/build.mjs')], { stdio: 'inherit' })
}

/** Starts `tasklane serve` on a fresh data directory with `env`; resolves once /readyz answers. */
export async function startTasklane(env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-bench-'))
  const child = spawn(process.execPath, [join(root, 'server/bin/tasklane.js'), 'serve'], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMITS_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s) => {
    out += s
  })
  const deadline = Date.now() + 30_000
  let url
  while (!url) {
    if (child.exitCode !== null) throw new Error(`tasklane serve exited with ${child.exitCode}:\n${out}`)
    if (Date.now() > deadline) throw new Error('tasklane serve did not start')
    url = /Tasklane is running at (http:\/\/\S+)/.exec(out)?.[1]
    if (!url) await sleep(50)
  }
  while ((await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200) await sleep(50)
  return {
    url,
    pid: child.pid,
    dataDir,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A process's user+system CPU time so far, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS
}

/** A process's resident set size, in MB. */
export function rssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
  return line ? Number(line[1]) / 1024 : Number.NaN
}

/** Samples `pid`'s RSS every `everyMs` until `stop()`, which answers the samples' min, max and count. */
export function sampleRss(pid, everyMs = 50) {
  const samples = [rssMb(pid)]
  const timer = setInterval(() => samples.push(rssMb(pid)), everyMs)
  return {
    stop() {
      clearInterval(timer)
      samples.push(rssMb(pid))
      return { min: Math.min(...samples), max: Math.max(...samples), count: samples.length }
    },
  }
}

/** JSON request helper; throws unless the status is `expect`. */
export async function call(url, method, path, { token, body, expect = 200 } = {}) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = await res.json().catch(() => undefined)
  if (res.status !== expect) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`)
  return json
}

/** Signs up a benchmark user and creates a project; answers the token and the project id. */
export async function userAndProject(url, name = 'Bench') {
  const { accessToken } = await call(url, 'POST', '/v1/auth/signup', {
    body: { email: `bench-${Date.now()}@example.com`, password: 'a long enough bench passphrase', name },
    expect: 201,
  })
  const { id } = await call(url, 'POST', '/v1/projects', { token: accessToken, body: { name }, expect: 201 })
  return { token: accessToken, projectId: id }
}

/** `uptime`'s load averages, as text for the report. */
export function load() {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ')
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
