import type { AppContext } from '../context.js'
import { createChangesService } from './changes/changes.service.js'
import { createCommentsService } from './comments/comments.service.js'
import { createEventsService } from './events/events.service.js'
import { createNotesService } from './notes/notes.service.js'
import { createNotificationsService } from './notifications/notifications.service.js'
import { createInvitationsService } from './projects/invitations.service.js'
import { createProjectsService } from './projects/projects.service.js'
import type { ServiceDeps } from './service-deps.js'
import { createTasksService } from './tasks/tasks.service.js'
import { createWebhooksService } from './webhooks/webhooks.service.js'

/**
 * The feature services, built once per app. Features reach each other only through these (tasks ask
 * projects who may do what), never through each other's repositories.
 */
export function createServices(ctx: AppContext) {
  const deps: ServiceDeps = { ctx, cursors: ctx.cursors, now: () => new Date() }
  const projects = createProjectsService(deps)
  const tasks = createTasksService(deps, projects)
  return {
    projects,
    invitations: createInvitationsService(deps, projects),
    tasks,
    notes: createNotesService(deps, projects),
    comments: createCommentsService(deps, projects, tasks),
    notifications: createNotificationsService(deps),
    changes: createChangesService(deps, projects.authenticate),
    events: createEventsService(deps, projects),
    webhooks: createWebhooksService(deps, projects),
  }
}

export type Services = ReturnType<typeof createServices>
