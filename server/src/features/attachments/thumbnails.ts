import type { Readable } from 'node:stream'
import type { Sharp, SharpOptions } from 'sharp'
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

let loading: Promise<(options: SharpOptions) => Sharp> | undefined
/** sharp, loaded with the first thumbnail: its native image library costs every start memory and CPU. */
function loadSharp() {
  loading ??= import('sharp').then(({ default: sharp }) => {
    // Images are decoded on libuv's thread pool; one at a time leaves the rest of the pool to the server.
    sharp.concurrency(1)
    sharp.cache(false)
    return sharp
  })
  return loading
}

/**
 * A WebP thumbnail of the image streamed in `source`, its longest side at most `size` pixels, turned
 * upright per its EXIF orientation and stripped of metadata. A malformed image, one over the pixel limit
 * (a decompression bomb) or a truncated one fails with 422 `thumbnail_unavailable`.
 */
export async function makeThumbnail(source: Readable, size: ThumbnailSize): Promise<Buffer> {
  // The source's errors are heard from the start: one while sharp is still loading is passed on once it is.
  let image: Sharp | undefined
  let failed: Error | undefined
  source.on('error', (err) => {
    if (image) image.destroy(err)
    else failed = err
  })
  // A sharp that cannot load is the installation's fault, not the image's: not a 422.
  const sharp = await loadSharp().catch((err: unknown) => {
    source.destroy()
    throw err
  })
  try {
    image = sharp({ limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', sequentialRead: true, animated: false })
    if (failed) image.destroy(failed)
    source.pipe(image)
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
