import { type AuthDeps, invalidToken, iso, publicUrlOf } from './auth.common.js'
import { assertPasswordAllowed } from './passwords.js'
import { hashToken, randomToken } from './tokens.js'

const RESET_PASSWORD_TTL_MS = 30 * 60_000

/** Forgotten passwords: a single-use link by email, whose use sets a new password and ends everything else. */
export function passwordResetFlow(deps: AuthDeps) {
  const { repositories, writer, mailer, hasher, revocations, logger } = deps
  const publicUrl = publicUrlOf(deps.config)

  const pending = new Set<Promise<void>>()
  function inBackground(what: string, work: () => Promise<void>) {
    const p = work()
      .catch((err) => logger.error({ err }, `${what} failed`))
      .finally(() => pending.delete(p))
    pending.add(p)
  }

  return {
    /**
     * Answers at once and does the work in the background, so that neither the answer nor its timing
     * tells whether an account has this email.
     */
    requestPasswordReset(email: string): void {
      inBackground('password reset request', async () => {
        const user = await repositories.accounts.findUserByEmail(email)
        if (!user) return
        const token = randomToken('pr')
        const now = Date.now()
        await writer.write(
          async (tx) => {
            await tx.accounts.replaceEmailToken({
              token_hash: hashToken(token),
              user_id: user.id,
              purpose: 'reset_password',
              email: user.email,
              created_at: iso(now),
              expires_at: iso(now + RESET_PASSWORD_TTL_MS),
              used_at: null,
            })
            // Queued with the token: the mail goes out if and only if the token exists.
            await tx.enqueue({
              kind: 'mail',
              payload: {
                to: user.email,
                subject: 'Reset your Tasklane password',
                text: `Hello ${user.name},\n\nSomeone asked to reset the password of your Tasklane account. To choose a new password, open this link within 30 minutes:\n\n${publicUrl}/reset-password?token=${token}\n\nIf it was not you, ignore this email; your password stays as it is.\n`,
              },
            })
          },
          { silent: true },
        )
      })
    },

    /** Resolves once background work started so far (and the mail it sends) has finished. */
    async idle(): Promise<void> {
      await Promise.all([...pending])
      await mailer.idle()
    },

    /**
     * Sets a new password with a reset token, ending every session and revoking every API key: a reset is
     * how an account is taken back, and nothing the previous password holder made may outlive it.
     */
    async resetPassword(token: string, newPassword: string): Promise<void> {
      const tokenHash = hashToken(token)
      // The token is checked before the (costly) hashing, so that bogus tokens cost next to nothing; it is
      // used up in the transaction below, which fails if a concurrent request used it first.
      if (!(await repositories.accounts.findLiveEmailToken(tokenHash, 'reset_password', iso()))) throw invalidToken()
      assertPasswordAllowed(newPassword)
      const passwordHash = await hasher.hash(newPassword)
      const ids = await writer.write(
        async (tx) => {
          const row = await tx.accounts.consumeEmailToken(tokenHash, 'reset_password', iso())
          const user = row && (await tx.accounts.findUserById(row.user_id))
          if (!row || !user) throw invalidToken()
          const now = iso()
          const verified =
            user.email_normalized === row.email.toLowerCase()
              ? { email_verified_at: user.email_verified_at ?? now }
              : {}
          await tx.accounts.updateUser(user.id, { password_hash: passwordHash, updated_at: now, ...verified })
          const keys = await tx.apiKeys.revokeApiKeysOfUser(user.id, now)
          return [...(await tx.sessions.revokeSessions({ userId: user.id }, 'password_reset', now)), ...keys]
        },
        { silent: true },
      )
      revocations.add(ids)
    },
  }
}
