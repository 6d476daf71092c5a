import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Counter, Gauge, type Registry } from 'prom-client'
import { ApiError } from '../../core/api-error.js'

/** argon2id's cost parameters: memory in KiB, iterations, lanes. */
export interface PasswordHashCost {
  memoryCost: number
  timeCost: number
  parallelism: number
}

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane. What the server hashes with. */
export const PASSWORD_HASH_COST: PasswordHashCost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

// The native addon is loaded with the first hash or verification, not at start.
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined
const loadArgon2 = () => (argon2 ??= import('@node-rs/argon2'))

/** Hashes a password with argon2id; the PHC string carries its parameters and salt. */
async function hashPassword(password: string, cost: PasswordHashCost): Promise<string> {
  const { hash } = await loadArgon2()
  // `algorithm: 2` is Argon2id (the library's Algorithm is a const enum, which isolated modules cannot import).
  return hash(password, { algorithm: 2, ...cost })
}

/** Whether `password` matches the stored hash; a malformed hash is simply no match. */
async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  const { verify } = await loadArgon2()
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

export interface PasswordHasherOptions {
  /** How many hashes may run at once. */
  concurrency: number
  /** How many more may wait for a turn; beyond that, `server_busy` (or the least deserving waiter's turn is given away). */
  maxQueue: number
  /** Where to report hashing work and refusals. */
  registry: Registry
  /** The clock, for the memory of recent outcomes (tests move it). */
  now?: () => number
  /**
   * argon2id's parameters for new hashes; `PASSWORD_HASH_COST` unless given. Only tests lower it, to spend
   * their time on what they test; verifying reads the parameters from the stored hash, whatever they are.
   */
  cost?: PasswordHashCost
}

/** Who a password check is for, so that the queue can share its turns fairly. */
export interface HashClient {
  /** The client's address (or another key for whoever sends the request). */
  client: string
  /** The account the password is checked for, when there is one (its normalised email or id). */
  account?: string
  /** The client signed in to this account before (as recorded durably by the caller). */
  known?: boolean
}

const serverBusy = () =>
  new ApiError(503, 'server_busy', 'The server is busy checking passwords; retry in a moment.', {
    title: 'Service unavailable',
    headers: { 'Retry-After': '1' },
  })

/**
 * The order in which waiting checks get a turn, best first: a client that has signed in to this account
 * before, then a client with no recent wrong password, then a client whose recent checks failed (the fewer
 * failures, the sooner).
 */
const Rank = { Known: 0, Fresh: 1, Failing: 2 } as const
type Rank = (typeof Rank)[keyof typeof Rank]

/** How long a failed check counts against its client, and a success makes the client known to the account. */
const FAILURE_MEMORY_MS = 15 * 60_000
const KNOWN_MEMORY_MS = 30 * 86_400_000
/** Bounds on what is remembered, so that a flood of addresses cannot grow the memory without end. */
const MAX_REMEMBERED = 100_000

interface Waiter {
  client: string
  rank: Rank
  failures: number
  start: () => void
  refuse: (err: ApiError) => void
}

/**
 * A map that forgets entries after `ttlMs` and, past `max` entries, the oldest ones; reading refreshes nothing.
 */
function memory<V>(ttlMs: number, max: number, now: () => number) {
  const entries = new Map<string, { value: V; at: number }>()
  return {
    get(key: string): V | undefined {
      const entry = entries.get(key)
      if (!entry) return undefined
      if (now() - entry.at > ttlMs) {
        entries.delete(key)
        return undefined
      }
      return entry.value
    },
    set(key: string, value: V) {
      entries.delete(key)
      entries.set(key, { value, at: now() })
      if (entries.size > max) entries.delete(entries.keys().next().value as string)
    },
    delete(key: string) {
      entries.delete(key)
    },
  }
}

/**
 * argon2id behind a bounded, fair queue. Each hash takes 19 MiB and tens of milliseconds on libuv's thread
 * pool, which the rest of the server shares (crypto, DNS, file access): unbounded, a burst of logins fills
 * the pool and every other request waits behind it. At most `concurrency` run at once and `maxQueue` wait.
 *
 * Turns are shared so that a flood hurts its senders before anyone else: waiting checks are served by rank
 * (a client that signed in to the account before, then clients with no recent wrong password, then
 * clients whose checks failed recently), and within a rank round-robin by client, so one client's many
 * requests wait behind everyone else's one. A client may hold at most an eighth of the waiting places.
 * When the queue is full, a newcomer of a better rank takes the place of the newest waiter of the worst
 * rank, who is refused; otherwise the newcomer is refused. A refusal is 503 `server_busy` with
 * `Retry-After`, before any work.
 */
