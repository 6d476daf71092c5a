import http from 'node:http'
import https from 'node:https'
import { bareHost, type TargetAgents } from './webhook-targets.js'

/** What one attempt to POST an event got: a status (any, redirects included), or an error and no status. */
export interface AttemptOutcome {
  status: number | null
  /** The start of the response body, at most the cap, as text. */
  body: string | null
  /** `Retry-After`, in milliseconds, when the response had one. */
  retryAfterMs: number | undefined
  error: string | null
  durationMs: number
}

/**
 * POSTs `body` once: no redirects followed (a 3xx is an answer like any other), the whole attempt bounded by
 * `timeoutMs` (connection, sending and reading), and at most `maxBodyBytes` of the response read — the rest
 * is not waited for. Never throws: every failure is an outcome to record.
 */
export function postOnce(
  agents: TargetAgents,
  target: string,
  body: string,
  headers: Record<string, string>,
  limits: { timeoutMs: number; maxBodyBytes: number },
): Promise<AttemptOutcome> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  return new Promise((resolve) => {
    let settled = false
    const finish = (outcome: Omit<AttemptOutcome, 'durationMs'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ ...outcome, durationMs: elapsed() })
    }
    const url = new URL(target)
    const send = url.protocol === 'https:' ? https.request : http.request
    const request = send({
      method: 'POST',
      protocol: url.protocol,
      hostname: bareHost(url.hostname),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
      agent: agents.for(url),
      ...(agents.lookup ? { lookup: agents.lookup } : {}),
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Tasklane-Webhooks/1',
        ...headers,
      },
    })
    const timer = setTimeout(() => {
      request.destroy(new Error(`no complete answer within ${limits.timeoutMs} ms`))
    }, limits.timeoutMs)
    request.on('error', (err) => finish({ status: null, body: null, retryAfterMs: undefined, error: describe(err) }))
    request.on('response', (response) => {
      const status = response.statusCode ?? null
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'])
      const chunks: Buffer[] = []
      let size = 0
      const done = (error: string | null) => {
        const text = Buffer.concat(chunks).subarray(0, limits.maxBodyBytes).toString('utf8').replace(/\0/g, '\uFFFD')
        finish({ status, body: text, retryAfterMs, error })
      }
      response.on('data', (chunk: Buffer) => {
        if (size >= limits.maxBodyBytes) return
        chunks.push(chunk)
        size += chunk.length
        // Enough read: the rest of a large body is not waited for.
        if (size >= limits.maxBodyBytes) {
          done(null)
          response.destroy()
        }
      })
      response.on('end', () => done(null))
      // The status arrived, so the receiver answered; a body cut short is noted, not a failure by itself.
      response.on('error', (err) => done(`the response body was cut short: ${describe(err)}`))
      response.on('close', () => done(response.complete ? null : 'the connection closed before the body ended'))
    })
    request.end(body)
  })
}

function describe(err: Error): string {
  const code = (err as { code?: string }).code
  // The delivery log's `error` is single-line text (the spec refuses control characters in it).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  const message = err.message.replace(/[\u0000-\u001F\u007F]/g, ' ')
  return (code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 2000)
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
