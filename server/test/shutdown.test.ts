import { Agent, request } from 'node:http'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { sleep, startCli, tempDataDir } from './support/cli.js'

interface Answer {
  status: number
  connection: string | undefined
  body: string
}

/** One request on `agent`: the answer, or the error the client saw (ECONNRESET, ECONNREFUSED, …). */
function send(agent: Agent, url: string, method: string, headers: Record<string, string>, body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('graceful shutdown under load', () => {
  it('answers every request it carried out, over keep-alive connections, and resets none of them', async () => {
    const dataDir = tempDataDir()
    const server = await startCli({ DATA_DIR: dataDir, RATE_LIMITS_ENABLED: 'false', SHUTDOWN_TIMEOUT_MS: '5000' })
    const json = { 'content-type': 'application/json' }
    const signUp = await fetch(`${server.url}/v1/auth/signup`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'load@example.com', password: 'a long enough test passphrase', name: 'Load' }),
    })
    const { accessToken } = (await signUp.json()) as { accessToken: string }
    const headers = { ...json, authorization: `Bearer ${accessToken}` }
    const project = await fetch(`${server.url}/v1/projects`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Shutdown' }),
    })
    const { id: projectId } = (await project.json()) as { id: string }

    // Keep-alive clients creating tasks as fast as they are answered, each with a title of its own.
    const agent = new Agent({ keepAlive: true, maxSockets: 16 })
    const created = new Set<string>()
    const errors = new Map<string, number>()
    let sent = 0
    let closeHeaders = 0
    let signalled = false
    let answeredAfterSignal = 0
    const worker = async (w: number) => {
      for (let i = 0; ; i++) {
        const title = `w${w}-${i}`
        sent++
        try {
          const res = await send(
            agent,
            `${server.url}/v1/projects/${projectId}/tasks`,
            'POST',
            headers,
            JSON.stringify({ title }),
          )
          expect(res.status, res.body).toBe(201)
          created.add(title)
          if (signalled) answeredAfterSignal++
          if (res.connection === 'close') closeHeaders++
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? String(err)
          errors.set(code, (errors.get(code) ?? 0) + 1)
          // Refused: the server has stopped listening, so this client is done.
          if (code === 'ECONNREFUSED') return
        }
      }
    }
    const workers = Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)))
    await sleep(1500)
    const before = created.size
    signalled = true
    server.child.kill('SIGTERM')
    const exit = await server.exited
    await workers
    agent.destroy()
    expect(exit.code, exit.stderr).toBe(0)

    const db = new SqliteDatabase(join(dataDir, 'tasklane.db'), { readonly: true })
    const stored = db.prepare('select title from tasks where project_id = ?').all(projectId) as { title: string }[]
    db.close()
    const inDb = new Set(stored.map((r) => r.title))
    const carriedOutUnanswered = [...inDb].filter((title) => !created.has(title))
    console.info(
      `shutdown under load: ${sent} sent, ${before} created before SIGTERM, ${answeredAfterSignal} answered after it ` +
        `(${closeHeaders} with Connection: close), ${inDb.size} in the database, ` +
        `${carriedOutUnanswered.length} carried out but not answered; client errors: ${JSON.stringify(Object.fromEntries(errors))}`,
    )
    expect(before).toBeGreaterThan(0)
    expect(carriedOutUnanswered).toEqual([])
    expect(inDb.size).toBe(created.size)
  })
})
