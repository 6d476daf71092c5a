import { defineConfig, loadEnv, type Plugin } from 'vite'

/**
 * The Content-Security-Policy of the built app: every script and style from the app's own origin, images
 * from it and the API (attachment thumbnails through signed links), requests only to it and the API. It goes in a <meta> tag so that it holds wherever the files are served
 * (Vite preview, nginx, a CDN); the dev server is left without it, because Vite injects inline styles there.
 */
function contentSecurityPolicy(apiUrl: string): Plugin {
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${new URL(apiUrl).origin}`,
    "font-src 'self'",
    `connect-src 'self' ${new URL(apiUrl).origin}`,
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ')
  return {
    name: 'tasklane-csp',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' },
    ],
  }
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_')
  const apiUrl = env.VITE_TASKLANE_URL || 'http://localhost:3000'
  return {
    // The SDK's TypeScript sources, so the app never runs against a stale build of it.
    resolve: { conditions: ['@tasklane/source'] },
    define: { __TASKLANE_URL__: JSON.stringify(apiUrl) },
    plugins: [contentSecurityPolicy(apiUrl)],
    server: { port: 5173, strictPort: true },
    preview: { port: 4173, strictPort: true },
    build: { target: 'es2022', sourcemap: false },
  }
})
