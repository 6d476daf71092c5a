import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'
import type { Note, NoteCreate, NoteList, NoteUpdate } from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { searchTerms } from '../../lib/search.js'
import { removalChange } from '../../write/change.js'
import { deleteVersioned, updateVersioned } from '../../write/versioned.js'
import type { PageInput } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import { type NoteOrder, type NoteRow, toNote } from './notes.repository.js'

const NO_NOTE = 'No note with this id.'

export interface NoteListInput extends PageInput {
  sort?: string
  q?: string
}

export function createNotesService({ repositories, writer, cursors, access, now }: ServiceDeps) {
  const repo = repositories.notes

  async function load(caller: Principal, noteId: string, action: 'read' | 'update' | 'delete') {
    const note = await repo.find(noteId)
    if (!note) throw new ApiError(404, 'not_found', NO_NOTE)
    await access.authorize(caller, note.project_id, 'note', action, NO_NOTE)
    return { note }
  }

  return {
    async list(caller: Principal, projectId: string, input: NoteListInput): Promise<NoteList> {
      await access.authorize(caller, projectId, 'note', 'read')
      const terms = input.q ? searchTerms(input.q) : []
      let order: NoteOrder = { field: 'created_at', direction: 'asc' }
      if (input.sort) {
        const desc = input.sort.startsWith('-')
        order = {
          field: (desc ? input.sort.slice(1) : input.sort) === 'updatedAt' ? 'updated_at' : 'created_at',
          direction: desc ? 'desc' : 'asc',
        }
      } else if (terms.length > 0) {
        order = { field: 'relevance' }
      }
      const scope = listScope('listNotes', { projectId, sort: input.sort, q: terms.join(' ') || undefined })
      const after = input.cursor ? cursors.decode(scope, input.cursor) : undefined
      const page = await repo.list(projectId, terms, order, after, input.limit)
      return { data: page.items, nextCursor: page.next && cursors.encode(scope, page.next) }
    },

    async create(caller: Principal, projectId: string, input: NoteCreate): Promise<Note> {
      await access.authorize(caller, projectId, 'note', 'create')
      const at = now().toISOString()
      return writer.write(
        async (tx) => {
          const note = await tx.notes.insert({
            id: newId('not'),
            project_id: projectId,
            title: input.title,
            body: input.body ?? '',
            created_by: caller.userId,
            created_at: at,
            updated_at: at,
            version: 1,
          })
          await tx.record(noteChange('note.created', note, caller.userId))
          return note
        },
        { by: caller },
      )
    },

    async get(caller: Principal, noteId: string): Promise<Note> {
      return toNote((await load(caller, noteId, 'read')).note)
    },

    async update(caller: Principal, noteId: string, patch: NoteUpdate, ifMatch: string | undefined): Promise<Note> {
      await load(caller, noteId, 'update')
      // Applied to the row as locked in the write: without If-Match the last write wins, never 412.
      return writer.write(
        async (tx) => {
          const next = await updateVersioned(tx, {
            lock: () => tx.notes.findForUpdate(noteId),
            notFound: NO_NOTE,
            ifMatch,
            apply: (current): NoteRow => ({
              ...current,
              title: patch.title ?? current.title,
              body: patch.body ?? current.body,
              updated_at: now().toISOString(),
            }),
            save: (next, version) => tx.notes.update(next, version),
            change: (next, current) => ({
              ...noteChange('note.updated', toNote(next), caller.userId),
              previous: toNote(current),
            }),
          })
          return toNote(next)
        },
        { by: caller },
      )
    },

    async remove(caller: Principal, noteId: string, ifMatch: string | undefined): Promise<void> {
      await load(caller, noteId, 'delete')
      await writer.write(
        async (tx) => {
          await deleteVersioned(tx, {
            lock: () => tx.notes.findForUpdate(noteId),
            notFound: NO_NOTE,
            ifMatch,
            removal: (current) =>
              removalChange({
                type: 'note.deleted',
                projectId: current.project_id,
                resourceType: 'note',
                resourceId: noteId,
                actorId: caller.userId,
                previous: toNote(current),
              }),
            remove: () => tx.notes.delete(noteId),
          })
        },
        { by: caller },
      )
    },
  }
}

const noteChange = (type: 'note.created' | 'note.updated', note: Note, actorId: string) => ({
  type,
  projectId: note.projectId,
  resourceType: 'note',
  resourceId: note.id,
  version: note.version,
  actorId,
  data: note,
})

export type NotesService = ReturnType<typeof createNotesService>
