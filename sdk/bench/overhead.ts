// Per-call overhead of the SDK against plain fetch, on the same server, sequential calls.
//   npm run bench -w @tasklane/sdk      (or `npm run bench:sdk` at the root)
// Two targets: the app's in-process `fetch` (no network: the SDK's own cost is most visible) and the same
// app on loopback HTTP (what a real call looks like). Rounds alternate plain/SDK so drift hits both; the
// report gives the median ratio and the spread across rounds, which is the noise of the measurement.
import { serve } from '@hono/node-server'
import { createTasklane } from '@tasklane/sdk'
import { createFakeServer } from '../test/fake-server.js'
import type { FixturePaths } from '../test/helpers.js'

const CALLS = Number(process.env.BENCH_CALLS ?? 2000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const headers = { Authorization: 'Bearer tl_test_key' }

async function time(n: number, fn: () => Promise<unknown>) {
  const start = performance.now()
  for (let i = 0; i < n; i++) await fn()
  return ((performance.now() - start) * 1000) / n // µs per call
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function compare(name: string, plain: () => Promise<unknown>, sdk: () => Promise<unknown>) {
  await time(300, plain)
  await time(300, sdk)
  const p: number[] = []
  const s: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    p.push(await time(CALLS, plain))
    s.push(await time(CALLS, sdk))
  }
  const ratios = p.map((x, i) => (s[i] as number) / x)
  console.log(
    `${name.padEnd(22)} plain ${median(p).toFixed(1).padStart(7)} µs/call   sdk ${median(s).toFixed(1).padStart(7)} µs/call   ` +
      `ratio ${median(ratios).toFixed(3)}× (rounds ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`,
  )
  return median(ratios)
}

const { app } = createFakeServer()
const base = 'http://tasklane.test'
const inProcess = createTasklane<FixturePaths>({ baseUrl: base, apiKey: 'tl_test_key', fetch: async (r) => app.fetch(r) })
const r1 = await compare(
  'in-process app.fetch',
  async () => (await app.fetch(new Request(`${base}/v1/me`, { headers }))).json(),
  () => inProcess.GET('/v1/me'),
)

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
await new Promise((resolve) => server.once('listening', resolve))
const address = server.address()
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
const overHttp = createTasklane<FixturePaths>({ baseUrl: url, apiKey: 'tl_test_key' })
const r2 = await compare(
  'loopback HTTP',
  async () => (await fetch(`${url}/v1/me`, { headers })).json(),
  () => overHttp.GET('/v1/me'),
)
server.close()

console.log(`\n${CALLS} sequential GET /v1/me per round, ${ROUNDS} rounds, Node ${process.version}. Target ≤ 1.15×.`)
console.log(`in-process ${r1 <= 1.15 ? 'meets' : 'misses'} the target; loopback HTTP ${r2 <= 1.15 ? 'meets' : 'misses'} it.`)
