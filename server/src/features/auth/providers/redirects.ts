import { ApiError } from '../../../core/api-error.js'

/** Loopback IP literals a native app (a CLI) may listen on, on any port (RFC 8252, section 7.3). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]'])

const notAllowed = () =>
  new ApiError(
    422,
    'redirect_uri_not_allowed',
    'redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS).',
  )

/**
 * Whether a finished sign-in may be sent to `redirectUri`: exactly one of the configured app URLs (scheme,
 * host, port and path; no query or fragment), or an `http://` loopback address on any port for native
 * apps. Nothing else, so the server can never be used to bounce a browser to a stranger's site (and its
 * one-time code with it).
 */
export function assertRedirectAllowed(redirectUri: string, allowed: readonly string[]): URL {
  let url: URL
  try {
    url = new URL(redirectUri)
  } catch {
    throw notAllowed()
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') throw notAllowed()
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url
  const target = `${url.origin}${url.pathname}`
  if (allowed.some((entry) => target === `${new URL(entry).origin}${new URL(entry).pathname}`)) return url
  throw notAllowed()
}
