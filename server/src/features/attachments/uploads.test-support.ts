import type { TestApp } from '../../test/app.js'

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
        body: bytes,
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
