// Type tests: they fail the build (tsc -b, and vitest's typecheck in the sdk project) when types loosen.
import {
  type APIError,
  createTasklane,
  type Page,
  type Paginator,
  type Problem,
  type TasklaneClient,
  unwrap,
} from '@tasklane/sdk'
import { fixture } from '@tasklane/sdk/testing'
import { expectTypeOf, test } from 'vitest'
import type { components } from './fixtures/generated/api.js'
import type { FixturePaths } from './helpers.js'

type Project = components['schemas']['Project']
type Task = components['schemas']['Task']

const tl = createTasklane<FixturePaths>({ baseUrl: 'http://x' })
const real = createTasklane({ baseUrl: 'http://x' })

test('paths, params and bodies are checked', () => {
  // @ts-expect-error no such path
  real.GET('/nope')
  // @ts-expect-error /healthz has no POST
  real.POST('/healthz')
  // @ts-expect-error path params are required
  tl.GET('/v1/projects/{projectId}')
  // @ts-expect-error a path param of the wrong type
  tl.GET('/v1/projects/{projectId}', { params: { path: { projectId: 1 } } })
  // @ts-expect-error an unknown query param
  tl.GET('/v1/projects', { params: { query: { limt: 5 } } })
  // @ts-expect-error limit is a number
  tl.GET('/v1/projects', { params: { query: { limit: '5' } } })
  // @ts-expect-error the body is required
  tl.POST('/v1/projects', {})
  // @ts-expect-error a body field of the wrong type
  tl.POST('/v1/projects', { body: { name: 5 } })
  // @ts-expect-error a required body field is missing
  tl.POST('/v1/projects', { body: {} })
  tl.POST('/v1/projects/{projectId}/tasks', {
    params: { path: { projectId: 'p' } },
    // @ts-expect-error an enum value that does not exist
    body: { title: 't', status: 'doing' },
  })
  // @ts-expect-error call options are typed too
  tl.GET('/v1/me', { timeout: '5s' })
  tl.GET('/v1/me', { timeout: 5000, deadline: 10_000, maxRetries: 0, signal: AbortSignal.timeout(1) })
  tl.PATCH('/v1/projects/{projectId}', { params: { path: { projectId: 'p' } }, body: { name: 'n' }, ifMatch: true })
})

test('responses and error bodies are typed', async () => {
  const result = await tl.GET('/v1/projects/{projectId}', { params: { path: { projectId: 'p' } } })
  expectTypeOf(result.requestId).toEqualTypeOf<string | null>()
  if (result.error) {
    expectTypeOf(result.error).toEqualTypeOf<components['schemas']['Problem']>()
    expectTypeOf(result.error.code).toBeString()
  } else {
    expectTypeOf(result.data).toEqualTypeOf<Project>()
    // @ts-expect-error no such response field
    result.data.title
  }
  const health = await real.GET('/healthz')
  // Each operation's error bodies are Problems narrowed to the codes it documents.
  if (health.error) expectTypeOf(health.error).toExtend<Problem>()
  expectTypeOf(await unwrap(real.GET('/readyz'))).toEqualTypeOf<components_real['Readiness']>()
  expectTypeOf(await unwrap(tl.POST('/v1/projects', { body: { name: 'n' } }))).toEqualTypeOf<Project>()
  expectTypeOf<APIError['body']>().toEqualTypeOf<Problem | undefined>()
})

test('pagination is inferred from the spec and its items are typed', async () => {
  expectTypeOf(tl.paginate('/v1/projects')).toEqualTypeOf<Paginator<Project>>()
  const tasks = tl.paginate('/v1/projects/{projectId}/tasks', {
    params: { path: { projectId: 'p' }, query: { status: 'done' } },
  })
  for await (const task of tasks) expectTypeOf(task).toEqualTypeOf<Task>()
  for await (const page of tasks.pages()) expectTypeOf(page).toEqualTypeOf<Page<Task>>()
  expectTypeOf(await tasks.toArray({ maxItems: 5 })).toEqualTypeOf<Task[]>()
  // @ts-expect-error maxItems is required
  tasks.toArray({})
  // @ts-expect-error /v1/me is not a list
  tl.paginate('/v1/me')
  // @ts-expect-error the real spec has no list operation yet
  real.paginate('/healthz')
})

test('fixtures are typed by schema name', () => {
  expectTypeOf(fixture('Problem')).toEqualTypeOf<Problem>()
  // @ts-expect-error no such schema
  fixture('Nope')
  // @ts-expect-error an override of the wrong type
  fixture('Problem', { status: '404' })
  expectTypeOf<TasklaneClient>().toHaveProperty('paginate')
})

type components_real = import('@tasklane/sdk').components['schemas']
