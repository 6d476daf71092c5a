import { expect } from 'vitest'
import type { TaskRow } from '../features/tasks/tasks.repository.js'
import type { Comment, Note, Project, Task } from '../generated/routes.js'
import { newId } from '../lib/ids.js'
import type { TestApp } from './app.js'

/** `t.request` with a JSON body and the caller's headers; answers the raw response. */
export function jsonRequest(t: TestApp, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return t.request(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

async function created<T>(res: Response, what: string): Promise<T> {
  if (res.status !== 201) expect.fail(`${what} answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as T
}

/**
 * Fixture builders through the real API, for tests of projects, tasks, notes and comments.
 *
 * @example
 * const project = await createProject(t, alice.authHeaders)
 * const task = await createTask(t, alice.authHeaders, project.id, { title: 'Write docs' })
 */
export const createProject = async (
  t: TestApp,
  headers: Record<string, string>,
  body: object = { name: 'Test project' },
) => created<Project>(await jsonRequest(t, 'POST', '/v1/projects', headers, body), 'createProject')

export const createTask = async (
  t: TestApp,
  headers: Record<string, string>,
  projectId: string,
  body: object = { title: 'A task' },
) => created<Task>(await jsonRequest(t, 'POST', `/v1/projects/${projectId}/tasks`, headers, body), 'createTask')

export const createNote = async (
  t: TestApp,
  headers: Record<string, string>,
  projectId: string,
  body: object = { title: 'A note', body: 'Text' },
) => created<Note>(await jsonRequest(t, 'POST', `/v1/projects/${projectId}/notes`, headers, body), 'createNote')

export const createComment = async (
  t: TestApp,
  headers: Record<string, string>,
  taskId: string,
  body: object = { body: 'A comment' },
) => created<Comment>(await jsonRequest(t, 'POST', `/v1/tasks/${taskId}/comments`, headers, body), 'createComment')

/** Adds `userId` to the project with `role`, directly in the database (invitations are tested on their own). */
export async function addMember(t: TestApp, projectId: string, userId: string, role: 'owner' | 'editor' | 'viewer') {
  await t.ctx.db.kysely
    .insertInto('project_members')
    .values({ project_id: projectId, user_id: userId, role, joined_at: new Date().toISOString() })
    .execute()
}

/**
 * A task row as the tasks repository stores it, for tests that insert many rows at once or rows as an older
 * release wrote them: a to-do assigned to no one, made now, with `fields` over it.
 */
export function taskRow(fields: Pick<TaskRow, 'project_id' | 'title' | 'created_by'> & Partial<TaskRow>): TaskRow {
  const now = new Date().toISOString()
  return {
    id: newId('tsk'),
    description: null,
    status: 'todo',
    priority: 0,
    due_at: null,
    labels: '[]',
    assignee_id: null,
    position: 1,
    completed_at: null,
    created_at: now,
    updated_at: now,
    version: 1,
    ...fields,
  }
}
