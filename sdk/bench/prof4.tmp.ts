import { serve } from '@hono/node-server'
import { createTasklane } from '@tasklane/sdk'
import createClient from 'openapi-fetch'
import { createFakeServer } from '../test/fake-server.js'

const { app } = createFakeServer()
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
await new Promise((resolve) => server.once('listening', resolve))
const url = `http://127.0.0.1:${(server.address() as any).port}`
const headers = { Authorization: 'Bearer tl_test_key' }
const bare = createClient<any>({ baseUrl: url, headers })
const bareSig = createClient<any>({
  baseUrl: url,
  headers,
  fetch: (r: Request) => fetch(r, { signal: new AbortController().signal }),
})
const bareSigT = createClient<any>({
  baseUrl: url,
  headers,
  fetch: async (r: Request) => {
    const c = new AbortController()
    const t = setTimeout(() => c.abort(), 60000)
    try {
      return await fetch(r, { signal: c.signal })
    } finally {
      clearTimeout(t)
    }
  },
})
const tl = createTasklane<any>({ baseUrl: url, apiKey: 'tl_test_key' })
const variants: Record<string, () => Promise<unknown>> = {
  plain: async () => (await fetch(`${url}/v1/me`, { headers })).json(),
  plainTimeout: async () => {
    const c = new AbortController()
    const t = setTimeout(() => c.abort(), 60000)
    const r = await fetch(`${url}/v1/me`, { headers, signal: c.signal })
    clearTimeout(t)
    return r.json()
  },
  openapiFetch: () => bare.GET('/v1/me'),
  openapiFetchSignal: () => bareSig.GET('/v1/me'),
  openapiFetchSignalTimer: () => bareSigT.GET('/v1/me'),
  sdk: () => tl.GET('/v1/me'),
}
const res: Record<string, number[]> = {}
for (const k in variants) {
  res[k] = []
  for (let i = 0; i < 300; i++) await variants[k]!()
}
for (let round = 0; round < 30; round++)
  for (const k in variants) {
    const s = process.cpuUsage()
    for (let i = 0; i < 100; i++) await variants[k]!()
    const d = process.cpuUsage(s)
    res[k]!.push((d.user + d.system) / 100)
  }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
for (const k in res) console.log(k.padEnd(20), med(res[k]!).toFixed(1), 'µs cpu')
server.close()
