import { sql } from 'kysely'
import { describe, expect, it, vi } from 'vitest'
import { forgetLexemeShares } from '../../db/search.js'
import type { Task, TaskList } from '../../generated/routes.js'
import { foldForSearch } from '../../lib/search.js'
import { createTestApp, type TestApp } from '../../test/app.js'
import { present } from '../../test/present.js'
import { addMember, createProject, createTask, jsonRequest, taskRow as storedTask } from '../../test/projects.js'
import { waitForQueueEmpty } from '../../test/queue.js'
import { rawSpec } from '../../test/spec.js'
import { signUpUser } from '../../test/users.js'

async function setup() {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  return { t, alice, h: alice.authHeaders, project }
}

async function list(t: TestApp, headers: Record<string, string>, path: string): Promise<TaskList> {
  const res = await jsonRequest(t, 'GET', path, headers)
  if (res.status !== 200) expect.fail(`GET ${path} answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as TaskList
}

/** Follows `nextCursor` to the end, returning every item in order. */
async function walk(t: TestApp, headers: Record<string, string>, path: string, between?: () => Promise<void>) {
  const items: Task[] = []
  let url = path
  for (let i = 0; i < 500; i++) {
    const page = await list(t, headers, url)
    items.push(...page.data)
    if (!page.nextCursor) return items
    url = `${path}${path.includes('?') ? '&' : '?'}cursor=${page.nextCursor}`
    await between?.()
  }
  throw new Error('too many pages')
}

const ids = (tasks: { id: string }[]) => tasks.map((x) => x.id)

/** The `i`th of hundreds of task rows inserted at once: every fourth done. */
const taskRow = (projectId: string, createdBy: string, i: number, title: string, description: string | null) =>
  storedTask({
    project_id: projectId,
    created_by: createdBy,
    title,
    description,
    status: i % 4 === 1 ? 'done' : 'todo',
    position: i + 1,
  })

type StoredTask = ReturnType<typeof taskRow>

/** Whether `word` begins a word of `text`, as a search word matches. */
const begins = (text: string | null, word: string) =>
  foldForSearch(text ?? '')
    .split(/\W+/)
    .some((w) => w.startsWith(word))

/**
 * The ranking as openapi.yaml states it, computed from rows listed oldest first: every word (as a prefix)
 * in the title first, then every word in title or description; newest first within each.
 */
const ranked = (rows: StoredTask[], words: string[], status?: string) => {
  const found = rows.filter(
    (r) => (!status || r.status === status) && words.every((w) => begins(r.title, w) || begins(r.description, w)),
  )
  const inTitle = found.filter((r) => words.every((w) => begins(r.title, w)))
  return ids([...inTitle.reverse(), ...found.filter((r) => !inTitle.includes(r)).reverse()])
}

/** Stores `rows` in one write in the order of their ids, so that several projects' rows interleave. */
async function storeInOrder(t: TestApp, rows: StoredTask[]) {
  await t.ctx.writer.write(
    async (tx) => {
      for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))) await tx.tasks.insert(r)
    },
    { silent: true },
  )
}

/** Every page of a search of a project, as the ids of its tasks in order. */
const searchIds = async (
  t: TestApp,
  h: Record<string, string>,
  projectId: string,
  q: string,
  limit: number,
  status?: string,
) =>
  ids(
    await walk(
      t,
      h,
      `/v1/projects/${projectId}/tasks?q=${encodeURIComponent(q)}&limit=${limit}${status ? `&status=${status}` : ''}`,
    ),
  )

describe('listTasks pagination', () => {
  it('pages with limit, nextCursor and a Link header, and defaults to 20', async () => {
    const { t, h, project } = await setup()
    for (let i = 0; i < 25; i++) await createTask(t, h, project.id, { title: `Task ${i}` })
    const first = await jsonRequest(t, 'GET', `/v1/projects/${project.id}/tasks`, h)
    const body = (await first.json()) as TaskList
    expect(body.data).toHaveLength(20)
    expect(body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(first.headers.get('link')).toBe(`</v1/projects/${project.id}/tasks?cursor=${body.nextCursor}>; rel="next"`)
    const second = await jsonRequest(t, 'GET', `/v1/projects/${project.id}/tasks?cursor=${body.nextCursor}`, h)
    const rest = (await second.json()) as TaskList
    expect(rest.data).toHaveLength(5)
    expect(rest.nextCursor).toBeNull()
    expect(second.headers.get('link')).toBeNull()
    expect(new Set([...ids(body.data), ...ids(rest.data)]).size).toBe(25)
    const small = await list(t, h, `/v1/projects/${project.id}/tasks?limit=7`)
    expect(small.data).toHaveLength(7)
  })

  it('returns no task twice, and every task that existed, while tasks are added during the walk', async () => {
    const { t, h, project } = await setup()
    const before = []
    for (let i = 0; i < 30; i++) before.push(await createTask(t, h, project.id, { title: `T${i}`, priority: i % 4 }))
    for (const sort of ['createdAt', '-createdAt', 'priority', '-priority']) {
      let n = 0
      const seen = await walk(t, h, `/v1/projects/${project.id}/tasks?limit=4&sort=${sort}`, async () => {
        await createTask(t, h, project.id, { title: `added ${sort} ${n++}`, priority: n % 4 })
      })
      expect(new Set(ids(seen)).size).toBe(seen.length)
      for (const task of before) expect(ids(seen)).toContain(task.id)
    }
  })

  it('rejects a forged cursor, and a cursor of another list, filter or sort, with 400', async () => {
    const { t, h, alice, project } = await setup()
    const other = await createProject(t, alice.authHeaders)
    for (let i = 0; i < 3; i++) {
      await createTask(t, h, project.id, { status: 'todo', title: `a${i}` })
      await createTask(t, h, other.id, { title: `b${i}` })
    }
    const page = await list(t, h, `/v1/projects/${project.id}/tasks?limit=1&status=todo`)
    const cursor = present(page.nextCursor, 'the next page cursor')
    const forged =
      Buffer.from(JSON.stringify(['2000-01-01T00:00:00.000Z', 'tsk_0'])).toString('base64url') + cursor.slice(-22)
    const attempts = [
      `/v1/projects/${project.id}/tasks?limit=1&status=todo&cursor=${forged}`,
      `/v1/projects/${project.id}/tasks?limit=1&status=todo&cursor=${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`,
      `/v1/projects/${other.id}/tasks?limit=1&status=todo&cursor=${cursor}`,
      `/v1/projects/${project.id}/tasks?limit=1&status=done&cursor=${cursor}`,
      `/v1/projects/${project.id}/tasks?limit=1&status=todo&sort=-createdAt&cursor=${cursor}`,
      `/v1/projects/${project.id}/notes?limit=1&cursor=${cursor}`,
    ]
    for (const path of attempts) {
      const res = await jsonRequest(t, 'GET', path, h)
      expect(res.status, path).toBe(400)
      expect((await res.json()).code).toBe('invalid_cursor')
    }
    // The same list with another page size is the same list.
    expect(
      (await jsonRequest(t, 'GET', `/v1/projects/${project.id}/tasks?limit=2&status=todo&cursor=${cursor}`, h)).status,
    ).toBe(200)
  })
})

describe('listTasks pages kept between changes', () => {
  it('answers a page again byte for byte, and shows every change at once on every page', async () => {
    const { t, h, project } = await setup()
    const bob = await signUpUser(t)
    await addMember(t, project.id, bob.user.id, 'editor')
    const made: Task[] = []
    for (let i = 0; i < 5; i++) made.push(await createTask(t, h, project.id, { title: `T${i}`, labels: ['x'] }))
    // The sign-ups' mails are jobs in the same database: sending one is a change, which rightly drops kept pages.
    await waitForQueueEmpty(t.ctx)
    const reads = vi.spyOn(t.ctx.repositories.tasks, 'list')
    const answer = async (path: string, headers = h) => {
      const res = await jsonRequest(t, 'GET', path, headers)
      if (res.status !== 200) expect.fail(`GET ${path} answered ${res.status}: ${await res.text()}`)
      return { body: await res.text(), link: res.headers.get('link') }
    }
    const oldest = `/v1/projects/${project.id}/tasks?limit=2`
    const newest = `/v1/projects/${project.id}/tasks?sort=-createdAt&limit=2`
    const first = await answer(oldest)
    expect(await answer(oldest)).toEqual(first)
    // Another member gets the same page; someone outside the project still gets 404.
    expect(await answer(oldest, bob.authHeaders)).toEqual(first)
    const stranger = await signUpUser(t)
    expect((await jsonRequest(t, 'GET', oldest, stranger.authHeaders)).status).toBe(404)
    // SQLite keeps the page while nothing changes; PostgreSQL reads it every time.
    expect(reads).toHaveBeenCalledTimes(t.ctx.db.dialect === 'sqlite' ? 1 : 3)
    const second = `${oldest}&cursor=${present((JSON.parse(first.body) as TaskList).nextCursor, 'the next page cursor')}`
    const titles = async (path: string) => ((await list(t, h, path)).data as Task[]).map((x) => x.title)
    const assignees = async (path: string) => (await list(t, h, path)).data.map((x) => x.assigneeId)
    expect(await titles(oldest)).toEqual(['T0', 'T1'])
    expect(await titles(second)).toEqual(['T2', 'T3'])
    expect(await titles(newest)).toEqual(['T4', 'T3'])

    await createTask(t, h, project.id, { title: 'T5', assigneeId: bob.user.id })
    expect(await titles(newest)).toEqual(['T5', 'T4'])
    expect(await assignees(newest)).toEqual([bob.user.id, null])
    const [t0, , t2] = made as [Task, Task, Task]
    await jsonRequest(t, 'PATCH', `/v1/tasks/${t2.id}`, h, { title: 'T2 renamed', labels: ['y'] })
    expect(await titles(second)).toEqual(['T2 renamed', 'T3'])
    expect((await list(t, h, second)).data[0]).toMatchObject({ labels: ['y'], version: 2 })
    await jsonRequest(t, 'DELETE', `/v1/tasks/${t0.id}`, h)
    expect(await titles(oldest)).toEqual(['T1', 'T2 renamed'])
    // Bob leaves: his tasks are unassigned in the same write.
    expect(
      (await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}/members/${bob.user.id}`, bob.authHeaders)).status,
    ).toBe(204)
    expect(await assignees(newest)).toEqual([null, null])
    // A write outside the services (an operator's SQL on the same connection) shows too.
    await t.ctx.db.kysely.updateTable('tasks').set({ title: 'T1 by hand' }).where('title', '=', 'T1').execute()
    expect(await titles(oldest)).toEqual(['T1 by hand', 'T2 renamed'])
    // A cursor that was answered before is still checked, and a forged one is refused.
    const cursor = present((JSON.parse(first.body) as TaskList).nextCursor, 'the next page cursor')
    const forged = `${oldest}&cursor=${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`
    expect((await jsonRequest(t, 'GET', forged, h)).status).toBe(400)
  })
})

