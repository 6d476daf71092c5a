import { readFileSync } from 'node:fs'
import { hash, verify } from '@node-rs/argon2'
import { dictionary } from '@zxcvbn-ts/language-common'
import { ApiError } from '../../http/problem.js'

// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane. `algorithm: 2` is
// Argon2id (the library's Algorithm is a const enum, which isolated modules cannot import).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/** Hashes a password with argon2id; the PHC string carries its parameters and salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2)
}

/** Whether `password` matches the stored hash; a malformed hash is simply no match. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

/**
 * Checks a password against the hash of a user who does not exist, so that a login for an unknown email
 * costs the same hashing work as a wrong password and cannot be told apart by its timing.
 */
export function createDummyVerifier(): () => Promise<void> {
  const dummy = hashPassword('tasklane-no-such-user-password')
  return async () => {
    await verifyPassword(await dummy, 'tasklane-not-the-password')
  }
}

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
