import type { Fetchable } from './helpers.js'

/** What the network does to the next request instead of (or besides) delivering it. */
export interface Fault {
  /** Answer with this status (a problem body unless `body` is given) without reaching the server. */
  status?: number
  headers?: Record<string, string>
  body?: unknown
  /** Wait this long first. */
  delayMs?: number
  /**
   * Fail the connection: `before` the server sees the request, or `after` it has acted on it (the
   * response is lost on the way back, the case idempotency keys exist for).
   */
  drop?: 'before' | 'after'
}

export interface SeenRequest {
  method: string
  path: string
  headers: Headers
  body: string
}

let seq = 0

/**
 * Puts a programmable network in front of any in-process server (the fake of these tests, or the real app
 * from the server's `createTestApp()`): queued faults, and a log of every request as it left the client.
 * Tests written against it run unchanged on either.
 *
 * @example
 * const net = instrument(app)
 * net.fault({ status: 503, headers: { 'Retry-After': '0' } }, { drop: 'after' })
 * const tl = sdkOn(net)
 */
export function instrument(target: Fetchable) {
  const faults: Fault[] = []
  const requests: SeenRequest[] = []

  async function fetch(request: Request, env?: unknown): Promise<Response> {
    const body = ['GET', 'HEAD'].includes(request.method) ? '' : await request.clone().text()
    requests.push({ method: request.method, path: new URL(request.url).pathname, headers: request.headers, body })
    const fault = faults.shift()
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
    if (fault?.drop === 'before') throw new TypeError('fetch failed: connection reset')
    if (fault?.status) {
      const requestId = `req_net_${++seq}`
      const code = fault.status === 429 ? 'rate_limited' : fault.status >= 500 ? 'internal_error' : 'fault'
      const problem = {
        type: 'about:blank',
        title: code,
        status: fault.status,
        code,
        detail: `${code} (${fault.status})`,
        requestId,
      }
      const body = fault.body ?? problem
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status: fault.status,
        headers: { 'Content-Type': 'application/problem+json', 'X-Request-Id': requestId, ...fault.headers },
      })
    }
    const response = await target.fetch(request, env)
    if (fault?.drop === 'after') {
      await response.body?.cancel()
      throw new TypeError('fetch failed: socket hang up')
    }
    return response
  }

  return {
    fetch,
    /** Every request as it left the client, in order. */
    requests,
    /** Queues faults for the next requests, one each. */
    fault(...next: Fault[]) {
      faults.push(...next)
    },
    count(method: string, path: string) {
      return requests.filter((r) => r.method === method && r.path === path).length
    },
  }
}