describe('listTasks filters and sorts', () => {
  it('filters by status, assignee, label and due date, combined with AND', async () => {
    const { t, h, project } = await setup()
    const bob = await signUpUser(t)
    await addMember(t, project.id, bob.user.id, 'editor')
    const a = await createTask(t, h, project.id, {
      title: 'a',
      status: 'todo',
      labels: ['x', 'y'],
      dueAt: '2026-12-01T00:00:00Z',
      assigneeId: bob.user.id,
    })
    const b = await createTask(t, h, project.id, {
      title: 'b',
      status: 'done',
      labels: ['y'],
      dueAt: '2026-12-10T00:00:00Z',
    })
    const c = await createTask(t, h, project.id, { title: 'c', status: 'in_progress', labels: [] })
    const d = await createTask(t, h, project.id, {
      title: 'd',
      status: 'todo',
      labels: ['x'],
      dueAt: '2026-12-20T12:00:00+02:00',
      assigneeId: bob.user.id,
    })
    const q = async (query: string) => ids((await list(t, h, `/v1/projects/${project.id}/tasks?${query}`)).data)
    expect(await q('status=todo')).toEqual([a.id, d.id])
    expect(await q('status=done')).toEqual([b.id])
    expect(await q('status=in_progress')).toEqual([c.id])
    expect(await q(`assigneeId=${bob.user.id}`)).toEqual([a.id, d.id])
    expect(await q('label=x')).toEqual([a.id, d.id])
    expect(await q('label=y')).toEqual([a.id, b.id])
    expect(await q('label=nope')).toEqual([])
    expect(await q('dueBefore=2026-12-10T00:00:00Z')).toEqual([a.id])
    expect(await q('dueAfter=2026-12-10T00:00:00Z')).toEqual([b.id, d.id])
    // Offsets are compared as instants: 12:00+02:00 is 10:00Z.
    expect(await q('dueAfter=2026-12-20T10:00:00Z')).toEqual([d.id])
    expect(await q('dueAfter=2026-12-20T10:00:01Z')).toEqual([])
    expect(await q('dueAfter=2026-12-01T00:00:00Z&dueBefore=2026-12-15T00:00:00Z')).toEqual([a.id, b.id])
    expect(await q(`status=todo&label=x&assigneeId=${bob.user.id}&dueBefore=2026-12-05T00:00:00Z`)).toEqual([a.id])
  })

  it('sorts by every field in both directions, ties by creation, tasks without due date last', async () => {
    const { t, h, project } = await setup()
    const specs = [
      { title: 'p0', priority: 2, dueAt: '2026-12-03T00:00:00Z', position: 5 },
      { title: 'p1', priority: 0, position: -1 },
      { title: 'p2', priority: 3, dueAt: '2026-12-01T00:00:00Z', position: 2.5 },
      { title: 'p3', priority: 2, dueAt: '2026-12-02T00:00:00Z', position: 10 },
      { title: 'p4', priority: 1 },
    ]
    const created: Task[] = []
    for (const s of specs) created.push(await createTask(t, h, project.id, s))
    // Make updatedAt differ from creation order.
    await jsonRequest(t, 'PATCH', `/v1/tasks/${present(created[1], 'task p1').id}`, h, { title: 'p1 edited' })
    const order = async (sort: string) =>
      (await walk(t, h, `/v1/projects/${project.id}/tasks?limit=2&sort=${sort}`)).map((x) => x.title.slice(0, 2))
    expect(await order('createdAt')).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'])
    expect(await order('-createdAt')).toEqual(['p4', 'p3', 'p2', 'p1', 'p0'])
    expect(await order('updatedAt')).toEqual(['p0', 'p2', 'p3', 'p4', 'p1'])
    expect(await order('-updatedAt')).toEqual(['p1', 'p4', 'p3', 'p2', 'p0'])
    expect(await order('priority')).toEqual(['p1', 'p4', 'p0', 'p3', 'p2'])
    expect(await order('-priority')).toEqual(['p2', 'p3', 'p0', 'p4', 'p1'])
    expect(await order('dueAt')).toEqual(['p2', 'p3', 'p0', 'p1', 'p4'])
    expect(await order('-dueAt')).toEqual(['p0', 'p3', 'p2', 'p4', 'p1'])
    // p4 was given no position: it goes after the highest one so far (10 → 11).
    expect(present(created[4], 'task p4').position).toBe(11)
    expect(await order('position')).toEqual(['p1', 'p2', 'p0', 'p3', 'p4'])
    expect(await order('-position')).toEqual(['p4', 'p3', 'p0', 'p2', 'p1'])
  })
})

