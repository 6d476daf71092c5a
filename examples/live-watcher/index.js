// Live watcher: prints the changes of one project as they happen, one line each, until Ctrl-C.
//
//   TASKLANE_API_KEY=tl_… node index.js <projectId> [--since <seq>] [--max-events <n>]
//   TASKLANE_EMAIL=… TASKLANE_PASSWORD=… node index.js <projectId>
//
// TASKLANE_URL says where the server is (default http://localhost:3000). `--since` starts after a change
// you have seen (the watcher prints where to resume when it stops); `--max-events` stops after that many.
// The SDK reconnects, resumes and refreshes the login by itself: nothing is lost while the watcher runs.
import { parseArgs } from 'node:util'
import { CursorExpiredError, createTasklane, TasklaneError, unwrap } from '@tasklane/sdk'
import { events } from '@tasklane/sdk/events'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { since: { type: 'string' }, 'max-events': { type: 'string' } },
})
const projectId = positionals[0]
const maxEvents = values['max-events'] === undefined ? Number.POSITIVE_INFINITY : Number(values['max-events'])
if (!projectId || !(maxEvents > 0)) {
  console.error('usage: node index.js <projectId> [--since <seq>] [--max-events <n>]')
  process.exit(2)
}

const baseUrl = process.env.TASKLANE_URL ?? 'http://localhost:3000'
const apiKey = process.env.TASKLANE_API_KEY
const tl = apiKey ? createTasklane({ baseUrl, apiKey }) : createTasklane({ baseUrl })
if (!apiKey) {
  const email = process.env.TASKLANE_EMAIL
  const password = process.env.TASKLANE_PASSWORD
  if (!email || !password) {
    console.error('set TASKLANE_API_KEY, or TASKLANE_EMAIL and TASKLANE_PASSWORD')
    process.exit(2)
  }
  // A session: the SDK refreshes its access token when it expires, also in the middle of the stream.
  await tl.session.set(await unwrap(tl.POST('/v1/auth/login', { body: { email, password } })))
}

const stop = new AbortController()
process.once('SIGINT', () => stop.abort())

/**
 * A change's resource in a few words. `event.data` is typed by `event.type`: the resource, or a tombstone.
 * @param {import('@tasklane/sdk').EventOf<import('@tasklane/sdk').Change['type']>['data']} data
 */
function describe(data) {
  if ('deleted' in data) return '(deleted)'
  const label = 'title' in data ? data.title : 'name' in data ? data.name : 'email' in data ? data.email : undefined
  return typeof label === 'string' ? JSON.stringify(label) : ''
}

let seen = 0
let last = values.since
try {
  for await (const event of events(tl, { projectId, since: values.since, signal: stop.signal })) {
    if (event.type === 'access_revoked') {
      console.log(`access to ${event.projectId} was revoked`)
      break
    }
    console.log(`${event.seq} ${event.type} ${event.resourceId} ${describe(event.data)}`.trimEnd())
    last = event.seq
    if (++seen >= maxEvents) break
  }
} catch (err) {
  if (err instanceof CursorExpiredError) console.error(`--since ${values.since} is older than the server keeps changes`)
  else if (err instanceof TasklaneError) console.error(`${err.code}: ${err.message}`)
  else throw err
  process.exitCode = 1
}
console.error(`${seen} change${seen === 1 ? '' : 's'}${last ? `; resume with --since ${last}` : ''}`)
