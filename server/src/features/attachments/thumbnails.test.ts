import { Readable } from 'node:stream'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../core/api-error.js'
import { detectType } from './intake.js'
import { pngBomb, tinyPng } from './test-files.js'
import { makeThumbnail } from './thumbnails.js'

describe('makeThumbnail', () => {
  it('makes a WebP no larger than the size asked, keeping the aspect ratio and never enlarging', async () => {
    const thumb = await makeThumbnail(Readable.from([await tinyPng(1200, 600)]), 256)
    expect(await sharp(thumb).metadata()).toMatchObject({ format: 'webp', width: 256, height: 128 })
    const small = await makeThumbnail(Readable.from([await tinyPng(40, 20)]), 256)
    expect(await sharp(small).metadata()).toMatchObject({ width: 40, height: 20 })
  })

  it('refuses a decompression bomb cleanly, without decoding it', async () => {
    const bomb = pngBomb()
    expect(await detectType(bomb)).toBe('image/png')
    const err = await makeThumbnail(Readable.from([bomb]), 64).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 422, code: 'thumbnail_unavailable' })
  })

  it('refuses a malformed or truncated image cleanly', async () => {
    const png = await tinyPng(300, 300)
    for (const broken of [png.subarray(0, 60), Buffer.concat([png.subarray(0, 16), Buffer.alloc(200, 0xff)])]) {
      const err = await makeThumbnail(Readable.from([broken]), 64).catch((e: unknown) => e)
      expect(err).toMatchObject({ status: 422, code: 'thumbnail_unavailable' })
    }
  })
})
