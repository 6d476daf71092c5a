import { PreconditionFailedError, unwrap } from '@tasklane/sdk'
import DOMPurify from 'dompurify'
import { marked } from 'marked'
import { describe, type Note, type Project, subscribe, tl, versionTag } from '../api.js'
import { ago, field, h, replace } from '../dom.js'
import type { View } from '../view.js'
import { attachmentsSection } from './attachments.js'

/** Markdown to HTML that is safe to insert: marked renders, DOMPurify strips scripts, handlers and the like. */
function render(markdown: string): DocumentFragment {
  const html = marked.parse(markdown, { async: false, gfm: true })
  return DOMPurify.sanitize(html, { RETURN_DOM_FRAGMENT: true })
}

/** The project's notes: a list, and an editor with a Markdown preview. */
export async function notesPanel(panel: HTMLElement, view: View, project: Project): Promise<void> {
  const canEdit = project.role !== 'viewer'
  const notes = new Map<string, Note>()
  let open: Note | null = null
  // What the open editor listens to (its files' live changes) ends when another note is opened.
  let editing: AbortController | null = null
  const list = h('ul', { class: 'notes', 'aria-label': 'Notes' })
  const editorSlot = h('div', { class: 'note-editor' })

  function drawList(): void {
    replace(
      list,
      [...notes.values()]
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
        .map((n) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: `note-link${open?.id === n.id ? ' current' : ''}`,
                'aria-current': open?.id === n.id ? 'true' : false,
                onclick: () => edit(n),
              },
              h('strong', {}, n.title),
              h('span', { class: 'muted' }, ago(n.updatedAt)),
            ),
          ),
        ),
    )
    if (notes.size === 0) list.append(h('li', { class: 'empty' }, 'No notes yet.'))
  }

  function edit(note: Note | null): void {
    open = note
    editing?.abort()
    const lifetime = new AbortController()
    editing = lifetime
    view.signal.addEventListener('abort', () => lifetime.abort(), { once: true })
    const files = h('div', { class: 'note-files' })
    const showFiles = (n: Note) =>
      replace(files, attachmentsSection({ ...view, signal: lifetime.signal }, project, { noteId: n.id }))
    drawList()
    const title = h('input', {
      name: 'title',
      required: true,
      maxlength: 500,
      value: note?.title ?? '',
      disabled: !canEdit,
    })
    const body = h('textarea', { name: 'body', rows: 14, class: 'markdown', disabled: !canEdit })
    body.value = note?.body ?? ''
    const preview = h('div', { class: 'preview', 'aria-live': 'off' })
    const message = h('p', { class: 'message', role: 'alert' })
    const update = () => replace(preview, render(body.value))
    body.addEventListener('input', update)
    update()
    const form = h(
      'form',
      {
        class: 'card',
        'aria-label': note ? `Edit note ${note.title}` : 'New note',
        onsubmit: async (event: SubmitEvent) => {
          event.preventDefault()
          message.textContent = ''
          try {
            const saved = open
              ? await unwrap(
                  tl.PATCH('/v1/notes/{noteId}', {
                    params: { path: { noteId: open.id } },
                    body: { title: title.value, body: body.value },
                    ifMatch: versionTag(open),
                  }),
                )
              : await unwrap(
                  tl.POST('/v1/projects/{projectId}/notes', {
                    params: { path: { projectId: project.id } },
                    body: { title: title.value, body: body.value },
                  }),
                )
            notes.set(saved.id, saved)
            if (!open) showFiles(saved)
            open = saved
            drawList()
            message.textContent = 'Saved.'
          } catch (err) {
            if (err instanceof PreconditionFailedError && open) {
              const theirs = await tl.notes.get(open.id)
              open = theirs
              notes.set(theirs.id, theirs)
              message.textContent =
                'Someone else saved this note while you were editing. Your text is still here; Save again to replace theirs.'
            } else message.textContent = describe(err)
          }
        },
      },
      field('Title', title),
      h(
        'div',
        { class: 'split' },
        field('Text (Markdown)', body),
        h('div', { class: 'field' }, h('span', { class: 'label' }, 'Preview'), preview),
      ),
      message,
      canEdit ? h('button', { type: 'submit' }, 'Save note') : null,
    )
    if (note) showFiles(note)
    else if (canEdit) files.append(h('p', { class: 'hint' }, 'Save the note to attach files to it.'))
    replace(editorSlot, form, files)
  }

  for await (const n of tl.paginate('/v1/projects/{projectId}/notes', {
    params: { path: { projectId: project.id }, query: { limit: 100 } },
    signal: view.signal,
  }))
    notes.set(n.id, n)
  replace(
    panel,
    h(
      'div',
      { class: 'notes-layout' },
      h('div', {}, canEdit ? h('button', { type: 'button', onclick: () => edit(null) }, 'New note') : null, list),
      editorSlot,
    ),
  )
  drawList()
  subscribe((event) => {
    if (event.projectId !== project.id) return
    if (event.type === 'note.deleted') notes.delete(event.resourceId)
    else if (event.type === 'note.created' || event.type === 'note.updated')
      notes.set(event.resourceId, event.data as Note)
    else return
    drawList()
  }, view.signal)
}
