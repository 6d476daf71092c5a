import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import type { Logger } from 'pino'
import type { Config } from '../config.js'

export interface MailMessage {
  to: string
  subject: string
  text: string
}

export interface Mailer {
  /**
   * Sends in the background and never throws: a mail failure is logged, not turned into a failed
   * request, and the caller's response time does not depend on the mail server (nor reveal whether a
   * mail was sent at all).
   */
  send(message: MailMessage): void
  /** Resolves once every mail handed to `send` so far is delivered or has failed. */
  idle(): Promise<void>
  close(): Promise<void>
}

/**
 * Mail through nodemailer: SMTP when `SMTP_URL` is set; otherwise each message is written as an `.eml`
 * file under `DATA_DIR/mail` and logged, so the embedded default needs no mail server.
 */
export function createMailer(config: Config, logger: Logger): Mailer {
  const pending = new Set<Promise<void>>()
  const from = config.MAIL_FROM
  const smtp = config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : undefined
  // A stream transport opens nothing, so it can exist unused beside SMTP.
  const files = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  const dir = join(config.DATA_DIR, 'mail')

  const deliver = async (message: MailMessage) => {
    if (smtp) {
      const info = await smtp.sendMail({ from, ...message })
      logger.info({ to: message.to, subject: message.subject, messageId: info.messageId }, 'mail sent')
      return
    }
    const info = await files.sendMail({ from, ...message })
    await mkdir(dir, { recursive: true })
    const file = join(
      dir,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^\w.-]/g, '')}.eml`,
    )
    await writeFile(file, info.message as Buffer, { mode: 0o600 })
    logger.info({ to: message.to, subject: message.subject, file }, 'mail written to file (SMTP_URL is not set)')
  }

  return {
    send(message) {
      const p = deliver(message)
        .catch((err) => logger.error({ err, to: message.to, subject: message.subject }, 'sending mail failed'))
        .finally(() => pending.delete(p))
      pending.add(p)
    },
    async idle() {
      await Promise.all([...pending])
    },
    async close() {
      await Promise.all([...pending])
      smtp?.close()
    },
  }
}
