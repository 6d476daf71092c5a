// Type tests: they fail the build (tsc -b, and vitest's typecheck in the sdk project) when types loosen.
import {
  type AccessRevokedEvent,
  type APIError,
  type Comment,
  createTasklane,
  type EventOf,
  type Note,
  type NotModified,
  type Page,
  type Paginator,
  type Problem,
  type paths,
  type TaskList,
  type TasklaneClient,
  type TasklaneEvent,
  type Task as TaskModel,
  type Tombstone,
  unwrap,
} from '@tasklane/sdk'
import { type EventStream, events } from '@tasklane/sdk/events'
import { fixture } from '@tasklane/sdk/testing'
import { expectTypeOf, test } from 'vitest'
import type { components } from './fixtures/generated/api.js'
import type { FixturePaths } from './helpers.js'

type Project = components['schemas']['Project']
type Task = components['schemas']['Task']
type Change = components['schemas']['Change']

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

test('a 304 is in the result type only of a call that sends If-None-Match', async () => {
  type Task = components_real['Task']
  const path = { taskId: 'tsk_1' }
  // A plain read cannot answer 304: unwrap gives the resource, and the result has no notModified branch.
  expectTypeOf(await unwrap(real.GET('/v1/tasks/{taskId}', { params: { path } }))).toEqualTypeOf<Task>()
  const plain = await real.GET('/v1/tasks/{taskId}', { params: { path } })
  if (!plain.error) expectTypeOf(plain.data).toEqualTypeOf<Task>()
  // With If-None-Match it can, and the types say so.
  const header = { 'If-None-Match': '"3"' }
  expectTypeOf(await unwrap(real.GET('/v1/tasks/{taskId}', { params: { path, header } }))).toEqualTypeOf<
    Task | NotModified
  >()
  const conditional = await real.GET('/v1/tasks/{taskId}', { params: { path, header } })
  if (conditional.notModified) expectTypeOf(conditional.data).toEqualTypeOf<undefined>()
  else if (!conditional.error) expectTypeOf(conditional.data).toEqualTypeOf<Task>()
  // A header that may or may not hold it (optional in its type) may get a 304 too.
  const maybe: { 'If-None-Match'?: string } = {}
  expectTypeOf(await unwrap(real.GET('/v1/tasks/{taskId}', { params: { path, header: maybe } }))).toEqualTypeOf<
    Task | NotModified
  >()
})

test('an answer of bytes is a Blob unless parseAs says otherwise; a text answer is a string', async () => {
  const params = { path: { attachmentId: 'att_1' } }
  const download = await real.GET('/v1/attachments/{attachmentId}/content', { params })
  if (!download.error) expectTypeOf(download.data).toEqualTypeOf<Blob>()
  const thumbnail = await real.GET('/v1/attachments/{attachmentId}/thumbnails/{size}', {
    params: { path: { attachmentId: 'att_1', size: '256' } },
  })
  if (!thumbnail.error) expectTypeOf(thumbnail.data).toEqualTypeOf<Blob>()
  const stream = await real.GET('/v1/attachments/{attachmentId}/content', { params, parseAs: 'stream' })
  if (!stream.error) expectTypeOf(stream.data).toEqualTypeOf<Response['body']>()
  const yaml = await real.GET('/openapi.yaml')
  if (!yaml.error) expectTypeOf(yaml.data).toEqualTypeOf<string>()
})

test('pagination is inferred from the spec and its items are typed', async () => {
  expectTypeOf(tl.paginate('/v1/projects')).toEqualTypeOf<
    Paginator<Project, { data: Project[]; nextCursor: string | null }>
  >()
  const tasks = tl.paginate('/v1/projects/{projectId}/tasks', {
    params: { path: { projectId: 'p' }, query: { status: 'done' } },
  })
  for await (const task of tasks) expectTypeOf(task).toEqualTypeOf<Task>()
  for await (const page of tasks.pages()) {
    expectTypeOf(page).toEqualTypeOf<Page<Task, { data: Task[]; nextCursor: string | null }>>()
  }
  expectTypeOf(await tasks.toArray({ maxItems: 5 })).toEqualTypeOf<Task[]>()
  // @ts-expect-error maxItems is required
  tasks.toArray({})
  // @ts-expect-error /v1/me is not a list
  tl.paginate('/v1/me')
  // @ts-expect-error /healthz is not a list
  real.paginate('/healthz')
})

