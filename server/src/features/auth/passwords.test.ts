import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createPasswordHasher } from './passwords.js'

const PASSWORD = 'correct horse battery staple'

async function setup(maxQueue: number) {
  const hasher = createPasswordHasher({ concurrency: 1, maxQueue, registry: new Registry() })
  const stored = await hasher.hash(PASSWORD)
  /** Starts a check now; resolves to what became of it, in the order checks finish. */
  const finished: string[] = []
  const check = (label: string, client: string, password: string, account = 'ada@example.com') =>
    hasher.verify(stored, password, { client, account }).then(
      (ok) => {
        finished.push(label)
        return ok ? 'ok' : 'wrong'
      },
      (err: { code?: string }) => err.code ?? 'error',
    )
  return { hasher, stored, check, finished }
}

describe('the password hashing queue under a flood', () => {
  it('gives a known client and a fresh one a turn before clients whose guesses keep failing', async () => {
    const { check, finished } = await setup(8)
    // The owner signed in from 10.0.0.1 before; twenty addresses each guessed wrong once.
    expect(await check('owner', '10.0.0.1', PASSWORD)).toBe('ok')
    for (let i = 0; i < 20; i++) expect(await check(`warm ${i}`, `192.0.2.${i}`, 'wrong guess')).toBe('wrong')
    finished.length = 0

    // Each of them keeps one guess in flight; then the owner and a first-time user sign in.
    const flood = Array.from({ length: 20 }, (_, i) => check(`attacker ${i}`, `192.0.2.${i}`, 'another guess'))
    const owner = check('owner', '10.0.0.1', PASSWORD)
    const newcomer = check('newcomer', '10.0.0.2', 'their own password', 'bob@example.com')
    const outcomes = await Promise.all(flood)

    expect(await owner).toBe('ok')
    expect(await newcomer).toBe('wrong')
    // One guess was running when they came; they went next, the owner first.
    expect(finished.slice(0, 3)).toEqual(['attacker 0', 'owner', 'newcomer'])
    // The queue's eight places went to seven guesses and then to the owner and the newcomer, who displaced
    // the newest guesses; the rest of the flood was refused before any work.
    expect(outcomes.filter((o) => o === 'wrong').length).toBe(7)
    expect(outcomes.filter((o) => o === 'server_busy').length).toBe(13)
  })

  it('serves clients round-robin, so one client’s many checks wait behind everyone else’s one', async () => {
    const { check, finished } = await setup(24)
    const busy = Array.from({ length: 4 }, (_, i) => check(`busy ${i}`, '198.51.100.1', 'guess'))
    const others = Array.from({ length: 3 }, (_, i) => check(`other ${i}`, `198.51.100.${10 + i}`, 'guess'))
    await Promise.all([...busy, ...others])
    expect(finished).toEqual(['busy 0', 'busy 1', 'other 0', 'other 1', 'other 2', 'busy 2', 'busy 3'])
  })

  it('lets one client hold at most an eighth of the waiting places', async () => {
    const { check } = await setup(16)
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => check(`same ${i}`, '198.51.100.1', 'guess')))
    // One running and two waiting; the other three refused at once.
    expect(outcomes.filter((o) => o === 'server_busy').length).toBe(3)
  })
})
