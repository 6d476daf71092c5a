import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { createTasklane } from './src/index.ts'
let calls = 0
const server = setupServer(http.get('http://t.test/readyz', () => { calls++; console.log('call', calls); return calls === 1 ? HttpResponse.json({ status: 503, code: 'x' }, { status: 503 }) : HttpResponse.json({ status: 'ok' }) }))
server.listen()
const tl = createTasklane({ baseUrl: 'http://t.test', backoff: { initialMs: 1, maxMs: 5 } })
setTimeout(()=>{console.log('timeout; calls', calls); process.exit(1)}, 5000)
const r = await tl.GET('/readyz' as any)
console.log('done', r.response.status, calls)
server.close(); process.exit(0)
