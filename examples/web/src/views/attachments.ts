import { AbortError, type Attachment, type ProjectStorage, TasklaneError } from '@tasklane/sdk'
import { describe, type Project, subscribe, tl } from '../api.js'
import { ago, h, replace } from '../dom.js'
import { type AttachTarget, reportsProgress, signedLink, uploadFile } from '../uploads.js'
import type { View } from '../view.js'

/** 1536 → "1.5 KB". */
function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

function tooLarge(file: File, storage: ProjectStorage | null): string {
  const limit = storage ? ` The largest file this server accepts is ${bytes(storage.maxFileBytes)}.` : ''
  return `“${file.name}” is too large (${bytes(file.size)}).${limit}`
}

/** Why an upload was refused, in words that say what to do about it. */
function uploadError(file: File, error: unknown, storage: ProjectStorage | null): string {
  if (error instanceof TasklaneError) {
    switch (error.code) {
      case 'file_too_large':
        return tooLarge(file, storage)
      case 'quota_exceeded':
        return `“${file.name}” (${bytes(file.size)}) does not fit: the project's storage is full${
          storage ? ` (${bytes(storage.usedBytes)} of ${bytes(storage.quotaBytes)} used)` : ''
        }. Delete some files first.`
      case 'file_type_not_allowed':
        return `“${file.name}” was refused: this server does not accept files of its type. ${error.body?.detail ?? ''}`.trim()
      case 'empty_file':
        return `“${file.name}” is empty; there is nothing to upload.`
    }
  }
  return `“${file.name}” could not be uploaded: ${describe(error)}`
}

/**
 * The files of a task or a note: attach from a file picker or by dropping them, a thumbnail for each image
 * (through a signed link, so an `<img>` shows it without the session's token), download and delete.
 */