describe('listTasks search', () => {
  it('folds case and diacritics both ways, matches prefixes, and needs every word', async () => {
    const { t, h, project } = await setup()
    const creme = await createTask(t, h, project.id, { title: 'Crème Brûlée for the party', description: 'Ask Zoë' })
    const plain = await createTask(t, h, project.id, { title: 'CREME BRULEE shopping list' })
    await createTask(t, h, project.id, { title: 'Unrelated', description: 'nothing here' })
    const search = async (q: string) =>
      ids((await list(t, h, `/v1/projects/${project.id}/tasks?q=${encodeURIComponent(q)}`)).data).sort()
    expect(await search('creme brulee')).toEqual([creme.id, plain.id].sort())
    expect(await search('CRÈME')).toEqual([creme.id, plain.id].sort())
    expect(await search('brû')).toEqual([creme.id, plain.id].sort())
    expect(await search('zoe')).toEqual([creme.id])
    expect(await search('ZOË')).toEqual([creme.id])
    expect(await search('creme party')).toEqual([creme.id])
    expect(await search('creme nothing')).toEqual([])
    expect(await search('"creme" OR -x*')).toEqual([]) // no query syntax: 'or' and 'x' are plain words
  })

  it('keeps a task found as it was through edits of other fields, and finds it by its new words after a text edit', async () => {
    const { t, h, project } = await setup()
    const bob = await signUpUser(t)
    await addMember(t, project.id, bob.user.id, 'editor')
    const task = await createTask(t, h, project.id, { title: 'Harbour survey', description: 'check the moorings' })
    const later = await createTask(t, h, project.id, { title: 'Moorings', description: 'harbour' })
    const search = async (q: string) => ids((await list(t, h, `/v1/projects/${project.id}/tasks?q=${q}`)).data)
    const patch = async (body: unknown) =>
      expect((await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, body)).status).toBe(200)
    await patch({ status: 'done' })
    await patch({ assigneeId: bob.user.id, priority: 3, labels: ['port'] })
    await patch({ position: 5, dueAt: '2030-01-01T00:00:00.000Z' })
    // Still in the title tier for "harbour", above the newer task that has it in its description only.
    expect(await search('harbour')).toEqual([task.id, later.id])
    expect(await search('moorings')).toEqual([later.id, task.id])
    await patch({ title: 'Lighthouse survey' })
    expect(await search('harbour')).toEqual([later.id])
    expect(await search('lighth')).toEqual([task.id])
    await patch({ description: 'paint the beacon' })
    expect(await search('moorings')).toEqual([later.id])
    expect(await search('beacon')).toEqual([task.id])
  })

  it('finds tasks created and edited side by side, whose writes commit together, each by its own words', async () => {
    const { t, h, project } = await setup()
    const first = await createTask(t, h, project.id, { title: 'Harbour survey', description: 'moorings' })
    // Sent together, so they commit in one group of writes; the failed create's words are in no index.
    const [edited, created, refused, another] = await Promise.all([
      jsonRequest(t, 'PATCH', `/v1/tasks/${first.id}`, h, { title: 'Lighthouse survey' }),
      jsonRequest(t, 'POST', `/v1/projects/${project.id}/tasks`, h, { title: 'Beacon paint', description: 'harbour' }),
      jsonRequest(t, 'PATCH', `/v1/tasks/${first.id}`, { ...h, 'If-Match': '"999"' }, { title: 'Foghorn' }),
      jsonRequest(t, 'POST', `/v1/projects/${project.id}/tasks`, h, { title: 'Harbour wall', description: 'stones' }),
    ])
    expect([edited.status, created.status, refused.status, another.status]).toEqual([200, 201, 412, 201])
    const [beacon, wall] = [(await created.json()) as { id: string }, (await another.json()) as { id: string }]
    const search = async (q: string) => ids((await list(t, h, `/v1/projects/${project.id}/tasks?q=${q}`)).data)
    expect(await search('harbour')).toEqual([wall.id, beacon.id])
    expect(await search('lighthouse')).toEqual([first.id])
    expect(await search('moorings')).toEqual([first.id])
    expect(await search('foghorn')).toEqual([])
    expect(await search('stones')).toEqual([wall.id])
  })

  it('ranks title matches above description matches, and pages through ranked results', async () => {
    const { t, h, project } = await setup()
    const inDescription = await createTask(t, h, project.id, {
      title: 'Meeting',
      description: 'about the launch of the website',
    })
    const inTitle = await createTask(t, h, project.id, { title: 'Launch checklist', description: 'steps' })
    const other = await createTask(t, h, project.id, { title: 'Launch party', description: 'launch launch' })
    await createTask(t, h, project.id, { title: 'Nothing to see' })
    const ranked = await walk(t, h, `/v1/projects/${project.id}/tasks?q=launch&limit=1`)
    // Every word in the title first, then the rest; the newest first within each.
    expect(ids(ranked)).toEqual([other.id, inTitle.id, inDescription.id])
    // An explicit sort replaces relevance but keeps the search as a filter.
    const byCreation = await list(t, h, `/v1/projects/${project.id}/tasks?q=launch&sort=createdAt`)
    expect(ids(byCreation.data)).toEqual([inDescription.id, inTitle.id, other.id])
  })

  it('ranks by where every word is found, newest first, and pages without repeats while tasks are added', async () => {
    const { t, h, project } = await setup()
    const a = await createTask(t, h, project.id, { title: 'Ship the release', description: 'notes ready' })
    const b = await createTask(t, h, project.id, { title: 'Release notes', description: 'ship them' })
    const c = await createTask(t, h, project.id, { title: 'Ship it', description: 'release day' })
    const d = await createTask(t, h, project.id, { title: 'Shipping release', description: '' })
    await createTask(t, h, project.id, { title: 'Release party', description: 'no boats' })
    const path = `/v1/projects/${project.id}/tasks?q=${encodeURIComponent('release ship')}&limit=1`
    // Both words in the title (d, a), then across title and description (c, b), each newest first.
    expect(ids(await walk(t, h, path))).toEqual([d.id, a.id, c.id, b.id])
    // A task added while a client pages is newer than the page it reached: never a repeat or a gap.
    let added = 0
    const seen = await walk(t, h, path, async () => {
      added++
      await createTask(t, h, project.id, { title: `Ship release ${added}` })
    })
    expect(ids(seen)).toEqual([d.id, a.id, c.id, b.id])
  })

  it('finds words by every prefix a user types, short or long, and words added by edits', async () => {
    const { t, h, project } = await setup()
    const launch = await createTask(t, h, project.id, { title: 'Launch' })
    const launched = await createTask(t, h, project.id, { title: 'Notes', description: 'We launched' })
    await createTask(t, h, project.id, { title: 'Lunch' })
    const q = async (words: string) =>
      ids((await list(t, h, `/v1/projects/${project.id}/tasks?q=${encodeURIComponent(words)}`)).data)
    for (const typed of ['la', 'lau', 'laun', 'launc', 'launch', 'LAUNCH']) {
      expect(await q(typed)).toEqual([launch.id, launched.id])
    }
    expect(await q('l')).toHaveLength(3)
    expect(await q('launche')).toEqual([launched.id])
    expect(await q('launchedly')).toEqual([])
    await jsonRequest(t, 'PATCH', `/v1/tasks/${launch.id}`, h, { description: 'Zeppelinfahrt' })
    expect(await q('zeppelin')).toEqual([launch.id])
    expect(await q('zeppelinfahrten')).toEqual([])
  })

  it("finds only the searched project's tasks, and every sparse match of a long project in order", async () => {
    const { t, alice, h, project } = await setup()
    const other = await createProject(t, h, { name: 'Other' })
    const mine = await createTask(t, h, project.id, { title: 'Quarterly report' })
    await createTask(t, h, other.id, { title: 'Quarterly report' })
    expect(ids((await list(t, h, `/v1/projects/${project.id}/tasks?q=quarterly`)).data)).toEqual([mine.id])
    // Hundreds of newer tasks that do not match, with a match every four hundred: the matches are found however
    // far apart they lie, in order, page by page.
    const rows = Array.from({ length: 1100 }, (_, i) =>
      storedTask({
        project_id: project.id,
        created_by: alice.user.id,
        title: i % 400 === 7 ? `Audit ${i}` : `Filler ${i}`,
        position: i + 2,
      }),
    )
    await t.ctx.writer.write(
      async (tx) => {
        for (const row of rows) await tx.tasks.insert(row)
      },
      { silent: true },
    )
    const audits = rows.filter((r) => r.title.startsWith('Audit')).reverse()
    expect(ids(await walk(t, h, `/v1/projects/${project.id}/tasks?q=audit&limit=2`))).toEqual(ids(audits))
    expect(ids((await list(t, h, `/v1/projects/${project.id}/tasks?q=quarterly`)).data)).toEqual([mine.id])
  })

  it('ranks the same whether the words are often together, rarely together, or frequent in another project', async () => {
    const { t, alice, h, project } = await setup()
    const other = await createProject(t, h, { name: 'Other' })
    const row = (projectId: string, i: number, title: string, description: string | null) =>
      taskRow(projectId, alice.user.id, i, title, description)
    // Hundreds of matches with both words in the title in another project; in this one, both words in a
    // title now and then, each word often, and one word in a title with the other only in a description.
    const others: ReturnType<typeof row>[] = []
    const rows = Array.from({ length: 600 }, (_, i) => {
      if (i % 2 === 1) others.push(row(other.id, i, `Kettle lantern ${i}`, i % 10 === 1 ? 'filler' : null))
      if (i % 50 === 3) return row(project.id, i, `Kettle lantern ${i}`, null)
      if (i % 2 === 0) return row(project.id, i, `Kettle ${i}`, 'a lantern')
      if (i % 3 === 0) return row(project.id, i, `Lantern ${i}`, 'kettle')
      return row(project.id, i, `Filler ${i}`, 'kettle')
    })
    // Interleaved, so that the other project's matches lie between this one's at every page.
    await storeInOrder(t, [...rows, ...others])
    const expected = (words: string[], status?: string) => ranked(rows, words, status)
    const search = (q: string, status?: string) => searchIds(t, h, project.id, q, 25, status)
    for (const [q, words] of [
      ['kettle lantern', ['kettle', 'lantern']],
      ['lant kett', ['lant', 'kett']],
      ['filler kettle', ['filler', 'kettle']],
      ['kettle', ['kettle']],
    ] as const) {
      expect(await search(q)).toEqual(expected([...words]))
      expect(await search(q, 'done')).toEqual(expected([...words], 'done'))
    }
    expect(expected(['kettle', 'lantern']).length).toBeGreaterThan(300)
    expect(expected(['filler', 'kettle']).length).toBeGreaterThan(100)
  })

  it('finds a word added by a create or an edit by its prefix at once, among more tasks than a search reads in order', async () => {
    const { t, alice, h, project } = await setup()
    const first = await createTask(t, h, project.id, { title: 'Airship' })
    const second = await createTask(t, h, project.id, { title: 'Balloon' })
    // Hundreds of newer tasks, none matching the words below but all beginning with the same letters, so
    // a search cannot find its matches among the newest and asks the index.
    const rows = Array.from({ length: 700 }, (_, i) => taskRow(project.id, alice.user.id, i, `Zep${i}`, `Batch${i}`))
    await t.ctx.writer.write(
      async (tx) => {
        for (const row of rows) await tx.tasks.insert(row)
      },
      { silent: true },
    )
    const q = async (words: string) =>
      ids(await walk(t, h, `/v1/projects/${project.id}/tasks?q=${encodeURIComponent(words)}&limit=5`))
    expect(await q('zeppelin')).toEqual([])
    await jsonRequest(t, 'PATCH', `/v1/tasks/${first.id}`, h, { description: 'Zeppelinfahrt' })
    expect(await q('zeppelin')).toEqual([first.id])
    // A second word with the same beginning, in an edit and in a new task's title, is found beside the first.
    await jsonRequest(t, 'PATCH', `/v1/tasks/${second.id}`, h, { description: 'Zeppelins over the bay' })
    const hangar = await createTask(t, h, project.id, { title: 'Zeppelinhangar' })
    expect(await q('zeppelin')).toEqual([hangar.id, second.id, first.id])
    expect(await q('zeppelins')).toEqual([second.id])
    expect(await q('zeppelinfahrten')).toEqual([])
    expect(await q('zeppelin bay')).toEqual([second.id])
    // Beginnings of a few words, and of more words than are looked up one by one.
    for (const words of ['batch12', 'batch1', 'zep69 batch']) {
      expect(await q(words)).toEqual(ranked(rows, words.split(' ')))
    }
    expect(ranked(rows, ['zep69', 'batch'])).toHaveLength(11)
  })

  it('pages several words the same whether a page comes from the newest tasks or from the index', async () => {
    const { t, alice, h, project } = await setup()
    const other = await createProject(t, h, { name: 'Other' })
    // Oldest first: both words in the title in the oldest tasks and now and then after them; one word in
    // the title and the other in the description in a run of newer tasks and now and then elsewhere; the
    // newest hundred tasks match neither. A page of these finds its rows among the newest it reads, or asks
    // the index, depending on where its tier's matches lie and how many it needs.
    const rows = Array.from({ length: 1200 }, (_, i) => {
      if (i < 40 || i % 53 === 5) return taskRow(project.id, alice.user.id, i, `Kettle lantern ${i}`, null)
      if (i >= 1000 && i < 1040 && i % 2 === 0) return taskRow(project.id, alice.user.id, i, `Kettle ${i}`, 'a lantern')
      if (i < 1000 && i % 60 === 0) return taskRow(project.id, alice.user.id, i, `Lantern ${i}`, 'kettle')
      return taskRow(project.id, alice.user.id, i, `Filler ${i}`, i % 3 === 0 ? 'kettle' : null)
    })
    const others = Array.from({ length: 300 }, (_, i) =>
      taskRow(other.id, alice.user.id, i, `Kettle lantern ${i}`, null),
    )
    // Interleaved, so that the other project's matches lie between this one's at every page.
    await storeInOrder(t, [...rows, ...others])
    const search = (q: string, limit: number, status?: string) => searchIds(t, h, project.id, q, limit, status)
    for (const [q, words] of [
      ['kettle lantern', ['kettle', 'lantern']],
      ['lant kett', ['lant', 'kett']],
    ] as const) {
      for (const limit of [3, 10, 60]) expect(await search(q, limit)).toEqual(ranked(rows, [...words]))
      expect(await search(q, 10, 'done')).toEqual(ranked(rows, [...words], 'done'))
    }
    expect(ranked(rows, ['kettle', 'lantern'])).toHaveLength(97)
  })

  it('pages rare words the same when the planner statistics send a search to the index at once', async () => {
    const { t, alice, h, project } = await setup()
    const other = await createProject(t, h, { name: 'Other' })
    // A rare word (about 1.5% of all tasks, none among the newest 600 of the project) beside a common one.
    // Once PostgreSQL has statistics, a page of more than seven of the rare word skips the newest tasks
    // (they could not fill it) and asks the index at once; the pages must not change.
    const rows = Array.from({ length: 1500 }, (_, i) => {
      if (i < 900 && i % 75 === 7) return taskRow(project.id, alice.user.id, i, `Quokka wombat ${i}`, null)
      if (i < 900 && i % 75 === 40) return taskRow(project.id, alice.user.id, i, `Quokkas ${i}`, 'a wombat')
      if (i < 900 && i % 150 === 20) return taskRow(project.id, alice.user.id, i, `Wombat ${i}`, 'quokka')
      return taskRow(project.id, alice.user.id, i, `Filler ${i}`, i % 2 === 0 ? 'wombat' : null)
    })
    const others = Array.from({ length: 4 }, (_, i) => taskRow(other.id, alice.user.id, i, `Quokka wombat ${i}`, null))
    await storeInOrder(t, [...rows, ...others])
    const search = (q: string, limit: number, status?: string) => searchIds(t, h, project.id, q, limit, status)
    const check = async () => {
      for (const [q, words] of [
        ['quokka', ['quokka']],
        ['quok', ['quok']],
        ['quokka wombat', ['quokka', 'wombat']],
        ['wombat quokkas', ['wombat', 'quokkas']],
      ] as const) {
        for (const limit of [7, 10, 25]) expect(await search(q, limit)).toEqual(ranked(rows, [...words]))
        expect(await search(q, 10, 'done')).toEqual(ranked(rows, [...words], 'done'))
      }
    }
    await check()
    expect(ranked(rows, ['quokka'])).toHaveLength(30)
    if (t.ctx.db.dialect === 'postgres') {
      const db = t.ctx.db.kysely
      await sql`analyze tasks`.execute(db)
      const { rows: stats } = await sql<{ known: boolean }>`
        select most_common_elems is not null as known from pg_stats
        where schemaname = current_schema() and tablename = 'tasks' and attname = 'search_vector'`.execute(db)
      expect(stats).toEqual([{ known: true }])
      forgetLexemeShares(db)
      await check()
    }
  })

  it('ranks several words the same in titles with accents, and with more matches than one lookup splits', async () => {
    const { t, alice, h, project } = await setup()
    const other = await createProject(t, h, { name: 'Other' })
    const row = (projectId: string, i: number, title: string, description: string | null) =>
      taskRow(projectId, alice.user.id, i, title, description)
    // Titles with accented letters in and beside the words, in both tiers; and, later, enough matches in
    // another project that a search for the same words has more matches than it splits itself.
    const rows = Array.from({ length: 300 }, (_, i) => {
      if (i % 7 === 0) return row(project.id, i, `Kéttle lantérn ${i}`, null)
      if (i % 7 === 1) return row(project.id, i, `Crème kettle ${i}`, 'lantern')
      if (i % 7 === 2) return row(project.id, i, `Kettle ${i} façade`, 'Lantérne')
      if (i % 7 === 3) return row(project.id, i, `Kettle lanterns ${i}`, 'crème')
      if (i % 7 === 4) return row(project.id, i, `Lantern ${i}`, 'kettlé')
      return row(project.id, i, `Filler ${i}`, i % 2 === 0 ? 'kettle' : null)
    })
    const search = async (q: string, limit: number) =>
      ids(await walk(t, h, `/v1/projects/${project.id}/tasks?q=${encodeURIComponent(q)}&limit=${limit}`))
    const check = async () => {
      for (const [q, words] of [
        ['kettle lantern', ['kettle', 'lantern']],
        ['KETTLE Lanterne', ['kettle', 'lanterne']],
        ['lant kett creme', ['lant', 'kett', 'creme']],
        ['faca kettle', ['faca', 'kettle']],
      ] as const) {
        for (const limit of [4, 50]) expect(await search(q, limit)).toEqual(ranked(rows, [...words]))
      }
    }
    await t.ctx.writer.write(
      async (tx) => {
        for (const r of rows) await tx.tasks.insert(r)
      },
      { silent: true },
    )
    await check()
    expect(ranked(rows, ['kettle', 'lantern'])).toHaveLength(215)
    await t.ctx.writer.write(
      async (tx) => {
        for (let i = 0; i < 1100; i++) await tx.tasks.insert(row(other.id, i, `Kettle lantern crème façade ${i}`, null))
      },
      { silent: true },
    )
    await check()
  })

  it('keeps the index in step with edits and deletes', async () => {
    const { t, h, project } = await setup()
    const task = await createTask(t, h, project.id, { title: 'Alpha' })
    await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, { title: 'Beta', description: 'Gamma' })
    const q = async (word: string) => ids((await list(t, h, `/v1/projects/${project.id}/tasks?q=${word}`)).data)
    expect(await q('alpha')).toEqual([])
    expect(await q('beta')).toEqual([task.id])
    expect(await q('gamma')).toEqual([task.id])
    await jsonRequest(t, 'DELETE', `/v1/tasks/${task.id}`, h)
    expect(await q('beta')).toEqual([])
  })
})

