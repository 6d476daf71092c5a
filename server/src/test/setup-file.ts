// Runs before every server test file. The server's test files share one process per worker (isolate:
// false in vitest.config.ts), and a file that serves the app over HTTP (server.ts's listen, through
// @hono/node-server) replaces the global Request and Response with the adapter's own, whose headers cannot
// be changed after the fact the way the app's middleware does for in-process requests. Each file starts
// with the platform's, as it did in a process of its own.
const PLATFORM = Symbol.for('tasklane.test.platformGlobals')
const store = globalThis as typeof globalThis & { [PLATFORM]?: { Request: typeof Request; Response: typeof Response } }
store[PLATFORM] ??= { Request: globalThis.Request, Response: globalThis.Response }
Object.defineProperty(globalThis, 'Request', { value: store[PLATFORM].Request })
Object.defineProperty(globalThis, 'Response', { value: store[PLATFORM].Response })
