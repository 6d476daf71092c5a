// Ten everyday calls with openapi-fetch alone, typed by the same generated paths: the yardstick.
import createClient from 'openapi-fetch'
import type { paths } from '../../../node_modules/.cache/tsc/sdk/generated/openapi.js'

const client = createClient<paths>({ baseUrl: 'http://localhost:3000' })

export async function app(projectId: string, taskId: string) {
  await client.GET('/healthz')
  await client.GET('/v1/projects')
  await client.POST('/v1/projects', { body: { name: 'Launch' } })
  await client.GET('/v1/projects/{projectId}', { params: { path: { projectId } } })
  await client.GET('/v1/projects/{projectId}/tasks', { params: { path: { projectId }, query: { status: 'todo' } } })
  await client.POST('/v1/projects/{projectId}/tasks', { params: { path: { projectId } }, body: { title: 'Buy milk' } })
  await client.GET('/v1/tasks/{taskId}', { params: { path: { taskId } } })
  await client.PATCH('/v1/tasks/{taskId}', { params: { path: { taskId } }, body: { status: 'done' } })
  await client.DELETE('/v1/tasks/{taskId}', { params: { path: { taskId } } })
  await client.GET('/v1/me')
}
