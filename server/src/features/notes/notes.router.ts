import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { notesHandlers } from './notes.handlers.js'

export function createNotesRouter(services: Services) {
  const h = notesHandlers(services)
  return createRouter()
    .operation('listNotes', h.listNotes)
    .operation('createNote', h.createNote)
    .operation('getNote', h.getNote)
    .operation('updateNote', h.updateNote)
    .operation('deleteNote', h.deleteNote)
}
