// Files through the SDK's generated methods against the live server: what is uploaded from a File or Blob
// comes back byte for byte, through the download, a byte range, a signed link and as a decodable thumbnail.
import { createHash } from 'node:crypto'
import { isNotModified, unwrap } from '@tasklane/sdk'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { type LiveServer, startLiveServer } from './support/live.js'

/** A real PNG of noise: its bytes are far from UTF-8 (0x89 first, then bytes of every value). */
async function noisePng(): Promise<Uint8Array<ArrayBuffer>> {
  const width = 48
  const height = 32
  const pixels = Buffer.alloc(width * height * 3)
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 151 + 7) % 256
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  )
}

async function projectOf(live: LiveServer) {
  const user = await live.signUp()
  const tl = live.sdk({ accessToken: user.accessToken })
  const project = await tl.projects.create({ name: 'Files' })
  const task = await tl.tasks.create(project.id, { title: 'Attach the chart' })
  return { tl, project, task }
}

const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer())
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('files through the SDK against the live server', () => {
  test('a PNG uploaded as a form downloads byte for byte, whole, by range and through a signed link', async () => {
    const live = await startLiveServer()
    const { tl, project, task } = await projectOf(live)
    const png = await noisePng()
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(png)).toThrow()

    const attachment = await tl.attachments.create(project.id, {
      file: new File([png], 'chart.png', { type: 'image/png' }),
      taskId: task.id,
    })
    expect(attachment).toMatchObject({
      filename: 'chart.png',
      taskId: task.id,
      contentType: 'image/png',
      size: png.length,
      sha256: sha256(png),
    })

    const whole = await tl.attachments.download(attachment.id)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('Content-Type')).toBe('image/png')
    expect(await bytesOf(whole)).toEqual(png)
    const etag = whole.headers.get('ETag')
    expect(etag).toBeTruthy()

    const part = await tl.attachments.download(attachment.id, { headers: { Range: 'bytes=0-99' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('Content-Range')).toBe(`bytes 0-99/${png.length}`)
    expect(await bytesOf(part)).toEqual(png.slice(0, 100))

    const cached = await tl.attachments.download(attachment.id, { ifNoneMatch: etag })
    expect(isNotModified(cached)).toBe(true)

    const link = await tl.attachments.createLink(attachment.id, {})
    const token = link.url.split('/').at(-1) ?? ''
    // A signed link needs no credentials: a client without any reads it.
    const anonymous = live.sdk()
    expect(await bytesOf(await anonymous.attachments.downloadSignedFile(token))).toEqual(png)
  })

  test('the thumbnail comes back as a WebP that decodes to the image, and a raw Blob upload round-trips', async () => {
    const live = await startLiveServer()
    const { tl, project } = await projectOf(live)
    const png = await noisePng()

    const raw = await tl.attachments.create(project.id, new Blob([png], { type: 'image/png' }), {
      filename: 'raw.png',
    })
    expect(raw).toMatchObject({ filename: 'raw.png', contentType: 'image/png', size: png.length })
    expect(await bytesOf(await tl.attachments.download(raw.id))).toEqual(png)

    const thumbnail = await tl.attachments.getThumbnail(raw.id, '64')
    expect(thumbnail.headers.get('Content-Type')).toBe('image/webp')
    const meta = await sharp(await bytesOf(thumbnail)).metadata()
    expect(meta).toMatchObject({ format: 'webp', width: 48, height: 32 })

    // The path-string call of the same operation stays available, its bytes read as the caller asks.
    const { data } = await tl.GET('/v1/attachments/{attachmentId}/content', {
      params: { path: { attachmentId: raw.id } },
      parseAs: 'arrayBuffer',
    })
    expect(new Uint8Array(data as ArrayBuffer)).toEqual(png)
    await unwrap(tl.DELETE('/v1/attachments/{attachmentId}', { params: { path: { attachmentId: raw.id } } }))
  })
})
