import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { s3ClientConfig } from './s3-storage.js'

// s3rver accepts any signature, so the store tests cannot catch a client that signs wrongly (the wrong
// region, service or credentials, virtual-host addressing a custom endpoint cannot serve). This test takes
// the request as it would leave, signed, and checks what its SigV4 signature covers: the configured
// credentials, region and service, path-style addressing and the signed headers.
describe('the S3 client configuration', () => {
  it('signs path-style requests with SigV4 for the configured region and credentials', async () => {
    const config = s3ClientConfig({
      bucket: 'files',
      region: 'eu-central-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      timeoutMs: 1000,
    })
    const client = new S3Client(config)
    let sent: { method: string; path: string; headers: Record<string, string> } | undefined
    client.middlewareStack.add(
      () => async (args) => {
        const request = args.request as { method: string; path: string; headers: Record<string, string> }
        sent = { method: request.method, path: request.path, headers: { ...request.headers } }
        throw new Error('captured')
      },
      { step: 'finalizeRequest', priority: 'low', name: 'capture' },
    )
    await expect(
      client.send(new PutObjectCommand({ Bucket: 'files', Key: 'att/x', Body: 'hello', ContentType: 'text/plain' })),
    ).rejects.toThrow('captured')
    if (!sent) throw new Error('no request was signed')
    expect(sent.path).toBe('/files/att/x')
    expect(sent.headers.host).toBe('127.0.0.1:9000')
    const auth = sent.headers.authorization ?? ''
    const match =
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(\d{8})\/eu-central-1\/s3\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      )
    expect(match, auth).not.toBeNull()
    const [, day, signedHeaders, signature] = match as unknown as [string, string, string, string]
    expect(day).toBe(new Date().toISOString().slice(0, 10).replaceAll('-', ''))
    expect(signedHeaders.split(';')).toEqual(expect.arrayContaining(['host', 'x-amz-content-sha256', 'x-amz-date']))
    expect(signature).toMatch(/^[0-9a-f]{64}$/)
  })
})
