// generated from openapi.yaml by `npm run generate` — do not edit
import type { components } from './openapi.js'

// A generic alias, because an interface may extend `Schema<'Task'>` but not `components['schemas']['Task']`.
type Schema<K extends keyof components['schemas']> = components['schemas'][K]

/** An RFC 9457 problem details object. */
export interface Problem extends Schema<'Problem'> {}
export interface ValidationIssue extends Schema<'ValidationIssue'> {}
export interface Health extends Schema<'Health'> {}
export interface Readiness extends Schema<'Readiness'> {}
/** An account. */
export interface User extends Schema<'User'> {}
/** A signed-in session: the user and its tokens. */
export interface AuthResult extends Schema<'AuthResult'> {}
export interface SignUpRequest extends Schema<'SignUpRequest'> {}
/** How this server signs people up with a password. */
export interface SignUpOptions extends Schema<'SignUpOptions'> {}
export interface StartSignUpRequest extends Schema<'StartSignUpRequest'> {}
export interface CompleteSignUpRequest extends Schema<'CompleteSignUpRequest'> {}
export interface LogInRequest extends Schema<'LogInRequest'> {}
export interface RefreshSessionRequest extends Schema<'RefreshSessionRequest'> {}
export interface UpdateMeRequest extends Schema<'UpdateMeRequest'> {}
export interface ConfirmEmailChangeRequest extends Schema<'ConfirmEmailChangeRequest'> {}
/** The current password, or for an account without one a `reauthenticationToken`; exactly one. */
export interface DeleteMeRequest extends Schema<'DeleteMeRequest'> {}
export interface ChangePasswordRequest extends Schema<'ChangePasswordRequest'> {}
export interface VerifyEmailRequest extends Schema<'VerifyEmailRequest'> {}
export interface RequestPasswordResetRequest extends Schema<'RequestPasswordResetRequest'> {}
export interface ResetPasswordRequest extends Schema<'ResetPasswordRequest'> {}
/** An outside identity provider people can sign in with. */
export interface AuthProvider extends Schema<'AuthProvider'> {}
/** The enabled sign-in providers. */
export interface AuthProviderList extends Schema<'AuthProviderList'> {}
/** Where to send the browser back, and the PKCE challenge of the app's secret verifier. */
export interface ProviderSignInStart extends Schema<'ProviderSignInStart'> {}
/** Which provider to link, where to send the browser back, and the PKCE challenge of the app's secret verifier. */
export interface IdentityLinkStart extends Schema<'IdentityLinkStart'> {}
/** The provider URL to send the browser to. */
export interface ProviderAuthorization extends Schema<'ProviderAuthorization'> {}
/** The one-time code from the redirect back to the app, and the PKCE verifier whose challenge started the sign-in. */
export interface ProviderCodeExchange extends Schema<'ProviderCodeExchange'> {}
/** A provider account that signs in to this account. */
export interface Identity extends Schema<'Identity'> {}
/** A page of identities. */
export interface IdentityList extends Schema<'IdentityList'> {}
/** Proof, for a few minutes, that the signed-in person just signed in again at a linked provider. */
export interface Reauthentication extends Schema<'Reauthentication'> {}
/** A signed-in device. */
export interface Session extends Schema<'Session'> {}
export interface SessionList extends Schema<'SessionList'> {}
export interface ApiKeyCreate extends Schema<'ApiKeyCreate'> {}
/** An API key, without its secret. */
export interface ApiKey extends Schema<'ApiKey'> {}
/** A new API key with its secret, shown this once. */
export interface ApiKeyWithSecret extends Schema<'ApiKeyWithSecret'> {}
export interface ApiKeyList extends Schema<'ApiKeyList'> {}
/** A project: a shared space for tasks and notes. */
export interface Project extends Schema<'Project'> {}
/** A new project; the caller becomes its owner. */
export interface ProjectCreate extends Schema<'ProjectCreate'> {}
/** The fields to change; `description: null` removes it. */
export interface ProjectUpdate extends Schema<'ProjectUpdate'> {}
/** A page of projects. */
export interface ProjectList extends Schema<'ProjectList'> {}
/** A user’s membership of a project. */
export interface Member extends Schema<'Member'> {}
/** The member’s new role. */
export interface MemberUpdate extends Schema<'MemberUpdate'> {}
/** A page of members, in the order they joined. */
export interface MemberList extends Schema<'MemberList'> {}
/** A pending invitation. Its token is only ever sent to the invited address. */
export interface Invitation extends Schema<'Invitation'> {}
/** Who to invite, and with which role. */
export interface InvitationCreate extends Schema<'InvitationCreate'> {}
/** The token from the invitation email. */
export interface InvitationAccept extends Schema<'InvitationAccept'> {}
/** A page of pending invitations, oldest first. */
export interface InvitationList extends Schema<'InvitationList'> {}
/** A task in a project. */
export interface Task extends Schema<'Task'> {}
/** A new task. Only `title` is required. */
export interface TaskCreate extends Schema<'TaskCreate'> {}
/** The fields to change; `null` clears an optional field. */
export interface TaskUpdate extends Schema<'TaskUpdate'> {}
/** A page of tasks. */
export interface TaskList extends Schema<'TaskList'> {}
/** A Markdown note in a project. */
export interface Note extends Schema<'Note'> {}
/** A new note. */
export interface NoteCreate extends Schema<'NoteCreate'> {}
/** The fields to change. */
export interface NoteUpdate extends Schema<'NoteUpdate'> {}
/** A page of notes. */
export interface NoteList extends Schema<'NoteList'> {}
/** A comment on a task. */
export interface Comment extends Schema<'Comment'> {}
/** A new comment. */
export interface CommentCreate extends Schema<'CommentCreate'> {}
/** The new text of the comment. */
export interface CommentUpdate extends Schema<'CommentUpdate'> {}
/** A page of comments, oldest first. */
export interface CommentList extends Schema<'CommentList'> {}
/** A URL that is sent a project's changes, signed. Its secret is shown only when created or rotated. */
export interface WebhookEndpoint extends Schema<'WebhookEndpoint'> {}
/** A new webhook endpoint, with its signing secret (shown only this once). */
export interface WebhookEndpointCreated extends Schema<'WebhookEndpointCreated'> {}
/** A new webhook endpoint. */
export interface WebhookEndpointCreate extends Schema<'WebhookEndpointCreate'> {}
/** The fields to change. */
export interface WebhookEndpointUpdate extends Schema<'WebhookEndpointUpdate'> {}
/** A page of webhook endpoints, oldest first. */
export interface WebhookEndpointList extends Schema<'WebhookEndpointList'> {}
/** A new signing secret, shown only this once. */
export interface WebhookSecret extends Schema<'WebhookSecret'> {}
/** One event sent (or to be sent) to an endpoint, with the outcome of its last attempt. */
export interface WebhookDelivery extends Schema<'WebhookDelivery'> {}
/** A page of deliveries, newest first. */
export interface WebhookDeliveryList extends Schema<'WebhookDeliveryList'> {}
/** Where to replay from. */
export interface WebhookReplay extends Schema<'WebhookReplay'> {}
/** What a replay queued. */
export interface WebhookReplayResult extends Schema<'WebhookReplayResult'> {}
/** The body of a webhook delivery for a change (Standard Webhooks envelope). */
export interface WebhookChangeEvent extends Schema<'WebhookChangeEvent'> {}
/** The body of a test event sent by `pingWebhookEndpoint`. */
export interface WebhookPingEvent extends Schema<'WebhookPingEvent'> {}
/** One entry of the change log. */
export interface Change extends Schema<'Change'> {}
/** A page of changes. */
export interface ChangeList extends Schema<'ChangeList'> {}
/** Something that happened to you: a thread per task (or project) and reason while unread. */
export interface Notification extends Schema<'Notification'> {}
/** A page of notifications, most recently updated first. */
export interface NotificationList extends Schema<'NotificationList'> {}
/** How many notifications are unread. */
export interface UnreadNotificationCount extends Schema<'UnreadNotificationCount'> {}
/** Which notifications to mark read. */
export interface NotificationsMarkRead extends Schema<'NotificationsMarkRead'> {}
/** The outcome of marking notifications read. */
export interface NotificationsMarked extends Schema<'NotificationsMarked'> {}
/** Where notifications of one reason go. */
export interface NotificationChannels extends Schema<'NotificationChannels'> {}
/** The channels to change for one reason; those left out stay as they are. */
export interface NotificationChannelsUpdate extends Schema<'NotificationChannelsUpdate'> {}
/** For each reason, which channels notify you. */
export interface NotificationPreferences extends Schema<'NotificationPreferences'> {}
/** The reasons and channels to change; anything left out stays as it is. */
export interface NotificationPreferencesUpdate extends Schema<'NotificationPreferencesUpdate'> {}
/** One event of `streamEvents` as an `EventSource` parses it: `id` (changes and `ready` only), `event` and `data` (parsed from JSON). Exactly one of these matches, told apart by `event`. */
export type StreamEvent = Schema<'StreamEvent'>
/** The first event of every stream: where it starts. Its `id` (the same as `data.since`) is the position to resume from until the first change arrives. */
export interface ReadyEvent extends Schema<'ReadyEvent'> {}
/** A change the caller may see. Its `id` is the change's `seq`, to resume from. */
export interface ChangeEvent extends Schema<'ChangeEvent'> {}
/** The caller lost access to a project (removed from it, or it was deleted); nothing more of it follows. */
export interface AccessRevokedEvent extends Schema<'AccessRevokedEvent'> {}
/** The credentials expired or were revoked; the server closes the stream. Reconnect with fresh credentials. */
export interface AuthExpiredEvent extends Schema<'AuthExpiredEvent'> {}
/** The server closes the stream: it is shutting down (`shutdown`) or the client reads too slowly (`slow_consumer`). Reconnect (to any instance) from `since`. */
export interface ReconnectEvent extends Schema<'ReconnectEvent'> {}
/** A file stored in a project, optionally attached to one of its tasks, notes or comments. */
export interface Attachment extends Schema<'Attachment'> {}
/** A multipart upload. Send the fields before the file part when you can; they are read as they arrive. */
export interface AttachmentUpload extends Schema<'AttachmentUpload'> {}
/** The fields to change. `null` detaches the file from a task, note or comment. */
export interface AttachmentUpdate extends Schema<'AttachmentUpdate'> {}
/** A page of attachments. */
export interface AttachmentList extends Schema<'AttachmentList'> {}
/** A signed download link. */
export interface AttachmentLink extends Schema<'AttachmentLink'> {}
/** A project's storage use and limits. */
export interface ProjectStorage extends Schema<'ProjectStorage'> {}

/** What a change's `data` holds after a deletion or removal: the id, and that it is gone. */
export interface Tombstone {
  id: string
  deleted: true
}

/** The type of `data` for each change `type`: the resource as its get operation answers it, or a tombstone. */
export interface ChangeDataMap {
  'project.created': Project
  'project.updated': Project
  'project.deleted': Tombstone
  'member.added': Member
  'member.updated': Member
  'member.removed': Tombstone
  'invitation.created': Invitation
  'invitation.accepted': Tombstone
  'invitation.revoked': Tombstone
  'task.created': Task
  'task.updated': Task
  'task.deleted': Tombstone
  'note.created': Note
  'note.updated': Note
  'note.deleted': Tombstone
  'comment.created': Comment
  'comment.updated': Comment
  'comment.deleted': Tombstone
  'notification.created': Notification
  'notification.updated': Notification
  'attachment.created': Attachment
  'attachment.updated': Attachment
  'attachment.deleted': Tombstone
  'notification.deleted': Tombstone
}
