import type { Logger } from 'pino'
import type { MailMessage } from '../../mail/mailer.js'
import type { Writer } from '../../write/writer.js'
import type { DueEmail } from './notifications.repository.js'

const BATCH = 100

export interface NotificationEmailWorker {
  /** Stops polling and waits for a round in progress to finish handing its mails to the mailer. */
  stop(): Promise<void>
}

/**
 * Emails the notifications that are still unread `NOTIFICATION_EMAIL_DELAY_S` after they arrived, checking
 * every `intervalMs`. Any number of instances may run it on one PostgreSQL database: each due email is
 * claimed by one of them (see claimDueEmails).
 */
export function startNotificationEmailWorker(options: {
  writer: Writer
  logger: Logger
  intervalMs: number
  publicUrl: string
  now?: () => Date
}): NotificationEmailWorker {
  const { writer, logger, intervalMs, publicUrl } = options
  const now = options.now ?? (() => new Date())
  let timer: NodeJS.Timeout | undefined
  let round: Promise<void> | undefined
  let stopped = false

  async function runRound() {
    try {
      for (;;) {
        const at = now().toISOString()
        // Claimed and queued in one transaction: each due email is queued exactly once.
        const due = await writer.write(
          async (tx) => {
            const claimed = await tx.notifications.claimDueEmails(at, BATCH)
            for (const email of claimed)
              await tx.enqueue({ kind: 'mail', payload: notificationEmail(email, publicUrl) })
            return claimed
          },
          { silent: true },
        )
        if (due.length < BATCH || stopped) return
      }
    } catch (err) {
      logger.error({ err }, 'sending notification emails failed')
    }
  }

  const schedule = () => {
    timer = setTimeout(() => {
      round = runRound().finally(() => {
        round = undefined
        if (!stopped) schedule()
      })
    }, intervalMs)
    // A pending check is no reason to keep the process alive.
    timer.unref()
  }
  schedule()

  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await round
    },
  }
}

const quoted = (text: string) => `“${text}”`

/** The email for one notification thread, in plain text. */
function notificationEmail({ notification: n, to, actorName, projectName }: DueEmail, publicUrl: string) {
  const who = actorName ?? 'Someone'
  const title = quoted(n.title)
  const more = n.count > 1 ? ` (${n.count} times)` : ''
  const subject = {
    assigned: `${who} assigned you ${title}`,
    mentioned: `${who} mentioned you on ${title}${more}`,
    commented: n.count > 1 ? `${n.count} new comments on ${title}` : `${who} commented on ${title}`,
    invited: `${who} invited you to ${title}`,
    // Mailed by the delivery job when it disables the endpoint; never due here (its email_due_at is null).
    webhook_disabled: `The webhook endpoint ${title} was disabled`,
  }[n.reason]
  const where = n.reason === 'invited' ? '' : ` in the project ${quoted(projectName)}`
  const invitation = n.reason === 'invited' ? '\nThe invitation email you received has the link to accept it.\n' : ''
  const message: MailMessage = {
    to,
    subject,
    text:
      `Hello,\n\n${subject}${where}.\n${invitation}\nOpen Tasklane to read it: ${publicUrl}\n\n` +
      `You get this email because the notification was still unread some minutes after it arrived. ` +
      `To stop these emails, turn off email for “${n.reason}” in your notification preferences.\n`,
  }
  return message
}