describe('task fields and rules', () => {
  it('sets completedAt when a task becomes done and clears it when it stops being done', async () => {
    const { t, h, project } = await setup()
    const task = await createTask(t, h, project.id, { title: 'x' })
    expect(task).toMatchObject({ status: 'todo', priority: 0, labels: [], completedAt: null, dueAt: null, version: 1 })
    const done = (await (await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, { status: 'done' })).json()) as Task
    expect(done.completedAt).not.toBeNull()
    expect(done.version).toBe(2)
    const again = (await (
      await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, { status: 'in_progress' })
    ).json()) as Task
    expect(again.completedAt).toBeNull()
    const createdDone = await createTask(t, h, project.id, { title: 'y', status: 'done' })
    expect(createdDone.completedAt).toBe(createdDone.createdAt)
  })

  it('accepts only members as assignees (422), and unassigns a member who leaves', async () => {
    const { t, h, project } = await setup()
    const bob = await signUpUser(t)
    const res = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/tasks`, h, {
      title: 'x',
      assigneeId: bob.user.id,
    })
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({ code: 'invalid_assignee', errors: [{ path: '/body/assigneeId' }] })
    await addMember(t, project.id, bob.user.id, 'editor')
    const task = await createTask(t, h, project.id, { title: 'x', assigneeId: bob.user.id })
    expect(
      (await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}/members/${bob.user.id}`, bob.authHeaders)).status,
    ).toBe(204)
    const after = (await (await jsonRequest(t, 'GET', `/v1/tasks/${task.id}`, h)).json()) as Task
    expect(after.assigneeId).toBeNull()
    expect(after.version).toBe(2)
  })

  it('rejects unknown and read-only fields, and values over their limits, with 400 and the path', async () => {
    const { t, h, project } = await setup()
    const post = (body: unknown) => jsonRequest(t, 'POST', `/v1/projects/${project.id}/tasks`, h, body)
    const cases: [unknown, string][] = [
      [{ title: 'x', colour: 'red' }, '/body/colour'],
      [{ title: 'x', id: 'tsk_mine' }, '/body/id'],
      [{ title: 'x', completedAt: '2026-01-01T00:00:00Z' }, '/body/completedAt'],
      [{ title: 'x', createdBy: 'usr_x' }, '/body/createdBy'],
      [{ title: '' }, '/body/title'],
      [{ title: 'x'.repeat(501) }, '/body/title'],
      [{ title: 'x', description: 'd'.repeat(50_001) }, '/body/description'],
      [{ title: 'x', priority: 4 }, '/body/priority'],
      [{ title: 'x', priority: 1.5 }, '/body/priority'],
      [{ title: 'x', status: 'blocked' }, '/body/status'],
      [{ title: 'x', labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }, '/body/labels'],
      [{ title: 'x', labels: ['a'.repeat(51)] }, '/body/labels/0'],
      [{ title: 'x', labels: ['a,b'] }, '/body/labels/0'],
      // PostgreSQL refuses NUL in text: it must be refused as input, not reach the database as a 500.
      [{ title: 'x', labels: ['nul\u0000byte'] }, '/body/labels/0'],
      [{ title: 'x', labels: ['tab\tlabel'] }, '/body/labels/0'],
      [{ title: 'x', dueAt: 'tomorrow' }, '/body/dueAt'],
      [{}, '/body/title'],
      [{ title: 'line\nbreak' }, '/body/title'],
      [{ title: 'x', description: 'bell\u0007' }, '/body/description'],
      [{ title: 'x', assigneeId: 'bob' }, '/body/assigneeId'],
    ]
    for (const [body, path] of cases) {
      const res = await post(body)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      const problem = await res.json()
      expect(problem.code).toBe('validation_failed')
      expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path)
    }
    // Multi-line Markdown is fine in descriptions.
    await createTask(t, h, project.id, { title: 'x', description: '# Heading\n\n- item\r\n\tindented' })
    const malformedId = await jsonRequest(t, 'GET', '/v1/tasks/not-an-id', h)
    expect(malformedId.status).toBe(400)
    expect((await malformedId.json()).errors[0].path).toBe('/path/taskId')
    const task = await createTask(t, h, project.id)
    const patch = await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, {})
    expect(patch.status).toBe(400)
    const patchVersion = await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, { version: 7 })
    expect((await patchVersion.json()).errors[0].path).toBe('/body/version')
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'status=blocked',
      'sort=title',
      `q=${'x'.repeat(201)}`,
      'label=a%00b',
    ]) {
      const res = await jsonRequest(t, 'GET', `/v1/projects/${project.id}/tasks?${query}`, h)
      expect(res.status, query).toBe(400)
      expect((await res.json()).errors[0].path).toBe(`/query/${query.split('=')[0]}`)
    }
  })
})

