import { createHash } from 'node:crypto'
import { type Readable, Transform, type TransformCallback } from 'node:stream'
import { Busboy } from '@fastify/busboy'
import { ApiError } from '../../core/api-error.js'

/** What the bytes of an upload turned out to be, measured on the way to the store. */
export interface Inspected {
  size: number
  /** Hex SHA-256 of the bytes. */
  sha256: string
  /** The media type read from the bytes (magic numbers), never from the client. */
  contentType: string
}

export interface TypePolicy {
  /** When not empty, only these media types (or `type/*` families) are taken. */
  allow: readonly string[]
  /** Media types (or `type/*` families) refused even when allowed. */
  deny: readonly string[]
}

// file-type reads at most this many bytes from the start of a file to recognise it.
export const SAMPLE_BYTES = 4100

/**
 * A pass-through that counts, hashes and recognises the bytes of one upload as they stream to the store:
 * past `maxBytes` it fails at once with 413 (so a 5 GB body is cut off at the limit, not read whole), an
 * empty body fails with 400, and a type the policy refuses fails with 415 as soon as it is recognised.
 * `result` resolves with what was measured when the stream ends.
 */
export class UploadInspector extends Transform {
  private size = 0
  private readonly hash = createHash('sha256')
  private sample: Buffer[] = []
  private sampled = 0
  private contentType: string | undefined
  readonly result: Promise<Inspected>
  private resolve!: (value: Inspected) => void

  constructor(
    private readonly maxBytes: number,
    private readonly policy: TypePolicy,
    private readonly tooLarge: () => ApiError = () => fileTooLarge(maxBytes),
  ) {
    super()
    this.result = new Promise((resolve) => {
      this.resolve = resolve
    })
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length
    if (this.size > this.maxBytes) {
      callback(this.tooLarge())
      return
    }
    this.hash.update(chunk)
    if (this.contentType === undefined) {
      this.sample.push(chunk)
      this.sampled += chunk.length
    }
    if (this.contentType !== undefined || this.sampled < SAMPLE_BYTES) {
      callback(null, chunk)
      return
    }
    this.recognise().then(
      () => callback(null, chunk),
      (err: Error) => callback(err),
    )
  }

  override _flush(callback: TransformCallback): void {
    if (this.size === 0) {
      callback(new ApiError(400, 'empty_file', 'The file is empty.'))
      return
    }
    const done = this.contentType === undefined ? this.recognise() : Promise.resolve()
    done.then(
      () => {
        this.resolve({ size: this.size, sha256: this.hash.digest('hex'), contentType: this.contentType as string })
        callback()
      },
      (err: Error) => callback(err),
    )
  }

  private async recognise() {
    const sample = Buffer.concat(this.sample).subarray(0, SAMPLE_BYTES)
    this.sample = []
    this.contentType = await allowedType(sample, this.policy)
  }
}

/**
 * 413 `file_too_large`. By default the connection closes (the rest of the body is not read); a refusal made
 * before any body (a tus upload's declared length) passes its own headers.
 */
export function fileTooLarge(maxBytes: number, headers: Record<string, string> = { Connection: 'close' }) {
  return new ApiError(413, 'file_too_large', `The file is larger than the limit of ${maxBytes} bytes.`, { headers })
}

/**
 * The media type of a file from its first `SAMPLE_BYTES` (or all of a shorter file); 415
 * `file_type_not_allowed` when the policy refuses it.
 */
export async function allowedType(sample: Uint8Array, policy: TypePolicy): Promise<string> {
  const type = await detectType(sample)
  assertAllowed(type, policy)
  return type
}

/**
 * The media type of a file from its first bytes: file-type's magic numbers for binary formats; for text,
 * whether it is markup a browser would run (HTML, SVG, XML) or plain text; else application/octet-stream.
 */
export async function detectType(sample: Uint8Array): Promise<string> {
  // file-type (and the tokenizers it brings) is loaded with the first file, not at start.
  const { fileTypeFromBuffer } = await import('file-type')
  const found = await fileTypeFromBuffer(sample)
  // XML is read below: an SVG is XML a browser runs script in, and is told apart by its root.
  if (found && found.mime !== 'application/xml') return found.mime
  if (sample.includes(0)) return 'application/octet-stream'
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(trimIncompleteUtf8(sample))
  } catch {
    return 'application/octet-stream'
  }
  const head = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 1024)
    .toLowerCase()
  if (/<svg[\s>]/.test(head) || (head.startsWith('<?xml') && head.includes('<svg'))) return 'image/svg+xml'
  if (/^<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]|<script[\s>]|<iframe[\s>]/.test(head)) return 'text/html'
  if (head.startsWith('<?xml')) return 'application/xml'
  return 'text/plain'
}

// A sample cut at SAMPLE_BYTES may end inside a multi-byte character; that alone is not binary.
function trimIncompleteUtf8(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number
    if ((byte & 0xc0) === 0x80) continue
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    return needed > back ? bytes.subarray(0, bytes.length - back) : bytes
  }
  return bytes
}

const matches = (type: string, pattern: string) =>
  pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern

function assertAllowed(type: string, policy: TypePolicy) {
  const allowed = policy.allow.length === 0 || policy.allow.some((p) => matches(type, p))
  if (!allowed || policy.deny.some((p) => matches(type, p))) {
    throw new ApiError(415, 'file_type_not_allowed', `Files of type ${type} are not accepted here.`)
  }
}

