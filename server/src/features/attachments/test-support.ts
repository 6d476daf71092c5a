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

const b64 = (value: string) => Buffer.from(value, 'utf8').toString('base64')

/** Raw tus requests against the app, so tests can send what a well-behaved client would not. */
export function createTus(t: TestApp, auth: Record<string, string>, projectId: string) {
  const base = `/v1/projects/${projectId}/uploads`
  const headers = (extra: Record<string, string> = {}) => ({ ...auth, 'Tus-Resumable': '1.0.0', ...extra })
  return {
    base,
    create(length: number, metadata: Record<string, string>) {
      const encoded = Object.entries(metadata)
        .map(([key, value]) => `${key} ${b64(value)}`)
        .join(',')
      return t.request(base, {
        method: 'POST',
        headers: headers({ 'Upload-Length': String(length), ...(encoded ? { 'Upload-Metadata': encoded } : {}) }),
      })
    },
    head(location: string) {
      return t.request(location, { method: 'HEAD', headers: headers() })
    },
    patch(location: string, offset: number, bytes: Uint8Array) {
      return t.request(location, {
        method: 'PATCH',
        headers: headers({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }),
        body: bytes as Uint8Array<ArrayBuffer>,
      })
    },
    /** Sends `bytes`, then fails the body as a cut connection does, before it ends. */
    patchCut(location: string, offset: number, bytes: Uint8Array) {
      let sent = false
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) {
            sent = true
            controller.enqueue(bytes)
            return
          }
          controller.error(new Error('the connection was cut'))
        },
      })
      return t.request(location, {
        method: 'PATCH',
        headers: headers({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }),
        body,
        duplex: 'half',
      } as RequestInit)
    },
    delete(location: string) {
      return t.request(location, { method: 'DELETE', headers: headers() })
    },
  }
}

export type Tus = ReturnType<typeof createTus>
