import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { notesHandlers } from './notes.handlers.js'

export function createNotesRouter(services: Services) {
  const h = notesHandlers(services)
  return createRouter()
    .openapi(operations.listNotes, h.listNotes)
    .openapi(operations.createNote, h.createNote)
    .openapi(operations.getNote, h.getNote)
    .openapi(operations.updateNote, h.updateNote)
    .openapi(operations.deleteNote, h.deleteNote)
}