describe('task positions and dates at the edges of their ranges', () => {
  it('never gives a new task a position above the documented maximum; new tasks still go last', async () => {
    const { t, h, project } = await setup()
    const max = rawSpec.components.schemas.Task.properties.position.maximum as number
    await createTask(t, h, project.id, { title: 'near the top', position: max - 0.5 })
    const first = await createTask(t, h, project.id, { title: 'first auto' })
    const second = await createTask(t, h, project.id, { title: 'second auto' })
    expect(first.position).toBe(max)
    expect(second.position).toBe(max)
    const order = await walk(t, h, `/v1/projects/${project.id}/tasks?sort=position`)
    expect(order.map((x) => x.title)).toEqual(['near the top', 'first auto', 'second auto'])
    const over = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/tasks`, h, { title: 'x', position: max + 1 })
    expect(over.status).toBe(400)
  })

  it('takes every RFC 3339 date-time (lower-case t and z, offsets, a leap second) and stores it in UTC', async () => {
    const { t, h, project } = await setup()
    const cases: [string, string][] = [
      ['2026-12-01t10:00:00z', '2026-12-01T10:00:00.000Z'],
      ['2026-12-01T10:00:00.5+02:00', '2026-12-01T08:00:00.500Z'],
      ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
      ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
      ['0000-01-01T00:00:00-01:00', '0000-01-01T01:00:00.000Z'],
    ]
    for (const [given, stored] of cases) {
      const task = await createTask(t, h, project.id, { title: given, dueAt: given })
      expect(task.dueAt, given).toBe(stored)
    }
    const found = await list(
      t,
      h,
      `/v1/projects/${project.id}/tasks?dueAfter=2026-12-01t07:59:59z&dueBefore=2026-12-01t08:00:01z`,
    )
    expect(found.data.map((x) => x.title)).toEqual(['2026-12-01T10:00:00.5+02:00'])
  })

  it('refuses date-times that have no RFC 3339 form in UTC, or are not real times, with 400', async () => {
    const { t, h, project } = await setup()
    const task = await createTask(t, h, project.id, { title: 'x' })
    for (const dueAt of [
      '9999-12-31T23:00:00-02:00',
      '0000-01-01T00:30:00+01:00',
      '2026-02-29T10:00:00Z',
      '2026-12-01T10:00:60Z',
      '2026-12-01T24:00:00Z',
      '2026-12-01T10:00:00+24:00',
    ]) {
      const create = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/tasks`, h, { title: 'x', dueAt })
      expect(create.status, dueAt).toBe(400)
      expect((await create.json()).errors[0].path).toBe('/body/dueAt')
      const patch = await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, { dueAt })
      expect(patch.status, dueAt).toBe(400)
      const filter = await jsonRequest(
        t,
        'GET',
        `/v1/projects/${project.id}/tasks?dueBefore=${encodeURIComponent(dueAt)}`,
        h,
      )
      expect(filter.status, dueAt).toBe(400)
    }
  })
})

