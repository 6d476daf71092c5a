import { ApiError } from '../../core/api-error.js'
import type { AuthResult } from '../../generated/routes.js'
import { newId } from '../../lib/ids.js'
import { type AuthCommon, type AuthDeps, invalidToken, iso, publicUrlOf } from './auth.common.js'
import { isUniqueViolation, type UserRow } from './auth.repository.js'
import { assertPasswordAllowed } from './passwords.js'
import type { sessionsFlow } from './sessions.service.js'
import { hashToken, randomToken } from './tokens.js'

const SIGNUP_TTL_MS = 24 * 3600_000

/** The answer to finishing a sign-up whose address got an account after the link was sent. */
const takenSinceMailed = () =>
  new ApiError(
    409,
    'email_taken',
    'An account with this email address was made since the link was sent; sign in, or reset the password.',
  )

/**
 * Signing up by email, in two steps: `startSignUp` answers the same for every address and mails it (a
 * single-use link when it has no account, a notice to its owner when it has one); `completeSignUp` makes
 * the account, its address verified, with the link's token. No answer tells which addresses have accounts.
 */
export function signUpFlow(
  deps: AuthDeps,
  common: AuthCommon,
  flows: { sessions: Pick<ReturnType<typeof sessionsFlow>, 'startSession'> },
) {
  const { repositories, writer, hasher } = deps
  const publicUrl = publicUrlOf(deps.config)
  const { startSession } = flows.sessions

  return {
    /**
     * One write either way, with one mail queued in it: a live token and the link for an address without an
     * account, a dead one and the notice for one with an account. The caller answers 202 in both cases.
     */
    async startSignUp(email: string): Promise<void> {
      const now = Date.now()
      const token = randomToken('su')
      await writer.write(
        async (tx) => {
          const owner = await tx.accounts.findUserByEmail(email)
          // The same statements either way, so that the time the answer takes does not tell either: a taken
          // address gets a request that is used up as it is made (and ends any link sent before its account).
          await tx.signupRequests.replace({
            token_hash: hashToken(token),
            email,
            created_at: iso(now),
            expires_at: iso(now + SIGNUP_TTL_MS),
            used_at: owner ? iso(now) : null,
          })
          // Queued with the token (or instead of it): the mail goes out if and only if the request committed.
          await tx.enqueue({
            kind: 'mail',
            payload: owner
              ? {
                  to: owner.email,
                  subject: 'Someone tried to sign up for Tasklane with your address',
                  text: `Hello ${owner.name},\n\nSomeone asked to create a Tasklane account with this email address, which already has one, so nothing was created or changed.\n\nIf it was you, sign in at ${publicUrl} instead. If you have forgotten your password, reset it from the sign-in page.\n\nIf it was not you, ignore this email; your account stays as it is.\n`,
                }
              : {
                  to: email,
                  subject: 'Finish signing up for Tasklane',
                  text: `Hello,\n\nTo create your Tasklane account with this email address, open this link within 24 hours and choose a password:\n\n${publicUrl}/complete-signup?token=${token}\n\nIf you did not ask for this, ignore this email; no account is made.\n`,
                },
          })
        },
        { silent: true },
      )
    },

    /**
     * Makes the account with the mailed token and signs it in. The token is checked before the (costly)
     * hashing, so that bogus tokens cost next to nothing; it is used up in the write that makes the account,
     * which fails (and changes nothing) if a concurrent request used it first.
     */
    async completeSignUp(
      input: { token: string; password: string; name: string },
      device: string,
      from?: { client: string },
    ): Promise<AuthResult> {
      const tokenHash = hashToken(input.token)
      if (!(await repositories.signupRequests.findLive(tokenHash, iso()))) throw invalidToken()
      assertPasswordAllowed(input.password)
      const passwordHash = await hasher.hash(input.password, from)
      try {
        const { user, session } = await writer.write(
          async (tx) => {
            const now = iso()
            const request = await tx.signupRequests.consume(tokenHash, now)
            if (!request) throw invalidToken()
            // Only who reads the mailbox holds the token, so this tells nothing the mail did not.
            if (await tx.accounts.findUserByEmail(request.email)) throw takenSinceMailed()
            const user: UserRow = {
              id: newId('usr'),
              email: request.email,
              email_normalized: request.email_normalized,
              name: input.name,
              password_hash: passwordHash,
              // Following the link proves the user reads the address.
              email_verified_at: now,
              created_at: now,
              updated_at: now,
              pending_email: null,
              pending_email_expires_at: null,
            }
            await tx.accounts.insertUser(user)
            const session = await startSession(tx, user, device)
            if (from) await tx.loginClients.remember(user.id, from.client, now)
            return { user, session }
          },
          { silent: true },
        )
        return await common.issue(user, session.id, session.refreshToken, session.now)
      } catch (err) {
        // The account was made another way at the same moment: this insert met its unique address.
        if (isUniqueViolation(err)) throw takenSinceMailed()
        throw err
      }
    },
  }
}
