import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'

export interface ReceivedHook {
  headers: Record<string, string>
  body: string
}

export interface TestReceiver {
  url: string
  port: number
  /** Every request that arrived whole, in order. */
  received: ReceivedHook[]
  /** Decides each answer; by default 204. */
  respond: (req: ReceivedHook, res: ServerResponse) => void
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedHook[]>
}

/**
 * A real HTTP server on 127.0.0.1 that records each webhook request and answers as `respond` says; closed
 * (its connections cut) when the test ends.
 */
export async function startTestReceiver(): Promise<TestReceiver> {
  const received: ReceivedHook[] = []
  const receiver: TestReceiver = {
    url: '',
    port: 0,
    received,
    respond: (_req, res) => {
      res.statusCode = 204
      res.end()
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`${received.length} of ${count} webhook requests within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 10))
      }
      return received
    },
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const hook = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
      }
      received.push(hook)
      receiver.respond(hook, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiver.port = (server.address() as AddressInfo).port
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return receiver
}
