import type { LookupFunction } from 'node:net'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent'

/** Which webhook targets the operator allows beyond public addresses (`WEBHOOK_ALLOW_HTTP`, `WEBHOOK_ALLOWED_TARGETS`). */
export interface TargetPolicy {
  allowHttp: boolean
  /** IP addresses, CIDR ranges and host names that may be private or loopback. */
  allowed: string[]
  /** Resolves host names; dns.lookup unless a test supplies another. */
  lookup?: LookupFunction
}

/** Why a URL may not be a webhook target, or undefined when it may. */
export function refuseUrl(raw: string, policy: TargetPolicy): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'The URL is not a valid absolute URL.'
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return policy.allowHttp ? 'Webhook URLs must use https or http.' : 'Webhook URLs must use https.'
  }
  const host = bareHost(url.hostname)
  if (policy.allowed.includes(host.toLowerCase())) return undefined
  if (isIP(host) === 0) {
    // A name is checked when it is resolved, at every connection; only names that are private by
    // definition are refused up front.
    if (host === 'localhost' || host.endsWith('.localhost')) return PRIVATE
    return undefined
  }
  return isAllowedAddress(host, policy.allowed) ? undefined : PRIVATE
}

const PRIVATE = 'Webhook URLs may not point at loopback, private, link-local, multicast or metadata addresses.'

/** `[::1]` → `::1`: URL keeps IPv6 literals in brackets, sockets take them bare. */
export const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1')

function isAllowedAddress(address: string, allowed: string[]): boolean {
  const parsed = ipaddr.process(address)
  for (const entry of allowed) {
    if (entry.includes('/')) {
      try {
        const range = ipaddr.parseCIDR(entry)
        if (parsed.kind() === range[0].kind() && parsed.match(range)) return true
      } catch {}
    } else if (isIP(entry) !== 0 && ipaddr.process(entry).toString() === parsed.toString()) return true
  }
  return parsed.range() === 'unicast'
}

/**
 * The agents deliveries connect through. request-filtering-agent checks the address each connection is
 * made to, after DNS resolution and on every connection, so a name that resolves to a private address (or
 * starts to, DNS rebinding) is refused before a byte is sent. No keep-alive: each attempt resolves afresh.
 */
export function createTargetAgents(policy: TargetPolicy) {
  const addresses = policy.allowed.filter((entry) => isIP(entry) !== 0 || entry.includes('/'))
  const names = new Set(policy.allowed.filter((entry) => isIP(entry) === 0 && !entry.includes('/')))
  const strict = { allowIPAddressList: addresses, keepAlive: false }
  const open = { allowPrivateIPAddress: true, keepAlive: false }
  const agents = {
    http: new RequestFilteringHttpAgent(strict),
    https: new RequestFilteringHttpsAgent(strict),
    httpNamed: new RequestFilteringHttpAgent(open),
    httpsNamed: new RequestFilteringHttpsAgent(open),
  }
  return {
    /** The agent for `url`: hosts the operator named may resolve to any address. */
    for(url: URL) {
      const named = names.has(bareHost(url.hostname).toLowerCase())
      if (url.protocol === 'https:') return named ? agents.httpsNamed : agents.https
      return named ? agents.httpNamed : agents.http
    },
    lookup: policy.lookup,
    destroy() {
      for (const agent of Object.values(agents)) agent.destroy()
    },
  }
}

export type TargetAgents = ReturnType<typeof createTargetAgents>
