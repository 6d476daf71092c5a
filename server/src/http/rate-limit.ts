import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { type HonoConfigType, MemoryStore, RedisStore, type Store } from 'hono-rate-limiter'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import proxyaddr from 'proxy-addr'
import type { TrustProxy } from '../config.js'
import { ApiError } from '../core/api-error.js'
import type { AppEnv, RateLimitState } from './env.js'

export interface RatePolicy {
  /** The policy name in the RateLimit headers ("default", "login-ip", …). */
  name: string
  limit: number
  windowS: number
}

export interface RateLimiterOptions {
  enabled: boolean
  /** The limit every /v1 request counts against, per principal (or per IP when anonymous). */
  general: RatePolicy
  /** Shared counters across instances; in-process counters when absent. */
  redis?: Redis
  /** Which proxies' `X-Forwarded-For` to believe; see TrustProxy. */
  trustProxy: TrustProxy
  logger: Logger
  /** After Redis fails, how long to count in process before trying it again (and the least time between warnings). */
  redisRetryMs?: number
}

/**
 * Fixed-window rate limits with hono-rate-limiter's stores (memory, or Redis for several instances).
 * When Redis fails (down, or slower than its command timeout), limits degrade instead of failing the
 * request: for `redisRetryMs` each instance counts in its own memory, as a single instance without Redis
 * does, with one warning logged per interval; then Redis is tried again.
 * A request may count against several policies (the general one, then e.g. per-IP and per-account login
 * limits); the response carries the IETF headers for all of them: `RateLimit-Policy` lists every policy,
 * `RateLimit` reports the one closest to running out, and a 429 adds `Retry-After`.
 */
export function createRateLimiter(options: RateLimiterOptions) {
  const stores = new Map<string, Store>()
  const storeFor = (policy: RatePolicy, shared: boolean): Store => {
    const id = `${policy.name}:${policy.windowS}`
    let store = stores.get(`${shared}:${id}`)
    if (!store) {
      store =
        shared && options.redis
          ? new RedisStore({ client: redisClient(options.redis), prefix: `tasklane:rl:${id}:` })
          : new MemoryStore()
      store.init?.({ windowMs: policy.windowS * 1000 } as HonoConfigType)
      stores.set(`${shared}:${id}`, store)
    }
    return store
  }

  const retryMs = options.redisRetryMs ?? 5000
  let redisFailedAt = Number.NEGATIVE_INFINITY
  let warnedAt = Number.NEGATIVE_INFINITY
  /** Counts a hit in Redis while it works, else in this process's memory. */
  async function increment(policy: RatePolicy, key: string) {
    const redis = options.redis
    if (redis && redis.status === 'ready' && Date.now() - redisFailedAt >= retryMs) {
      try {
        return await storeFor(policy, true).increment(key)
      } catch (err) {
        redisFailedAt = Date.now()
        if (redisFailedAt - warnedAt >= retryMs) {
          warnedAt = redisFailedAt
          options.logger.warn({ err }, 'redis failed; rate limits use in-process counters for now')
        }
      }
    }
    return storeFor(policy, false).increment(key)
  }

  const trust = trustFunction(options.trustProxy)
  /**
   * The client's address as Express finds it (with the same library, proxy-addr): walking from the socket's
   * peer leftwards through `X-Forwarded-For`, the first address not trusted to forward. A proxy appends the
   * address it was connected from, so the entries left of the trusted ones are whatever the client wrote
   * and are never taken.
   */
  const clientIp = (c: Context<AppEnv>): string => {
    let remoteAddress: string | undefined
    try {
      remoteAddress = getConnInfo(c).remote.address
    } catch {
      // Not served by @hono/node-server (in-process requests): only the trusted X-Forwarded-For hops say who.
    }
    const forwarded = c.req.header('x-forwarded-for')
    const request = { headers: forwarded ? { 'x-forwarded-for': forwarded } : {}, socket: { remoteAddress } }
    return proxyaddr(request as never, trust) || 'unknown'
  }

  /** Counts this request against `policy` for `key`; throws 429 when over the limit. */
  async function consume(c: Context<AppEnv>, policy: RatePolicy, key: string): Promise<void> {
    if (!options.enabled) return
    const { totalHits, resetTime } = await increment(policy, `${policy.name}:${key}`)
    const resetS = Math.max(0, Math.ceil(((resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000))
    const state: RateLimitState = {
      policy: policy.name,
      limit: policy.limit,
      windowS: policy.windowS,
      remaining: Math.max(0, policy.limit - totalHits),
      resetS,
    }
    const states = c.get('rateLimits') ?? []
    states.push(state)
    c.set('rateLimits', states)
    if (totalHits > policy.limit) {
      throw new ApiError(429, 'rate_limited', `Too many requests; retry in ${resetS} seconds.`, {
        headers: { ...rateLimitHeaders(states), 'Retry-After': String(resetS) },
      })
    }
  }

  /** The general limit on every /v1 request, keyed by the authenticated user or else the client IP. */
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal')
    await consume(c, options.general, principal ? `user:${principal.userId}` : `ip:${clientIp(c)}`)
    await next()
    const states = c.get('rateLimits')
    if (states?.length)
      for (const [name, value] of Object.entries(rateLimitHeaders(states))) c.res.headers.set(name, value)
  })

  return {
    consume,
    clientIp,
    middleware,
    async close() {
      for (const store of stores.values()) await store.shutdown?.()
    },
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>

/** proxy-addr's trust test for the setting: the nearest `hops` addresses, or those in the proxy list. */
function trustFunction(setting: TrustProxy): (address: string, hop: number) => boolean {
  if ('proxies' in setting) return proxyaddr.compile(setting.proxies)
  const { hops } = setting
  return (_address, hop) => hop < hops
}

/** draft-ietf-httpapi-ratelimit-headers: every policy in RateLimit-Policy, the tightest one in RateLimit. */
function rateLimitHeaders(states: RateLimitState[]): Record<string, string> {
  const policies = new Map(states.map((s) => [s.policy, s]))
  const all = [...policies.values()]
  const tightest = all.reduce((a, b) =>
    b.remaining < a.remaining || (b.remaining === a.remaining && b.resetS > a.resetS) ? b : a,
  )
  return {
    'RateLimit-Policy': all.map((s) => `"${s.policy}";q=${s.limit};w=${s.windowS}`).join(', '),
    RateLimit: `"${tightest.policy}";r=${tightest.remaining};t=${tightest.resetS}`,
  }
}

// hono-rate-limiter's RedisStore speaks a minimal client interface; ioredis spells two of its calls differently.
function redisClient(redis: Redis) {
  return {
    scriptLoad: (script: string) => redis.script('LOAD', script) as Promise<string>,
    evalsha: <TArgs extends unknown[], TData = unknown>(sha: string, keys: string[], args: TArgs) =>
      redis.evalsha(sha, keys.length, ...keys, ...(args as (string | number)[])) as Promise<TData>,
    decr: (key: string) => redis.decr(key),
    del: (key: string) => redis.del(key),
  }
}