test('changes: paginate types the syncToken beside the items', async () => {
  const changes = tl.paginate('/v1/changes', { params: { query: { since: '0' } } })
  for await (const change of changes) expectTypeOf(change).toEqualTypeOf<Change>()
  expectTypeOf(changes.lastPage?.body.syncToken).toEqualTypeOf<string | undefined>()
  // @ts-expect-error since is a string (a decimal seq), not a number
  tl.paginate('/v1/changes', { params: { query: { since: 0 } } })
})

test('events: a union on type, narrowed by checking it', async () => {
  const stream = events(tl, { since: '0', projectId: 'prj_1', signal: AbortSignal.timeout(1000) })
  expectTypeOf(stream).toEqualTypeOf<EventStream<TasklaneEvent<FixturePaths>>>()
  expectTypeOf(stream.lastEventId).toEqualTypeOf<string | null>()
  for await (const event of stream) {
    expectTypeOf(event.type).toEqualTypeOf<Change['type'] | 'access_revoked'>()
    if (event.type === 'access_revoked') {
      expectTypeOf(event).toEqualTypeOf<AccessRevokedEvent>()
      expectTypeOf(event.projectId).toEqualTypeOf<string>()
      // @ts-expect-error an access_revoked event is not a change: it has no seq
      event.seq
    } else {
      expectTypeOf(event.seq).toEqualTypeOf<string>()
      expectTypeOf(event.data).toEqualTypeOf<Change['data']>()
      expectTypeOf(event).toMatchTypeOf<Change>()
    }
    if (event.type === 'task.deleted') {
      expectTypeOf(event.type).toEqualTypeOf<'task.deleted'>()
      expectTypeOf(event.resourceType).toEqualTypeOf<Change['resourceType']>()
    }
    // @ts-expect-error not a type of change the API has
    if (event.type === 'task.archived') break
  }
  // @ts-expect-error since is a seq string
  events(tl, { since: 1 })
  // The default is the real API's paths, whose Change types narrow the same way.
  expectTypeOf<TasklaneEvent>().toEqualTypeOf<TasklaneEvent<paths>>()
  for await (const event of events(real)) {
    if (event.type === 'comment.deleted') {
      expectTypeOf(event.type).toEqualTypeOf<'comment.deleted'>()
      expectTypeOf(event.resourceType).toEqualTypeOf<components_real['Change']['resourceType']>()
    }
    if (event.type === 'access_revoked') expectTypeOf(event.projectId).toEqualTypeOf<string>()
  }
  expectTypeOf(real.paginate('/v1/changes').lastPage?.body).toEqualTypeOf<components_real['ChangeList'] | undefined>()
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

test('event.data is typed by event.type: the resource, or a tombstone', () => {
  const event = {} as TasklaneEvent
  if (event.type === 'task.updated') expectTypeOf(event.data).toEqualTypeOf<TaskModel>()
  if (event.type === 'note.created') expectTypeOf(event.data).toEqualTypeOf<Note>()
  if (event.type === 'task.deleted') expectTypeOf(event.data).toEqualTypeOf<Tombstone>()
  expectTypeOf<EventOf<'comment.created'>['data']>().toEqualTypeOf<Comment>()
})

test('resource methods take positional ids and typed bodies, and return named models', () => {
  expectTypeOf(real.tasks.create('prj_1', { title: 'Buy milk' })).toEqualTypeOf<Promise<TaskModel>>()
  expectTypeOf(real.tasks.list('prj_1', { status: 'todo' })).toEqualTypeOf<Paginator<TaskModel, TaskList>>()
  expectTypeOf(real.tasks.get('tsk_1', { ifNoneMatch: '"1"' })).toEqualTypeOf<Promise<TaskModel | NotModified>>()
  expectTypeOf(real.tasks.get('tsk_1')).toEqualTypeOf<Promise<TaskModel>>()
  expectTypeOf(real.tasks.delete('tsk_1')).toEqualTypeOf<Promise<void>>()
  // @ts-expect-error the title is required
  real.tasks.create('prj_1', {})
  // @ts-expect-error status is one of the documented values
  real.tasks.list('prj_1', { status: 'open' })
  // @ts-expect-error the task id comes first
  real.tasks.update({ title: 'x' })
})
