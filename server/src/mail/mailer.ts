import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Transporter } from 'nodemailer'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { JobError, type JobKind } from '../queue/queue.js'

export interface MailMessage {
  to: string
  subject: string
  text: string
}

export interface MailTransport {
  /**
   * Sends one message now; throws when the mail server refuses it or cannot be reached. `messageId` is the
   * job's stable id, so a retry after a crash carries the same `Message-ID` as the first attempt.
   */
  deliver(message: MailMessage, messageId: string): Promise<void>
  close(): Promise<void>
}

// Bounded so that a mail server that accepts the connection and then stalls fails the attempt (to be
// retried) instead of holding a worker slot for nodemailer's default two minutes.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }

/**
 * Mail through nodemailer: SMTP when `SMTP_URL` is set; otherwise each message is written as an `.eml`
 * file under `DATA_DIR/mail` and logged, so the embedded default needs no mail server. Sending is done by
 * the job queue (see mailJob): a write enqueues its mail in its own transaction. nodemailer is loaded at
 * start only for SMTP (so that a bad SMTP_URL still stops the start); the `.eml` files load it with the
 * first message.
 */
export async function createMailTransport(config: Config, logger: Logger): Promise<MailTransport> {
  const from = config.MAIL_FROM
  const smtp = config.SMTP_URL ? (await loadNodemailer()).createTransport(config.SMTP_URL, SMTP_TIMEOUTS) : undefined
  // For the `.eml` files; made with the first of them (a stream transport opens nothing).
  let fileTransport: Promise<Transporter> | undefined
  const files = () => {
    fileTransport ??= loadNodemailer().then((nodemailer) =>
      nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    )
    return fileTransport
  }
  const dir = join(config.DATA_DIR, 'mail')
  const host = new URL(config.PUBLIC_URL ?? 'http://localhost').hostname

  return {
    async deliver(message, messageId) {
      const mail = { from, ...message, messageId: `<${messageId}@${host}>` }
      if (smtp) {
        const info = await smtp.sendMail(mail)
        logger.info({ to: message.to, subject: message.subject, messageId: info.messageId }, 'mail sent')
        return
      }
      const info = await (await files()).sendMail(mail)
      await mkdir(dir, { recursive: true })
      const file = join(dir, `${messageId.replace(/[^\w.-]/g, '')}.eml`)
      await writeFile(file, info.message as Buffer, { mode: 0o600 })
      logger.info({ to: message.to, subject: message.subject, file }, 'mail written to file (SMTP_URL is not set)')
    },
    async close() {
      smtp?.close()
    },
  }
}

const loadNodemailer = () => import('nodemailer').then((module) => module.default)

/** Hands mail to the job queue. */
export interface Mailer {
  /** Enqueues the message durably and returns at once; it is delivered (and retried) by the job queue. */
  send(message: MailMessage): void
  /** Resolves once every message handed to `send` so far is on the queue. */
  idle(): Promise<void>
}

/**
 * The queue's `mail` job: one message, retried while the mail server is down or answers a temporary (4xx)
 * error; a permanent refusal (5xx, e.g. no such mailbox) ends it as failed at once.
 */
export function mailJob(
  mailer: MailTransport,
  logger: Logger,
  retry: { baseMs: number; maxMs: number; forMs: number },
): JobKind<MailMessage> {
  return {
    retryBaseMs: retry.baseMs,
    retryMaxMs: retry.maxMs,
    giveUpAfterMs: retry.forMs,
    async run(message, job) {
      try {
        await mailer.deliver(message, job.id)
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode
        if (code !== undefined && code >= 500) {
          throw new JobError(`the mail server refused the message (${code})`, { retry: false, cause: err })
        }
        throw err
      }
    },
    async afterFailure(message, job, { error, nextAttemptAt }) {
      logger.warn(
        { err: error, to: message.to, subject: message.subject, jobId: job.id, attempt: job.attempt, nextAttemptAt },
        nextAttemptAt ? 'sending mail failed; will retry' : 'sending mail failed; giving up',
      )
    },
  }
}
