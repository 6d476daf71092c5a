import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { onTestFinished } from 'vitest'

export interface ReceivedMail {
  to: string[]
  subject: string
  messageId: string
  /** The decoded text body. */
  text: string
}

export interface TestSmtp {
  /** An `SMTP_URL` pointing at this server. */
  url: string
  messages: ReceivedMail[]
  /**
   * Waits for a mail to `to` whose subject matches `subject` (the n-th such, counting from 1) and returns
   * it. Mail is sent in the background, so mails of one request sequence may arrive in any order.
   */
  waitForMail(to: string, subject?: RegExp, nth?: number): Promise<ReceivedMail>
  /** Stops listening (the mail server is down); `start()` listens again on the same port. */
  stop(): Promise<void>
  start(): Promise<void>
}

/**
 * A real SMTP server in the test process (smtp-server), closed when the test ends. The app under test
 * sends to it over TCP exactly as it would to a production mail server.
 *
 * @example
 * const smtp = await startTestSmtp()
 * const t = await createTestApp({ SMTP_URL: smtp.url })
 * const mail = await smtp.waitForMail('ada@example.com', /verify/i)
 */
export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ReceivedMail[] = []
  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // Refuses every mailbox at refused.example for good (550), as a server does for one that does not exist.
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@refused.example')) {
          callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }))
          return
        }
        callback()
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = []
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8')
          messages.push({ to: session.envelope.rcptTo.map((r) => r.address), ...parseMail(raw) })
          callback()
        })
      },
    })
  let server = create()
  let running = true
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  const stop = () => {
    if (!running) return Promise.resolve()
    running = false
    return new Promise<void>((resolve) => server.close(() => resolve()))
  }
  onTestFinished(stop)
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    stop,
    async start() {
      if (running) return
      server = create()
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
      running = true
    },
    async waitForMail(to, subject = /./, nth = 1) {
      const deadline = Date.now() + 5000
      for (;;) {
        const found = messages.filter((m) => m.to.includes(to) && subject.test(m.subject))[nth - 1]
        if (found) return found
        if (Date.now() > deadline) throw new Error(`no mail #${nth} to ${to} within 5 s (got ${messages.length})`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
  }
}

// Enough MIME for the single-part text mails the server sends: headers, then a 7bit, quoted-printable or
// base64 body.
export function parseMail(raw: string): { subject: string; text: string; messageId: string } {
  const split = raw.search(/\r?\n\r?\n/)
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ')
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '')
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? ''
  const encoding = header('Content-Transfer-Encoding').toLowerCase()
  let text = body
  if (encoding === 'quoted-printable') {
    text = unescapeBytes(body.replace(/=\r?\n/g, ''))
  } else if (encoding === 'base64') {
    text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  }
  return {
    subject: decodeWords(header('Subject')),
    text: text.replace(/\r\n/g, '\n'),
    messageId: header('Message-ID'),
  }
}

// RFC 2047 encoded-words, which nodemailer uses for headers with non-ASCII text (`=?UTF-8?Q?…?=`); the
// space between two adjacent encoded-words is not part of the text.
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, data: string) => {
      return encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : unescapeBytes(data.replace(/_/g, ' '))
    })
}

// Quoted-printable text is ASCII with `=XX` escapes of the bytes of UTF-8 text.
function unescapeBytes(ascii: string): string {
  const bytes = ascii.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
  return Buffer.from(bytes, 'latin1').toString('utf8')
}
