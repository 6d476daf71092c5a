import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'
import type { AuthResult, User } from '../../generated/routes.js'
import { newId } from '../../lib/ids.js'
import { type AdmitMail, type AuthCommon, type AuthDeps, emailTaken, iso, toUser } from './auth.common.js'
import { isUniqueViolation, type UserRow } from './auth.repository.js'
import type { emailChangeFlow } from './email-change.service.js'
import { assertPasswordAllowed } from './passwords.js'
import type { sessionsFlow } from './sessions.service.js'
import { hashToken } from './tokens.js'
import type { verificationFlow } from './verification.service.js'

export interface UpdateMeInput {
  name?: string
  email?: string
  currentPassword?: string
  reauthenticationToken?: string
}

/** How the signed-in person shows it is them: the password, or a fresh re-authentication at a linked provider. */
export interface Proof {
  password?: string
  reauthenticationToken?: string
}

const signUpRequiresVerification = () =>
  new ApiError(
    403,
    'signup_requires_verification',
    'This server signs people up by email: send the address to startSignUp (POST /v1/auth/signup-request), then finish with completeSignUp and the token from the mail.',
  )

/** The account itself: signing up, the profile, the password, and deleting it with what goes with it. */
export function accountFlow(
  deps: AuthDeps,
  common: AuthCommon,
  flows: {
    sessions: Pick<ReturnType<typeof sessionsFlow>, 'startSession'>
    verification: Pick<ReturnType<typeof verificationFlow>, 'sendVerification'>
    emailChange: Pick<ReturnType<typeof emailChangeFlow>, 'requestEmailChange'>
  },
) {
  const { writer, accountDeletionGuard, revocations, hasher } = deps
  const { startSession } = flows.sessions
  const { sendVerification } = flows.verification
  const { requestEmailChange } = flows.emailChange

  /**
   * The password, or else a re-authentication token (single use, this user's, unexpired), which is how
   * an account without a password proves it is them (see `reauthenticate`).
   */
  async function proveItIsThem(user: UserRow, proof: Proof): Promise<void> {
    if (proof.password !== undefined && proof.reauthenticationToken !== undefined) {
      throw new ApiError(400, 'validation_failed', 'Send the password or a reauthenticationToken, not both.', {
        title: 'Validation failed',
        errors: [
          { path: '/body/reauthenticationToken', message: 'Not allowed with password', code: 'unrecognized_keys' },
        ],
      })
    }
    if (proof.password !== undefined || proof.reauthenticationToken === undefined)
      return common.checkPassword(user, proof.password ?? '')
    const token = proof.reauthenticationToken
    const used = await writer.write((tx) => tx.identities.useReauthentication(hashToken(token), user.id, iso()), {
      silent: true,
    })
    if (!used)
      throw new ApiError(
        422,
        'reauthentication_invalid',
        'The reauthenticationToken is unknown, used, expired or not yours; sign in again at your provider.',
      )
  }

  return {
    /** The deprecated one-step sign-up, only where SIGNUP_FLOW is `immediate` (see SignUpFlow). */
    async signUp(
      input: { email: string; password: string; name: string },
      device: string,
      from?: { client: string },
    ): Promise<AuthResult> {
      // Signing up by email (startSignUp) is the only way in then: the same answer for every address, so
      // this one can no longer tell which addresses have accounts.
      if (deps.config.SIGNUP_FLOW === 'verify-first') throw signUpRequiresVerification()
      assertPasswordAllowed(input.password)
      const passwordHash = await hasher.hash(input.password, from)
      const now = iso()
      const user: UserRow = {
        id: newId('usr'),
        email: input.email,
        email_normalized: input.email.toLowerCase(),
        name: input.name,
        password_hash: passwordHash,
        email_verified_at: null,
        created_at: now,
        updated_at: now,
        pending_email: null,
        pending_email_expires_at: null,
      }
      try {
        const { session } = await writer.write(
          async (tx) => {
            if (await tx.accounts.findUserByEmail(input.email)) throw emailTaken()
            await tx.accounts.insertUser(user)
            const session = await startSession(tx, user, device)
            if (from) await tx.loginClients.remember(user.id, from.client, now)
            await sendVerification(tx, user)
            return { session }
          },
          { silent: true },
        )
        return await common.issue(user, session.id, session.refreshToken, session.now)
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken()
        throw err
      }
    },

    async getMe(userId: string): Promise<User> {
      return toUser(await common.userOrRevoked(userId))
    },

    /**
     * Changes the name at once. A new email address needs the current password and takes effect only
     * when the link mailed to it is followed (`confirmEmailChange`); until then it is `pendingEmail`.
     * Sending the current address again cancels a pending change.
     */
    async updateMe(userId: string, changes: UpdateMeInput, admit: AdmitMail): Promise<User> {
      const user = await common.userOrRevoked(userId)
      const email = changes.email
      const newAddress = email !== undefined && email.toLowerCase() !== user.email_normalized
      if (newAddress) {
        if (changes.currentPassword === undefined && changes.reauthenticationToken === undefined) {
          throw new ApiError(400, 'validation_failed', 'Changing the email address needs the current password.', {
            title: 'Validation failed',
            errors: [{ path: '/body/currentPassword', message: 'Required to change the email', code: 'invalid_type' }],
          })
        }
        await proveItIsThem(user, {
          password: changes.currentPassword,
          reauthenticationToken: changes.reauthenticationToken,
        })
        await admit(email.toLowerCase())
      }
      const now = iso()
      await writer.write(
        async (tx) => {
          await tx.accounts.updateUser(userId, {
            ...(changes.name !== undefined ? { name: changes.name } : {}),
            // The same address again (in any case) keeps it, with that spelling, and cancels a pending change.
            ...(email !== undefined && !newAddress
              ? { email, pending_email: null, pending_email_expires_at: null }
              : {}),
            updated_at: now,
          })
          if (email !== undefined && !newAddress) await tx.accounts.expireEmailTokens(userId, 'change_email', now)
        },
        { silent: true },
      )
      if (newAddress) await requestEmailChange(await common.userOrRevoked(userId), email)
      return toUser(await common.userOrRevoked(userId))
    },

    async deleteMe(userId: string, proof: Proof): Promise<void> {
      const user = await common.userOrRevoked(userId)
      await proveItIsThem(user, proof)
      // Through the change log: what goes with the account (projects, memberships) is recorded with it.
      const ids = await writer.write(async (tx) => {
        await accountDeletionGuard(tx, userId)
        // Logged before the cascade removes the sessions, so every instance drops their access tokens.
        const ids = await tx.sessions.revokeSessions({ userId }, 'account_deleted', iso())
        await tx.accounts.deleteUser(userId)
        return ids
      })
      revocations.add(ids)
    },

    /**
     * Sets a new password and ends every other session. API keys are revoked too unless `keepApiKeys`:
     * a password change is often a reaction to a leak, and keys made by whoever had the password would
     * otherwise outlive it.
     */
    async changePassword(
      principal: Principal & { sessionId: string },
      current: string,
      next: string,
      keepApiKeys = false,
    ): Promise<void> {
      const user = await common.userOrRevoked(principal.userId)
      await common.checkPassword(user, current)
      assertPasswordAllowed(next)
      const passwordHash = await hasher.hash(next)
      const ids = await writer.write(
        async (tx) => {
          const now = iso()
          await tx.accounts.updateUser(user.id, { password_hash: passwordHash, updated_at: now })
          const keys = keepApiKeys ? [] : await tx.apiKeys.revokeApiKeysOfUser(user.id, now)
          const sessions = await tx.sessions.revokeSessions(
            { userId: user.id, except: principal.sessionId },
            'password_changed',
            now,
          )
          return [...sessions, ...keys]
        },
        { silent: true },
      )
      revocations.add(ids)
    },
  }
}