const MAX_FILENAME = 255
// C0 and C1 controls, DEL, and the bidirectional controls that make `evil\u202Efdp.exe` read as `evil.exe…`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u

/**
 * A file name as given by the client, checked: it is shown to people and sent back in
 * Content-Disposition, never used as a path. Refused (400 `invalid_filename`) when empty, longer than 255
 * characters, containing a path separator, `.`/`..`, control characters (NUL, CR, LF) or bidirectional
 * overrides.
 */
export function checkFilename(name: string | undefined): string {
  const refuse = (why: string) => new ApiError(400, 'invalid_filename', `The file name ${why}.`)
  if (name === undefined || name.length === 0) throw refuse('is missing')
  const normalized = name.normalize('NFC')
  if ([...normalized].length > MAX_FILENAME) throw refuse(`is longer than ${MAX_FILENAME} characters`)
  if (FORBIDDEN.test(normalized)) throw refuse('contains control or bidirectional-override characters')
  if (/[/\\]/.test(normalized)) throw refuse('contains a path separator (/ or \\)')
  if (normalized.trim() === '' || /^\.+$/.test(normalized.trim())) throw refuse('is not a name')
  return normalized
}

export interface MultipartFile {
  stream: Readable
  filename: string | undefined
  /** What the client said the part is (kept apart from the type read from the bytes). */
  claimedType: string | undefined
}

/**
 * Parses a multipart/form-data body as it streams (busboy): fields are collected, and the one file part
 * is handed to `onFile` as a stream, to be stored while it arrives. A second file part is refused (400
 * `duplicate_file`), none at all is 400 `missing_file`. `onFile` must consume or fail the stream; the
 * returned promise settles when both the body and `onFile` have finished.
 */
export function parseMultipart<T>(
  body: Readable,
  contentType: string,
  onFile: (file: MultipartFile, fieldsSoFar: Record<string, string>) => Promise<T>,
  discard: (stored: T) => Promise<void>,
): Promise<{ fields: Record<string, string>; stored: T }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null)
    let stored: Promise<T> | undefined
    let fileStream: Readable | undefined
    let failed = false
    let busboy: ReturnType<typeof createBusboy>
    // A failure anywhere fails the file being stored too, and what was already stored is discarded, before
    // the upload answers: a refused form leaves nothing behind.
    const fail = (err: unknown) => {
      if (failed) return
      failed = true
      body.unpipe()
      body.resume()
      if (fileStream && !fileStream.readableEnded) {
        // Whoever stores the file sees the error; if nobody had started to, it has no other listener.
        fileStream.on('error', () => {})
        fileStream.destroy(err instanceof Error ? err : new Error(String(err)))
      }
      const settled = stored ? stored.then(discard, () => undefined) : Promise.resolve()
      settled.then(
        () => reject(err),
        () => reject(err),
      )
    }
    try {
      busboy = createBusboy(contentType)
    } catch {
      reject(new ApiError(400, 'malformed_multipart', 'The multipart body has no boundary.'))
      return
    }
    busboy.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (valueTruncated) return fail(new ApiError(400, 'malformed_multipart', `The field ${name} is too long.`))
      if (name in fields) return fail(new ApiError(400, 'duplicate_field', `The field ${name} is sent twice.`))
      fields[name] = value
    })
    busboy.on('file', (name: string, stream: Readable, filename: string | undefined, _enc: string, mime: string) => {
      if (name !== 'file') {
        stream.resume()
        return fail(new ApiError(400, 'unexpected_file', `The file part must be named "file", not "${name}".`))
      }
      if (stored) {
        stream.resume()
        return fail(new ApiError(400, 'duplicate_file', 'Send one file part per upload.'))
      }
      fileStream = stream
      stored = onFile({ stream, filename, claimedType: mime || undefined }, { ...fields })
      stored.catch((err) => {
        stream.resume()
        fail(err)
      })
    })
    busboy.on('filesLimit', () => fail(new ApiError(400, 'duplicate_file', 'Send one file part per upload.')))
    busboy.on('fieldsLimit', () => fail(new ApiError(400, 'malformed_multipart', 'The form has too many fields.')))
    busboy.on('partsLimit', () => fail(new ApiError(400, 'malformed_multipart', 'The form has too many parts.')))
    busboy.on('error', (err: Error) =>
      fail(
        err instanceof ApiError
          ? err
          : new ApiError(400, 'malformed_multipart', `The multipart body is malformed: ${err.message}`),
      ),
    )
    busboy.on('finish', () => {
      if (failed) return
      if (!stored) return fail(new ApiError(400, 'missing_file', 'The form has no file part named "file".'))
      stored.then((value) => {
        if (!failed) resolve({ fields, stored: value })
      }, fail)
    })
    body.on('error', fail)
    body.pipe(busboy)
  })
}

function createBusboy(contentType: string) {
  return Busboy({
    headers: { 'content-type': contentType },
    // Kept whole, so a name with a path in it is refused rather than quietly shortened.
    preservePath: true,
    defParamCharset: 'utf8',
    limits: { files: 1, fields: 20, fieldSize: 4096, parts: 22, headerPairs: 20 },
  } as never)
}
