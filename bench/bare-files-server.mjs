// The baseline for `npm run bench:uploads`: a bare node:http server that copies a request body to a file
// (temporary name, fsync, rename, as Tasklane's disk driver does) and streams a file back. No framework,
// database, auth, hashing or type sniffing: what is left is the cost of moving the bytes.
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { open, rename, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'

const dir = mkdtempSync(join(tmpdir(), 'tasklane-bench-bare-'))
let n = 0

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'POST') {
      const id = String(++n)
      const tmp = join(dir, `${id}.part`)
      await pipeline(req, createWriteStream(tmp))
      const handle = await open(tmp, 'r')
      await handle.sync()
      await handle.close()
      await rename(tmp, join(dir, id))
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id, size: (await stat(join(dir, id))).size }))
      return
    }
    const file = join(dir, String(Number(new URL(req.url, 'http://x').pathname.split('/').pop())))
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': (await stat(file)).size })
    await pipeline(createReadStream(file), res)
  } catch (err) {
    res.destroy(err)
  }
})

server.listen(0, '127.0.0.1', () => {
  console.log(`bare files server at http://127.0.0.1:${server.address().port}`)
})
process.on('SIGTERM', () => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
  process.exit(0)
})
