import { PreconditionFailedError, unwrap } from '@tasklane/sdk'
import { describe, type Project, subscribe, type Task, tl, versionTag } from '../api.js'
import { h, replace } from '../dom.js'
import type { View } from '../view.js'
import { STATUS_LABEL } from './tasks.js'

type Status = Task['status']
const COLUMNS = Object.keys(STATUS_LABEL) as Status[]
const PAGE = 50
/** The drag payload's type: only cards of this board are dropped on its columns. */
const CARD = 'application/x-tasklane-task'

interface Column {
  status: Status
  pages: AsyncIterator<{ data: Task[] }>
  exhausted: boolean
  list: HTMLUListElement
  count: HTMLElement
  more: HTMLButtonElement
}

/**
 * The tasks as a board, one column per status. A card moves by dragging it to another column, or from the
 * keyboard (focus the card, ← / →) or its arrow buttons (touch screens). A move shows at once and sends
 * `If-Match` with the version the card shows; if someone changed the task meanwhile, the move is taken back,
 * the card shows their version and a message says what happened.
 */
export async function boardPanel(panel: HTMLElement, view: View, project: Project): Promise<void> {
  const canEdit = project.role !== 'viewer'
  const tasks = new Map<string, Task>()
  const message = h('div', { class: 'message', role: 'alert' })
  const help = h(
    'p',
    { id: 'board-help', class: 'hint' },
    canEdit
      ? 'Drag a card to another column, use its arrow buttons, or focus it and press ← or → to move it.'
      : 'You can view this board; moving tasks needs the editor role.',
  )
  let dragged: string | null = null

  const columns = new Map<Status, Column>(
    COLUMNS.map((status) => {
      const list = h('ul', { class: 'cards', 'aria-labelledby': `col-${status}` })
      const column: Column = {
        status,
        pages: tl
          .paginate('/v1/projects/{projectId}/tasks', {
            params: { path: { projectId: project.id }, query: { status, limit: PAGE } },
            signal: view.signal,
          })
          .pages()
          [Symbol.asyncIterator](),
        exhausted: false,
        list,
        count: h('span', { class: 'count-badge' }),
        more: h('button', { type: 'button', class: 'secondary small', hidden: true }, 'Load more'),
      }
      column.more.addEventListener('click', () => void loadMore(column))
      return [status, column]
    }),
  )

  function card(task: Task): HTMLElement {
    const index = COLUMNS.indexOf(task.status)
    const before = COLUMNS[index - 1]
    const after = COLUMNS[index + 1]
    const arrow = (to: Status | undefined, glyph: string) =>
      to && canEdit
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              'aria-label': `Move ${task.title} to ${STATUS_LABEL[to]}`,
              title: `Move to ${STATUS_LABEL[to]}`,
              onclick: () => void move(task.id, to),
            },
            glyph,
          )
        : null
    return h(
      'li',
      {
        class: 'board-card',
        'data-id': task.id,
        tabindex: 0,
        draggable: canEdit ? 'true' : false,
        'aria-label': `${task.title}, ${STATUS_LABEL[task.status]}`,
        'aria-describedby': 'board-help',
        onkeydown: (event: KeyboardEvent) => {
          if (!canEdit || event.target !== event.currentTarget) return
          const to = event.key === 'ArrowLeft' ? before : event.key === 'ArrowRight' ? after : undefined
          if (!to) return
          event.preventDefault()
          void move(task.id, to)
        },
        ondragstart: (event: DragEvent) => {
          dragged = task.id
          event.dataTransfer?.setData(CARD, task.id)
          event.dataTransfer?.setData('text/plain', task.title)
          if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move'
        },
        ondragend: () => {
          dragged = null
          for (const c of columns.values()) c.list.parentElement?.classList.remove('over')
        },
      },
      h('a', { href: `/p/${project.id}/t/${task.id}`, 'data-link': true, class: 'card-title' }, task.title),
      h(
        'div',
        { class: 'card-foot' },
        task.dueAt ? h('span', { class: 'due' }, `due ${new Date(task.dueAt).toLocaleDateString()}`) : null,
        task.labels.map((l) => h('span', { class: 'tag' }, l)),
        h('span', { class: 'arrows' }, arrow(before, '←'), arrow(after, '→')),
      ),
    )
  }

  function draw(focus?: string): void {
    for (const column of columns.values()) {
      const inColumn = [...tasks.values()]
        .filter((t) => t.status === column.status)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      replace(column.list, inColumn.map(card))
      if (!inColumn.length) column.list.append(h('li', { class: 'empty' }, 'Nothing here.'))
      column.count.textContent = String(inColumn.length)
      column.more.hidden = column.exhausted
    }
    // The moved card keeps the focus in its new column, so ← → can carry it further.
    if (focus) (panel.querySelector(`[data-id="${focus}"]`) as HTMLElement | null)?.focus()
  }

  async function move(id: string, status: Status): Promise<void> {
    const before = tasks.get(id)
    if (!before || before.status === status) return
    const hadFocus = document.activeElement?.closest('[data-id]')?.getAttribute('data-id') === id
    replace(message)
    tasks.set(id, { ...before, status })
    draw(hadFocus ? id : undefined)
    try {
      const saved = await unwrap(
        tl.PATCH('/v1/tasks/{taskId}', {
          params: { path: { taskId: id } },
          body: { status },
          ifMatch: versionTag(before),
        }),
      )
      if ((tasks.get(id)?.version ?? 0) <= saved.version) tasks.set(id, saved)
      view.announce(`${saved.title} moved to ${STATUS_LABEL[saved.status]}`)
    } catch (err) {
      tasks.set(id, before)
      if (err instanceof PreconditionFailedError) {
        const theirs = await tl.tasks.get(id).catch(() => null)
        if (theirs) tasks.set(id, theirs)
        replace(
          message,
          h(
            'p',
            { class: 'conflict' },
            h('strong', {}, 'Conflict: '),
            `someone else changed “${theirs?.title ?? before.title}” while you were moving it, so your move was not applied. `,
            theirs ? `It is in ${STATUS_LABEL[theirs.status]} now; move it again if you still want to.` : '',
          ),
        )
      } else replace(message, h('p', { class: 'error' }, describe(err)))
    }
    draw(hadFocus ? id : undefined)
  }

  async function loadMore(column: Column): Promise<void> {
    column.more.disabled = true
    try {
      const next = await column.pages.next()
      if (next.done) column.exhausted = true
      else {
        for (const task of next.value.data) tasks.set(task.id, task)
        if (next.value.data.length < PAGE) column.exhausted = true
      }
    } catch (err) {
      if (!view.signal.aborted) replace(message, h('p', { class: 'error' }, describe(err)))
    } finally {
      column.more.disabled = false
    }
  }

  const board = h(
    'div',
    { class: 'board' },
    [...columns.values()].map((column) => {
      const section = h(
        'section',
        { class: 'column', 'aria-labelledby': `col-${column.status}` },
        h('h2', { id: `col-${column.status}` }, STATUS_LABEL[column.status], ' ', column.count),
        column.list,
        column.more,
      )
      section.addEventListener('dragover', (event) => {
        if (!dragged) return
        event.preventDefault()
        if (event.dataTransfer) event.dataTransfer.dropEffect = 'move'
        section.classList.add('over')
      })
      section.addEventListener('dragleave', (event) => {
        if (!section.contains(event.relatedTarget as Node | null)) section.classList.remove('over')
      })
      section.addEventListener('drop', (event) => {
        const id = event.dataTransfer?.getData(CARD) || dragged
        if (!id) return
        event.preventDefault()
        section.classList.remove('over')
        dragged = null
        void move(id, column.status)
      })
      return section
    }),
  )
  replace(panel, help, message, board)

  await Promise.all([...columns.values()].map(loadMore))
  draw()

  subscribe((event) => {
    if (event.projectId !== project.id) return
    if (event.type === 'task.deleted') tasks.delete(event.resourceId)
    else if (event.type === 'task.created' || event.type === 'task.updated') {
      const task = event.data as Task
      const known = tasks.get(task.id)
      if (known && known.version >= task.version) return
      tasks.set(task.id, task)
    } else return
    const focused = document.activeElement?.closest('[data-id]')?.getAttribute('data-id') ?? undefined
    draw(focused)
  }, view.signal)
}
