export {
  createTasklane,
  type Middleware,
  type TasklaneAuth,
  type TasklaneClient,
  type TasklaneOptions,
} from './client.js'
export {
  AbortError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  CursorExpiredError,
  errorFromResponse,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  type Problem,
  RateLimitError,
  SessionExpiredError,
  TasklaneError,
  TimeoutError,
  UnprocessableEntityError,
} from './core/errors.js'
// The event stream itself (`events(tl)`, `loadThenFollow`) is the `@tasklane/sdk/events` entry; its types are
// here too, so that app code can name events without loading the stream.
export type {
  AccessRevokedEvent,
  ChangeEvent,
  ChangeOf,
  EventOf,
  EventsOptions,
  TasklaneEvent,
} from './core/event-types.js'
export { type Page, Paginator } from './core/pagination.js'
export { isNotModified, type NotModified, type RequestOptions } from './core/resource-types.js'
export { type DataOf, etagOf, unwrap } from './core/results.js'
export type { RefreshSession, SessionHandle, SessionOptions } from './core/session.js'
export {
  callbackTokenStorage,
  localStorageTokenStorage,
  memoryTokenStorage,
  type SessionTokens,
  type StoredTokens,
  type TokenStorage,
} from './core/storage.js'
export type { CallOptions, RetryBackoff } from './core/transport.js'
export type {
  ListBody,
  ListItem,
  ListPaths,
  NotModifiedResult,
  TasklaneMethod,
  WithRequestId,
} from './core/types.js'
export type * from './generated/models.js'
export type { components, operations, paths } from './generated/openapi.js'
export type * from './generated/resources.js'
