import type { Attachment } from '@tasklane/sdk'
import { tl } from './api.js'

/** What a file is attached to when it is uploaded. */
export type AttachTarget = { taskId: string } | { noteId: string }

export interface UploadOptions {
  signal?: AbortSignal
  /**
   * Bytes sent so far, when the way of uploading can tell. The simple upload cannot (fetch does not report
   * a request body being sent), so it is never called today and the app shows an indeterminate bar.
   */
  onProgress?(sent: number, total: number): void
}

/** Whether `uploadFile` reports progress: the app draws a measured bar or a busy one from it. */
export const reportsProgress = false

/**
 * The one place the app sends a file: the simple upload (`createAttachment`), which the SDK sends as a
 * multipart form, fields before the file part. Switching to a resumable upload with progress is a change of
 * this function only.
 */
export function uploadFile(
  projectId: string,
  file: File,
  target: AttachTarget,
  options: UploadOptions = {},
): Promise<Attachment> {
  return tl.attachments.create(
    projectId,
    { file, ...target },
    {},
    {
      signal: options.signal,
      // A file can take a while on a slow link; the SDK's 60 s per-request timeout is for small calls.
      timeout: 10 * 60_000,
    },
  )
}

/** A link to the file (or its thumbnail) that works without an Authorization header, e.g. as `<img src>`. */
export async function signedLink(attachmentId: string, thumbnail?: '64' | '256' | '1024'): Promise<string> {
  const link = await tl.attachments.createLink(attachmentId, thumbnail ? { thumbnail } : {})
  // The link is relative to the API's base URL.
  return `${__TASKLANE_URL__.replace(/\/+$/, '')}${link.url}`
}
