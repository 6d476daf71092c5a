import type { IncomingMessage } from 'node:http'
import { type Context, Hono } from 'hono'
import { cors } from 'hono/cors'
import { streamSSE } from 'hono/streaming'

import { instrument } from './network.js'

interface Project {
  id: string
  name: string
  createdAt: string
  version: number
}

export interface Change {
  seq: string
  type: string
  projectId: string | null
  resourceType: string
  resourceId: string
  version: number | null
  actorId: string | null
  occurredAt: string
  data: Record<string, unknown>
}

/** One open connection of `GET /v1/events`, for a test to act on from the server's side. */
export interface OpenStream {
  /** The credentials it was opened with. */
  token: string
  /** Writes raw bytes of the wire format (e.g. `event: reconnect\ndata: {}\n\n`). */
  write(raw: string): Promise<void>
  /** Ends the response normally, as a server that closes the stream does. */
  close(): void
  /** Resets the TCP connection (only when served over a socket, e.g. by @hono/node-server). */
  reset(): void
}

const problem = (status: number, code: string, requestId: string, extra: Record<string, unknown> = {}) => ({
  type: `https://tasklane.dev/problems/${code}`,
  title: code,
  status,
  code,
  detail: `${code} (${status})`,
  requestId,
  ...extra,
})

/**
 * An in-memory server for the stand-in API of fixtures/api.yaml, with the behaviours the SDK must cope
 * with: expiring access tokens and rotating refresh tokens, ETags and If-Match, cursor lists with Link
 * headers, Idempotency-Key replay. It comes `instrument`ed: `fetch` goes through a network a test can
 * fault (`fault`, `count`, `requests`), `app.fetch` straight to the app.
 */
