import { execFileSync } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startTestS3 } from '../../../test/s3.js'
import { createLocalStorage } from './local-storage.js'
import { createS3Storage } from './s3-storage.js'
import { type FileStorage, NotStoredError, StorageFullError, StorageUnavailableError } from './storage.js'

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'tasklane-files-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A body that sends `chunks`, then fails as a client that stops sending (or a size limit) does. */
function failingBody(chunks: Buffer[], error = new Error('client went away')) {
  let i = 0
  return new Readable({
    read() {
      if (i < chunks.length) this.push(chunks[i++])
      else this.destroy(error)
    },
  })
}

const drivers: [string, () => Promise<FileStorage>][] = [
  ['local disk', async () => createLocalStorage(await tempDir())],
  [
    's3 (s3rver)',
    async () => {
      const s3 = await startTestS3()
      return createS3Storage({
        bucket: s3.bucket,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        timeoutMs: 2000,
      })
    },
  ],
]

describe.each(drivers)('%s storage', (_name, make) => {
  it('stores, reads whole and by range, sizes, lists and deletes an object', async () => {
    const storage = await make()
    const bytes = Buffer.from('0123456789abcdef')
    await storage.put('att/one', Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]), {
      contentType: 'text/plain',
    })
    expect(await buffer(await storage.read('att/one'))).toEqual(bytes)
    expect((await buffer(await storage.read('att/one', { start: 3, end: 6 }))).toString()).toBe('3456')
    expect(await storage.size('att/one')).toBe(16)
    const listed = []
    for await (const item of storage.list()) listed.push({ key: item.key, size: item.size })
    expect(listed).toEqual([{ key: 'att/one', size: 16 }])
    await storage.delete('att/one')
    expect(await storage.size('att/one')).toBeUndefined()
    await expect(storage.read('att/one')).rejects.toBeInstanceOf(NotStoredError)
    await storage.delete('att/one')
  })

  it('keeps nothing of a body that fails midway, and rejects with its error', async () => {
    const storage = await make()
    const error = new Error('client went away')
    await expect(
      storage.put('att/partial', failingBody([Buffer.alloc(64 * 1024, 1), Buffer.alloc(64 * 1024, 2)], error), {
        contentType: 'application/octet-stream',
      }),
    ).rejects.toBe(error)
    expect(await storage.size('att/partial')).toBeUndefined()
    const listed = []
    for await (const item of storage.list()) listed.push(item.key)
    expect(listed).toEqual([])
  })

  it('stores a body larger than one multipart part whole', async () => {
    const storage = await make()
    const chunk = Buffer.alloc(1024 * 1024, 7)
    await storage.put('att/big', Readable.from(Array.from({ length: 9 }, () => chunk)), {
      contentType: 'application/octet-stream',
    })
    expect(await storage.size('att/big')).toBe(9 * 1024 * 1024)
    const tail = await buffer(await storage.read('att/big', { start: 9 * 1024 * 1024 - 3, end: 9 * 1024 * 1024 - 1 }))
    expect([...tail]).toEqual([7, 7, 7])
  })

  it('refuses keys the server does not make, so no name can reach outside the store', async () => {
    const storage = await make()
    for (const key of ['../etc/passwd', 'att/../../x', '/att/x', 'att/x/..', 'att\\x', 'att/x\0y', 'att/', 'ATT/x']) {
      await expect(storage.put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' })).rejects.toThrow(
        /not a storage key/,
      )
    }
  })
})

describe('local disk storage', () => {
  it('leaves no temporary file after a failed put', async () => {
    const storage = createLocalStorage(await tempDir())
    await expect(
      storage.put('att/x', failingBody([Buffer.alloc(1000)]), { contentType: 'application/octet-stream' }),
    ).rejects.toThrow('client went away')
    expect(await readdir(storage.tmpDir)).toEqual([])
  })

  it('answers StorageFullError when the disk is full, and keeps nothing', async (ctx) => {
    // A real full disk: a 1 MiB tmpfs mounted for this test alone (needs root, as CI runs).
    const dir = await tempDir()
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tasklane-test', dir], { stdio: 'ignore' })
    } catch {
      ctx.skip('mounting a tmpfs needs root: the full-disk test did not run')
    }
    onTestFinished(() => {
      execFileSync('umount', [dir])
    })
    const storage = createLocalStorage(dir)
    const chunk = Buffer.alloc(256 * 1024, 1)
    await expect(
      storage.put('att/huge', Readable.from(Array.from({ length: 8 }, () => chunk)), {
        contentType: 'application/octet-stream',
      }),
    ).rejects.toBeInstanceOf(StorageFullError)
    expect(await storage.size('att/huge')).toBeUndefined()
    expect(await readdir(storage.tmpDir)).toEqual([])
  })
})

describe('S3 storage when the store is down', () => {
  it('answers StorageUnavailableError', async () => {
    const s3 = await startTestS3()
    const storage = createS3Storage({
      bucket: s3.bucket,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      timeoutMs: 1000,
    })
    await s3.stop()
    await expect(
      storage.put('att/x', Readable.from([Buffer.from('hello')]), { contentType: 'text/plain' }),
    ).rejects.toBeInstanceOf(StorageUnavailableError)
    await expect(storage.size('att/x')).rejects.toBeInstanceOf(StorageUnavailableError)
  })
})
