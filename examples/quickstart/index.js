// Quickstart: connect to a Tasklane server and show what it says about itself.
// Run a server with `npm start` in the repository root, then `npm start` here.
import { createTasklane } from '@tasklane/sdk'

const baseUrl = process.env.TASKLANE_URL ?? 'http://localhost:3000'
const tl = createTasklane({ baseUrl })

const health = await tl.GET('/healthz')
if (health.error) {
  console.error('the server answered with a problem:', health.error)
  process.exit(1)
}
const ready = await tl.GET('/readyz')
if (ready.error) {
  console.error(`the server is not ready: ${ready.error.detail}`)
  process.exit(1)
}
console.log(`Tasklane at ${baseUrl}: ${health.data.status}, database ${ready.data.database}`)
