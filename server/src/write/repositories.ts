import type { Dialect, Queryable } from '../db/database.js'
import { membershipsRepository } from '../db/memberships.repository.js'
import { attachmentsRepository } from '../features/attachments/attachments.repository.js'
import {
  accountsRepository,
  apiKeysRepository,
  sessionsRepository,
  signupRequestsRepository,
} from '../features/auth/auth.repository.js'
import { loginClientsRepository } from '../features/auth/login-clients.repository.js'
import { identitiesRepository } from '../features/auth/providers/identities.repository.js'
import { changesRepository } from '../features/changes/changes.repository.js'
import { commentsRepository } from '../features/comments/comments.repository.js'
import { notesRepository } from '../features/notes/notes.repository.js'
import { notificationsRepository } from '../features/notifications/notifications.repository.js'
import { invitationsRepository } from '../features/projects/invitations.repository.js'
import { projectsRepository } from '../features/projects/projects.repository.js'
import { tasksRepository } from '../features/tasks/tasks.repository.js'
import { webhooksRepository } from '../features/webhooks/webhooks.repository.js'
import { idempotencyRepository } from '../idempotency/idempotency.repository.js'

/** How each repository is built on a connection or a transaction; a new repository is one more line. */
const builders = {
  accounts: (db: Queryable, dialect: Dialect) => accountsRepository(db, dialect),
  signupRequests: (db: Queryable, dialect: Dialect) => signupRequestsRepository(db, dialect),
  sessions: (db: Queryable) => sessionsRepository(db),
  apiKeys: (db: Queryable) => apiKeysRepository(db),
  identities: (db: Queryable) => identitiesRepository(db),
  loginClients: (db: Queryable) => loginClientsRepository(db),
  projects: (db: Queryable, dialect: Dialect) => projectsRepository(db, dialect),
  memberships: (db: Queryable) => membershipsRepository(db),
  invitations: (db: Queryable) => invitationsRepository(db),
  tasks: (db: Queryable, dialect: Dialect) => tasksRepository(db, dialect),
  notes: (db: Queryable, dialect: Dialect) => notesRepository(db, dialect),
  comments: (db: Queryable, dialect: Dialect) => commentsRepository(db, dialect),
  notifications: (db: Queryable, dialect: Dialect) => notificationsRepository(db, dialect),
  changes: (db: Queryable, dialect: Dialect) => changesRepository(db, dialect),
  idempotency: (db: Queryable, dialect: Dialect) => idempotencyRepository(db, dialect),
  attachments: (db: Queryable, dialect: Dialect) => attachmentsRepository(db, dialect),
  webhooks: (db: Queryable, dialect: Dialect) => webhooksRepository(db, dialect),
}

/**
 * Every repository, bound to one connection or transaction, with the dialect given once. Built lazily: a
 * write that touches only tasks builds only the tasks repository.
 */
export type Repositories = { readonly [K in keyof typeof builders]: ReturnType<(typeof builders)[K]> }

const ON = Symbol('connection')
type Holder = { [ON]: { db: Queryable; dialect: Dialect } }

/**
 * Every repository as a getter that builds it on the holder's connection and keeps it as the holder's own
 * property: defined once, so that a write (which gets repositories on its own transaction) pays for one
 * object rather than a property definition per repository.
 */
const lazily = Object.create(null) as object
for (const [name, build] of Object.entries(builders)) {
  Object.defineProperty(lazily, name, {
    enumerable: true,
    get(this: Holder) {
      const repository = build(this[ON].db, this[ON].dialect)
      Object.defineProperty(this, name, { value: repository, enumerable: true })
      return repository
    },
  })
}

/**
 * The repositories on `db`: the root connection for reads (`ctx.repositories`), a write's transaction for
 * writes (the `tx` of `ctx.writer.write`, whose writing methods refuse to run anywhere else).
 */
export function repositoriesOn(db: Queryable, dialect: Dialect): Repositories {
  const holder = Object.create(lazily) as Holder
  holder[ON] = { db, dialect }
  return holder as unknown as Repositories
}
