// `node --import tsx bench/floods.ts [scenario…]`: what a flood from strangers does to everyone else. Serves
// Tasklane over real HTTP on 127.0.0.1 (SQLite in a temporary directory) and, per scenario, measures other
// users' requests for a window without the attack and then for the same window with it, from distinct
// 127.x.y.z source addresses, and prints their p50 latency and success rate side by side.
// Scenarios: wide-json, hash-flood, lockout (all by default). BENCH_WINDOW_S sets the window (default 10).
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../server/src/config.js'
import { startServer } from '../server/src/server.js'

const WINDOW_MS = Number(process.env.BENCH_WINDOW_S ?? 10) * 1000
const PASSWORD = 'a long enough bench passphrase'

interface Answer {
  status: number
  ms: number
}

/** A client at one source address, with its own keep-alive connections. */
function client(base: string, from: string) {
  const agent = new Agent({ keepAlive: true, localAddress: from, maxSockets: 4 })
  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve) => {
      const started = performance.now()
      const req = request(
        `${base}${path}`,
        {
          method,
          agent,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }))
          res.on('error', () => resolve({ status: 0, ms: performance.now() - started }))
        },
      )
      req.on('error', () => resolve({ status: 0, ms: performance.now() - started }))
      req.end(body)
    })
  return {
    send,
    json: (method: string, path: string, value: unknown, headers?: Record<string, string>) =>
      send(method, path, JSON.stringify(value), headers),
    close: () => agent.destroy(),
  }
}
type Client = ReturnType<typeof client>

async function withServer<T>(env: Record<string, string>, fn: (url: string) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-flood-bench-'))
  const server = await startServer(
    loadConfig({ PORT: '0', HOST: '0.0.0.0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }),
  )
  try {
    return await fn(server.url.replace('localhost', '127.0.0.1'))
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Runs `loops` until `ms` have passed; each loop runs its requests one after another. */
async function during(ms: number, loops: (() => Promise<Answer | undefined>)[]): Promise<Answer[]> {
  const until = performance.now() + ms
  const answers: Answer[] = []
  await Promise.all(
    loops.map(async (loop) => {
      while (performance.now() < until) {
        const answer = await loop()
        if (answer) answers.push(answer)
      }
    }),
  )
  return answers
}

/** Keeps `loops` going until `stop` resolves; answers what they got. */
function attack(loops: (() => Promise<Answer>)[]) {
  let stopped = false
  const answers: Answer[] = []
  const running = Promise.all(
    loops.map(async (loop) => {
      while (!stopped) answers.push(await loop())
    }),
  )
  return {
    stop: async () => {
      stopped = true
      await running
      return answers
    },
  }
}

const p50 = (answers: Answer[], ok: (a: Answer) => boolean) => {
  const sorted = answers
    .filter(ok)
    .map((a) => a.ms)
    .sort((a, b) => a - b)
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor(sorted.length / 2)] as number)
}
const rate = (answers: Answer[], ok: (a: Answer) => boolean) =>
  answers.length === 0 ? Number.NaN : answers.filter(ok).length / answers.length
const statuses = (answers: Answer[]) => {
  const counts = new Map<number, number>()
  for (const a of answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1)
  return [...counts].map(([status, n]) => `${n}×${status || 'error'}`).join(' ')
}
const row = (
  name: string,
  what: string,
  quiet: Answer[],
  loud: Answer[],
  attackers: Answer[],
  ok: (a: Answer) => boolean,
) =>
  console.log(
    `| ${name} | ${what} | ${p50(quiet, ok).toFixed(1)} ms | ${p50(loud, ok).toFixed(1)} ms | ${(100 * rate(quiet, ok)).toFixed(1)} % (${quiet.length}) | ${(100 * rate(loud, ok)).toFixed(1)} % (${loud.length}) | ${statuses(attackers)} |`,
  )

async function signUp(c: Client, email: string): Promise<void> {
  const answer = await c.json('POST', '/v1/auth/signup', { email, password: PASSWORD, name: 'Bench' })
  if (answer.status !== 201) throw new Error(`signUp answered ${answer.status}`)
}

/** An access token for `email` (read with fetch, as only its body matters). */
async function accessToken(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  })
  if (res.status !== 200) throw new Error(`logIn answered ${res.status}`)
  return (await res.json()).accessToken
}

/**
 * An anonymous client posts wide JSON (60,000 keys, 857 KB; and a wide body small enough to be read) to
 * logIn as fast as it is answered, while signed-in users call getMe.
 */
async function wideJson() {
  await withServer({ RATE_LIMITS_ENABLED: 'false' }, async (base) => {
    const users = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const c = client(base, `127.0.3.${i + 1}`)
        const email = `wide-${i}-${randomUUID()}@example.com`
        await signUp(c, email)
        return { c, token: await accessToken(base, email) }
      }),
    )
    const loops = users.map(
      ({ c, token }) =>
        () =>
          c.send('GET', '/v1/me', undefined, { authorization: `Bearer ${token}` }),
    )
    const ok = (a: Answer) => a.status === 200
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `"key${i}":null`).join(',')
    const wide = `{"email":"a@example.com","password":"x",${keys(60_000)}}`
    const narrow = `{"email":"a@example.com","password":"x",${keys(300)}}`
    for (const [what, body, everyMs] of [
      ['857 KB, 60,000 keys, 1.3 a second', wide, 1000 / 1.3],
      ['857 KB, 60,000 keys, back to back', wide, 0],
      ['3.5 KB, 300 keys, back to back', narrow, 0],
    ] as const) {
      const quiet = await during(WINDOW_MS, loops)
      const attacker = client(base, '127.0.4.1')
      const flood = attack([
        async () => {
          const started = performance.now()
          const answer = await attacker.send('POST', '/v1/auth/login', body)
          const left = everyMs - (performance.now() - started)
          if (left > 0) await new Promise((r) => setTimeout(r, left))
          return answer
        },
      ])
      const loud = await during(WINDOW_MS, loops)
      row('wide JSON to logIn from 1 address', `getMe (4 users); attack ${what}`, quiet, loud, await flood.stop(), ok)
      attacker.close()
    }
    for (const { c } of users) c.close()
  })
}

