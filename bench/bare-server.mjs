// The baseline: a bare node:http JSON server with no framework, no database and no auth. It answers every
// scenario's URL with a body of the same shape and size Tasklane sends, so the comparison measures what
// Tasklane adds per request. Started by run.mjs with an IPC channel; answers `cpu` with process.cpuUsage().
import { createServer } from 'node:http'

const task = {
  id: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
  projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
  title: 'alpha bravo charlie delta',
  description: 'Seeded task for the benchmark with a short description.',
  status: 'todo',
  priority: 2,
  dueAt: null,
  labels: [],
  assigneeId: null,
  position: 1,
  completedAt: null,
  createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
  createdAt: '2026-11-20T09:30:00.000Z',
  updatedAt: '2026-11-20T09:30:00.000Z',
  version: 1,
}
const one = JSON.stringify(task)
const page = JSON.stringify({
  data: Array.from({ length: 20 }, () => task),
  nextCursor: 'WyJ0c2siLCJ0c2siXQabcdefghijklmnopqrstuv',
})

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    if (req.method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
      res.writeHead(201, { 'content-type': 'application/json', location: `/v1/tasks/${task.id}` })
      res.end(JSON.stringify({ ...task, ...body }))
      return
    }
    const isList = req.url.includes('/tasks') && req.url.includes('/projects/')
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(isList ? page : one)
  })
})

server.listen(0, '127.0.0.1', () => {
  process.send({ ready: true, port: server.address().port })
})
process.on('message', (msg) => {
  if (msg === 'cpu') process.send({ cpu: process.cpuUsage() })
  if (msg === 'stop') server.close(() => process.exit(0))
})
