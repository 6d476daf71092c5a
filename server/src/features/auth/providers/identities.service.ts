import { createHash, timingSafeEqual } from 'node:crypto'
import * as oidc from 'openid-client'
import type { Logger } from 'pino'
import type { Config } from '../../../config.js'
import { ApiError } from '../../../core/api-error.js'
import type { AuthProvider as ApiAuthProvider, AuthResult, Identity } from '../../../generated/routes.js'
import { type CursorCodec, listScope } from '../../../lib/cursor.js'
import { newId } from '../../../lib/ids.js'
import type { Repositories } from '../../../write/repositories.js'
import type { Writer, WriteTx } from '../../../write/writer.js'
import { isUniqueViolation } from '../auth.repository.js'
import { hasPassword, NO_PASSWORD } from '../passwords.js'
import type { RevocationCache } from '../revocations.js'
import { hashToken, randomToken } from '../tokens.js'
import type { FlowRow, IdentityRow } from './identities.repository.js'
import type { ProviderProfile, ProviderRegistry } from './providers.js'
import { assertRedirectAllowed } from './redirects.js'
import type { SessionIssuer, UserRow } from './sessions.js'

/** How long a started sign-in may take at the provider (the login page, a second factor). */
const FLOW_TTL_MS = 10 * 60_000
/** How long a re-authentication proves a fresh sign-in. */
const REAUTHENTICATION_TTL_MS = 5 * 60_000
/** How long the app has to exchange the one-time code it was sent back with. */
const EXCHANGE_TTL_MS = 60_000

export type Intent = 'sign_in' | 'link' | 'reauthenticate'

export interface IdentitiesDeps {
  config: Config
  logger: Logger
  /** The write seam: every write below runs in one of its transactions. */
  writer: Writer
  /** The repositories on the root connection, for reads. */
  repositories: Repositories
  providers: ProviderRegistry
  sessions: SessionIssuer
  /** Sessions ended here stop working on this instance at once (others learn within a poll). */
  revocations: Pick<RevocationCache, 'add'>
  cursors: CursorCodec
}

export interface StartInput {
  redirectUri: string
  codeChallenge: string
  state?: string
  intent?: Intent
}

const iso = (ms = Date.now()) => new Date(ms).toISOString()
const sha256 = (value: string) => createHash('sha256').update(value).digest()

const invalidState = () =>
  new ApiError(400, 'invalid_state', 'This sign-in is unknown, expired or already finished; start it again.')
const invalidCode = () =>
  new ApiError(422, 'invalid_code', 'The code is unknown, expired, already used or does not match codeVerifier.')

