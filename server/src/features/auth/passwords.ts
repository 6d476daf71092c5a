import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { hash, verify } from '@node-rs/argon2'
import { Counter, Gauge, type Registry } from 'prom-client'
import { ApiError } from '../../http/problem.js'

// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane. `algorithm: 2` is
// Argon2id (the library's Algorithm is a const enum, which isolated modules cannot import).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/** Hashes a password with argon2id; the PHC string carries its parameters and salt. */
function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2)
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

  const dummy = hashPassword('tasklane-no-such-user-password')
  return {
    /** Hashes a password with argon2id; the PHC string carries its parameters and salt. */
    hash: (password: string) => run('hash', () => hashPassword(password)),
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
