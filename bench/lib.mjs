// What the benchmark scripts share: a server in a child process that reports its own CPU time over IPC,
// and autocannon run as a process of its own, so load generation never shares a server's event loop.
import { execFile, fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Forks `script`, which sends `{ ready: true, ... }` once it listens, answers the message 'cpu' with
 * `{ cpu: process.cpuUsage() }` and exits on 'stop'. `cpu()` resolves to its user+system seconds so far;
 * `child` is the process, for messages of a benchmark's own.
 */
export function startServer(script, execArgv = [], env = {}) {
  const child = fork(script, [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  })
  const ready = new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
    child.on('message', (m) => m.ready && resolve(m))
  })
  const cpu = () =>
    new Promise((resolve) => {
      const onMessage = (m) => {
        if (!m.cpu) return
        child.off('message', onMessage)
        resolve((m.cpu.user + m.cpu.system) / 1e6)
      }
      child.on('message', onMessage)
      child.send('cpu')
    })
  const stop = () =>
    new Promise((resolve) => {
      child.removeAllListeners('exit')
      child.once('exit', resolve)
      child.send('stop')
    })
  // Starts (file null) or stops and writes (file a path) a CPU profile; only tasklane-server.ts answers it.
  const profile = (file) =>
    new Promise((resolve) => {
      const onMessage = (m) => {
        if (!m.profiled) return
        child.off('message', onMessage)
        resolve()
      }
      child.on('message', onMessage)
      child.send({ profile: file })
    })
  return { ready, cpu, stop, profile, child }
}

/** Runs autocannon against `url` for `duration` seconds and resolves to its JSON result. */
export function autocannon(url, { method = 'GET', headers = {}, body, connections = 10 } = {}, duration = 10) {
  const args = ['-c', String(connections), '-d', String(duration), '-j', '-m', method]
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`)
  if (body) args.push('-b', body)
  args.push(url)
  return new Promise((resolve, reject) => {
    execFile(join(root, 'node_modules/.bin/autocannon'), args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout)),
    )
  })
}