/** Whether `verifier` is the PKCE code verifier of `challenge` (S256), compared in constant time. */
function verifierMatches(verifier: string, challenge: string): boolean {
  const expected = Buffer.from(challenge, 'base64url')
  const actual = sha256(verifier)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/**
 * Sign-in through outside identity providers, and the identities that link provider accounts to
 * Tasklane accounts.
 *
 * The flow: `start` keeps the provider-side secrets (state, nonce, PKCE verifier) and where the app wants
 * the browser back; the provider sends the browser to `callback`, which records its answer and sends the
 * browser on to the app with a one-time code; the app `exchange`s that code, with the PKCE verifier only it
 * holds, for a session. The provider's code is redeemed, and its ID Token checked, only at the exchange, so
 * every failure there is a documented problem the app can show, and tokens never appear in a URL.
 *
 * Account rule: a provider identity signs in to the account it is linked to. An unknown identity creates
 * an account, but only with an address the provider says is verified, and never when an account already
 * has that address: that account's owner links the provider while signed in (`linkIdentity`). So a
 * provider account claiming someone's address can neither take over nor shadow their account.
 */
export function createIdentitiesService(deps: IdentitiesDeps) {
  const { config, writer, repositories, providers, sessions, cursors } = deps
  const reader = repositories.identities
  const serverUrl = (config.SERVER_URL ?? config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '')
  const callbackUrl = (providerId: string) => `${serverUrl}/v1/auth/providers/${providerId}/callback`

  const toIdentity = (row: IdentityRow): Identity => ({
    id: row.id,
    provider: row.provider,
    providerName: providers.name(row.provider),
    email: row.email,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  })

  /**
   * Checks a one-time code and its verifier, uses it up, and redeems the provider's answer. The code is
   * used up before the provider is asked, so a replay fails even while the first exchange is running;
   * nothing else is written until the provider's answer has passed every check.
   */
  async function redeem(code: string, codeVerifier: string, intent: Intent, userId?: string) {
    const flow = await reader.findFlowByExchange(hashToken(code))
    const now = iso()
    if (
      !flow ||
      flow.intent !== intent ||
      (flow.user_id ?? undefined) !== userId ||
      flow.used_at !== null ||
      !flow.exchange_expires_at ||
      flow.exchange_expires_at <= now ||
      !verifierMatches(codeVerifier, flow.code_challenge)
    )
      throw invalidCode()
    const provider = providers.get(flow.provider)
    const used = await writer.write((tx) => tx.identities.useFlow(flow.state_hash, now), { silent: true })
    if (!used) throw invalidCode()
    const answer = new URL(callbackUrl(flow.provider))
    answer.search = flow.callback_params ?? ''
    // The callback recorded only an answer whose state hashes to this flow's.
    const profile = await provider.redeem(answer, {
      state: answer.searchParams.get('state') ?? '',
      nonce: flow.nonce,
      codeVerifier: flow.code_verifier,
    })
    return { flow, profile }
  }

  async function findUser(tx: WriteTx, id: string): Promise<UserRow> {
    const user = await tx.accounts.findUserById(id)
    if (!user) throw new ApiError(401, 'session_revoked', 'This session has ended; sign in again.')
    return user
  }

  /** Signs in the owner of the identity, or makes a new account for it (see the account rule above). */
  async function signInOrCreate(flow: FlowRow, profile: ProviderProfile, device: string): Promise<AuthResult> {
    const now = iso()
    try {
      const { user, session } = await writer.write(
        async (tx) => {
          const repo = tx.identities
          const identity = await repo.findIdentity(flow.provider, profile.subject)
          if (identity) {
            const user = await findUser(tx, identity.user_id)
            await repo.touchIdentity(identity.id, profile.email, now)
            return { user, session: await sessions.open(tx, user, device, flow.provider) }
          }
          if (!profile.email || !profile.emailVerified) {
            throw new ApiError(
              422,
              'email_not_verified',
              `${providers.name(flow.provider)} did not confirm a verified email address for this account; verify one there and try again.`,
            )
          }
          if (await tx.accounts.findUserByEmail(profile.email)) throw accountExists(flow.provider)
          const user: UserRow = {
            id: newId('usr'),
            email: profile.email,
            email_normalized: profile.email.toLowerCase(),
            name: (profile.name ?? profile.email.split('@')[0] ?? profile.email).slice(0, 100),
            password_hash: NO_PASSWORD,
            email_verified_at: now,
            created_at: now,
            updated_at: now,
            pending_email: null,
            pending_email_expires_at: null,
          }
          await tx.accounts.insertUser(user)
          await repo.insertIdentity({
            id: newId('idt'),
            user_id: user.id,
            provider: flow.provider,
            subject: profile.subject,
            email: profile.email,
            created_at: now,
            last_used_at: now,
          })
          return { user, session: await sessions.open(tx, user, device, flow.provider) }
        },
        { silent: true },
      )
      return sessions.issue(user, session)
    } catch (err) {
      // A concurrent sign-in made the same account or identity first: the answer a retry would get.
      if (isUniqueViolation(err)) throw accountExists(flow.provider)
      throw err
    }
  }

  const accountExists = (provider: string) =>
    new ApiError(
      409,
      'account_exists',
      `An account with this email address already exists. Sign in to it and link ${providers.name(provider)} from the account settings.`,
    )

  return {
    listProviders(): { data: ApiAuthProvider[] } {
      return {
        data: providers.enabled().map((p) => ({
          id: p.settings.id,
          name: p.settings.name,
          type: p.settings.type === 'oidc' ? ('oidc' as const) : ('oauth2' as const),
        })),
      }
    },

    /**
     * Begins a sign-in (or, for a signed-in user, linking or re-authentication): returns the provider URL
     * to send the browser to. Nothing is stored until the provider's metadata has been read, so a provider
     * that is down leaves nothing behind.
     */
    async start(providerId: string, input: StartInput, userId?: string) {
      const provider = providers.get(providerId)
      const redirect = assertRedirectAllowed(input.redirectUri, config.AUTH_REDIRECT_URLS)
      const state = oidc.randomState()
      const nonce = oidc.randomNonce()
      const codeVerifier = oidc.randomPKCECodeVerifier()
      const url = await provider.authorizationUrl(callbackUrl(providerId), {
        state,
        nonce,
        codeVerifier,
        codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      })
      const now = Date.now()
      const expiresAt = iso(now + FLOW_TTL_MS)
      await writer.write(
        async (tx) => {
          const repo = tx.identities
          await repo.pruneFlows(iso(now))
          await repo.insertFlow({
            state_hash: hashToken(state),
            provider: providerId,
            intent: input.intent ?? 'sign_in',
            user_id: userId ?? null,
            redirect_uri: redirect.href,
            app_state: input.state ?? null,
            code_challenge: input.codeChallenge,
            nonce,
            code_verifier: codeVerifier,
            created_at: iso(now),
            expires_at: expiresAt,
            callback_params: null,
            exchange_hash: null,
            exchange_expires_at: null,
            used_at: null,
          })
        },
        { silent: true },
      )
      return { authorizationUrl: url.href, expiresAt }
    },

    /**
     * The provider's redirect back. An unknown, expired or already answered `state` is refused here (there
     * is no app to send the browser to); otherwise the browser goes to the app's redirect URI with a
     * one-time `code` (or `error`) and the app's `state`.
     */
    async callback(providerId: string, params: URLSearchParams): Promise<string> {
      const state = params.get('state')
      if (!state) throw invalidState()
      const flow = await reader.findFlowByState(hashToken(state))
      const now = Date.now()
      if (!flow || flow.provider !== providerId || flow.expires_at <= iso(now) || flow.callback_params !== null)
        throw invalidState()
      const target = new URL(flow.redirect_uri)
      const failed = params.has('error') || !params.get('code')
      const code = failed ? null : randomToken('pc')
      const recorded = await writer.write(
        (tx) =>
          tx.identities.recordCallback(flow.state_hash, {
            params: params.toString(),
            exchangeHash: code ? hashToken(code) : null,
            exchangeExpiresAt: code ? iso(now + EXCHANGE_TTL_MS) : null,
            usedAt: code ? null : iso(now),
          }),
        { silent: true },
      )
      if (!recorded) throw invalidState()
      if (code) target.searchParams.set('code', code)
      else
        target.searchParams.set('error', params.get('error') === 'access_denied' ? 'access_denied' : 'provider_error')
      if (flow.app_state !== null) target.searchParams.set('state', flow.app_state)
      return target.href
    },

    /** Finishes a sign-in: the one-time code and its PKCE verifier for an ordinary Tasklane session. */
    async exchange(code: string, codeVerifier: string, device: string): Promise<AuthResult> {
      const { flow, profile } = await redeem(code, codeVerifier, 'sign_in')
      return signInOrCreate(flow, profile, device)
    },

    /**
     * Finishes linking: the provider account becomes a way to sign in to the signed-in user's account.
     * Answers whether it was new; a provider account linked to another account is refused.
     */
    async link(userId: string, code: string, codeVerifier: string): Promise<{ identity: Identity; created: boolean }> {
      const { flow, profile } = await redeem(code, codeVerifier, 'link', userId)
      const now = iso()
      try {
        return await writer.write(
          async (tx) => {
            const repo = tx.identities
            await findUser(tx, userId)
            const existing = await repo.findIdentity(flow.provider, profile.subject)
            if (existing && existing.user_id !== userId) throw identityTaken()
            if (existing) {
              await repo.touchIdentity(existing.id, profile.email, now)
              return { identity: toIdentity({ ...existing, email: profile.email, last_used_at: now }), created: false }
            }
            const row: IdentityRow = {
              id: newId('idt'),
              user_id: userId,
              provider: flow.provider,
              subject: profile.subject,
              email: profile.email,
              created_at: now,
              last_used_at: now,
            }
            await repo.insertIdentity(row)
            return { identity: toIdentity(row), created: true }
          },
          { silent: true },
        )
      } catch (err) {
        if (isUniqueViolation(err)) throw identityTaken()
        throw err
      }
    },

    /**
     * Finishes a re-authentication: a single-use proof, valid for minutes, that the signed-in person just
     * signed in again at a provider account linked to their account. Accounts without a password give it
     * instead of one (deleting the account, changing its address).
     */
    async reauthenticate(userId: string, code: string, codeVerifier: string) {
      const { flow, profile } = await redeem(code, codeVerifier, 'reauthenticate', userId)
      const identity = await reader.findIdentity(flow.provider, profile.subject)
      if (identity?.user_id !== userId)
        throw new ApiError(422, 'identity_not_linked', 'This provider account is not linked to your account.')
      const token = randomToken('ra')
      const now = Date.now()
      const expiresAt = iso(now + REAUTHENTICATION_TTL_MS)
      await writer.write(
        (tx) =>
          tx.identities.insertReauthentication({
            token_hash: hashToken(token),
            user_id: userId,
            provider: flow.provider,
            created_at: iso(now),
            expires_at: expiresAt,
            used_at: null,
          }),
        { silent: true },
      )
      return { reauthenticationToken: token, expiresAt }
    },

    /** Uses up a re-authentication token; false unless it is a live one of `userId`. */
    useReauthentication(userId: string, token: string): Promise<boolean> {
      return writer.write((tx) => tx.identities.useReauthentication(hashToken(token), userId, iso()), {
        silent: true,
      })
    },

    async listIdentities(userId: string, limit: number, cursor?: string) {
      const scope = listScope('listIdentities', { userId })
      const before = cursor ? cursors.decode(scope, cursor)[1] : undefined
      const rows = await reader.listIdentities(userId, limit + 1, before)
      const more = rows.length > limit
      const items = more ? rows.slice(0, limit) : rows
      const last = items.at(-1)
      return {
        data: items.map(toIdentity),
        nextCursor: more && last ? cursors.encode(scope, [last.id, last.id]) : null,
      }
    },

    /**
     * Removes a provider identity and ends the sessions it started. Refused when it is the last way to
     * sign in: no password and no other identity of an enabled provider.
     */
    async unlink(userId: string, identityId: string): Promise<void> {
      const now = iso()
      const ended = await writer.write(
        async (tx) => {
          const repo = tx.identities
          const identity = await repo.findIdentityOfUser(userId, identityId)
          if (!identity) throw new ApiError(404, 'not_found', 'No identity with this id.')
          const user = await findUser(tx, userId)
          const others = (await repo.providersOfUser(userId)).filter(
            (p, i, all) => providers.isEnabled(p) && (p !== identity.provider || all.indexOf(p) !== i),
          )
          if (!hasPassword(user) && others.length === 0) {
            throw new ApiError(
              409,
              'last_sign_in_method',
              'This is the only way to sign in to the account; set a password (reset it by email) or link another provider first.',
            )
          }
          await repo.deleteIdentity(identity.id)
          const sessionIds = await repo.sessionsOfProvider(userId, identity.provider, now)
          return sessionIds.length > 0
            ? tx.sessions.revokeSessions({ userId, sessionIds }, 'identity_unlinked', now)
            : []
        },
        { silent: true },
      )
      deps.revocations.add(ended)
    },

    /**
     * Ends every session started with a provider that is no longer enabled (switched off or removed from
     * the settings), so turning a provider off locks out whoever signed in through it. Runs at start-up,
     * before the revocation cache loads, so every instance refuses their access tokens at once.
     */
    async endSessionsOfDisabledProviders(): Promise<number> {
      const now = iso()
      const enabled = providers.enabled().map((p) => p.settings.id)
      const stale = await reader.sessionsOfOtherProviders(enabled, now)
      if (stale.length === 0) return 0
      const byUser = new Map<string, string[]>()
      for (const s of stale) byUser.set(s.user_id, [...(byUser.get(s.user_id) ?? []), s.id])
      await writer.write(
        async (tx) => {
          for (const [userId, sessionIds] of byUser)
            await tx.sessions.revokeSessions({ userId, sessionIds }, 'provider_disabled', now)
        },
        { silent: true },
      )
      deps.logger.info({ sessions: stale.length }, 'ended sessions of identity providers that are switched off')
      return stale.length
    },
  }
}

const identityTaken = () =>
  new ApiError(409, 'identity_taken', 'This provider account is already linked to another Tasklane account.')

export type IdentitiesService = ReturnType<typeof createIdentitiesService>
