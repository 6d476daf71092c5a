import { readFileSync, writeFileSync } from 'node:fs'
import { parseDocument, isMap, isSeq, visit } from 'yaml'
const doc = parseDocument(readFileSync('openapi.yaml', 'utf8'))
const js = doc.toJS()
const problemSchema = (codes) => ({
  allOf: [
    { $ref: '#/components/schemas/Problem' },
    { type: 'object', properties: { code: { type: 'string', enum: codes } } },
  ],
})
// Shared responses: component name -> [base component to copy, codes, description]
const shared = {
  BadRequest: ['BadRequest', ['validation_failed'], 'A parameter or header fails validation (`code` `validation_failed`; `errors` lists each invalid input).'],
  BadRequestBody: ['BadRequest', ['validation_failed', 'malformed_json'], 'The request fails validation (`validation_failed`, with `errors` listing each invalid input) or its JSON does not parse (`malformed_json`).'],
  BadRequestList: ['BadRequest', ['validation_failed', 'invalid_cursor'], 'A parameter fails validation (`validation_failed`, with `errors`), or `cursor` is not one this list issued for these filters (`invalid_cursor`).'],
  Unauthorized: ['Unauthorized', ['unauthenticated', 'token_invalid', 'token_expired', 'session_revoked', 'api_key_revoked'], null],
  Forbidden: ['Forbidden', ['insufficient_scope', 'forbidden'], 'The credentials may not do this: an API key without the `write` scope (`insufficient_scope`), or a project role that may not (`forbidden`).'],
  ForbiddenScope: ['Forbidden', ['insufficient_scope'], 'An API key without the `write` scope may not do this (`insufficient_scope`).'],
  ForbiddenRole: ['Forbidden', ['forbidden'], 'The caller\'s role in the project may not do this (`forbidden`).'],
  SessionRequired: ['SessionRequired', ['session_required'], 'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.'],
  SessionRequiredForWrite: ['SessionRequired', ['insufficient_scope', 'session_required'], 'Only a signed-in user may do this: an API key answers 403 with `code` `session_required` (or `insufficient_scope` when it lacks the `write` scope).'],
  NotFound: ['NotFound', ['not_found'], null],
  Conflict: ['Conflict', ['idempotency_key_in_use'], 'A request with the same `Idempotency-Key` is still being processed (`idempotency_key_in_use`); retry it later.'],
  PreconditionFailed: ['PreconditionFailed', ['precondition_failed'], null],
  UnprocessableContent: ['UnprocessableContent', ['idempotency_key_reused'], 'This `Idempotency-Key` was used with a different request (`idempotency_key_reused`).'],
  TooManyRequests: ['TooManyRequests', ['rate_limited'], null],
  InternalError: ['InternalError', ['internal_error'], null],
  ServiceUnavailable: ['ServiceUnavailable', ['service_unavailable'], null],
  ContentTooLarge: ['ContentTooLarge', ['content_too_large'], null],
  UnsupportedMediaType: ['UnsupportedMediaType', ['unsupported_media_type'], null],
}
const DETAIL = {
  validation_failed: ['Validation failed', 'The request body does not match the schema.'],
  malformed_json: ['Bad request', 'The request body is not valid JSON.'],
  invalid_cursor: ['Bad request', 'The cursor is not one this list issued; start again without a cursor.'],
  unauthenticated: ['Unauthorized', 'This operation needs credentials: send "Authorization: Bearer <token>".'],
  token_invalid: ['Unauthorized', 'The refresh token is not valid.'],
  invalid_credentials: ['Unauthorized', 'The email or password is incorrect.'],
  insufficient_scope: ['Forbidden', 'These credentials lack the `write` scope this operation needs.'],
  forbidden: ['Forbidden', 'A project viewer may not create this task.'],
  session_required: ['Forbidden', 'Managing the account needs a signed-in session, not an API key.'],
  not_found: ['Not found', 'No project with this id.'],
  invitation_not_found: ['Not found', 'This invitation does not exist, has expired, or was already used.'],
  idempotency_key_in_use: ['Conflict', 'A request with this Idempotency-Key is still in progress.'],
  email_already_verified: ['Conflict', 'This email address is already verified.'],
  email_taken: ['Conflict', 'An account with this email already exists.'],
  last_owner: ['Conflict', 'A project must keep an owner: make another member owner first, or delete the project.'],
  precondition_failed: ['Precondition failed', 'The resource has changed since it was read; fetch it again.'],
  idempotency_key_reused: ['Unprocessable content', 'This Idempotency-Key was used with a different request; use a new key for a new request.'],
  invalid_assignee: ['Unprocessable content', 'The assignee must be a member of the project.'],
  invalid_password: ['Unprocessable content', 'The password is incorrect.'],
  invalid_token: ['Unprocessable content', 'This link is invalid or has expired; request a new one.'],
  password_too_common: ['Unprocessable content', 'This password is on the list of commonly used passwords; choose another.'],
}
const setExample = (r, codes) => {
  const media = r.content['application/problem+json']
  if (!media.example) return
  const code = codes[0]
  if (!DETAIL[code]) { media.example.code = code; media.example.type = 'https://tasklane.dev/problems/' + code; return }
  const [title, detail] = DETAIL[code]
  media.example = { type: 'https://tasklane.dev/problems/' + code, title, status: media.example.status, detail, instance: media.example.instance, code, requestId: media.example.requestId, ...(media.example.errors ? { errors: media.example.errors } : {}) }
}
const comps = js.components.responses
const newComps = {}
for (const [name, [base, codes, description]] of Object.entries(shared)) {
  const r = structuredClone(comps[base])
  if (description) r.description = description
  r.content['application/problem+json'].schema = problemSchema(codes)
  setExample(r, codes)
  newComps[name] = r
}
const sharedCodes = Object.fromEntries(Object.entries(shared).map(([k, v]) => [k, v[1]]))
// Per-operation choices: status -> shared component name, or [codes, description] for an inline response.
const B = 'BadRequestBody', L = 'BadRequestList', P = 'BadRequest'
const plan = {
  signUp: { 400: B, 409: [['email_taken'], 'An account with this email already exists (`email_taken`).'], 422: [['password_too_common'], 'The password is on the list of commonly used passwords (`password_too_common`).'] },
  logIn: { 400: B, 401: [['invalid_credentials'], null] },
  refreshSession: { 400: B, 401: [['token_invalid', 'token_expired', 'session_revoked'], null] },
  logOut: { 400: null, 403: 'SessionRequired' },
  requestEmailVerification: { 400: null, 403: 'SessionRequiredForWrite', 409: [['email_already_verified'], null] },
  verifyEmail: { 400: B, 422: [['invalid_token'], null] },
  requestPasswordReset: { 400: B },
  resetPassword: { 400: B, 422: [['invalid_token', 'password_too_common'], null] },
  getMe: { 400: null },
  updateMe: { 400: B, 403: 'SessionRequiredForWrite', 409: [['email_taken'], null] },
  deleteMe: { 400: B, 403: 'SessionRequiredForWrite', 409: [['last_owner'], null], 422: [['invalid_password'], null] },
  changePassword: { 400: B, 403: 'SessionRequiredForWrite', 422: [['invalid_password', 'password_too_common'], null] },
  listSessions: { 400: L, 403: 'SessionRequired' },
  revokeSession: { 400: P, 403: 'SessionRequiredForWrite' },
  createApiKey: { 400: B, 403: 'SessionRequiredForWrite' },
  listApiKeys: { 400: L, 403: 'SessionRequired' },
  revokeApiKey: { 400: P, 403: 'SessionRequiredForWrite' },
  listProjects: { 400: L, 403: null },
  createProject: { 400: B, 403: 'ForbiddenScope' },
  getProject: { 400: P, 403: null },
  updateProject: { 400: B },
  deleteProject: { 400: P },
  listMembers: { 400: L, 403: null },
  updateMember: { 400: B, 409: [['last_owner'], 'A project must keep an owner (`last_owner`).'] },
  removeMember: { 400: P, 409: [['last_owner'], 'A project must keep an owner (`last_owner`).'] },
  listInvitations: { 400: L, 403: 'ForbiddenRole' },
  createInvitation: { 400: B, 409: [['idempotency_key_in_use', 'already_member'], 'The address belongs to a member already (`already_member`), or a request with the same `Idempotency-Key` is still being processed (`idempotency_key_in_use`).'] },
  revokeInvitation: { 400: P },
  acceptInvitation: { 400: B, 403: 'ForbiddenScope', 404: [['invitation_not_found'], 'The invitation does not exist, has expired, or was already used (`invitation_not_found`).'] },
  listTasks: { 400: L, 403: null },
  createTask: { 400: B, 422: [['idempotency_key_reused', 'invalid_assignee'], 'The assignee is not a member of the project (`invalid_assignee`), or the `Idempotency-Key` was used with a different request (`idempotency_key_reused`).'] },
  getTask: { 400: P, 403: null },
  updateTask: { 400: B, 422: [['invalid_assignee'], 'The assignee is not a member of the project (`invalid_assignee`).'] },
  deleteTask: { 400: P },
  listNotes: { 400: L, 403: null },
  createNote: { 400: B },
  getNote: { 400: P, 403: null },
  updateNote: { 400: B },
  deleteNote: { 400: P },
  listComments: { 400: L, 403: null },
  createComment: { 400: B },
  updateComment: { 400: B },
  deleteComment: { 400: P },
}
const byStatusDefault = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 412: 'PreconditionFailed', 413: 'ContentTooLarge', 415: 'UnsupportedMediaType', 422: 'UnprocessableContent', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' }
const baseOf = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'UnprocessableContent' }
const seen = new Set()
for (const [path, item] of Object.entries(js.paths)) for (const [method, op] of Object.entries(item)) {
  if (!op?.responses) continue
  const choices = plan[op.operationId] ?? {}
  if (!plan[op.operationId] && path.startsWith('/v1')) throw new Error('no plan for ' + op.operationId)
  seen.add(op.operationId)
  const responses = doc.getIn(['paths', path, method, 'responses'])
  for (const status of Object.keys(op.responses)) {
    const n = Number(status)
    if (n < 400) continue
    const current = op.responses[status]
    const choice = status in choices ? choices[status] : current.$ref ? byStatusDefault[n] : undefined
    if (choice === null) { responses.delete(status); continue }
    if (choice === undefined) throw new Error(`${op.operationId} ${status}: inline response without a plan`)
    if (typeof choice === 'string') {
      if (!newComps[choice]) throw new Error(choice)
      responses.set(status, doc.createNode({ $ref: `#/components/responses/${choice}` }))
      continue
    }
    const [codes, description] = choice
    const base = current.$ref ? comps[current.$ref.split('/').pop()] : current
    const r = structuredClone(current.$ref ? comps[current.$ref.split('/').pop()] : current)
    if (description) r.description = description
    else if (current.$ref) r.description = base.description
    r.content['application/problem+json'].schema = problemSchema(codes)
    setExample(r, codes)
    responses.set(status, doc.createNode(r))
  }
}
for (const [name, r] of Object.entries(newComps)) doc.setIn(['components', 'responses', name], doc.createNode(r))
visit(doc, { Pair(_, pair) { if (pair.key?.value === 'enum' && isSeq(pair.value)) pair.value.flow = true } })
writeFileSync('openapi.yaml', doc.toString({ lineWidth: 0, flowCollectionPadding: false }))
console.log('missing plans', Object.keys(plan).filter((k) => !seen.has(k)))
