// The same ten calls through an annotated TasklaneClient, as an app writes it: the client in a typed
// variable, passed to the app's functions.
import { createTasklane, type TasklaneClient } from '../../../node_modules/.cache/tsc/sdk/index.js'

export const tl: TasklaneClient = createTasklane({ baseUrl: 'http://localhost:3000' })

export async function app(tl: TasklaneClient, projectId: string, taskId: string) {
  await tl.GET('/healthz')
  await tl.GET('/v1/projects')
  await tl.POST('/v1/projects', { body: { name: 'Launch' } })
  await tl.GET('/v1/projects/{projectId}', { params: { path: { projectId } } })
  await tl.GET('/v1/projects/{projectId}/tasks', { params: { path: { projectId }, query: { status: 'todo' } } })
  await tl.POST('/v1/projects/{projectId}/tasks', { params: { path: { projectId } }, body: { title: 'Buy milk' } })
  await tl.GET('/v1/tasks/{taskId}', { params: { path: { taskId } } })
  await tl.PATCH('/v1/tasks/{taskId}', { params: { path: { taskId } }, body: { status: 'done' } })
  await tl.DELETE('/v1/tasks/{taskId}', { params: { path: { taskId } } })
  await tl.GET('/v1/me')
}
