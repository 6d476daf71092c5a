import { PreconditionFailedError, unwrap } from '@tasklane/sdk'
import { type Comment, describe, type Member, subscribe, type Task, tl, versionTag } from '../api.js'
import { ago, field, h, replace } from '../dom.js'
import { draft } from '../drafts.js'
import type { View } from '../view.js'
import { attachmentsSection } from './attachments.js'
import { STATUS_LABEL } from './tasks.js'

const MENTION = /(^|[^\p{L}\p{N}])@(usr_[0-9A-Z]{26}|[^\s@]+@[^\s@]+\.[^\s@.,;:!?)]+)/gu

/** Comment text with mentions shown as the member's name; text only, never HTML. */
function withMentions(text: string, members: Map<string, Member>): (string | HTMLElement)[] {
  const out: (string | HTMLElement)[] = []
  let last = 0
  for (const m of text.matchAll(MENTION)) {
    const at = (m.index ?? 0) + (m[1]?.length ?? 0)
    out.push(text.slice(last, at))
    const key = m[2] ?? ''
    const member = members.get(key) ?? [...members.values()].find((x) => x.email.toLowerCase() === key.toLowerCase())
    out.push(h('span', { class: 'mention' }, `@${member ? member.email : key}`))
    last = at + key.length + 1
  }
  out.push(text.slice(last))
  return out
}

