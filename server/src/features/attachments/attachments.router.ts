import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { attachmentsHandlers } from './attachments.handlers.js'

export function createAttachmentsRouter(services: Services) {
  const h = attachmentsHandlers(services)
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
  )
}
