import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { onTestFinished } from 'vitest'

export interface TestRedis {
  port: number
  url: string
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
}

/** A free TCP port on 127.0.0.1 (taken and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/**
 * A throwaway `redis-server` of the test's own on a free port, without persistence, stopped when the test
 * ends: outage tests stop and restart it, never the Redis other tests share.
 *
 * @example
 * const redis = await startTestRedis()
 * const t = await createTestApp({ REDIS_URL: redis.url })
 * await redis.stop()
 */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const stop = async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
    running.kill('SIGTERM')
    await exited
  }
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    })
    let missing: Error | undefined
    child.once('error', (err) => {
      missing = err
    })
    const deadline = Date.now() + 5000
    for (;;) {
      if (missing) throw new Error(`cannot run redis-server (the outage tests need it on the PATH): ${missing.message}`)
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null })
      probe.on('error', () => {})
      try {
        await probe.connect()
        await probe.ping()
        return
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`)
        await new Promise((r) => setTimeout(r, 50))
      } finally {
        probe.disconnect()
      }
    }
  }
  await start()
  onTestFinished(stop)
  return { port, url: `redis://127.0.0.1:${port}`, stop, start }
}
