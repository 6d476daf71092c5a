import type { Attachment } from '../../generated/routes.js'
import type { TestApp } from '../../test/app.js'

/** A multipart body built by hand, so tests can send what no well-behaved client would. */
export function multipart(parts: { name: string; filename?: string; type?: string; body: string | Uint8Array }[]) {
  const boundary = `----tasklane${Math.random().toString(16).slice(2)}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const filename = part.filename !== undefined ? `; filename="${part.filename}"` : ''
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n`))
    if (part.type) chunks.push(Buffer.from(`Content-Type: ${part.type}\r\n`))
    chunks.push(Buffer.from('\r\n'), Buffer.from(part.body), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Uploads `bytes` as a multipart form through the API; answers the raw response. */
export function upload(
  t: TestApp,
  headers: Record<string, string>,
  projectId: string,
  file: { name?: string; type?: string; bytes: string | Uint8Array },
  fields: Record<string, string> = {},
) {
  const { body, contentType } = multipart([
    ...Object.entries(fields).map(([name, value]) => ({ name, body: value })),
    {
      name: 'file',
      filename: file.name ?? 'file.txt',
      type: file.type ?? 'application/octet-stream',
      body: file.bytes,
    },
  ])
  return t.request(`/v1/projects/${projectId}/attachments`, {
    method: 'POST',
    headers: { ...headers, 'content-type': contentType },
    body,
  })
}

export async function uploaded(res: Response): Promise<Attachment> {
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as Attachment
}

/** Every key in the app's file store: what a test checks was left behind. */
export async function storedKeys(t: TestApp): Promise<string[]> {
  const keys: string[] = []
  for await (const object of t.ctx.files.list()) keys.push(object.key)
  return keys.sort()
}

export async function rowCount(t: TestApp): Promise<number> {
  const row = await t.ctx.db.kysely
    .selectFrom('attachments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
