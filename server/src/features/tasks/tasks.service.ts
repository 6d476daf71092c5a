import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'
import type { Task, TaskCreate, TaskList, TaskUpdate } from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { toInstant } from '../../lib/instant.js'
import { SEARCH_RANKING, searchTerms } from '../../lib/search.js'
import { stampedCache } from '../../lib/stamped-cache.js'
import { removalChange } from '../../write/change.js'
import { deleteVersioned, updateVersioned } from '../../write/versioned.js'
import type { PageInput, ProjectsService } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import { taskChange } from './tasks.reactions.js'
import { type TaskOrder, type TaskRow, type TaskSortField, toTask } from './tasks.repository.js'

const NO_TASK = 'No task with this id.'

const SORT_FIELDS: Record<string, TaskSortField> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  dueAt: 'due_at',
  priority: 'priority',
  position: 'position',
}

export interface TaskListInput extends PageInput {
  status?: Task['status']
  assigneeId?: string
  label?: string
  dueBefore?: string
  dueAfter?: string
  sort?: string
  q?: string
}

export type TasksService = ReturnType<typeof createTasksService>

export function createTasksService(
  { repositories, writer, cursors, access, now }: ServiceDeps,
  projects: ProjectsService,
) {
  const repo = repositories.tasks
  // Pages of lists without search words, as answered, while no task changed: clients read the first page
  // of a list far more often than anything changes in it. Searches are not kept: typed as they go, they
  // are rarely asked twice. About 10,000 tasks' worth at most (~10 MB with their JSON).
  const pages = stampedCache<TaskList>(repo.stamp, { maxWeight: 10_000, weigh: (page) => page.data.length + 1 })

  async function assertAssignable(projectId: string, assigneeId: string | null | undefined) {
    if (assigneeId && !(await projects.isMember(projectId, assigneeId))) {
      throw new ApiError(422, 'invalid_assignee', 'The assignee must be a member of the project.', {
        errors: [{ path: '/body/assigneeId', message: 'Not a member of this project', code: 'invalid_assignee' }],
      })
    }
  }

  /** Finds a task and checks the caller may `action` it; foreign and missing tasks are both 404. */
  async function load(caller: Principal, taskId: string, action: 'read' | 'update' | 'delete') {
    const task = await repo.find(taskId)
    if (!task) throw new ApiError(404, 'not_found', NO_TASK)
    await access.authorize(caller, task.project_id, 'task', action, NO_TASK)
    return { task }
  }

  return {
    /** For comments: the task, if the caller may read it (404 otherwise). */
    async readable(caller: Principal, taskId: string): Promise<Task> {
      return toTask((await load(caller, taskId, 'read')).task)
    },

    async list(caller: Principal, projectId: string, input: TaskListInput): Promise<TaskList> {
      await access.authorize(caller, projectId, 'task', 'read')
      const terms = input.q ? searchTerms(input.q) : []
      let order: TaskOrder = { field: 'created_at', direction: 'asc' }
      if (input.sort) {
        const desc = input.sort.startsWith('-')
        const field = SORT_FIELDS[desc ? input.sort.slice(1) : input.sort]
        if (field) order = { field, direction: desc ? 'desc' : 'asc' }
      } else if (terms.length > 0) {
        order = { field: 'relevance' }
      }
      const filter = {
        projectId,
        status: input.status,
        assigneeId: input.assigneeId,
        label: input.label,
        dueBefore: input.dueBefore && toInstant(input.dueBefore),
        dueAfter: input.dueAfter && toInstant(input.dueAfter),
      }
      // A query with no words (only punctuation) matches everything rather than nothing.
      const scope = listScope('listTasks', {
        ...filter,
        sort: input.sort,
        q: terms.join(' ') || undefined,
        ranking: order.field === 'relevance' ? SEARCH_RANKING : undefined,
      })
      const read = async (): Promise<TaskList> => {
        const after = input.cursor ? cursors.decode(scope, input.cursor) : undefined
        const page = await repo.list({ ...filter, terms }, order, after, input.limit)
        return { data: page.items, nextCursor: page.next && cursors.encode(scope, page.next) }
      }
      if (terms.length > 0) return read()
      // The scope names the list; with the page size and the cursor, the page. Only pages that were read
      // (valid cursors) are kept, frozen since every caller gets the same one.
      return pages.get(`${scope}\n${input.limit}\n${input.cursor ?? ''}`, async () => frozen(await read()))
    },

    async create(caller: Principal, projectId: string, input: TaskCreate): Promise<Task> {
      await access.authorize(caller, projectId, 'task', 'create')
      await assertAssignable(projectId, input.assigneeId)
      const at = now().toISOString()
      const status = input.status ?? 'todo'
      return writer.write(
        async (tx) => {
          const r = tx.tasks
          const task = await r.insert({
            id: newId('tsk'),
            project_id: projectId,
            title: input.title,
            description: input.description ?? null,
            status,
            priority: input.priority ?? 0,
            due_at: input.dueAt ? toInstant(input.dueAt) : null,
            labels: JSON.stringify(input.labels ?? []),
            assignee_id: input.assigneeId ?? null,
            position: input.position ?? (await r.nextPosition(projectId)),
            completed_at: status === 'done' ? at : null,
            created_by: caller.userId,
            created_at: at,
            updated_at: at,
            version: 1,
          })
          await tx.record(taskChange('task.created', task, caller.userId))
          return task
        },
        { by: caller },
      )
    },

    async get(caller: Principal, taskId: string): Promise<Task> {
      return toTask((await load(caller, taskId, 'read')).task)
    },

    async update(caller: Principal, taskId: string, patch: TaskUpdate, ifMatch: string | undefined): Promise<Task> {
      const { task } = await load(caller, taskId, 'update')
      if (patch.assigneeId !== undefined) await assertAssignable(task.project_id, patch.assigneeId)
      // The patch applies to the row as locked in the write, so concurrent updates without If-Match all
      // land (last write wins) and one with If-Match is refused with the version that won.
      return writer.write(
        async (tx) => {
          const next = await updateVersioned(tx, {
            lock: () => tx.tasks.findForUpdate(taskId),
            notFound: NO_TASK,
            ifMatch,
            apply: (current) => applyPatch(current, patch, now().toISOString()),
            save: (next, version) =>
              tx.tasks.update(next, version, {
                labels: patch.labels !== undefined,
                text: patch.title !== undefined || patch.description !== undefined,
              }),
            change: (next, current) => ({
              ...taskChange('task.updated', toTask(next), caller.userId),
              previous: toTask(current),
            }),
          })
          return toTask(next)
        },
        { by: caller },
      )
    },

    async remove(caller: Principal, taskId: string, ifMatch: string | undefined): Promise<void> {
      await load(caller, taskId, 'delete')
      await writer.write(
        async (tx) => {
          await deleteVersioned(tx, {
            lock: () => tx.tasks.findForUpdate(taskId),
            notFound: NO_TASK,
            ifMatch,
            removal: (current) =>
              removalChange({
                type: 'task.deleted',
                projectId: current.project_id,
                resourceType: 'task',
                resourceId: taskId,
                actorId: caller.userId,
                previous: toTask(current),
              }),
            remove: () => tx.tasks.delete(taskId),
          })
        },
        { by: caller },
      )
    },
  }
}

/** The page, frozen down to its tasks' labels. */
function frozen(page: TaskList): TaskList {
  for (const task of page.data) {
    Object.freeze(task.labels)
    Object.freeze(task)
  }
  Object.freeze(page.data)
  return Object.freeze(page)
}

function applyPatch(task: TaskRow, patch: TaskUpdate, at: string): TaskRow {
  const next: TaskRow = { ...task, updated_at: at }
  if (patch.title !== undefined) next.title = patch.title
  if (patch.description !== undefined) next.description = patch.description
  if (patch.priority !== undefined) next.priority = patch.priority
  if (patch.dueAt !== undefined) next.due_at = patch.dueAt === null ? null : toInstant(patch.dueAt)
  if (patch.assigneeId !== undefined) next.assignee_id = patch.assigneeId
  if (patch.position !== undefined) next.position = patch.position
  if (patch.labels !== undefined) next.labels = JSON.stringify(patch.labels)
  // completedAt follows status: set when a task becomes done, cleared when it stops being done.
  if (patch.status !== undefined && patch.status !== task.status) {
    next.status = patch.status
    next.completed_at = patch.status === 'done' ? at : null
  }
  return next
}