export function createPasswordHasher(options: PasswordHasherOptions) {
  const now = options.now ?? Date.now
  const perClient = Math.max(1, Math.ceil(options.maxQueue / 8))
  let running = 0
  // Per rank, each client's waiting checks in arrival order; a Map keeps clients in round-robin order.
  const queues: Map<string, Waiter[]>[] = [new Map(), new Map(), new Map()]
  let waitingCount = 0
  const failures = memory<number>(FAILURE_MEMORY_MS, MAX_REMEMBERED, now)
  const known = memory<true>(KNOWN_MEMORY_MS, MAX_REMEMBERED, now)

  const work = new Counter({
    name: 'password_hash_operations_total',
    help: 'argon2id hashes and verifications run, by kind.',
    labelNames: ['kind'] as const,
    registers: [options.registry],
  })
  const refused = new Counter({
    name: 'password_hash_refused_total',
    help: 'Password checks refused with 503 server_busy because the hashing queue was full.',
    registers: [options.registry],
  })
  new Gauge({
    name: 'password_hash_queue_length',
    help: 'Password hashes waiting for a turn.',
    registers: [options.registry],
    collect() {
      this.set(waitingCount)
    },
  })

  const waitingOf = (client: string) => queues.reduce((n, q) => n + (q.get(client)?.length ?? 0), 0)

  function enqueue(waiter: Waiter) {
    const queue = queues[waiter.rank] as Map<string, Waiter[]>
    const own = queue.get(waiter.client)
    if (own) own.push(waiter)
    else queue.set(waiter.client, [waiter])
    waitingCount++
  }

  /** The next waiter to run: the best rank, the client at the head of its round, and that client's oldest. */
  function dequeue(): Waiter | undefined {
    for (const queue of queues) {
      for (const [client, own] of queue) {
        const next = own.shift() as Waiter
        queue.delete(client)
        // Back of the round with what it has left.
        if (own.length > 0) queue.set(client, own)
        waitingCount--
        return next
      }
    }
    return undefined
  }

  /**
   * The waiter a newcomer of `rank` may displace from a full queue: the newest of the worst rank worse
   * than the newcomer's, or among failing clients, the newest of the client with the most failures, when
   * that is more than the newcomer's.
   */
  function victimFor(rank: Rank, newcomerFailures: number): Waiter | undefined {
    for (let r: number = Rank.Failing; r >= Rank.Known; r--) {
      const queue = queues[r] as Map<string, Waiter[]>
      if (queue.size === 0) continue
      let worst: Waiter[] | undefined
      for (const own of queue.values()) {
        const candidate = own.at(-1) as Waiter
        if (!worst || candidate.failures > (worst.at(-1) as Waiter).failures) worst = own
      }
      const candidate = worst?.at(-1)
      if (!candidate) continue
      if (r > rank || (r === Rank.Failing && rank === Rank.Failing && candidate.failures > newcomerFailures)) {
        return candidate
      }
      return undefined
    }
    return undefined
  }

  function remove(waiter: Waiter) {
    const queue = queues[waiter.rank] as Map<string, Waiter[]>
    const own = queue.get(waiter.client)
    if (!own) return
    const at = own.indexOf(waiter)
    if (at < 0) return
    own.splice(at, 1)
    if (own.length === 0) queue.delete(waiter.client)
    waitingCount--
  }

  function rankOf(who: HashClient | undefined): { rank: Rank; failures: number } {
    if (!who) return { rank: Rank.Fresh, failures: 0 }
    if (who.known || (who.account !== undefined && known.get(`${who.account}\u0000${who.client}`)))
      return { rank: Rank.Known, failures: 0 }
    const count = failures.get(who.client) ?? 0
    return { rank: count > 0 ? Rank.Failing : Rank.Fresh, failures: count }
  }

  async function run<T>(kind: 'hash' | 'verify', who: HashClient | undefined, job: () => Promise<T>): Promise<T> {
    if (running < options.concurrency) {
      running += 1
    } else {
      const client = who?.client ?? ''
      const { rank, failures: count } = rankOf(who)
      if (who && waitingOf(client) >= perClient) {
        refused.inc()
        throw serverBusy()
      }
      if (waitingCount >= options.maxQueue) {
        const victim = victimFor(rank, count)
        if (!victim) {
          refused.inc()
          throw serverBusy()
        }
        remove(victim)
        refused.inc()
        victim.refuse(serverBusy())
      }
      // The finishing job hands its slot straight to the next waiter, so `running` stays as it is.
      await new Promise<void>((start, refuse) => enqueue({ client, rank, failures: count, start, refuse }))
    }
    try {
      work.inc({ kind })
      return await job()
    } finally {
      const next = dequeue()
      if (next) next.start()
      else running -= 1
    }
  }

  /** Remembers how a check for `who` ended: a success makes the client known to the account, a failure counts. */
  function record(who: HashClient | undefined, matched: boolean) {
    if (!who) return
    if (matched) {
      if (who.account !== undefined) known.set(`${who.account}\u0000${who.client}`, true)
      failures.delete(who.client)
    } else {
      failures.set(who.client, (failures.get(who.client) ?? 0) + 1)
    }
  }

  const cost = options.cost ?? PASSWORD_HASH_COST
  // The hash an unknown email is checked against is made with the first check, not at start (it costs as
  // much CPU as a start's others together, and most starts see no login for a while). Every check waits
  // for it, known email or not, so that the first login of a process cannot tell them apart either.
  let dummy: Promise<string> | undefined
  const dummyHash = () => (dummy ??= hashPassword('tasklane-no-such-user-password', cost))
  return {
    /** Hashes a password with argon2id; the PHC string carries its parameters and salt. */
    hash: (password: string, who?: HashClient) => run('hash', who, () => hashPassword(password, cost)),
    /**
     * Whether `password` matches the stored hash; a malformed hash is simply no match. The outcome is
     * remembered for `who`, which decides the place of its later checks in the queue.
     */
    async verify(passwordHash: string, password: string, who?: HashClient): Promise<boolean> {
      await dummyHash()
      const matched = await run('verify', who, () => verifyPassword(passwordHash, password))
      record(who, matched)
      return matched
    },
    /**
     * Checks a password against the hash of a user who does not exist, so that a login for an unknown
     * email costs the same hashing work (and queue place) as a wrong password and cannot be told apart by
     * its timing. It counts as a failed check for `who`.
     */
    async dummyVerify(who?: HashClient): Promise<void> {
      const passwordHash = await dummyHash()
      await run('verify', who, () => verifyPassword(passwordHash, 'tasklane-not-the-password'))
      record(who, false)
    },
  }
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>

// Two lists, compared case-insensitively: zxcvbn-ts's 49,000 most frequent passwords from breach corpora
// (only those of 10 or more characters can reach the check), and our own list of long patterns people use
// to satisfy length rules (keyboard walks, repeated words, the product's name). Built on first use: zxcvbn-ts
// keeps all its dictionaries in memory once loaded, which a server that nobody signs up on need not pay.
let common: Set<string> | undefined
function commonPasswords(): Set<string> {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as {
      dictionary: Record<'passwords-common', string[]>
    }
    common = new Set(
      [
        ...dictionary['passwords-common'],
        ...readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
          .split('\n')
          .filter((line) => !line.startsWith('#')),
      ]
        .map((line) => line.trim().toLowerCase())
        .filter((line) => line.length >= 10),
    )
  }
  return common
}

/**
 * NIST SP 800-63B: length (10–256, checked by the schema) and a list of commonly used passwords, with no
 * composition rules. Throws 422 `password_too_common`.
 */
export function assertPasswordAllowed(password: string): void {
  if (commonPasswords().has(password.toLowerCase())) {
    throw new ApiError(
      422,
      'password_too_common',
      'This password is on the list of commonly used passwords; choose another.',
    )
  }
}

/**
 * What `users.password_hash` holds for an account made through an identity provider: no argon2 hash, so no
 * password ever matches it. Such an account sets a password with a password reset.
 */
export const NO_PASSWORD = '!no-password'
export const hasPassword = (user: { password_hash: string }) => user.password_hash !== NO_PASSWORD
