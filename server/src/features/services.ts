import type { AttachmentsService } from './attachments/attachments.service.js'
import type { UploadsService } from './attachments/uploads.service.js'
import type { ChangesService } from './changes/changes.service.js'
import type { CommentsService } from './comments/comments.service.js'
import type { EventsService } from './events/events.service.js'
import type { NotesService } from './notes/notes.service.js'
import type { NotificationsService } from './notifications/notifications.service.js'
import type { InvitationsService } from './projects/invitations.service.js'
import type { ProjectsService } from './projects/projects.service.js'
import type { TasksService } from './tasks/tasks.service.js'
import type { WebhooksService } from './webhooks/webhooks.service.js'

/**
 * The feature services the routers call, built once per app by the composition root (`createContext`).
 * Features reach each other only through these, never through each other's repositories.
 */
export interface Services {
  projects: ProjectsService
  invitations: InvitationsService
  tasks: TasksService
  notes: NotesService
  comments: CommentsService
  notifications: NotificationsService
  changes: ChangesService
  events: EventsService
  attachments: AttachmentsService
  uploads: UploadsService
  webhooks: WebhooksService
}
