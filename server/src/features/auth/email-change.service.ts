import { type AuthDeps, emailTaken, invalidToken, iso, publicUrlOf } from './auth.common.js'
import { isUniqueViolation, type UserRow } from './auth.repository.js'
import { hashToken, randomToken } from './tokens.js'

const CHANGE_EMAIL_TTL_MS = 24 * 3600_000

/**
 * Changing the email address: the new address becomes the account's only when the single-use link mailed
 * to it is followed; the current address is told at both steps.
 */
export function emailChangeFlow(deps: AuthDeps) {
  const { writer } = deps
  const publicUrl = publicUrlOf(deps.config)

  /**
   * Records `email` as the user's pending address and mails the new address a single-use link that makes
   * it theirs, and the current address a notice. When another account already has the address, the new
   * address is told so instead of getting a link: the caller's answer is the same either way, so the
   * request cannot be used to learn which addresses have accounts.
   */
  async function requestEmailChange(user: UserRow, email: string) {
    const now = Date.now()
    const token = randomToken('ec')
    await writer.write(
      async (tx) => {
        const taken = await tx.accounts.findUserByEmail(email)
        await tx.accounts.updateUser(user.id, {
          pending_email: email,
          pending_email_expires_at: iso(now + CHANGE_EMAIL_TTL_MS),
          updated_at: iso(now),
        })
        if (taken) await tx.accounts.expireEmailTokens(user.id, 'change_email', iso(now))
        else
          await tx.accounts.replaceEmailToken({
            token_hash: hashToken(token),
            user_id: user.id,
            purpose: 'change_email',
            email,
            created_at: iso(now),
            expires_at: iso(now + CHANGE_EMAIL_TTL_MS),
            used_at: null,
          })
        // Queued with the request, so a crash after the commit loses neither mail.
        await tx.enqueue({
          kind: 'mail',
          payload: {
            to: taken?.email ?? email,
            subject: 'Confirm your new email address for Tasklane',
            text: taken
              ? `Hello,\n\nSomeone asked to use this address for a Tasklane account, but another account already uses it, so nothing was changed. If you have forgotten the password of that account, you can reset it from the sign-in page.\n\nIf you did not ask for this, ignore this email.\n`
              : `Hello ${user.name},\n\nTo make this the email address of your Tasklane account, open this link within 24 hours:\n\n${publicUrl}/confirm-email-change?token=${token}\n\nUntil then, your account keeps its current address. If you did not ask for this, ignore this email.\n`,
          },
        })
        await tx.enqueue({
          kind: 'mail',
          payload: {
            to: user.email,
            subject: 'Your Tasklane email address is about to change',
            text: `Hello ${user.name},\n\nSomeone signed in to your Tasklane account asked to change its email address to ${email}. The change takes effect only when the link sent to that address is followed.\n\nIf this was not you, change your password now: it ends every other session. Your address stays as it is.\n`,
          },
        })
      },
      { silent: true },
    )
  }

  return {
    requestEmailChange,

    /** Makes a pending email address the account's, with the token mailed to it; tells the old address. */
    async confirmEmailChange(token: string): Promise<void> {
      const now = iso()
      try {
        await writer.write(
          async (tx) => {
            const row = await tx.accounts.consumeEmailToken(hashToken(token), 'change_email', now)
            const user = row && (await tx.accounts.findUserById(row.user_id))
            // Only the latest request counts: a cancelled or replaced change leaves its link dead.
            if (!row || !user || user.pending_email?.toLowerCase() !== row.email.toLowerCase()) throw invalidToken()
            const other = await tx.accounts.findUserByEmail(row.email)
            if (other && other.id !== user.id) throw emailTaken()
            // Following the link proves the user reads the new address: it is verified.
            await tx.accounts.updateUser(user.id, {
              email: row.email,
              email_verified_at: now,
              pending_email: null,
              pending_email_expires_at: null,
              updated_at: now,
            })
            await tx.enqueue({
              kind: 'mail',
              payload: {
                to: user.email,
                subject: 'Your Tasklane email address was changed',
                text: `Hello ${user.name},\n\nThe email address of your Tasklane account is now ${row.email}; mail about it no longer comes to this address.\n\nIf this was not you, reset your password from the sign-in page using the new address, or contact the operator of this server.\n`,
              },
            })
          },
          { silent: true },
        )
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken()
        throw err
      }
    },
  }
}