/** A task: edit it (with If-Match, and a clear message when someone else saved first), and its comments. */
export async function taskView(main: HTMLElement, view: View, projectId: string, taskId: string): Promise<void> {
  const [project, first, memberList] = await Promise.all([
    tl.projects.get(projectId),
    tl.tasks.get(taskId),
    tl
      .paginate('/v1/projects/{projectId}/members', { params: { path: { projectId }, query: { limit: 100 } } })
      .toArray({ maxItems: 1000 }),
  ])
  let task: Task = first
  const members = new Map(memberList.map((m) => [m.userId, m]))
  const canEdit = project.role !== 'viewer'
  let dirty = false

  const heading = h('h1', {}, task.title)
  const message = h('div', { class: 'message', role: 'alert' })
  const title = h('input', { name: 'title', required: true, maxlength: 500, value: task.title, disabled: !canEdit })
  const description = h('textarea', { name: 'description', rows: 4, disabled: !canEdit })
  description.value = task.description ?? ''
  const status = h(
    'select',
    { name: 'status', disabled: !canEdit },
    (Object.keys(STATUS_LABEL) as Task['status'][]).map((s) =>
      h('option', { value: s, selected: s === task.status }, STATUS_LABEL[s]),
    ),
  )
  const assignee = h(
    'select',
    { name: 'assigneeId', disabled: !canEdit },
    h('option', { value: '' }, 'Nobody'),
    memberList.map((m) => h('option', { value: m.userId, selected: m.userId === task.assigneeId }, m.email)),
  )
  for (const input of [title, description, status, assignee]) {
    input.addEventListener('input', () => {
      dirty = true
    })
  }

  function fill(from: Task): void {
    title.value = from.title
    description.value = from.description ?? ''
    status.value = from.status
    assignee.value = from.assigneeId ?? ''
    dirty = false
  }

  const save = h('button', { type: 'submit' }, 'Save')
  const editor = h(
    'form',
    {
      class: 'card',
      'aria-label': 'Edit task',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault()
        save.disabled = true
        replace(message)
        try {
          task = await unwrap(
            tl.PATCH('/v1/tasks/{taskId}', {
              params: { path: { taskId } },
              body: {
                title: title.value.trim(),
                description: description.value || null,
                status: status.value as Task['status'],
                assigneeId: assignee.value || null,
              },
              ifMatch: versionTag(task),
            }),
          )
          dirty = false
          heading.textContent = task.title
          replace(message, h('p', { class: 'ok' }, 'Saved.'))
        } catch (err) {
          if (err instanceof PreconditionFailedError) {
            // Someone saved first. Keep what this user typed, show what the other saved, and let them choose.
            const theirs = await tl.tasks.get(taskId)
            task = theirs
            heading.textContent = theirs.title
            replace(
              message,
              h(
                'div',
                { class: 'conflict' },
                h(
                  'p',
                  {},
                  h('strong', {}, 'Conflict: '),
                  'someone else saved this task while you were editing it. Your changes were not saved.',
                ),
                h('p', {}, `Their version: “${theirs.title}”, ${STATUS_LABEL[theirs.status]}.`),
                h('p', {}, 'Your edits are still in the form: Save again to replace their version, or discard yours.'),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    onclick: () => {
                      fill(theirs)
                      replace(message)
                      title.focus()
                    },
                  },
                  'Discard my edits',
                ),
              ),
            )
          } else replace(message, h('p', { class: 'error' }, describe(err)))
        } finally {
          save.disabled = false
        }
      },
    },
    field('Title', title),
    field('Description', description),
    h('div', { class: 'row' }, field('Status', status), field('Assignee', assignee)),
    canEdit ? save : null,
  )

  // Comments.
  const comments = new Map<string, Comment>()
  const thread = h('ol', { class: 'comments', 'aria-label': 'Comments' })
  function drawComments(): void {
    const sorted = [...comments.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    replace(
      thread,
      sorted.map((c) =>
        h(
          'li',
          { class: 'comment' },
          h(
            'p',
            { class: 'meta' },
            h('strong', {}, members.get(c.authorId)?.email ?? 'someone'),
            ' · ',
            h('time', { datetime: c.createdAt }, ago(c.createdAt)),
          ),
          h('p', { class: 'body' }, withMentions(c.body, members)),
        ),
      ),
    )
    if (sorted.length === 0) thread.append(h('li', { class: 'empty' }, 'No comments yet.'))
  }
  for await (const c of tl.paginate('/v1/tasks/{taskId}/comments', {
    params: { path: { taskId }, query: { limit: 100 } },
    signal: view.signal,
  })) {
    comments.set(c.id, c)
  }
  const commentBox = h('textarea', { name: 'body', rows: 3, required: true, maxlength: 10000 })
  const commentDraft = draft(`comment:${taskId}`, commentBox)
  const commentError = h('p', { class: 'error', role: 'alert' })
  const mentionList = h(
    'datalist',
    { id: 'mention-options' },
    memberList.map((m) => h('option', { value: `@${m.email}` })),
  )
  const commentForm = h(
    'form',
    {
      class: 'comment-form',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault()
        commentError.textContent = ''
        try {
          const c = await unwrap(
            tl.POST('/v1/tasks/{taskId}/comments', { params: { path: { taskId } }, body: { body: commentBox.value } }),
          )
          comments.set(c.id, c)
          commentBox.value = ''
          commentDraft.clear()
          drawComments()
          view.announce('Comment posted')
        } catch (err) {
          commentError.textContent = describe(err)
        }
      },
    },
    field('Add a comment', commentBox),
    h(
      'p',
      { class: 'hint' },
      'Mention someone with @ and their email: ',
      memberList
        .filter((m) => m.userId !== view.me.id)
        .map((m) =>
          h(
            'button',
            {
              type: 'button',
              class: 'chip',
              onclick: () => {
                commentBox.setRangeText(`@${m.email} `, commentBox.selectionStart, commentBox.selectionEnd, 'end')
                commentBox.dispatchEvent(new Event('input'))
                commentBox.focus()
              },
            },
            `@${m.email}`,
          ),
        ),
    ),
    commentError,
    h('button', { type: 'submit' }, 'Comment'),
    mentionList,
  )

  replace(
    main,
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: '/', 'data-link': true }, 'Projects'),
      ' / ',
      h('a', { href: `/p/${projectId}`, 'data-link': true }, project.name),
      ' / ',
    ),
    heading,
    message,
    editor,
    attachmentsSection(view, project, { taskId }),
    h(
      'section',
      { 'aria-labelledby': 'comments-title' },
      h('h2', { id: 'comments-title' }, 'Comments'),
      thread,
      commentForm,
    ),
  )
  drawComments()

  subscribe((event) => {
    if (event.type === 'task.updated' && event.resourceId === taskId) {
      const next = event.data as Task
      if (next.version <= task.version) return
      if (dirty) {
        // Not overwritten under the user's fingers: they learn of it now, and Save tells them what to do.
        replace(
          message,
          h('p', { class: 'notice' }, 'Someone else just changed this task. Saving will show you their version first.'),
        )
        return
      }
      task = next
      heading.textContent = next.title
      fill(next)
    } else if (event.type === 'task.deleted' && event.resourceId === taskId) {
      replace(message, h('p', { class: 'error' }, 'This task was deleted.'))
      editor.inert = true
    } else if (
      (event.type === 'comment.created' || event.type === 'comment.updated') &&
      (event.data as Comment).taskId === taskId
    ) {
      comments.set(event.resourceId, event.data as Comment)
      drawComments()
    } else if (event.type === 'comment.deleted') {
      if (comments.delete(event.resourceId)) drawComments()
    }
  }, view.signal)
}
