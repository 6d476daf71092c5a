// Per-call overhead of the SDK against plain fetch, on the same server, sequential calls.
//   npm run bench -w @tasklane/sdk      (or `npm run bench:sdk` at the root)
// Two targets: the app's in-process `fetch` (no network: the SDK's own cost is most visible) and the same
// app on loopback HTTP (what a real call looks like). Plain and SDK batches alternate so that drift and
// other load hit both alike. Each batch is timed by the wall clock and by this process's CPU time (which a
// busy machine disturbs less); the report gives medians, and the spread of the per-batch ratios (p25–p75)
// as the noise of the measurement.
import { serve } from '@hono/node-server'
import { createTasklane } from '@tasklane/sdk'
import { createFakeServer } from '../test/fake-server.js'
import type { FixturePaths } from '../test/helpers.js'

const BATCH = Number(process.env.BENCH_BATCH ?? 100)
const BATCHES = Number(process.env.BENCH_BATCHES ?? 40)
const headers = { Authorization: 'Bearer tl_test_key' }

interface Sample {
  wall: number
  cpu: number
}

async function batch(fn: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage()
  const wall = performance.now()
  for (let i = 0; i < BATCH; i++) await fn()
  const used = process.cpuUsage(cpu)
  return { wall: ((performance.now() - wall) * 1000) / BATCH, cpu: (used.user + used.system) / BATCH }
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)] as number

async function compare(name: string, plain: () => Promise<unknown>, sdk: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) {
    await batch(plain)
    await batch(sdk)
  }
  const p: Sample[] = []
  const s: Sample[] = []
  for (let i = 0; i < BATCHES; i++) {
    p.push(await batch(plain))
    s.push(await batch(sdk))
  }
  const result: Record<string, number> = {}
  for (const clock of ['wall', 'cpu'] as const) {
    const ratios = p.map((x, i) => (s[i] as Sample)[clock] / x[clock])
    const plainMedian = quantile(
      p.map((x) => x[clock]),
      0.5,
    )
    const sdkMedian = quantile(
      s.map((x) => x[clock]),
      0.5,
    )
    result[clock] = quantile(ratios, 0.5)
    console.log(
      `${name.padEnd(21)} ${clock.padEnd(4)}  plain ${plainMedian.toFixed(1).padStart(7)} µs  sdk ${sdkMedian.toFixed(1).padStart(7)} µs  ` +
        `+${(sdkMedian - plainMedian).toFixed(1).padStart(6)} µs  ratio ${quantile(ratios, 0.5).toFixed(3)}× ` +
        `(p25–p75 ${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)})`,
    )
  }
  return result
}

const { app } = createFakeServer()
const base = 'http://tasklane.test'
const inProcess = createTasklane<FixturePaths>({
  baseUrl: base,
  apiKey: 'tl_test_key',
  fetch: async (r) => app.fetch(r),
})
await compare(
  'in-process app.fetch',
  async () => (await app.fetch(new Request(`${base}/v1/me`, { headers }))).json(),
  () => inProcess.GET('/v1/me'),
)

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
await new Promise((resolve) => server.once('listening', resolve))
const address = server.address()
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
const overHttp = createTasklane<FixturePaths>({ baseUrl: url, apiKey: 'tl_test_key' })
const http = await compare(
  'loopback HTTP',
  async () => (await fetch(`${url}/v1/me`, { headers })).json(),
  () => overHttp.GET('/v1/me'),
)
server.close()

console.log(
  `\n${BATCHES} alternating batches of ${BATCH} sequential GET /v1/me per target, Node ${process.version}. ` +
    `Target ≤ 1.15× on a real (HTTP) call: ${http.wall !== undefined && http.wall <= 1.15 ? 'met' : 'missed'} ` +
    `(wall ${http.wall?.toFixed(3)}×, cpu ${http.cpu?.toFixed(3)}×).`,
)
