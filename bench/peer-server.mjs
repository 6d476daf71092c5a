// The hand-tuned peer for getTask: fastify (ajv validates the path), jose HS256 with the checks Tasklane
// makes (algorithm, issuer, audience, typ, required claims, expiry; session not revoked; caller a member of
// the task's project, else 404), raw better-sqlite3 on a copy of Tasklane's seeded database, and the same
// response body bytes. What Tasklane does on top (request ids, rate-limit and security headers, metrics,
// logging, response validation) is what the ratio to this peer measures. Started by run.mjs with an IPC
// channel and PEER_DB; answers `cpu` with process.cpuUsage().
import { hkdfSync } from 'node:crypto'
import { rmSync } from 'node:fs'
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import { jwtVerify } from 'jose'

const file = process.env.PEER_DB
const db = new Database(file, { readonly: true })
const master = db.prepare("select value from server_secrets where name = 'master'").get().value
const key = new Uint8Array(hkdfSync('sha256', master, 'tasklane', 'jwt', 32))
const findTask = db.prepare('select * from tasks where id = ?')
const memberRole = db.prepare('select role from project_members where project_id = ? and user_id = ?')
const revoked = db.prepare('select 1 from session_revocations where session_id = ?')

const problem = (reply, status, code, title) =>
  reply
    .code(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, code }))

const app = Fastify({ logger: false })
app.get(
  '/v1/tasks/:taskId',
  {
    schema: {
      params: {
        type: 'object',
        properties: { taskId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^tsk_[0-9A-Z]{26}$' } },
        required: ['taskId'],
      },
    },
  },
  async (request, reply) => {
    const auth = request.headers.authorization
    if (!auth?.startsWith('Bearer ')) return problem(reply, 401, 'unauthenticated', 'Unauthorized')
    let payload
    try {
      ;({ payload } = await jwtVerify(auth.slice(7), key, {
        algorithms: ['HS256'],
        issuer: 'tasklane',
        audience: 'tasklane-api',
        typ: 'at+jwt',
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      }))
    } catch {
      return problem(reply, 401, 'token_invalid', 'Unauthorized')
    }
    if (revoked.get(payload.sid)) return problem(reply, 401, 'session_revoked', 'Unauthorized')
    if (!String(payload.scope).split(' ').includes('read'))
      return problem(reply, 403, 'insufficient_scope', 'Forbidden')
    const row = findTask.get(request.params.taskId)
    if (!row || !memberRole.get(row.project_id, payload.sub)) return problem(reply, 404, 'not_found', 'Not Found')
    const task = {
      id: row.id,
      projectId: row.project_id,
      title: row.title,
      description: row.description,
      status: row.status,
      priority: row.priority,
      dueAt: row.due_at,
      labels: JSON.parse(row.labels),
      assigneeId: row.assignee_id,
      position: row.position,
      completedAt: row.completed_at,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      version: row.version,
    }
    const body = JSON.stringify(task)
    return reply.header('etag', `"${row.version}"`).type('application/json').send(body)
  },
)

await app.listen({ port: 0, host: '127.0.0.1' })
process.send({ ready: true, port: app.server.address().port })
process.on('message', (msg) => {
  if (msg === 'cpu') process.send({ cpu: process.cpuUsage() })
  if (msg === 'stop') {
    app.close().then(() => {
      db.close()
      rmSync(file, { force: true })
      process.exit(0)
    })
  }
})
