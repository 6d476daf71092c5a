import type { ProjectAccess } from '../authorization/project-access.js'
import type { Config } from '../config.js'
import type { CursorCodec } from '../lib/cursor.js'
import type { Mailer } from '../mail/mailer.js'
import type { Repositories } from '../write/repositories.js'
import type { Writer } from '../write/writer.js'

/** What every feature service is built from (see the composition root, context.ts). */
export interface ServiceDeps {
  config: Config
  /** The repositories on the root connection, for reads; writes go through `writer`. */
  repositories: Repositories
  /** The one write seam (write/writer.ts). */
  writer: Writer
  cursors: CursorCodec
  /** Whether a caller's role in a project lets them act (authorization/project-access.ts). */
  access: ProjectAccess
  mailer: Mailer
  now: () => Date
}
