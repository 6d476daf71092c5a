import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import { onTestFinished } from 'vitest'

export interface TestS3 {
  endpoint: string
  bucket: string
  /** Stops the store (the S3-is-down tests); stopping twice is harmless. */
  stop(): Promise<void>
}

/**
 * A real S3-compatible store (s3rver, on a free port of 127.0.0.1, files in a temporary directory) with
 * one bucket, stopped and removed when the test ends. s3rver accepts any signature: the signing setup is
 * tested on its own (s3-signing.test.ts).
 */
export async function startTestS3(bucket = 'tasklane-test'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'tasklane-s3-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  })
  const address = (await server.run()) as { port: number }
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await server.close().catch(() => {})
  }
  onTestFinished(async () => {
    await stop()
    await rm(directory, { recursive: true, force: true })
  })
  return { endpoint: `http://127.0.0.1:${address.port}`, bucket, stop }
}
