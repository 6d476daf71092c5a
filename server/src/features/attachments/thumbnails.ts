import type { Readable } from 'node:stream'
import sharp from 'sharp'
import { ApiError } from '../../core/api-error.js'

/** The thumbnail sizes served: the longest side in pixels (smaller images are not enlarged). */
export const THUMBNAIL_SIZES = [64, 256, 1024] as const
export type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number]

/** Types a thumbnail is made of: raster images sharp decodes. SVG is not rendered (it is a document). */
export const THUMBNAIL_SOURCE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/tiff',
])

// A decompression bomb declares huge dimensions in a few bytes; sharp refuses to decode past this many
// pixels (a 40-megapixel photo passes), before allocating anything for them.
const MAX_INPUT_PIXELS = 50_000_000

// Images are decoded on libuv's thread pool; one at a time leaves the rest of the pool to the server.
sharp.concurrency(1)
sharp.cache(false)

/**
 * A WebP thumbnail of the image streamed in `source`, its longest side at most `size` pixels, turned
 * upright per its EXIF orientation and stripped of metadata. A malformed image, one over the pixel limit
 * (a decompression bomb) or a truncated one fails with 422 `thumbnail_unavailable`.
 */
export async function makeThumbnail(source: Readable, size: ThumbnailSize): Promise<Buffer> {
  const image = sharp({ limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', sequentialRead: true, animated: false })
  source.on('error', (err) => image.destroy(err))
  source.pipe(image)
  try {
    return await image
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer()
  } catch (err) {
    source.destroy()
    throw new ApiError(
      422,
      'thumbnail_unavailable',
      'No thumbnail can be made of this file: the image is malformed or too large to decode.',
      {
        cause: err,
      },
    )
  }
}
