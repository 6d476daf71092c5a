import type { Config } from '../../config.js'
import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { attachmentsHandlers } from './attachments.handlers.js'
import { uploadsHandlers } from './uploads.handlers.js'

export function createAttachmentsRouter(services: Services, config: Config) {
  const h = attachmentsHandlers(services)
  const tus = uploadsHandlers(services, config)
  return (
    createRouter()
      // The upload streams its body before the route's validators run (see streamUpload).
      .openapi({ ...operations.createAttachment, middleware: [h.streamUpload] }, h.createAttachment)
      .openapi(operations.listAttachments, h.listAttachments)
      .openapi(operations.getAttachment, h.getAttachment)
      .openapi(operations.updateAttachment, h.updateAttachment)
      .openapi(operations.deleteAttachment, h.deleteAttachment)
      .openapi(operations.downloadAttachment, h.downloadAttachment)
      .openapi(operations.getAttachmentThumbnail, h.getAttachmentThumbnail)
      .openapi(operations.createAttachmentLink, h.createAttachmentLink)
      .openapi(operations.downloadSignedFile, h.downloadSignedFile)
      .openapi(operations.getProjectStorage, h.getProjectStorage)
      // Resumable uploads (tus): a version it does not speak is 412 before the route's validators run.
      .openapi({ ...operations.createUpload, middleware: [tus.tusResumable] }, tus.createUpload)
      .openapi({ ...operations.getUploadOffset, middleware: [tus.tusResumable] }, tus.getUploadOffset)
      .openapi({ ...operations.appendUploadChunk, middleware: [tus.tusResumable] }, tus.appendUploadChunk)
      .openapi({ ...operations.deleteUpload, middleware: [tus.tusResumable] }, tus.deleteUpload)
      // getUploadOffset is documented as HEAD, but Hono answers HEAD with the path's GET route: bound there.
      .get('/v1/projects/:projectId/uploads/:uploadId', tus.headOnly, tus.tusResumable, tus.getUploadOffset)
  )
}
