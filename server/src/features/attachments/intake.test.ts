import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../core/api-error.js'
import { checkFilename, detectType, parseMultipart, type TypePolicy, UploadInspector } from './intake.js'
import { tinyPng } from './test-files.js'

const ANY: TypePolicy = { allow: [], deny: [] }

async function inspect(chunks: Buffer[], maxBytes: number, policy = ANY) {
  const inspector = new UploadInspector(maxBytes, policy)
  const out: Buffer[] = []
  await pipeline(Readable.from(chunks), inspector, async (source) => {
    for await (const chunk of source) out.push(chunk as Buffer)
  })
  return { ...(await inspector.result), passed: Buffer.concat(out) }
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (err) {
    return err instanceof ApiError ? `${err.status} ${err.code}` : String(err)
  }
  return 'no error'
}

describe('UploadInspector', () => {
  it('passes the bytes on and measures size, SHA-256 and the type from the bytes', async () => {
    const png = await tinyPng()
    const result = await inspect([png.subarray(0, 10), png.subarray(10)], 1_000_000)
    expect(result.passed).toEqual(png)
    expect(result.size).toBe(png.length)
    expect(result.sha256).toBe(createHash('sha256').update(png).digest('hex'))
    expect(result.contentType).toBe('image/png')
  })

  it('fails with 413 as soon as the bytes pass the limit, without reading the rest', async () => {
    let pulled = 0
    const endless = new Readable({
      read() {
        pulled += 64 * 1024
        this.push(Buffer.alloc(64 * 1024, 0x61))
      },
    })
    const drain = async (source: AsyncIterable<unknown>) => {
      for await (const _ of source);
    }
    expect(await codeOf(pipeline(endless, new UploadInspector(1_000_000, ANY), drain))).toBe('413 file_too_large')
    expect(pulled).toBeLessThan(2_000_000)
  })

  it('refuses an empty file', async () => {
    expect(await codeOf(inspect([], 100))).toBe('400 empty_file')
  })

  it('applies the allow and deny lists to the type read from the bytes', async () => {
    const png = await tinyPng()
    expect(await codeOf(inspect([png], 10_000, { allow: ['application/pdf'], deny: [] }))).toBe(
      '415 file_type_not_allowed',
    )
    expect(await codeOf(inspect([png], 10_000, { allow: ['image/*'], deny: ['image/png'] }))).toBe(
      '415 file_type_not_allowed',
    )
    expect((await inspect([png], 10_000, { allow: ['image/*'], deny: [] })).contentType).toBe('image/png')
  })
})

describe('detectType', () => {
  it.each([
    ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/svg+xml'],
    ['<?xml version="1.0"?>\n<svg onload="alert(1)"/>', 'image/svg+xml'],
    ['<!DOCTYPE html><html><script>alert(1)</script>', 'text/html'],
    ['  <script>alert(1)</script>', 'text/html'],
    ['<?xml version="1.0"?><note/>', 'application/xml'],
    ['Just some notes, café ☕', 'text/plain'],
  ])('reads %j as %s', async (text, type) => {
    expect(await detectType(Buffer.from(text))).toBe(type)
  })

  it('takes bytes that are not text and match no signature as application/octet-stream', async () => {
    expect(await detectType(Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]))).toBe('application/octet-stream')
    expect(await detectType(Buffer.from([0xc3, 0x28, 0x41]))).toBe('application/octet-stream')
  })

  it('recognises a PDF that claims to be an image by its bytes', async () => {
    expect(await detectType(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n', 'latin1'))).toBe('application/pdf')
  })
})

describe('checkFilename', () => {
  it.each([
    ['../../etc/passwd', 'path separator'],
    ['..\\boot.ini', 'path separator'],
    ['a\u0000b.txt', 'control'],
    ['report\r\nSet-Cookie: x=1.txt', 'control'],
    ['invoice\u202Efdp.exe', 'bidirectional'],
    ['x'.repeat(1000), 'longer than 255'],
    ['..', 'not a name'],
    ['', 'missing'],
  ])('refuses %j', (name, why) => {
    expect(() => checkFilename(name)).toThrow(why)
  })

  it('keeps unicode, quotes and spaces as they are', () => {
    expect(checkFilename('Résumé "final" (2).pdf')).toBe('Résumé "final" (2).pdf')
    expect(checkFilename('写真 1.png')).toBe('写真 1.png')
  })
})

function multipartBody(
  boundary: string,
  parts: { name: string; filename?: string; type?: string; body: string | Buffer }[],
) {
  const chunks: Buffer[] = []
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n`))
    if (part.type) chunks.push(Buffer.from(`Content-Type: ${part.type}\r\n`))
    chunks.push(Buffer.from('\r\n'), Buffer.from(part.body), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(chunks)
}

describe('parseMultipart', () => {
  const type = 'multipart/form-data; boundary=XyZ'
  const collect = (body: Buffer) =>
    parseMultipart(
      Readable.from([body]),
      type,
      async (file, fieldsSoFar) => ({
        bytes: (await buffer(file.stream)).toString(),
        filename: file.filename,
        claimedType: file.claimedType,
        fieldsSoFar,
      }),
      async () => {},
    )

  it('streams the file part to the handler and collects the fields around it', async () => {
    const body = multipartBody('XyZ', [
      { name: 'taskId', body: 'tsk_1' },
      { name: 'file', filename: 'notes.txt', type: 'image/png', body: 'hello' },
      { name: 'sha256', body: 'abc' },
    ])
    expect(await collect(body)).toEqual({
      fields: { taskId: 'tsk_1', sha256: 'abc' },
      stored: { bytes: 'hello', filename: 'notes.txt', claimedType: 'image/png', fieldsSoFar: { taskId: 'tsk_1' } },
    })
  })

  it('keeps a path in the file name, so that it is refused rather than shortened', async () => {
    const body = multipartBody('XyZ', [{ name: 'file', filename: '../../x.txt', body: 'x' }])
    expect((await collect(body)).stored.filename).toBe('../../x.txt')
  })

  it('refuses a form without a file part, with two file parts, or with a field twice', async () => {
    expect(await codeOf(collect(multipartBody('XyZ', [{ name: 'taskId', body: 'x' }])))).toBe('400 missing_file')
    expect(
      await codeOf(
        collect(
          multipartBody('XyZ', [
            { name: 'file', filename: 'a.txt', body: 'a' },
            { name: 'file', filename: 'b.txt', body: 'b' },
          ]),
        ),
      ),
    ).toBe('400 duplicate_file')
    expect(
      await codeOf(
        collect(
          multipartBody('XyZ', [
            { name: 'taskId', body: 'a' },
            { name: 'taskId', body: 'b' },
            { name: 'file', filename: 'a.txt', body: 'a' },
          ]),
        ),
      ),
    ).toBe('400 duplicate_field')
  })

  it('refuses a multipart type without a boundary', async () => {
    expect(
      await codeOf(
        parseMultipart(
          Readable.from([Buffer.from('x')]),
          'multipart/form-data',
          async () => 1,
          async () => {},
        ),
      ),
    ).toBe('400 malformed_multipart')
  })
})
