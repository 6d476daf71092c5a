import type { Context } from 'hono'
import type { AppContext } from '../../context.js'
import type { operations } from '../../generated/routes.js'
import { requireAuth, requireSession } from '../../http/auth.js'
import type { AppEnv, AppRouteHandler } from '../../http/env.js'
import { setNextLink } from '../../http/pagination.js'
import type { RatePolicy } from '../../http/rate-limit.js'
import { deviceLabel } from './device-label.js'

type Routes = typeof operations

// Answers that carry a token or an API key: no browser or proxy cache may keep a copy.
const NO_STORE = { 'Cache-Control': 'no-store' }

export function authHandlers(ctx: AppContext) {
  const { auth, rateLimiter, config } = ctx
  const policy = (name: string, rate: { limit: number; windowS: number }): RatePolicy => ({ name, ...rate })
  const loginIp = policy('login-ip', config.RATE_LIMIT_LOGIN_IP)
  const loginAccountIp = policy('login-account-ip', config.RATE_LIMIT_LOGIN_ACCOUNT_IP)
  const loginAccount = policy('login-account', config.RATE_LIMIT_LOGIN_ACCOUNT)
  const signupIp = policy('signup', config.RATE_LIMIT_SIGNUP_IP)
  const resetIp = policy('password-reset', config.RATE_LIMIT_PASSWORD_RESET_IP)
  const passwordUser = policy('password-user', config.RATE_LIMIT_PASSWORD_USER)
  const passwordIp = policy('password-ip', config.RATE_LIMIT_PASSWORD_IP)
  const emailUser = policy('email-user', config.RATE_LIMIT_EMAIL_USER)
  const emailRecipient = policy('email-recipient', config.RATE_LIMIT_EMAIL_RECIPIENT)
  const device = (c: Context<AppEnv>) => deviceLabel(c.req.header('user-agent'))
  const ip = (c: Context<AppEnv>) => `ip:${rateLimiter.clientIp(c)}`
  /** Counts a request that checks the signed-in user's password, before the check. */
  const passwordCheck = async (c: Context<AppEnv>, userId: string) => {
    await rateLimiter.consume(c, passwordIp, ip(c))
    await rateLimiter.consume(c, passwordUser, `user:${userId}`)
  }
  /** Counts a mail the signed-in user asks to be sent to `email`. */
  const mailTo = (c: Context<AppEnv>, userId: string) => async (email: string) => {
    await rateLimiter.consume(c, emailUser, `user:${userId}`)
    await rateLimiter.consume(c, emailRecipient, `email:${email}`)
  }

  const signUp: AppRouteHandler<Routes['signUp']> = async (c) => {
    await rateLimiter.consume(c, signupIp, ip(c))
    const result = await auth.signUp(c.req.valid('json'), device(c), { client: ip(c) })
    return c.json(result, 201, { Location: '/v1/me', ...NO_STORE })
  }

  const getSignUpOptions: AppRouteHandler<Routes['getSignUpOptions']> = async (c) =>
    c.json({ flow: config.SIGNUP_FLOW }, 200)

  const startSignUp: AppRouteHandler<Routes['startSignUp']> = async (c) => {
    const { email } = c.req.valid('json')
    await rateLimiter.consume(c, signupIp, ip(c))
    // Per recipient too, as every other mail, and counted whether or not an account has the address, so
    // the answer (its RateLimit headers included) is the same either way.
    await rateLimiter.consume(c, emailRecipient, `email:${email.toLowerCase()}`)
    await auth.startSignUp(email)
    return c.body(null, 202)
  }

  const completeSignUp: AppRouteHandler<Routes['completeSignUp']> = async (c) => {
    await rateLimiter.consume(c, passwordIp, ip(c))
    const result = await auth.completeSignUp(c.req.valid('json'), device(c), { client: ip(c) })
    return c.json(result, 201, { Location: '/v1/me', ...NO_STORE })
  }

  const logIn: AppRouteHandler<Routes['logIn']> = async (c) => {
    const body = c.req.valid('json')
    const account = `email:${body.email.toLowerCase()}`
    const client = ip(c)
    // A client that signed in to this account before is exempt from the account-wide ceiling, which
    // strangers guessing from many addresses could otherwise use up to lock the owner out.
    const known = await auth.isKnownLoginClient(body.email, client)
    await rateLimiter.consume(c, loginIp, client)
    await rateLimiter.consume(c, loginAccountIp, `${account}|${client}`)
    if (!known) await rateLimiter.consume(c, loginAccount, account)
    return c.json(await auth.logIn(body, device(c), { client, known }), 200, NO_STORE)
  }

  const refreshSession: AppRouteHandler<Routes['refreshSession']> = async (c) =>
    c.json(await auth.refreshSession(c.req.valid('json').refreshToken), 200, NO_STORE)

  const logOut: AppRouteHandler<Routes['logOut']> = async (c) => {
    await auth.logOut(requireSession(c, 'read'))
    return c.body(null, 204)
  }

  const getMe: AppRouteHandler<Routes['getMe']> = async (c) => c.json(await auth.getMe(requireAuth(c).userId), 200)

  const updateMe: AppRouteHandler<Routes['updateMe']> = async (c) => {
    const { userId } = requireSession(c)
    const body = c.req.valid('json')
    if (body.currentPassword !== undefined || body.reauthenticationToken !== undefined) await passwordCheck(c, userId)
    return c.json(await auth.updateMe(userId, body, mailTo(c, userId)), 200)
  }

  const confirmEmailChange: AppRouteHandler<Routes['confirmEmailChange']> = async (c) => {
    await auth.confirmEmailChange(c.req.valid('json').token)
    return c.body(null, 204)
  }

  const deleteMe: AppRouteHandler<Routes['deleteMe']> = async (c) => {
    const { userId } = requireSession(c)
    await passwordCheck(c, userId)
    await auth.deleteMe(userId, c.req.valid('json'))
    return c.body(null, 204)
  }

  const changePassword: AppRouteHandler<Routes['changePassword']> = async (c) => {
    const principal = requireSession(c)
    const body = c.req.valid('json')
    await passwordCheck(c, principal.userId)
    await auth.changePassword(principal, body.currentPassword, body.newPassword, body.keepApiKeys)
    return c.body(null, 204)
  }

  const requestEmailVerification: AppRouteHandler<Routes['requestEmailVerification']> = async (c) => {
    const { userId } = requireSession(c)
    await auth.requestEmailVerification(userId, mailTo(c, userId))
    return c.body(null, 202)
  }

  const verifyEmail: AppRouteHandler<Routes['verifyEmail']> = async (c) => {
    await auth.verifyEmail(c.req.valid('json').token)
    return c.body(null, 204)
  }

  const requestPasswordReset: AppRouteHandler<Routes['requestPasswordReset']> = async (c) => {
    const { email } = c.req.valid('json')
    await rateLimiter.consume(c, resetIp, ip(c))
    // Per recipient too, as every other mail: addresses from many IPs cannot flood one inbox. Counted
    // whether or not an account has the address, so the answer still says nothing about that.
    await rateLimiter.consume(c, emailRecipient, `email:${email.toLowerCase()}`)
    auth.requestPasswordReset(email)
    return c.body(null, 202)
  }

  const resetPassword: AppRouteHandler<Routes['resetPassword']> = async (c) => {
    const body = c.req.valid('json')
    await rateLimiter.consume(c, passwordIp, ip(c))
    await auth.resetPassword(body.token, body.newPassword)
    return c.body(null, 204)
  }

  const listSessions: AppRouteHandler<Routes['listSessions']> = async (c) => {
    const principal = requireSession(c, 'read')
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await auth.listSessions(principal, limit, cursor)
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const revokeSession: AppRouteHandler<Routes['revokeSession']> = async (c) => {
    await auth.revokeSession(requireSession(c).userId, c.req.valid('param').sessionId)
    return c.body(null, 204)
  }

  const createApiKey: AppRouteHandler<Routes['createApiKey']> = async (c) => {
    const key = await auth.createApiKey(requireSession(c).userId, c.req.valid('json'))
    return c.json(key, 201, { Location: `/v1/me/api-keys/${key.id}`, ...NO_STORE })
  }

  const listApiKeys: AppRouteHandler<Routes['listApiKeys']> = async (c) => {
    const principal = requireSession(c, 'read')
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await auth.listApiKeys(principal.userId, limit, cursor)
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const revokeApiKey: AppRouteHandler<Routes['revokeApiKey']> = async (c) => {
    await auth.revokeApiKey(requireSession(c).userId, c.req.valid('param').keyId)
    return c.body(null, 204)
  }

  return {
    getSignUpOptions,
    signUp,
    startSignUp,
    completeSignUp,
    logIn,
    refreshSession,
    logOut,
    getMe,
    updateMe,
    confirmEmailChange,
    deleteMe,
    changePassword,
    requestEmailVerification,
    verifyEmail,
    requestPasswordReset,
    resetPassword,
    listSessions,
    revokeSession,
    createApiKey,
    listApiKeys,
    revokeApiKey,
  }
}
