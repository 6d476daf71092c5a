import type { Note, NoteCreate, NoteList, NoteUpdate } from '../../generated/routes.js'
import { assertIfMatch, preconditionFailed } from '../../http/conditional.js'
import type { Principal } from '../../http/env.js'
import { ApiError } from '../../http/problem.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { searchTerms } from '../../lib/search.js'
import type { PageInput, ProjectsService } from '../projects/projects.service.js'
import type { ServiceDeps } from '../services.js'
import { type NoteOrder, type NoteRow, notesRepository, toNote } from './notes.repository.js'

const NO_NOTE = 'No note with this id.'

export interface NoteListInput extends PageInput {
  sort?: string
  q?: string
}

export function createNotesService({ ctx, cursors, now }: ServiceDeps, projects: ProjectsService) {
  const repo = notesRepository(ctx.db.kysely, ctx.db.dialect)

  async function load(principal: Principal | undefined, noteId: string, action: 'read' | 'update' | 'delete') {
    const caller = projects.authenticate(principal, action)
    const note = await repo.find(noteId)
    if (!note) throw new ApiError(404, 'not_found', NO_NOTE)
    await projects.authorizeIn(caller, note.project_id, 'note', action, NO_NOTE)
    return note
  }

  return {
    async list(principal: Principal | undefined, projectId: string, input: NoteListInput): Promise<NoteList> {
      await projects.authorizeIn(principal, projectId, 'note', 'read')
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

    async create(principal: Principal | undefined, projectId: string, input: NoteCreate): Promise<Note> {
      const { principal: caller } = await projects.authorizeIn(principal, projectId, 'note', 'create')
      const at = now().toISOString()
      return repo.insert({
        id: newId('not'),
        project_id: projectId,
        title: input.title,
        body: input.body ?? '',
        created_by: caller.userId,
        created_at: at,
        updated_at: at,
        version: 1,
      })
    },

    async get(principal: Principal | undefined, noteId: string): Promise<Note> {
      return toNote(await load(principal, noteId, 'read'))
    },

    async update(
      principal: Principal | undefined,
      noteId: string,
      patch: NoteUpdate,
      ifMatch: string | undefined,
    ): Promise<Note> {
      let note = await load(principal, noteId, 'update')
      for (let attempt = 0; ; attempt++) {
        assertIfMatch(ifMatch, note.version)
        const next: NoteRow = {
          ...note,
          title: patch.title ?? note.title,
          body: patch.body ?? note.body,
          updated_at: now().toISOString(),
          version: note.version + 1,
        }
        if (await repo.update(next, note.version)) return toNote(next)
        const current = await repo.find(noteId)
        if (!current) throw new ApiError(404, 'not_found', NO_NOTE)
        if (ifMatch !== undefined || attempt >= 3) throw preconditionFailed(current.version)
        note = current
      }
    },

    async remove(principal: Principal | undefined, noteId: string, ifMatch: string | undefined): Promise<void> {
      const note = await load(principal, noteId, 'delete')
      assertIfMatch(ifMatch, note.version)
      if (await repo.delete(noteId, ifMatch === undefined ? undefined : note.version)) return
      const current = await repo.find(noteId)
      throw current ? preconditionFailed(current.version) : new ApiError(404, 'not_found', NO_NOTE)
    },
  }
}