describe('task conditional requests', () => {
  it('answers If-None-Match with 304, and If-Match mismatches with 412 and the current ETag', async () => {
    const { t, h, project } = await setup()
    const task = await createTask(t, h, project.id)
    const get = await jsonRequest(t, 'GET', `/v1/tasks/${task.id}`, h)
    expect(get.headers.get('etag')).toBe('"1"')
    const cached = await jsonRequest(t, 'GET', `/v1/tasks/${task.id}`, { ...h, 'If-None-Match': '"1"' })
    expect(cached.status).toBe(304)
    expect(cached.headers.get('etag')).toBe('"1"')
    expect(await cached.text()).toBe('')

    const ok = await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, { ...h, 'If-Match': '"1"' }, { title: 'v2' })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('etag')).toBe('"2"')
    expect((await jsonRequest(t, 'GET', `/v1/tasks/${task.id}`, { ...h, 'If-None-Match': '"1"' })).status).toBe(200)

    const stale = await jsonRequest(
      t,
      'PATCH',
      `/v1/tasks/${task.id}`,
      { ...h, 'If-Match': '"1"' },
      { title: 'lost update' },
    )
    expect(stale.status).toBe(412)
    expect(stale.headers.get('etag')).toBe('"2"')
    expect((await stale.json()).code).toBe('precondition_failed')
    const staleDelete = await jsonRequest(t, 'DELETE', `/v1/tasks/${task.id}`, { ...h, 'If-Match': '"1"' })
    expect(staleDelete.status).toBe(412)
    const current = (await (await jsonRequest(t, 'GET', `/v1/tasks/${task.id}`, h)).json()) as Task
    expect(current.title).toBe('v2')
    expect((await jsonRequest(t, 'DELETE', `/v1/tasks/${task.id}`, { ...h, 'If-Match': '"2"' })).status).toBe(204)
  })

  it('lets exactly one of two concurrent updates with the same If-Match win', async () => {
    const { t, h, project } = await setup()
    const task = await createTask(t, h, project.id)
    const results = await Promise.all(
      ['one', 'two', 'three'].map((title) =>
        jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, { ...h, 'If-Match': '"1"' }, { title }),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412])
  })

  it('applies 20 concurrent updates without If-Match, every one: last write wins, never 412', async () => {
    const { t, h, project } = await setup()
    const task = await createTask(t, h, project.id)
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, { title: `title ${i}`, priority: i % 4 }),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200))
    const versions = await Promise.all(results.map(async (r) => ((await r.json()) as Task).version))
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2))
    const final = (await (await jsonRequest(t, 'GET', `/v1/tasks/${task.id}`, h)).json()) as Task
    expect(final.version).toBe(1 + 20)
  })
})

