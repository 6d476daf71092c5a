import type { AppContext } from '../context.js'
import type { CursorCodec } from '../lib/cursor.js'

/** What every feature service is built from (see createServices in services.ts). */
export interface ServiceDeps {
  ctx: AppContext
  cursors: CursorCodec
  now: () => Date
}
