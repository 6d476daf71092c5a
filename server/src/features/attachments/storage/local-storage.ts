import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import {
  asFullDiskError,
  assertKey,
  type ByteRange,
  type FileStorage,
  NotStoredError,
  type StoredObject,
} from './storage.js'

/**
 * Files under `root` (DATA_DIR/files): objects in `objects/<key>`, uploads in progress in `tmp/`. A put
 * writes a temporary file, fsyncs it, renames it into place and fsyncs the directory, so a crash leaves
 * either the whole object or a temporary file the orphan sweep removes, never a torn object.
 */
export function createLocalStorage(root: string): FileStorage & { readonly root: string; tmpDir: string } {
  const objects = join(root, 'objects')
  const tmpDir = join(root, 'tmp')
  const pathOf = (key: string) => {
    assertKey(key)
    return join(objects, ...key.split('/'))
  }

  return {
    kind: 'local',
    root,
    tmpDir,

    async put(key, body, { signal }) {
      const target = pathOf(key)
      await mkdir(tmpDir, { recursive: true })
      const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`)
      const handle = await open(tmp, 'wx', 0o600)
      let moved = false
      try {
        // Written chunk by chunk: each write waits for the disk, which is the back-pressure on the body.
        for await (const chunk of body) {
          signal?.throwIfAborted()
          // A write may take only part of the chunk (a disk that is filling up); the rest is written
          // next, and a full disk then fails with ENOSPC instead of the file being cut short.
          const bytes = chunk as Uint8Array
          for (let offset = 0; offset < bytes.length; ) {
            const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset)
            offset += bytesWritten
          }
        }
        await handle.sync()
        await handle.close()
        await mkdir(dirname(target), { recursive: true })
        await rename(tmp, target)
        moved = true
        await syncDirectory(dirname(target))
      } catch (err) {
        await handle.close().catch(() => {})
        if (!moved) await unlink(tmp).catch(() => {})
        throw asFullDiskError(err)
      }
    },

    async read(key, range?: ByteRange) {
      const path = pathOf(key)
      // Opened first, so a missing file is NotStoredError here and not an error event mid-response.
      const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new NotStoredError(key) : err
      })
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {})
    },

    async size(key) {
      try {
        return (await stat(pathOf(key))).size
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },

    async delete(key) {
      await rm(pathOf(key), { force: true })
    },

    async *list(): AsyncIterable<StoredObject> {
      for (const path of await walk(objects)) {
        const info = await stat(path).catch(() => undefined)
        if (!info) continue
        yield { key: relative(objects, path).split(sep).join('/'), size: info.size, modifiedAt: info.mtime }
      }
    },
  }
}

/** Temporary files of uploads older than `before`: what a crash mid-upload leaves in `tmp/`. */
export async function removeStaleTemporaryFiles(tmpDir: string, before: Date): Promise<number> {
  let removed = 0
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    const path = join(tmpDir, name)
    const info = await stat(path).catch(() => undefined)
    if (info && info.mtime < before) {
      await rm(path, { force: true, recursive: true })
      removed++
    }
  }
  return removed
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const out: string[] = []
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await walk(path)))
    else if (entry.isFile()) out.push(path)
  }
  return out
}

// A rename is durable only once the directory holding the new name is on disk too.
async function syncDirectory(dir: string) {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
