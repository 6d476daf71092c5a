import { ApiError } from '../../core/api-error.js'
import type { WriteTx } from '../../write/writer.js'
import { type AdmitMail, type AuthCommon, type AuthDeps, invalidToken, iso, publicUrlOf } from './auth.common.js'
import { hashToken, randomToken } from './tokens.js'

const VERIFY_EMAIL_TTL_MS = 24 * 3600_000

/** Email verification: a single-use link mailed on sign-up and on request, that marks the address verified. */
export function verificationFlow(deps: AuthDeps, common: AuthCommon) {
  const { writer } = deps
  const publicUrl = publicUrlOf(deps.config)

  /** Stores a new verification token inside a write; answers the function that mails it after the commit. */
  async function sendVerification(tx: WriteTx, user: { id: string; email: string; name: string }) {
    const token = randomToken('vt')
    const now = Date.now()
    await tx.accounts.replaceEmailToken({
      token_hash: hashToken(token),
      user_id: user.id,
      purpose: 'verify_email',
      email: user.email,
      created_at: iso(now),
      expires_at: iso(now + VERIFY_EMAIL_TTL_MS),
      used_at: null,
    })
    // Queued in the same transaction as the token: the mail goes out if and only if the token exists.
    await tx.enqueue({
      kind: 'mail',
      payload: {
        to: user.email,
        subject: 'Verify your email address for Tasklane',
        text: `Hello ${user.name},\n\nConfirm that this is your email address by opening this link within 24 hours:\n\n${publicUrl}/verify-email?token=${token}\n\nIf you did not sign up for Tasklane, ignore this email.\n`,
      },
    })
  }

  return {
    sendVerification,

    async requestEmailVerification(userId: string, admit: AdmitMail): Promise<void> {
      const user = await common.userOrRevoked(userId)
      if (user.email_verified_at) {
        throw new ApiError(409, 'email_already_verified', 'This email address is already verified.')
      }
      await admit(user.email_normalized)
      await writer.write((tx) => sendVerification(tx, user), { silent: true })
    },

    async verifyEmail(token: string): Promise<void> {
      await writer.write(
        async (tx) => {
          const row = await tx.accounts.consumeEmailToken(hashToken(token), 'verify_email', iso())
          const user = row && (await tx.accounts.findUserById(row.user_id))
          // A token for an address the user has since changed verifies nothing.
          if (!row || !user || user.email_normalized !== row.email.toLowerCase()) throw invalidToken()
          await tx.accounts.updateUser(user.id, { email_verified_at: iso(), updated_at: iso() })
        },
        { silent: true },
      )
    },
  }
}
