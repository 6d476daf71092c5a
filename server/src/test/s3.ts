import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
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
  addMultipartListing(server)
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

interface KoaContext {
  method: string
  path: string
  query: Record<string, string | undefined>
  status: number
  type: string
  body: unknown
}

/**
 * s3rver stores multipart uploads but answers neither ListParts nor AbortMultipartUpload, which
 * @tus/s3-store uses to resume and to cancel an upload (every S3 the server targets has both). These two
 * are answered here, from s3rver's own files for the upload (its part files and their MD5s), before its
 * router says NotImplemented.
 */
function addMultipartListing(server: S3rver) {
  const s3 = server as unknown as {
    middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[]
    store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string }
  }
  s3.middleware.unshift(async (ctx, next) => {
    const uploadId = ctx.query.uploadId
    const [, bucket, ...keyParts] = ctx.path.split('/')
    if (!uploadId || !bucket || keyParts.length === 0 || !['GET', 'DELETE'].includes(ctx.method)) return next()
    const dir = join(s3.store.getResourcePath(bucket, undefined, 'uploads'), uploadId)
    const exists = await stat(dir).then(
      () => true,
      () => false,
    )
    if (!exists) {
      ctx.status = 404
      ctx.type = 'application/xml'
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>No such upload</Message></Error>'
      return
    }
    if (ctx.method === 'DELETE') {
      await rm(dir, { recursive: true, force: true })
      ctx.status = 204
      return
    }
    const numbers = (await readdir(dir))
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => a - b)
    const parts = await Promise.all(
      numbers.map(async (n) => {
        const file = join(dir, String(n))
        const [info, bytes] = await Promise.all([stat(file), readFile(file)])
        const etag = createHash('md5').update(bytes).digest('hex')
        return `<Part><PartNumber>${n}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${etag}"</ETag><Size>${info.size}</Size></Part>`
      }),
    )
    const key = decodeURIComponent(keyParts.join('/'))
    ctx.status = 200
    ctx.type = 'application/xml'
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`
  })
}