export function createFakeServer(options: { corsOrigin?: string } = {}) {
  let seq = 0
  const nextId = (prefix: string) => `${prefix}_${++seq}`
  const state = {
    /** access token → epoch ms when it expires (server side). */
    accessTokens: new Map<string, number>(),
    refreshTokens: new Set<string>(),
    apiKeys: new Set(['tl_test_key']),
    projects: new Map<string, Project>(),
    tasks: [] as { id: string; projectId: string; title: string; status: string; labels: string[] }[],
    idempotency: new Map<string, { status: number; body: unknown; headers: Record<string, string> }>(),
    accessTtlMs: 15 * 60_000,
    /** The change log, oldest first; `seq` is its 1-based position. */
    changes: [] as Change[],
    /** Changes up to this seq have been pruned: a `since` before it answers 410 cursor_expired. */
    prunedThrough: 0,
    /** What the stream sends as `retry:`, and how often it sends a heartbeat. */
    retryMs: 3000,
    heartbeatMs: 15_000,
  }
  const streams = new Set<OpenStream & { wake(): void }>()
  const record = (type: string, resource: { id: string }, projectId: string | null) => {
    const change: Change = {
      seq: String(state.changes.length + 1),
      type,
      projectId,
      resourceType: type.split('.')[0] ?? '',
      resourceId: resource.id,
      version: 'version' in resource ? (resource.version as number) : null,
      actorId: 'usr_1',
      occurredAt: new Date().toISOString(),
      data: { ...resource },
    }
    state.changes.push(change)
    for (const stream of streams) stream.wake()
    return change
  }

  const app = new Hono()
  if (options.corsOrigin) {
    app.use(
      cors({
        origin: options.corsOrigin,
        allowHeaders: [
          'Authorization',
          'Content-Type',
          'Idempotency-Key',
          'If-Match',
          'If-None-Match',
          'X-Request-Id',
          'Last-Event-ID',
          // As the real server's (server/src/app.ts): the SDK names itself in every request.
          'Tasklane-Client',
        ],
        allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        exposeHeaders: ['X-Request-Id', 'ETag', 'Link', 'Location', 'Retry-After', 'RateLimit', 'Idempotent-Replayed'],
      }),
    )
  }
  app.use(async (c, next) => {
    const requestId = c.req.header('X-Request-Id') ?? nextId('req')
    c.set('requestId' as never, requestId as never)
    await next()
    c.header('X-Request-Id', requestId)
  })
  const rid = (c: Context) => c.get('requestId' as never) as string
  const fail = (c: Context, status: number, code: string, headers = {}) =>
    c.json(problem(status, code, rid(c)), status as 400, { 'Content-Type': 'application/problem+json', ...headers })

  const issue = () => {
    const accessToken = nextId('at')
    const refreshToken = nextId('rt')
    state.accessTokens.set(accessToken, Date.now() + state.accessTtlMs)
    state.refreshTokens.add(refreshToken)
    return { accessToken, refreshToken, expiresIn: Math.round(state.accessTtlMs / 1000) }
  }
  const user = { id: 'usr_1', email: 'ada@example.com', createdAt: '2026-01-01T00:00:00.000Z' }

  app.post('/v1/auth/signup', (c) => c.json({ user, ...issue() }, 201))
  app.post('/v1/auth/login', (c) => c.json({ user, ...issue() }))
  app.post('/v1/auth/refresh', async (c) => {
    const { refreshToken } = await c.req.json<{ refreshToken: string }>()
    if (!state.refreshTokens.delete(refreshToken)) return fail(c, 401, 'session_revoked')
    return c.json({ user, ...issue() })
  })

  // Everything under /v1 except auth needs a valid token or API key.
  app.use('/v1/*', async (c, next) => {
    if (c.req.path.startsWith('/v1/auth/')) return next()
    const token = c.req.header('Authorization')?.replace(/^Bearer /, '') ?? ''
    if (state.apiKeys.has(token)) return next()
    const expiresAt = state.accessTokens.get(token)
    if (expiresAt === undefined) return fail(c, 401, token ? 'token_invalid' : 'unauthenticated')
    if (expiresAt <= Date.now()) return fail(c, 401, 'token_expired')
    return next()
  })

  app.get('/v1/me', (c) => c.json(user))

  const view = ({ version: _, ...p }: Project) => p
  const etag = (p: Project) => `"${p.version}"`

  app.get('/v1/projects', (c) => {
    const limit = Number(c.req.query('limit') ?? 20)
    const cursor = c.req.query('cursor')
    const all = [...state.projects.values()]
    const start = cursor ? all.findIndex((p) => p.id === Buffer.from(cursor, 'base64url').toString()) + 1 : 0
    if (cursor && start === 0) return fail(c, 400, 'invalid_cursor')
    const page = all.slice(start, start + limit)
    const last = page.at(-1)
    const nextCursor = last && start + limit < all.length ? Buffer.from(last.id).toString('base64url') : null
    if (nextCursor) c.header('Link', `</v1/projects?limit=${limit}&cursor=${nextCursor}>; rel="next"`)
    return c.json({ data: page.map(view), nextCursor })
  })

  app.post('/v1/projects', async (c) => {
    const key = c.req.header('Idempotency-Key')
    const text = await c.req.text()
    const stored = key ? state.idempotency.get(key) : undefined
    if (stored) return c.json(stored.body, stored.status as 201, { ...stored.headers, 'Idempotent-Replayed': 'true' })
    const { name } = JSON.parse(text) as { name: string }
    const project: Project = { id: nextId('prj'), name, createdAt: new Date().toISOString(), version: 1 }
    state.projects.set(project.id, project)
    record('project.created', view(project), project.id)
    const headers = { ETag: etag(project), Location: `/v1/projects/${project.id}` }
    if (key) state.idempotency.set(key, { status: 201, body: view(project), headers })
    return c.json(view(project), 201, headers)
  })

  app.get('/v1/projects/:projectId', (c) => {
    const project = state.projects.get(c.req.param('projectId'))
    if (!project) return fail(c, 404, 'not_found')
    return c.json(view(project), 200, { ETag: etag(project) })
  })

  app.patch('/v1/projects/:projectId', async (c) => {
    const project = state.projects.get(c.req.param('projectId'))
    if (!project) return fail(c, 404, 'not_found')
    const ifMatch = c.req.header('If-Match')
    if (ifMatch && ifMatch !== etag(project)) return fail(c, 412, 'precondition_failed', { ETag: etag(project) })
    const { name } = await c.req.json<{ name: string }>()
    Object.assign(project, { name, version: project.version + 1 })
    record('project.updated', view(project), project.id)
    return c.json(view(project), 200, { ETag: etag(project) })
  })

  app.get('/v1/projects/:projectId/tasks', (c) => {
    const limit = Number(c.req.query('limit') ?? 20)
    const all = state.tasks.filter((t) => t.projectId === c.req.param('projectId'))
    const start = Number(c.req.query('cursor') ?? 0)
    const nextCursor = start + limit < all.length ? String(start + limit) : null
    return c.json({ data: all.slice(start, start + limit), nextCursor })
  })

  app.post('/v1/projects/:projectId/tasks', async (c) => {
    if (!state.projects.has(c.req.param('projectId'))) return fail(c, 404, 'not_found')
    const { title, status = 'todo' } = await c.req.json<{ title: string; status?: string }>()
    const task = { id: nextId('tsk'), projectId: c.req.param('projectId'), title, status, labels: [] }
    state.tasks.push(task)
    record('task.created', task, task.projectId)
    return c.json(task, 201)
  })

  const parseSeq = (value: string | undefined) =>
    value !== undefined && /^[0-9]{1,19}$/.test(value) ? Number(value) : null
  const bearer = (c: Context) => c.req.header('Authorization')?.replace(/^Bearer /, '') ?? ''

  app.get('/v1/changes', (c) => {
    const since = parseSeq(c.req.query('since') ?? '0')
    if (since === null) return fail(c, 400, 'validation_failed')
    if (since < state.prunedThrough) return fail(c, 410, 'cursor_expired')
    const limit = Number(c.req.query('limit') ?? 20)
    const projectId = c.req.query('projectId')
    const after = Number(c.req.query('cursor') ?? since)
    const matching = state.changes.filter((x) => Number(x.seq) > after && (!projectId || x.projectId === projectId))
    const page = matching.slice(0, limit)
    const last = page.at(-1)?.seq
    const nextCursor = matching.length > limit && last ? last : null
    return c.json({ data: page, nextCursor, syncToken: last ?? String(after) })
  })

  app.get('/v1/events', (c) => {
    const token = bearer(c)
    const from = c.req.header('Last-Event-ID') ?? c.req.query('since')
    const since = from === undefined ? state.changes.length : parseSeq(from)
    if (since === null) return fail(c, 400, 'validation_failed')
    if (since < state.prunedThrough) return fail(c, 410, 'cursor_expired')
    const projectId = c.req.query('projectId')
    const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket
    return streamSSE(c, async (stream) => {
      let wake = () => {}
      let closing = false
      const open = {
        token,
        write: (raw: string) => stream.write(raw).then(() => {}),
        close() {
          closing = true
          wake()
        },
        reset: () => socket?.destroy(),
        wake: () => wake(),
      }
      streams.add(open)
      stream.onAbort(() => open.close())
      const expired = () => {
        const expiresAt = state.accessTokens.get(token)
        return expiresAt !== undefined && expiresAt <= Date.now()
      }
      try {
        await stream.write(`retry: ${state.retryMs}\n\n`)
        await stream.writeSSE({ id: String(since), event: 'ready', data: JSON.stringify({ since: String(since) }) })
        let next = since
        while (!closing && !stream.aborted) {
          while (next < state.changes.length) {
            const change = state.changes[next++] as Change
            if (projectId && change.projectId !== projectId) continue
            await stream.writeSSE({ id: change.seq, event: change.type, data: JSON.stringify(change) })
          }
          if (expired()) {
            await stream.writeSSE({ event: 'auth_expired', data: '{}' })
            break
          }
          const beat = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), state.heartbeatMs)
            wake = () => {
              clearTimeout(timer)
              resolve(false)
            }
          })
          if (beat && !closing) await stream.write(': heartbeat\n\n')
        }
      } finally {
        streams.delete(open)
      }
    })
  })

  return {
    app,
    state,
    /** The event streams open right now. */
    streams,
    /** Appends a change to the log (and wakes the open streams), as a write of the API would. */
    record,
    ...instrument(app),
    seedProjects(n: number) {
      for (let i = 0; i < n; i++) {
        const id = nextId('prj')
        state.projects.set(id, { id, name: `Project ${i + 1}`, createdAt: new Date().toISOString(), version: 1 })
      }
    },
    /** Makes every access token issued so far expire now (the client does not know). */
    expireAccessTokens({ tellStreams = true } = {}) {
      for (const token of state.accessTokens.keys()) state.accessTokens.set(token, Date.now() - 1)
      // An open stream notices at once (sends auth_expired and closes), unless told not to.
      if (tellStreams) for (const stream of streams) stream.wake()
    },
  }
}