/**
 * Seventy addresses each keep one wrong login in flight; other users sign in, some from an address they
 * signed in from before, some from a new one. Rate limits are off, so only the hashing queue decides.
 */
async function hashFlood() {
  await withServer({ RATE_LIMITS_ENABLED: 'false' }, async (base) => {
    const victim = `victim-${randomUUID()}@example.com`
    await signUp(client(base, '127.0.6.1'), victim)
    const known = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const from = `127.0.7.${i + 1}`
        const email = `known-${i}-${randomUUID()}@example.com`
        const c = client(base, from)
        await signUp(c, email)
        await c.json('POST', '/v1/auth/login', { email, password: PASSWORD })
        return { c, email }
      }),
    )
    const fresh = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const email = `fresh-${i}-${randomUUID()}@example.com`
        await signUp(client(base, `127.0.8.${i + 1}`), email)
        return email
      }),
    )
    let nextFresh = 0
    const ok = (a: Answer) => a.status === 200
    const knownLoops = known.map(
      ({ c, email }) =>
        () =>
          c.json('POST', '/v1/auth/login', { email, password: PASSWORD }),
    )
    // A first sign-in from an address never seen: each attempt comes from a new one.
    const freshLoops = fresh.map((email) => async () => {
      nextFresh++
      const c = client(base, `127.1.${Math.floor(nextFresh / 250)}.${(nextFresh % 250) + 1}`)
      const answer = await c.json('POST', '/v1/auth/login', { email, password: PASSWORD })
      c.close()
      return answer
    })
    const attackers = Array.from({ length: 70 }, (_, i) => client(base, `127.0.9.${i + 1}`))
    const quietKnown = during(WINDOW_MS, knownLoops)
    const quietFresh = during(WINDOW_MS, freshLoops)
    const [qk, qf] = [await quietKnown, await quietFresh]
    const flood = attack(
      attackers.map((c, i) => () => c.json('POST', '/v1/auth/login', { email: victim, password: `guess ${i}` })),
    )
    const [lk, lf] = await Promise.all([during(WINDOW_MS, knownLoops), during(WINDOW_MS, freshLoops)])
    const attackerAnswers = await flood.stop()
    row(
      '70 addresses, one wrong login each in flight',
      'logIn, from an address used before (8 users)',
      qk,
      lk,
      attackerAnswers,
      ok,
    )
    row('70 addresses, one wrong login each in flight', 'logIn, from a new address each time (4 users)', qf, lf, [], ok)
    for (const c of [...attackers, ...known.map((k) => k.c)]) c.close()
  })
}

/**
 * Ten addresses guess an owner's password ten times each; the owner then signs in from the address they
 * used before, and from a new one.
 */
async function lockout() {
  await withServer({}, async (base) => {
    const owner = `owner-${randomUUID()}@example.com`
    const home = client(base, '127.0.10.1')
    await signUp(home, owner)
    const ok = (a: Answer) => a.status === 200
    const signIn = (c: Client) => () => c.json('POST', '/v1/auth/login', { email: owner, password: PASSWORD })
    const elsewhere = () => client(base, `127.0.10.${2 + Math.floor(Math.random() * 200)}`)
    const quiet = [await signIn(home)(), await signIn(elsewhere())()]
    const strangers: Answer[] = []
    for (let a = 0; a < 10; a++) {
      const c = client(base, `127.0.11.${a + 1}`)
      for (let g = 0; g < 10; g++)
        strangers.push(await c.json('POST', '/v1/auth/login', { email: owner, password: `guess ${a}-${g}` }))
      c.close()
    }
    const fromHome = [await signIn(home)()]
    const fromElsewhere = [await signIn(elsewhere())()]
    row(
      '10 addresses × 10 wrong guesses at one account',
      'the owner signs in from their usual address',
      quiet.slice(0, 1),
      fromHome,
      strangers,
      ok,
    )
    row(
      '10 addresses × 10 wrong guesses at one account',
      'the owner signs in from a new address',
      quiet.slice(1),
      fromElsewhere,
      [],
      ok,
    )
    home.close()
  })
}

const scenarios: Record<string, () => Promise<void>> = { 'wide-json': wideJson, 'hash-flood': hashFlood, lockout }
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(scenarios)
console.log(
  `Node ${process.version}, ${WINDOW_MS / 1000} s per window; load average ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
)
console.log(
  '| flood | other users’ requests | p50 without | p50 with | success without | success with | attack’s answers |',
)
console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |')
for (const name of chosen) await scenarios[name]?.()