export function attachmentsSection(view: View, project: Project, target: AttachTarget): HTMLElement {
  const canUpload = project.role !== 'viewer'
  const files = new Map<string, Attachment>()
  let storage: ProjectStorage | null = null
  const belongs = (a: Attachment) => ('taskId' in target ? a.taskId === target.taskId : a.noteId === target.noteId)

  const list = h('ul', { class: 'attachments', 'aria-label': 'Attachments' })
  const uploads = h('ul', { class: 'uploads', 'aria-label': 'Uploads in progress' })
  const message = h('div', { class: 'message', role: 'alert' })
  const usage = h('p', { class: 'hint usage' })
  const input = h('input', {
    type: 'file',
    multiple: true,
    class: 'file-input',
    id: `attach-${'taskId' in target ? target.taskId : target.noteId}`,
    onchange: () => {
      void send([...(input.files ?? [])])
      input.value = ''
    },
  })
  const zone = h(
    'div',
    { class: 'dropzone' },
    input,
    h('label', { for: input.id, class: 'button secondary' }, 'Attach files'),
    h('span', { class: 'hint' }, ' or drop them here'),
  )

  async function refreshUsage(): Promise<void> {
    try {
      storage = await tl.attachments.getProjectStorage(project.id, { signal: view.signal })
      usage.textContent = `${bytes(storage.usedBytes)} of ${bytes(storage.quotaBytes)} used in this project · files up to ${bytes(storage.maxFileBytes)}`
    } catch {
      // The usage line is a nicety; the list works without it.
    }
  }

  function canDelete(a: Attachment): boolean {
    return project.role === 'owner' || (project.role === 'editor' && a.createdBy === view.me.id)
  }

  async function download(a: Attachment, button: HTMLButtonElement): Promise<void> {
    button.disabled = true
    try {
      // A fresh link each time: links live a few minutes, a page can stay open for hours.
      const link = h('a', { href: await signedLink(a.id), download: a.filename, hidden: true })
      document.body.append(link)
      link.click()
      link.remove()
    } catch (err) {
      replace(message, h('p', { class: 'error' }, `“${a.filename}” could not be downloaded: ${describe(err)}`))
    } finally {
      button.disabled = false
    }
  }

  async function remove(a: Attachment, row: HTMLElement): Promise<void> {
    row.setAttribute('aria-busy', 'true')
    try {
      await tl.attachments.delete(a.id)
      files.delete(a.id)
      draw()
      void refreshUsage()
      view.announce(`Deleted ${a.filename}`)
    } catch (err) {
      row.removeAttribute('aria-busy')
      replace(message, h('p', { class: 'error' }, `“${a.filename}” could not be deleted: ${describe(err)}`))
    }
  }

  function item(a: Attachment): HTMLElement {
    const preview = h('div', { class: 'thumb', 'aria-hidden': a.thumbnails ? false : 'true' })
    if (a.thumbnails) {
      const img = h('img', { alt: a.filename, width: 64, height: 64, decoding: 'async' })
      img.addEventListener('error', () => replace(preview, h('span', { class: 'file-icon' }, 'IMG')), { once: true })
      preview.append(img)
      signedLink(a.id, '256').then(
        (url) => {
          img.src = url
        },
        () => replace(preview, h('span', { class: 'file-icon' }, 'IMG')),
      )
    } else {
      const ext = /\.([A-Za-z0-9]{1,4})$/.exec(a.filename)?.[1]?.toUpperCase() ?? 'FILE'
      preview.append(h('span', { class: 'file-icon' }, ext))
    }
    const downloadButton = h('button', {
      type: 'button',
      class: 'secondary small',
      'aria-label': `Download ${a.filename}`,
    })
    downloadButton.textContent = 'Download'
    downloadButton.addEventListener('click', () => void download(a, downloadButton))
    const row = h(
      'li',
      { class: 'attachment', 'data-id': a.id },
      preview,
      h(
        'div',
        { class: 'attachment-meta' },
        h('span', { class: 'filename' }, a.filename),
        h('span', { class: 'muted' }, `${bytes(a.size)} · ${ago(a.createdAt)}`),
      ),
      downloadButton,
    )
    if (canDelete(a)) {
      const actions = h('span', { class: 'confirm' })
      const ask = h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          'aria-label': `Delete ${a.filename}`,
          onclick: () => {
            // Deleting cannot be undone: one more, explicit step.
            replace(
              actions,
              h('span', { class: 'muted' }, 'Delete it? '),
              h(
                'button',
                { type: 'button', class: 'danger small', onclick: () => void remove(a, row) },
                `Yes, delete ${a.filename}`,
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary small',
                  onclick: () => {
                    replace(actions, ask)
                    ask.focus()
                  },
                },
                'Keep',
              ),
            )
            ;(actions.querySelector('button') as HTMLButtonElement).focus()
          },
        },
        'Delete',
      )
      actions.append(ask)
      row.append(actions)
    }
    return row
  }

  function draw(): void {
    const sorted = [...files.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    replace(list, sorted.map(item))
    if (sorted.length === 0) list.append(h('li', { class: 'empty' }, 'No files attached.'))
  }

  async function sendOne(file: File): Promise<void> {
    const controller = new AbortController()
    view.signal.addEventListener('abort', () => controller.abort(), { once: true })
    const bar = h('progress', { 'aria-label': `Uploading ${file.name}` })
    if (reportsProgress) bar.max = file.size
    const row = h(
      'li',
      { class: 'upload' },
      h('span', { class: 'filename' }, file.name),
      h('span', { class: 'muted' }, bytes(file.size)),
      bar,
      h(
        'button',
        { type: 'button', class: 'secondary small', onclick: () => controller.abort() },
        `Cancel ${file.name}`,
      ),
    )
    uploads.append(row)
    try {
      const saved = await uploadFile(project.id, file, target, {
        signal: controller.signal,
        onProgress: (sent) => {
          bar.value = sent
        },
      })
      files.set(saved.id, saved)
      draw()
      view.announce(`Attached ${saved.filename}`)
    } finally {
      row.remove()
    }
  }

  async function send(chosen: File[]): Promise<void> {
    if (!chosen.length) return
    replace(message)
    const problems: string[] = []
    // One after the other: the project's quota is counted per file, and the first refusal explains the rest.
    for (const file of chosen) {
      if (storage && file.size > storage.maxFileBytes) {
        // Refused here rather than after sending it all: the server would stop it at the limit anyway.
        problems.push(tooLarge(file, storage))
        continue
      }
      try {
        await sendOne(file)
      } catch (err) {
        if (err instanceof AbortError) problems.push(`“${file.name}”: upload cancelled.`)
        else {
          // The usage the message quotes is the project's now, after this upload and anyone else's.
          if (err instanceof TasklaneError && err.code === 'quota_exceeded') await refreshUsage()
          problems.push(uploadError(file, err, storage))
        }
      }
    }
    void refreshUsage()
    if (problems.length) {
      replace(
        message,
        problems.map((p) => h('p', { class: 'error' }, p)),
      )
    }
  }

  const section = h(
    'section',
    { class: 'attachments-section', 'aria-labelledby': `${input.id}-title` },
    h('h2', { id: `${input.id}-title` }, 'Attachments'),
    canUpload ? zone : null,
    usage,
    message,
    uploads,
    list,
  )
  if (canUpload) {
    // Dropping files anywhere on the section attaches them; the zone shows where while dragging.
    let depth = 0
    const hasFiles = (event: DragEvent) => [...(event.dataTransfer?.types ?? [])].includes('Files')
    section.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return
      depth++
      zone.classList.add('over')
    })
    section.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1)
      if (depth === 0) zone.classList.remove('over')
    })
    section.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return
      event.preventDefault()
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy'
    })
    section.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return
      event.preventDefault()
      depth = 0
      zone.classList.remove('over')
      void send([...(event.dataTransfer?.files ?? [])])
    })
  }

  void (async () => {
    try {
      const query = 'taskId' in target ? { taskId: target.taskId } : { noteId: target.noteId }
      for await (const a of tl.attachments.list(project.id, { ...query, limit: 100 }, { signal: view.signal })) {
        files.set(a.id, a)
      }
      draw()
    } catch (err) {
      if (!view.signal.aborted) replace(message, h('p', { class: 'error' }, describe(err)))
    }
  })()
  void refreshUsage()

  subscribe((event) => {
    if (event.projectId !== project.id) return
    if (event.type === 'attachment.created' || event.type === 'attachment.updated') {
      const a = event.data as Attachment
      if (belongs(a)) files.set(a.id, a)
      else if (!files.delete(a.id)) return
    } else if (event.type === 'attachment.deleted') {
      if (!files.delete(event.resourceId)) return
    } else return
    draw()
  }, view.signal)

  return section
}
