import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'

// The package's folder, from its absolute-path helper: its main module would load the 1.4 MB Swagger UI
// bundle into the server at every start.
const ASSETS_DIR: string = createRequire(import.meta.url)('swagger-ui-dist/absolute-path.js')()

// Swagger UI's own files, served from the installed package so /docs works with no network at all.
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tasklane API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`

// "Try it out" must call the server that serves the page, wherever it runs, so this origin is put first
// in the document's servers list.
const INIT = `fetch('/openapi.json')
  .then((res) => res.json())
  .then((spec) => {
    spec.servers = [{ url: window.location.origin, description: 'This server' }, ...(spec.servers || [])]
      .filter((s, i, all) => all.findIndex((o) => o.url === s.url) === i)
    window.ui = SwaggerUIBundle({
      spec,
      dom_id: '#swagger-ui',
      deepLinking: true,
      persistAuthorization: true,
      displayRequestDuration: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    })
  })
`

// Swagger UI runs from this server's own files: no inline or remote script, no framing. It styles with
// inline style attributes and draws icons as data: images; "Try it out" calls this origin only.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** The interactive API docs at /docs, Swagger UI from local assets. */
export function createDocsRouter() {
  // Read on first request (about 2 MB a server that nobody reads the docs of need not hold), then kept.
  const files = new Map<string, { body: Buffer<ArrayBuffer>; type: string }>()
  const asset = (name: string) => {
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined
    if (!type) return undefined
    let file = files.get(name)
    if (!file) {
      file = { body: readFileSync(join(ASSETS_DIR, name)), type }
      files.set(name, file)
    }
    return file
  }
  const router = new Hono<AppEnv>()
  // The server's root is where people land first; the API's docs are what they are looking for.
  router.get('/', (c) => c.redirect('/docs', 302))
  router.get('/docs', (c) => c.html(PAGE, 200, { 'Content-Security-Policy': CSP }))
  router.get('/docs/', (c) => c.redirect('/docs', 301))
  router.get('/docs/init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }))
  router.get('/docs/assets/:name', (c) => {
    const file = asset(c.req.param('name'))
    if (!file) return c.notFound()
    return c.body(file.body, 200, { 'content-type': file.type, 'cache-control': 'public, max-age=86400' })
  })
  return router
}
