import { PreconditionFailedError, unwrap } from '@tasklane/sdk'
import { describe, type Project, subscribe, type Task, tl, versionTag } from '../api.js'
import { field, h, replace } from '../dom.js'
import { draft } from '../drafts.js'
import type { View } from '../view.js'

type Status = Task['status']
type Sort = 'createdAt' | '-createdAt' | 'updatedAt' | '-updatedAt' | 'dueAt' | 'priority' | '-priority'
export const STATUS_LABEL: Record<Status, string> = { todo: 'To do', in_progress: 'In progress', done: 'Done' }

/** The task list: filters, search, infinite scroll over cursors, quick add and complete. */
export async function tasksPanel(panel: HTMLElement, view: View, project: Project): Promise<void> {
  const canEdit = project.role !== 'viewer'
  const tasks = new Map<string, Task>()
  let order: string[] = []
  let query: { status?: Status; q?: string; sort?: Sort } = {}
  let pages: AsyncIterator<{ data: Task[] }> | null = null
  let loading: AbortController | null = null
  let exhausted = false

  const message = h('p', { class: 'error', role: 'alert' })
  const list = h('ul', { class: 'tasks', 'aria-label': 'Tasks', 'aria-busy': 'false' })
  const empty = h('p', { class: 'empty', hidden: true }, 'No tasks match.')
  const more = h('button', { type: 'button', class: 'secondary more', onclick: () => void loadMore() }, 'Load more')
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' })

  function matches(task: Task): boolean {
    if (query.status && task.status !== query.status) return false
    if (query.q) {
      const needle = query.q.toLowerCase()
      return task.title.toLowerCase().includes(needle) || (task.description ?? '').toLowerCase().includes(needle)
    }
    return true
  }

  function row(task: Task): HTMLElement {
    const done = task.status === 'done'
    return h(
      'li',
      { class: `task${done ? ' done' : ''}`, 'data-id': task.id },
      h('input', {
        type: 'checkbox',
        checked: done,
        disabled: !canEdit,
        'aria-label': `Done: ${task.title}`,
        onchange: (event: Event) => void complete(task.id, (event.target as HTMLInputElement).checked),
      }),
      h('a', { href: `/p/${project.id}/t/${task.id}`, 'data-link': true, class: 'title' }, task.title),
      task.labels.length
        ? h(
            'span',
            { class: 'labels' },
            task.labels.map((l) => h('span', { class: 'tag' }, l)),
          )
        : null,
      task.dueAt ? h('span', { class: 'due' }, `due ${new Date(task.dueAt).toLocaleDateString()}`) : null,
      h('span', { class: `status status-${task.status}` }, STATUS_LABEL[task.status]),
    )
  }

  function draw(): void {
    order = order.filter((id) => tasks.has(id))
    replace(
      list,
      order.map((id) => row(tasks.get(id) as Task)),
    )
    empty.hidden = order.length > 0 || !exhausted
    more.hidden = exhausted
  }

  async function complete(id: string, checked: boolean): Promise<void> {
    const before = tasks.get(id)
    if (!before) return
    const status: Status = checked ? 'done' : 'todo'
    // Optimistic: the list shows the change at once and takes it back if the server refuses.
    tasks.set(id, { ...before, status })
    draw()
    message.textContent = ''
    try {
      const saved = await unwrap(
        tl.PATCH('/v1/tasks/{taskId}', {
          params: { path: { taskId: id } },
          body: { status },
          ifMatch: versionTag(before),
        }),
      )
      if ((tasks.get(id)?.version ?? 0) <= saved.version) tasks.set(id, saved)
      view.announce(`${saved.title}: ${STATUS_LABEL[saved.status]}`)
    } catch (err) {
      tasks.set(id, before)
      message.textContent =
        err instanceof PreconditionFailedError
          ? `"${before.title}" was changed by someone else just now; your change was not applied. The list shows their version.`
          : describe(err)
      if (err instanceof PreconditionFailedError) {
        const { data } = await tl.GET('/v1/tasks/{taskId}', { params: { path: { taskId: id } } })
        if (data) tasks.set(id, data)
      }
    }
    draw()
  }

  async function loadMore(): Promise<void> {
    if (loading || exhausted || !pages) return
    const mine = new AbortController()
    loading = mine
    list.setAttribute('aria-busy', 'true')
    try {
      const next = await pages.next()
      if (loading !== mine) return
      if (next.done) exhausted = true
      else {
        for (const task of next.value.data) {
          if (!tasks.has(task.id)) order.push(task.id)
          tasks.set(task.id, task)
        }
      }
    } catch (err) {
      if (loading === mine) message.textContent = describe(err)
    } finally {
      if (loading === mine) {
        loading = null
        list.setAttribute('aria-busy', 'false')
        draw()
      }
    }
    // Keep filling while the end of the list is on screen.
    if (!exhausted && loading === null && isVisible(sentinel)) void loadMore()
  }

  let walk: AbortController | null = null
  function reload(): void {
    walk?.abort()
    walk = new AbortController()
    view.signal.addEventListener('abort', () => walk?.abort(), { once: true })
    tasks.clear()
    order = []
    exhausted = false
    loading = null
    const params = { path: { projectId: project.id }, query: { ...query, limit: 25 } }
    pages = tl
      .paginate('/v1/projects/{projectId}/tasks', { params, signal: walk.signal })
      .pages()
      [Symbol.asyncIterator]()
    draw()
    void loadMore()
  }

  // Filters.
  const status = h(
    'select',
    {
      name: 'status',
      onchange: () => {
        query = { ...query, status: (status.value || undefined) as Status | undefined }
        reload()
      },
    },
    h('option', { value: '' }, 'All'),
    (Object.keys(STATUS_LABEL) as Status[]).map((s) => h('option', { value: s }, STATUS_LABEL[s])),
  )
  const sort = h(
    'select',
    {
      name: 'sort',
      onchange: () => {
        query = { ...query, sort: (sort.value || undefined) as Sort | undefined }
        reload()
      },
    },
    h('option', { value: '' }, 'Oldest first'),
    h('option', { value: '-createdAt' }, 'Newest first'),
    h('option', { value: '-updatedAt' }, 'Recently changed'),
    h('option', { value: 'dueAt' }, 'Due date'),
    h('option', { value: '-priority' }, 'Priority'),
  )
  let searchTimer: ReturnType<typeof setTimeout> | undefined
  const search = h('input', {
    type: 'search',
    name: 'q',
    placeholder: 'Search tasks',
    oninput: () => {
      clearTimeout(searchTimer)
      searchTimer = setTimeout(() => {
        query = { ...query, q: search.value.trim() || undefined }
        reload()
      }, 250)
    },
  })
  const filters = h(
    'div',
    { class: 'filters', role: 'search' },
    field('Search', search),
    field('Status', status),
    field('Sort', sort),
  )

  // Quick add.
  const title = h('input', { name: 'title', required: true, maxlength: 500, autocomplete: 'off' })
  const titleDraft = draft(`new-task:${project.id}`, title)
  const add = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault()
        message.textContent = ''
        try {
          const task = await unwrap(
            tl.POST('/v1/projects/{projectId}/tasks', {
              params: { path: { projectId: project.id } },
              body: { title: title.value.trim() },
            }),
          )
          titleDraft.clear()
          title.value = ''
          if (!tasks.has(task.id) && matches(task)) order.unshift(task.id)
          tasks.set(task.id, task)
          draw()
          view.announce(`Added ${task.title}`)
          title.focus()
        } catch (err) {
          message.textContent = describe(err)
        }
      },
    },
    field('New task', title),
    h('button', { type: 'submit' }, 'Add task'),
  )

  replace(panel, canEdit ? add : null, filters, message, list, empty, more, sentinel)

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) void loadMore()
  })
  observer.observe(sentinel)
  view.signal.addEventListener('abort', () => observer.disconnect(), { once: true })

  subscribe((event) => {
    if (event.projectId !== project.id) return
    if (event.type === 'task.deleted') {
      tasks.delete(event.resourceId)
    } else if (event.type === 'task.created' || event.type === 'task.updated') {
      const task = event.data as Task
      const known = tasks.get(task.id)
      if (known && known.version > task.version) return
      if (!matches(task)) tasks.delete(task.id)
      else {
        if (!known) order.unshift(task.id)
        tasks.set(task.id, task)
      }
    } else return
    draw()
  }, view.signal)

  reload()
}

function isVisible(el: Element): boolean {
  const rect = el.getBoundingClientRect()
  return rect.top < window.innerHeight && rect.bottom >= 0
}
