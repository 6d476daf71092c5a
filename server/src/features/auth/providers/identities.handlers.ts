import type { Context } from 'hono'
import type { AppContext } from '../../../context.js'
import type { operations } from '../../../generated/routes.js'
import { requireSession } from '../../../http/auth.js'
import type { AppEnv, AppRouteHandler } from '../../../http/env.js'
import type { RatePolicy } from '../../../http/rate-limit.js'
import { deviceLabel } from '../device-label.js'

type Routes = typeof operations

// Answers that carry tokens: no browser or proxy cache may keep a copy.
const NO_STORE = { 'Cache-Control': 'no-store' }

export function identitiesHandlers(ctx: AppContext) {
  const { identities, rateLimiter, config } = ctx
  const signInIp: RatePolicy = { name: 'provider-signin', ...config.RATE_LIMIT_PROVIDER_SIGNIN_IP }
  const countSignIn = (c: Context<AppEnv>) => rateLimiter.consume(c, signInIp, `ip:${rateLimiter.clientIp(c)}`)
  const nextLink = (c: Context<AppEnv>, cursor: string | null, limit: number): Record<string, string> => {
    if (!cursor) return {}
    const url = new URL(c.req.url)
    return { Link: `<${url.pathname}?limit=${limit}&cursor=${cursor}>; rel="next"` }
  }

  const listAuthProviders: AppRouteHandler<Routes['listAuthProviders']> = async (c) =>
    c.json(identities.listProviders(), 200)

  const startProviderSignIn: AppRouteHandler<Routes['startProviderSignIn']> = async (c) => {
    await countSignIn(c)
    const { providerId } = c.req.valid('param')
    return c.json(await identities.start(providerId, c.req.valid('json')), 200)
  }

  const providerCallback: AppRouteHandler<Routes['providerCallback']> = async (c) => {
    const { providerId } = c.req.valid('param')
    // Every parameter the provider sent (some add their own), not only the documented ones: the
    // authorization response is checked as a whole when the code is redeemed.
    const location = await identities.callback(providerId, new URL(c.req.url).searchParams)
    return c.body(null, 302, { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' })
  }

  const exchangeProviderCode: AppRouteHandler<Routes['exchangeProviderCode']> = async (c) => {
    await countSignIn(c)
    const { code, codeVerifier } = c.req.valid('json')
    const result = await identities.exchange(code, codeVerifier, deviceLabel(c.req.header('user-agent')))
    return c.json(result, 200, NO_STORE)
  }

  const listIdentities: AppRouteHandler<Routes['listIdentities']> = async (c) => {
    const { userId } = requireSession(c, 'read')
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await identities.listIdentities(userId, limit, cursor)
    return c.json(page, 200, nextLink(c, page.nextCursor, limit))
  }

  const startIdentityLink: AppRouteHandler<Routes['startIdentityLink']> = async (c) => {
    const { userId } = requireSession(c)
    await countSignIn(c)
    const { provider, ...input } = c.req.valid('json')
    return c.json(await identities.start(provider, { ...input, intent: 'link' }, userId), 200)
  }

  const linkIdentity: AppRouteHandler<Routes['linkIdentity']> = async (c) => {
    const { userId } = requireSession(c)
    await countSignIn(c)
    const { code, codeVerifier } = c.req.valid('json')
    const { identity, created } = await identities.link(userId, code, codeVerifier)
    if (!created) return c.json(identity, 200)
    return c.json(identity, 201, { Location: `/v1/me/identities/${identity.id}` })
  }

  const startReauthentication: AppRouteHandler<Routes['startReauthentication']> = async (c) => {
    const { userId } = requireSession(c)
    await countSignIn(c)
    const { provider, ...input } = c.req.valid('json')
    return c.json(await identities.start(provider, { ...input, intent: 'reauthenticate' }, userId), 200)
  }

  const reauthenticate: AppRouteHandler<Routes['reauthenticate']> = async (c) => {
    const { userId } = requireSession(c)
    await countSignIn(c)
    const { code, codeVerifier } = c.req.valid('json')
    return c.json(await identities.reauthenticate(userId, code, codeVerifier), 201, NO_STORE)
  }

  const unlinkIdentity: AppRouteHandler<Routes['unlinkIdentity']> = async (c) => {
    await identities.unlink(requireSession(c).userId, c.req.valid('param').identityId)
    return c.body(null, 204)
  }

  return {
    listAuthProviders,
    startProviderSignIn,
    providerCallback,
    exchangeProviderCode,
    listIdentities,
    startIdentityLink,
    linkIdentity,
    unlinkIdentity,
    startReauthentication,
    reauthenticate,
  }
}
