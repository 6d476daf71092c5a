import type { Config } from '../../config.js'
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
      .operation('createAttachment', h.createAttachment, [h.streamUpload])
      .operation('listAttachments', h.listAttachments)
      .operation('getAttachment', h.getAttachment)
      .operation('updateAttachment', h.updateAttachment)
      .operation('deleteAttachment', h.deleteAttachment)
      .operation('downloadAttachment', h.downloadAttachment)
      .operation('getAttachmentThumbnail', h.getAttachmentThumbnail)
      .operation('createAttachmentLink', h.createAttachmentLink)
      .operation('downloadSignedFile', h.downloadSignedFile)
      .operation('getProjectStorage', h.getProjectStorage)
      // Resumable uploads (tus): a version it does not speak is 412 before the route's validators run.
      .operation('createUpload', tus.createUpload, [tus.tusResumable])
      .operation('getUploadOffset', tus.getUploadOffset, [tus.tusResumable])
      .operation('appendUploadChunk', tus.appendUploadChunk, [tus.tusResumable])
      .operation('deleteUpload', tus.deleteUpload, [tus.tusResumable])
      // getUploadOffset is documented as HEAD, but Hono answers HEAD with the path's GET route: bound there.
      .get('/v1/projects/:projectId/uploads/:uploadId', tus.headOnly, tus.tusResumable, tus.getUploadOffset)
  )
}
