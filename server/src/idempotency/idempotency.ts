import { createHash } from 'node:crypto'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../core/api-error.js'
import type { AppEnv } from '../http/env.js'
import { newId } from '../lib/ids.js'
import type { IdempotencyScope, Writer } from '../write/writer.js'

export interface IdempotencyOptions {
  /**
   * The instance this runs in (see db/instance-presence.ts); its claims are free as soon as it has ended.
   * A fresh id when not given (an instance nobody else can see alive).
   */
  holder?: string
  /** How long a completed response is replayed (24 h). */
  retainMs?: number
  /** How long a claim protects a request that is still running; after that a crashed attempt is retried. */
  lockMs?: number
  now?: () => Date
}

/** Response headers that belong to the result and are replayed; per-request ones (request id, limits) are not. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag', 'link']

/**
 * `Idempotency-Key` for creates, applied to every operation that declares the header. The first request
 * with a key runs and, if it succeeds (2xx), its status, headers and body are stored for the principal;
 * a repeat with the same body gets that response again with `Idempotent-Replayed: true`, a repeat with a
 * different body 422, and a repeat while the first still runs 409. Failures are not stored: the key is
 * released so the client can retry it.
 */
export function idempotency(writer: Writer, options: IdempotencyOptions = {}) {
  const retainMs = options.retainMs ?? 24 * 60 * 60 * 1000
  const lockMs = options.lockMs ?? 60 * 1000
  const holder = options.holder ?? newId('ins')
  const now = options.now ?? (() => new Date())
  let sincePrune = 0
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.req.header('idempotency-key')
    const principal = c.get('principal')
    // Without credentials the operation answers 401 anyway; without a key there is nothing to remember.
    if (!key || !principal) return next()
    const principalId = principal.userId
    const fingerprint = fingerprintOf(c.req.method, c.req.path, c.req.header('content-type'), await c.req.text())

    if (++sincePrune >= 500) {
      sincePrune = 0
      writer
        .write((tx) => tx.idempotency.pruneExpiredKeys(now()), { silent: true })
        .catch((err) => c.get('log')?.warn({ err }, 'pruning idempotency keys failed'))
    }

    // Claims and releases are writes of their own, outside the request's write: concurrent requests must
    // see a claim at once, and a release must outlive the request's write rolling back.
    const claim = await writer.write(
      (tx) => tx.idempotency.claimKey({ principalId, key, fingerprint, now: now(), lockMs, retainMs, holder }),
      { silent: true },
    )
    if (!claim.claimed) {
      const { record } = claim
      if (record.fingerprint !== fingerprint) {
        throw new ApiError(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was used with a different request; use a new key for a new request.',
        )
      }
      if (record.state !== 'done' || record.status === null) {
        throw new ApiError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still in progress.', {
          headers: { 'Retry-After': '1' },
        })
      }
      const headers = new Headers(JSON.parse(record.headers ?? '{}') as Record<string, string>)
      headers.set('Idempotent-Replayed', 'true')
      return new Response(record.body ?? '', { status: record.status, headers })
    }

    const { claimedAt } = claim
    let stored = false
    // The response is stored in the same transaction as the write it answers: once the write commits,
    // a retry replays it, even if this process dies before answering. If the claim was taken over
    // meanwhile (this request outlived its lock), the write is refused instead, so it happens once.
    // Stored once the write that stored it has committed: a run of the write that is rolled back and run
    // again (see the write seam) must store it again.
    const scope: IdempotencyScope = {
      async beforeCommit(tx, result, changes) {
        const answer = c.get('answer')
        if (stored || !answer || changes.length === 0) return false
        const snapshot = await snapshotOf(answer(result))
        if (!snapshot) return false
        if (!(await tx.idempotency.completeKey(principalId, key, claimedAt, snapshot))) throw takenOver()
        return true
      },
      committed() {
        stored = true
      },
    }
    // Declared on the caller the handler passes to its service, which passes it to its write (`by`).
    c.set('principal', { ...principal, idempotency: scope })
    try {
      await next()
      if (!stored) {
        const snapshot = await snapshotOf(c.res)
        if (snapshot) {
          stored = await writer.write((tx) => tx.idempotency.completeKey(principalId, key, claimedAt, snapshot), {
            silent: true,
          })
        }
      }
    } finally {
      if (!stored) await writer.write((tx) => tx.idempotency.releaseKey(principalId, key, claimedAt), { silent: true })
    }
  })
}

/**
 * Declares how a handler answers its write's result, so an `Idempotency-Key` request can store that
 * answer with the write (see `idempotency`). Returns `answer` for the handler to use.
 *
 * @example
 * const respond = answersWith(c, (task: Task) => c.json(task, 201, { ETag: etagOf(task.version) }))
 * return respond(await tasks.create(…))
 */
export function answersWith<T, R extends Response>(c: Context<AppEnv>, answer: (result: T) => R): (result: T) => R {
  c.set('answer', answer as (result: unknown) => Response)
  return answer
}

/** What is stored of a successful (2xx) response; undefined for any other. */
async function snapshotOf(res: Response) {
  if (res.status < 200 || res.status >= 300) return undefined
  const headers: Record<string, string> = {}
  for (const name of REPLAYED_HEADERS) {
    const value = res.headers.get(name)
    if (value !== null) headers[name] = value
  }
  return { status: res.status, headers: JSON.stringify(headers), body: await res.clone().text() }
}

const takenOver = () =>
  new ApiError(
    409,
    'idempotency_key_in_use',
    'This request outlived its Idempotency-Key lock and a retry took the key over; nothing was changed.',
    { headers: { 'Retry-After': '1' } },
  )

/**
 * What makes two requests "the same": method, path and body. JSON bodies are compared by content, not
 * bytes, so a client that re-serialises with other spacing or key order still gets its replay.
 */
function fingerprintOf(method: string, path: string, contentType: string | undefined, text: string) {
  let body = text
  if ((contentType ?? '').toLowerCase().includes('json') && text !== '') {
    try {
      body = canonicalJson(JSON.parse(text))
    } catch {
      // The body guard answers malformed JSON before this runs; keep the bytes if it did not.
    }
  }
  return createHash('sha256').update(`${method} ${path}\n`).update(body).digest('base64url')
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
