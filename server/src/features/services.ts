import type { AppContext } from '../context.js'
import { type CursorCodec, createCursorCodec } from '../lib/cursor.js'
import { createCommentsService } from './comments/comments.service.js'
import { createNotesService } from './notes/notes.service.js'
import { createInvitationsService } from './projects/invitations.service.js'
import { createProjectsService } from './projects/projects.service.js'
import { createTasksService } from './tasks/tasks.service.js'

/** What every feature service is built from. */
export interface ServiceDeps {
  ctx: AppContext
  cursors: CursorCodec
  now: () => Date
}

/**
 * The feature services, built once per app. Features reach each other only through these (tasks ask
 * projects who may do what), never through each other's repositories.
 */
export function createServices(ctx: AppContext) {
  const deps: ServiceDeps = { ctx, cursors: createCursorCodec(ctx.secrets.key('cursor')), now: () => new Date() }
  const projects = createProjectsService(deps)
  const tasks = createTasksService(deps, projects)
  return {
    projects,
    invitations: createInvitationsService(deps, projects),
    tasks,
    notes: createNotesService(deps, projects),
    comments: createCommentsService(deps, projects, tasks),
  }
}

export type Services = ReturnType<typeof createServices>
