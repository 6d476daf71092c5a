// generated from openapi.yaml by `npm run generate` — do not edit

/**
 * The operations that declare `Idempotency-Key`, as "METHOD /path/template": the server replays a repeated
 * key instead of acting twice, so only these (besides the idempotent methods) are retried once a request
 * may have reached the server, and only these get a generated key.
 */
export const idempotentOperations: ReadonlySet<string> = new Set([
  'POST /v1/projects',
  'POST /v1/projects/{projectId}/invitations',
  'POST /v1/invitations/accept',
  'POST /v1/projects/{projectId}/tasks',
  'POST /v1/projects/{projectId}/notes',
  'POST /v1/tasks/{taskId}/comments',
  'POST /v1/projects/{projectId}/webhooks'
])