describe('createTask idempotency', () => {
  it('replays, refuses a changed body, and creates once', async () => {
    const { t, h, project } = await setup()
    const post = (body: unknown, key: string) =>
      jsonRequest(t, 'POST', `/v1/projects/${project.id}/tasks`, { ...h, 'Idempotency-Key': key }, body)
    const first = await post({ title: 'Once' }, 'key-1')
    expect(first.status).toBe(201)
    const replay = await post({ title: 'Once' }, 'key-1')
    expect(replay.status).toBe(201)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(replay.headers.get('location')).toBe(first.headers.get('location'))
    expect(replay.headers.get('etag')).toBe('"1"')
    expect(await replay.json()).toEqual(await first.json())
    const mismatch = await post({ title: 'Twice' }, 'key-1')
    expect(mismatch.status).toBe(422)
    expect((await mismatch.json()).code).toBe('idempotency_key_reused')
    const all = await list(t, h, `/v1/projects/${project.id}/tasks`)
    expect(all.data).toHaveLength(1)
  })

  it('runs one of several simultaneous repeats and answers the others 409 or a replay', async () => {
    const { t, h, project } = await setup()
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        jsonRequest(
          t,
          'POST',
          `/v1/projects/${project.id}/tasks`,
          { ...h, 'Idempotency-Key': 'same' },
          { title: 'Race' },
        ),
      ),
    )
    const statuses = results.map((r) => r.status)
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true)
    expect(results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null)).toHaveLength(1)
    expect((await list(t, h, `/v1/projects/${project.id}/tasks`)).data).toHaveLength(1)
  })
})
