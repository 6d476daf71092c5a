import { readFileSync } from 'node:fs'
import { hash, verify } from '@node-rs/argon2'
import { dictionary } from '@zxcvbn-ts/language-common'
import { Counter, Gauge, type Registry } from 'prom-client'
import { ApiError } from '../../http/problem.js'

/** argon2id's cost parameters: memory in KiB, iterations, lanes. */
export interface PasswordHashCost {
  memoryCost: number
  timeCost: number
  parallelism: number
}

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane. What the server hashes with. */
export const PASSWORD_HASH_COST: PasswordHashCost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

/** Hashes a password with argon2id; the PHC string carries its parameters and salt. */
function hashPassword(password: string, cost: PasswordHashCost): Promise<string> {
  // `algorithm: 2` is Argon2id (the library's Algorithm is a const enum, which isolated modules cannot import).
  return hash(password, { algorithm: 2, ...cost })
}

/** Whether `password` matches the stored hash; a malformed hash is simply no match. */
async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

export interface PasswordHasherOptions {
  /** How many hashes may run at once. */
  concurrency: number
  /** How many more may wait for a turn; beyond that, `server_busy`. */
  maxQueue: number
  /** Where to report hashing work and refusals. */
  registry: Registry
  /**
   * argon2id's parameters for new hashes; `PASSWORD_HASH_COST` unless given. Only tests lower it, to spend
   * their time on what they test; verifying reads the parameters from the stored hash, whatever they are.
   */
  cost?: PasswordHashCost
}

const serverBusy = () =>
  new ApiError(503, 'server_busy', 'The server is busy checking passwords; retry in a moment.', {
    title: 'Service unavailable',
    headers: { 'Retry-After': '1' },
  })

/**
 * argon2id behind a bounded queue. Each hash takes 19 MiB and tens of milliseconds on libuv's thread pool,
 * which the rest of the server shares (crypto, DNS, file access): unbounded, a burst of logins fills the
 * pool and every other request waits behind it. At most `concurrency` run at once and `maxQueue` wait;
 * a request beyond that is refused at once with 503 `server_busy` and `Retry-After`, before any work.
 */
export function createPasswordHasher(options: PasswordHasherOptions) {
  let running = 0
  const waiting: (() => void)[] = []
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
      this.set(waiting.length)
    },
  })

  async function run<T>(kind: 'hash' | 'verify', job: () => Promise<T>): Promise<T> {
    if (running < options.concurrency) {
      running += 1
    } else {
      if (waiting.length >= options.maxQueue) {
        refused.inc()
        throw serverBusy()
      }
      // The finishing job hands its slot straight to the first waiter, so `running` stays as it is.
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
    try {
      work.inc({ kind })
      return await job()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running -= 1
    }
  }

  const cost = options.cost ?? PASSWORD_HASH_COST
  const dummy = hashPassword('tasklane-no-such-user-password', cost)
  return {
    /** Hashes a password with argon2id; the PHC string carries its parameters and salt. */
    hash: (password: string) => run('hash', () => hashPassword(password, cost)),
    /** Whether `password` matches the stored hash; a malformed hash is simply no match. */
    verify: (passwordHash: string, password: string) => run('verify', () => verifyPassword(passwordHash, password)),
    /**
     * Checks a password against the hash of a user who does not exist, so that a login for an unknown
     * email costs the same hashing work (and queue place) as a wrong password and cannot be told apart by
     * its timing.
     */
    async dummyVerify(): Promise<void> {
      const passwordHash = await dummy
      await run('verify', () => verifyPassword(passwordHash, 'tasklane-not-the-password'))
    },
  }
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>

// Two lists, compared case-insensitively: zxcvbn-ts's 49,000 most frequent passwords from breach corpora
// (only those of 10 or more characters can reach the check), and our own list of long patterns people use
// to satisfy length rules (keyboard walks, repeated words, the product's name).
const COMMON = new Set(
  [
    ...dictionary['passwords-common'],
    ...readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('#')),
  ]
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line.length >= 10),
)

/**
 * NIST SP 800-63B: length (10–256, checked by the schema) and a list of commonly used passwords, with no
 * composition rules. Throws 422 `password_too_common`.
 */
export function assertPasswordAllowed(password: string): void {
  if (COMMON.has(password.toLowerCase())) {
    throw new ApiError(
      422,
      'password_too_common',
      'This password is on the list of commonly used passwords; choose another.',
    )
  }
}
