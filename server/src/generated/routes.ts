// generated from openapi.yaml by `npm run generate` — do not edit
import { createRoute, z } from '@hono/zod-openapi'

export const ValidationIssueSchema = z
  .strictObject({
    path: z
      .string()
      .max(500)
      .openapi({
        description:
          'Where the invalid input is, as a JSON Pointer into the request part named first (`/body/title`, `/query/limit`).',
        example: '/body/title',
      }),
    message: z
      .string()
      .max(1000)
      .openapi({ example: 'Too small: expected string to have >=1 characters' }),
    code: z
      .string()
      .max(100)
      .openapi({
        description: 'The kind of failure (`too_small`, `invalid_type`, `unrecognized_keys`, …).',
        example: 'too_small',
      }),
  })
  .openapi({ required: ['path', 'message', 'code'] })
  .openapi('ValidationIssue')

export const ProblemSchema = z
  .object({
    type: z
      .string()
      .max(500)
      .openapi({
        description: 'A URI reference naming the kind of problem; resolves to its documentation.',
        example: 'https://tasklane.dev/problems/validation_failed',
      }),
    title: z
      .string()
      .max(200)
      .openapi({
        description:
          'A short summary of the kind of problem; the same for every occurrence of a `code`.',
        example: 'Validation failed',
      }),
    status: z
      .int32()
      .min(400)
      .max(599)
      .openapi({ description: 'The HTTP status code of this response.', example: 400 }),
    detail: z
      .string()
      .max(2000)
      .optional()
      .openapi({
        description: 'What went wrong with this request, for a person to read.',
        example: 'The request body does not match the schema.',
      }),
    instance: z
      .string()
      .max(2000)
      .optional()
      .openapi({ description: 'The path of the request that failed.', example: '/v1/projects' }),
    code: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .max(100)
      .openapi({
        description: 'A stable machine-readable code; switch on this, not on `title` or `detail`.',
        example: 'validation_failed',
      }),
    requestId: z
      .string()
      .max(200)
      .openapi({
        description:
          'The request id, as in the `X-Request-Id` header; quote it when reporting a problem.',
        example: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    errors: z
      .array(ValidationIssueSchema)
      .max(100)
      .optional()
      .openapi({ description: 'For validation failures, one entry per invalid input.' }),
  })
  .openapi({
    description: 'An RFC 9457 problem details object.',
    required: ['type', 'title', 'status', 'code', 'requestId'],
  })
  .openapi('Problem')

export type Problem = z.infer<typeof ProblemSchema>

export type ValidationIssue = z.infer<typeof ValidationIssueSchema>

export const HealthSchema = z
  .strictObject({ status: z.literal('ok') })
  .openapi({ required: ['status'] })
  .openapi('Health')

export type Health = z.infer<typeof HealthSchema>

export const ReadinessSchema = z
  .strictObject({
    status: z.literal('ok'),
    database: z
      .enum(['sqlite', 'postgres'])
      .openapi({ description: 'Which database this instance is running on.' }),
  })
  .openapi({ required: ['status', 'database'] })
  .openapi('Readiness')

export type Readiness = z.infer<typeof ReadinessSchema>

export const UserSchema = z
  .strictObject({
    id: z.string().max(64).openapi({ example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    email: z
      .email()
      .max(254)
      .openapi({
        description: 'An email address; compared without regard to case.',
        example: 'ada@example.com',
      }),
    name: z
      .string()
      .min(1)
      .max(100)
      .openapi({ description: 'The name shown to other users.', example: 'Ada Lovelace' }),
    emailVerified: z
      .boolean()
      .openapi({ description: 'Whether the user has confirmed that they read this address.' }),
    createdAt: z.iso.datetime({ offset: true }).max(40).openapi({ description: 'When the account was created.' }),
    updatedAt: z.iso.datetime({ offset: true }).max(40).openapi({ description: 'When the profile last changed.' }),
  })
  .openapi({
    description: 'An account.',
    required: ['id', 'email', 'name', 'emailVerified', 'createdAt', 'updatedAt'],
  })
  .openapi('User')

export type User = z.infer<typeof UserSchema>

export const AuthResultSchema = z
  .strictObject({
    user: UserSchema,
    accessToken: z
      .string()
      .max(2000)
      .openapi({
        description:
          'Send as `Authorization: Bearer <accessToken>`. A JWT, but treat it as opaque.',
      }),
    refreshToken: z
      .string()
      .max(200)
      .openapi({
        description: 'Pass to `refreshSession` to get new tokens; single use. Store it securely.',
      }),
    expiresIn: z
      .int32()
      .min(1)
      .max(86400)
      .openapi({ description: 'Seconds until the access token expires.', example: 900 }),
  })
  .openapi({
    description: 'A signed-in session: the user and its tokens.',
    required: ['user', 'accessToken', 'refreshToken', 'expiresIn'],
  })
  .openapi('AuthResult')

export type AuthResult = z.infer<typeof AuthResultSchema>

export const SignUpRequestSchema = z
  .strictObject({
    email: z
      .email()
      .max(254)
      .openapi({
        description: 'An email address; compared without regard to case.',
        example: 'ada@example.com',
      }),
    password: z
      .string()
      .min(10)
      .max(256)
      .openapi({
        description: '10 to 256 characters, not a commonly used password.',
        example: 'correct horse battery staple',
      }),
    name: z
      .string()
      .min(1)
      .max(100)
      .openapi({ description: 'The name shown to other users.', example: 'Ada Lovelace' }),
  })
  .openapi({ required: ['email', 'password', 'name'] })
  .openapi('SignUpRequest')

export type SignUpRequest = z.infer<typeof SignUpRequestSchema>

export const LogInRequestSchema = z
  .strictObject({
    email: z
      .email()
      .max(254)
      .openapi({
        description: 'An email address; compared without regard to case.',
        example: 'ada@example.com',
      }),
    password: z
      .string()
      .min(1)
      .max(256)
      .openapi({ description: 'The password.', example: 'correct horse battery staple' }),
  })
  .openapi({ required: ['email', 'password'] })
  .openapi('LogInRequest')

export type LogInRequest = z.infer<typeof LogInRequestSchema>

export const RefreshSessionRequestSchema = z
  .strictObject({
    refreshToken: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: 'The latest refresh token of the session.' }),
  })
  .openapi({ required: ['refreshToken'] })
  .openapi('RefreshSessionRequest')

export type RefreshSessionRequest = z.infer<typeof RefreshSessionRequestSchema>

export const UpdateMeRequestSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'The name shown to other users.', example: 'Ada Lovelace' }),
    email: z
      .email()
      .max(254)
      .optional()
      .openapi({
        description: 'A new email address; it must be verified again.',
        example: 'ada@example.com',
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({ required: [] })
  .openapi('UpdateMeRequest')

export type UpdateMeRequest = z.infer<typeof UpdateMeRequestSchema>

export const DeleteMeRequestSchema = z
  .strictObject({
    password: z
      .string()
      .min(1)
      .max(256)
      .openapi({ description: 'The current password.', example: 'correct horse battery staple' }),
  })
  .openapi({ required: ['password'] })
  .openapi('DeleteMeRequest')

export type DeleteMeRequest = z.infer<typeof DeleteMeRequestSchema>

export const ChangePasswordRequestSchema = z
  .strictObject({
    currentPassword: z
      .string()
      .min(1)
      .max(256)
      .openapi({ description: 'The current password.', example: 'correct horse battery staple' }),
    newPassword: z
      .string()
      .min(10)
      .max(256)
      .openapi({
        description: '10 to 256 characters, not a commonly used password.',
        example: 'correct horse battery staple',
      }),
  })
  .openapi({ required: ['currentPassword', 'newPassword'] })
  .openapi('ChangePasswordRequest')

export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequestSchema>

export const VerifyEmailRequestSchema = z
  .strictObject({
    token: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: 'The token from the verification email.' }),
  })
  .openapi({ required: ['token'] })
  .openapi('VerifyEmailRequest')

export type VerifyEmailRequest = z.infer<typeof VerifyEmailRequestSchema>

export const RequestPasswordResetRequestSchema = z
  .strictObject({
    email: z
      .email()
      .max(254)
      .openapi({
        description: 'An email address; compared without regard to case.',
        example: 'ada@example.com',
      }),
  })
  .openapi({ required: ['email'] })
  .openapi('RequestPasswordResetRequest')

export type RequestPasswordResetRequest = z.infer<typeof RequestPasswordResetRequestSchema>

export const ResetPasswordRequestSchema = z
  .strictObject({
    token: z.string().min(1).max(200).openapi({ description: 'The token from the reset email.' }),
    newPassword: z
      .string()
      .min(10)
      .max(256)
      .openapi({
        description: '10 to 256 characters, not a commonly used password.',
        example: 'correct horse battery staple',
      }),
  })
  .openapi({ required: ['token', 'newPassword'] })
  .openapi('ResetPasswordRequest')

export type ResetPasswordRequest = z.infer<typeof ResetPasswordRequestSchema>

export const SessionSchema = z
  .strictObject({
    id: z.string().max(64).openapi({ example: 'ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    deviceLabel: z
      .string()
      .max(100)
      .openapi({
        description: 'The browser and system the session was started from, from its User-Agent.',
        example: 'Firefox on Linux',
      }),
    createdAt: z.iso.datetime({ offset: true }).max(40).openapi({ description: 'When the user signed in.' }),
    lastUsedAt: z.iso
      .datetime()
      .max(40)
      .openapi({ description: 'When the session last signed in or refreshed its tokens.' }),
    expiresAt: z.iso
      .datetime()
      .max(40)
      .openapi({ description: 'When the session ends unless it is refreshed before.' }),
    current: z.boolean().openapi({ description: 'Whether this is the session of the request.' }),
  })
  .openapi({
    description: 'A signed-in device.',
    required: ['id', 'deviceLabel', 'createdAt', 'lastUsedAt', 'expiresAt', 'current'],
  })
  .openapi('Session')

export type Session = z.infer<typeof SessionSchema>

export const SessionListSchema = z
  .strictObject({
    data: z.array(SessionSchema).max(100),
    nextCursor: z
      .string()
      .max(1000)
      .nullable()
      .openapi({ description: 'Pass as `cursor` to get the next page; `null` on the last page.' }),
  })
  .openapi({ required: ['data', 'nextCursor'] })
  .openapi('SessionList')

export type SessionList = z.infer<typeof SessionListSchema>

export const ApiKeyCreateSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(100)
      .openapi({ description: 'What the key is for.', example: 'Nightly export' }),
    scopes: z
      .array(z.enum(['read', 'write']))
      .min(1)
      .max(2)
      .refine((items) => new Set(items).size === items.length)
      .openapi({
        description: '`read` allows reads only; `write` allows changes as well.',
        example: ['read', 'write'],
      }),
    expiresAt: z.iso
      .datetime()
      .max(40)
      .optional()
      .openapi({
        description:
          'When the key stops working; in the future. Omit for a key that does not expire.',
      }),
  })
  .openapi({ required: ['name', 'scopes'] })
  .openapi('ApiKeyCreate')

export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>

export const ApiKeySchema = z
  .strictObject({
    id: z.string().max(64).openapi({ example: 'key_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    name: z
      .string()
      .min(1)
      .max(100)
      .openapi({ description: 'What the key is for.', example: 'Nightly export' }),
    prefix: z
      .string()
      .max(20)
      .openapi({
        description: 'The first characters of the key, to tell keys apart.',
        example: 'tl_Xq3v9',
      }),
    scopes: z
      .array(z.enum(['read', 'write']))
      .min(1)
      .max(2)
      .refine((items) => new Set(items).size === items.length)
      .openapi({
        description: '`read` allows reads only; `write` allows changes as well.',
        example: ['read', 'write'],
      }),
    createdAt: z.iso.datetime({ offset: true }).max(40).openapi({ description: 'When the key was created.' }),
    expiresAt: z.iso
      .datetime()
      .max(40)
      .nullable()
      .openapi({ description: 'When the key stops working; `null` for never.' }),
    lastUsedAt: z.iso
      .datetime()
      .max(40)
      .nullable()
      .openapi({
        description: 'When the key last authenticated a request (to the minute); `null` if never.',
      }),
  })
  .openapi({
    description: 'An API key, without its secret.',
    required: ['id', 'name', 'prefix', 'scopes', 'createdAt', 'expiresAt', 'lastUsedAt'],
  })
  .openapi('ApiKey')

export type ApiKey = z.infer<typeof ApiKeySchema>

export const ApiKeyWithSecretSchema = z
  .strictObject({
    id: z.string().max(64).openapi({ example: 'key_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    name: z
      .string()
      .min(1)
      .max(100)
      .openapi({ description: 'What the key is for.', example: 'Nightly export' }),
    prefix: z
      .string()
      .max(20)
      .openapi({
        description: 'The first characters of the key, to tell keys apart.',
        example: 'tl_Xq3v9',
      }),
    scopes: z
      .array(z.enum(['read', 'write']))
      .min(1)
      .max(2)
      .refine((items) => new Set(items).size === items.length)
      .openapi({
        description: '`read` allows reads only; `write` allows changes as well.',
        example: ['read', 'write'],
      }),
    createdAt: z.iso.datetime({ offset: true }).max(40).openapi({ description: 'When the key was created.' }),
    expiresAt: z.iso
      .datetime()
      .max(40)
      .nullable()
      .openapi({ description: 'When the key stops working; `null` for never.' }),
    lastUsedAt: z.iso
      .datetime()
      .max(40)
      .nullable()
      .openapi({
        description: 'When the key last authenticated a request (to the minute); `null` if never.',
      }),
    key: z
      .string()
      .max(200)
      .openapi({
        description: 'The secret key. Shown only in this answer.',
        example: 'tl_Xq3v9Lr2WmB8cZk1Pq0sTn4Yd7Hf6Gj5Ae3Ku2Ow9Ri',
      }),
  })
  .openapi({
    description: 'A new API key with its secret, shown this once.',
    required: ['id', 'name', 'prefix', 'scopes', 'createdAt', 'expiresAt', 'lastUsedAt', 'key'],
  })
  .openapi('ApiKeyWithSecret')

export type ApiKeyWithSecret = z.infer<typeof ApiKeyWithSecretSchema>

export const ApiKeyListSchema = z
  .strictObject({
    data: z.array(ApiKeySchema).max(100),
    nextCursor: z
      .string()
      .max(1000)
      .nullable()
      .openapi({ description: 'Pass as `cursor` to get the next page; `null` on the last page.' }),
  })
  .openapi({ required: ['data', 'nextCursor'] })
  .openapi('ApiKeyList')

export type ApiKeyList = z.infer<typeof ApiKeyListSchema>

export const XRequestIdHeaderSchema = z
  .string()
  .max(200)
  .optional()
  .openapi({
    description:
      'The id of this request, as sent by the client or generated by the server. Also in every problem body.',
    example: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
  })

export const BadRequestResponse = {
  description:
    'The request is malformed or fails validation (`code` is `validation_failed` or `malformed_json`).',
  headers: z.object({ 'X-Request-Id': XRequestIdHeaderSchema }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/validation_failed',
        title: 'Validation failed',
        status: 400,
        detail: 'The request does not match the schema.',
        instance: '/v1/projects',
        code: 'validation_failed',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        errors: [
          {
            path: '/body/name',
            message: 'Too small: expected string to have >=1 characters',
            code: 'too_small',
          },
        ],
      },
    },
  },
}

export const RateLimitHeaderSchema = z
  .string()
  .max(200)
  .optional()
  .openapi({
    description:
      'The caller\'s remaining quota under the policy that is closest to running out (IETF\ndraft-ietf-httpapi-ratelimit-headers): `"<policy>";r=<remaining>;t=<seconds until reset>`.\n',
    example: '"default";r=97;t=42',
  })

export const RateLimitPolicyHeaderSchema = z
  .string()
  .max(500)
  .optional()
  .openapi({
    description:
      'The quota policies that apply to this request, e.g. `"default";q=100;w=60` (100 requests a minute).',
    example: '"default";q=100;w=60',
  })

export const UnauthorizedResponse = {
  description:
    'The request has no valid credentials. `code` says why: `unauthenticated`, `token_expired`, `token_invalid`, `session_revoked`, `api_key_revoked`.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema,
    RateLimit: RateLimitHeaderSchema,
    'RateLimit-Policy': RateLimitPolicyHeaderSchema,
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/token_expired',
        title: 'Unauthorized',
        status: 401,
        detail: 'The access token has expired; refresh the session.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'token_expired',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

export const ForbiddenResponse = {
  description:
    'The credentials are valid but may not do this (for example a `read` API key on a write).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema,
    RateLimit: RateLimitHeaderSchema,
    'RateLimit-Policy': RateLimitPolicyHeaderSchema,
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/insufficient_scope',
        title: 'Forbidden',
        status: 403,
        detail: 'This API key has the read scope only.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'insufficient_scope',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

export const NotFoundResponse = {
  description: 'No such resource, or one the caller may not see (the two are indistinguishable).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema,
    RateLimit: RateLimitHeaderSchema,
    'RateLimit-Policy': RateLimitPolicyHeaderSchema,
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/not_found',
        title: 'Not found',
        status: 404,
        detail: 'No project with this id.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'not_found',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

export const ConflictResponse = {
  description:
    'The request conflicts with the current state (for example a request with the same `Idempotency-Key` is still being processed).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema,
    RateLimit: RateLimitHeaderSchema,
    'RateLimit-Policy': RateLimitPolicyHeaderSchema,
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/conflict',
        title: 'Conflict',
        status: 409,
        detail: 'A request with this Idempotency-Key is still in progress.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'conflict',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

export const ETagHeaderSchema = z
  .string()
  .max(100)
  .optional()
  .openapi({
    description:
      'The version of the resource; send it in `If-Match` to update only that version, or `If-None-Match` to skip an unchanged read.',
    example: '"3"',
  })

export const PreconditionFailedResponse = {
  description:
    "`If-Match` does not match the resource's current version; the current `ETag` is in the response.",
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema,
    RateLimit: RateLimitHeaderSchema,
    'RateLimit-Policy': RateLimitPolicyHeaderSchema,
    ETag: ETagHeaderSchema,
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/precondition_failed',
        title: 'Precondition failed',
        status: 412,
        detail: 'The resource has changed since it was read.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'precondition_failed',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

export const UnprocessableContentResponse = {
  description:
    'The request is well-formed but cannot be carried out (for example an `Idempotency-Key` reused with a different body).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema,
    RateLimit: RateLimitHeaderSchema,
    'RateLimit-Policy': RateLimitPolicyHeaderSchema,
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/idempotency_key_reused',
        title: 'Unprocessable content',
        status: 422,
        detail: 'This Idempotency-Key was used with a different request body.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'idempotency_key_reused',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

export const RetryAfterHeaderSchema = z
  .int()
  .min(0)
  .max(86400)
  .optional()
  .openapi({ description: 'Seconds to wait before sending the request again.', example: 30 })

export const TooManyRequestsResponse = {
  description: 'A rate limit was exceeded; wait `Retry-After` seconds.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema,
    RateLimit: RateLimitHeaderSchema,
    'RateLimit-Policy': RateLimitPolicyHeaderSchema,
    'Retry-After': RetryAfterHeaderSchema,
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/rate_limited',
        title: 'Too many requests',
        status: 429,
        detail: 'Too many requests; retry in 30 seconds.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'rate_limited',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

export const InternalErrorResponse = {
  description:
    'An unexpected error. It is logged in full with the request id; the body never carries internals.',
  headers: z.object({ 'X-Request-Id': XRequestIdHeaderSchema }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/internal_error',
        title: 'Internal server error',
        status: 500,
        detail: 'An unexpected error occurred. Quote the request id when reporting it.',
        instance: '/v1/projects',
        code: 'internal_error',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

export const ServiceUnavailableResponse = {
  description: 'The server cannot serve traffic now (for example, the database does not answer).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema,
    'Retry-After': RetryAfterHeaderSchema,
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      example: {
        type: 'https://tasklane.dev/problems/service_unavailable',
        title: 'Service unavailable',
        status: 503,
        detail: 'The database is not answering.',
        instance: '/readyz',
        code: 'service_unavailable',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}

const LimitParamsSchema = z.coerce
  .number()
  .pipe(z.int32().min(1).max(100))
  .default(20)
  .optional()
  .openapi({
    param: {
      name: 'limit',
      in: 'query',
      required: false,
      description: 'How many items to return, from 1 to 100.',
      schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 20 },
    },
  })

const CursorParamsSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/)
  .max(1000)
  .optional()
  .openapi({
    param: {
      name: 'cursor',
      in: 'query',
      required: false,
      description:
        'The `nextCursor` of the previous page. Opaque and tamper-proof; a cursor of another list is rejected with 400.',
      schema: { type: 'string', maxLength: 1000, pattern: '^[A-Za-z0-9_-]+$' },
    },
  })

const IfMatchParamsSchema = z
  .string()
  .max(100)
  .optional()
  .openapi({
    param: {
      name: 'If-Match',
      in: 'header',
      required: false,
      description:
        "Apply the change only if the resource's current `ETag` is this one; otherwise 412.",
      schema: { type: 'string', maxLength: 100 },
    },
  })

const IfNoneMatchParamsSchema = z
  .string()
  .max(100)
  .optional()
  .openapi({
    param: {
      name: 'If-None-Match',
      in: 'header',
      required: false,
      description: "Answer 304 with no body if the resource's current `ETag` is this one.",
      schema: { type: 'string', maxLength: 100 },
    },
  })

const IdempotencyKeyParamsSchema = z
  .string()
  .regex(/^[\x21-\x7E]+$/)
  .min(1)
  .max(255)
  .optional()
  .openapi({
    param: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'A unique key (e.g. a UUID) that makes retrying this request safe: a repeat with the same key and body\nwithin 24 hours replays the first response (with `Idempotent-Replayed: true`) instead of acting again.\n',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
    },
  })

export const LinkHeaderSchema = z
  .string()
  .max(4000)
  .optional()
  .openapi({
    description: 'RFC 8288 links; `rel="next"` points at the next page of a list.',
    example: '</v1/projects?limit=20&cursor=eyJ2IjoxfQ>; rel="next"',
  })

export const LocationHeaderSchema = z
  .string()
  .max(2000)
  .optional()
  .openapi({
    description: 'The URL of the resource that was created.',
    example: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
  })

export const IdempotentReplayedHeaderSchema = z
  .literal('true')
  .optional()
  .openapi({
    description:
      '`true` when this response is the stored response of an earlier request with the same `Idempotency-Key`.',
    example: 'true',
  })

export const BearerAuthSecurityScheme = {
  type: 'http',
  scheme: 'bearer',
  description:
    '`Authorization: Bearer <token>` where the token is a short-lived access token (a JWT from `logIn`,\n`signUp` or `refreshSession`) or an API key (`tl_…`).\n',
}

export const getHealthzRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness check',
  description:
    'Answers 200 while the process is up and serving requests. It does not touch the database.',
  operationId: 'getHealth',
  responses: {
    200: {
      description: 'The process is alive.',
      headers: z.object({ 'X-Request-Id': XRequestIdHeaderSchema }),
      content: { 'application/json': { schema: HealthSchema, example: { status: 'ok' } } },
    },
    500: InternalErrorResponse,
  },
  security: [],
})

export const getReadyzRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Operations'],
  summary: 'Readiness check',
  description:
    'Answers 200 when the server can serve traffic: the database answers a query. Answers 503 while it\ncannot, so that a load balancer takes the instance out of rotation.\n',
  operationId: 'getReadiness',
  responses: {
    200: {
      description: 'The server is ready.',
      headers: z.object({ 'X-Request-Id': XRequestIdHeaderSchema }),
      content: {
        'application/json': {
          schema: ReadinessSchema,
          example: { status: 'ok', database: 'sqlite' },
        },
      },
    },
    500: InternalErrorResponse,
    503: ServiceUnavailableResponse,
  },
  security: [],
})

export const getMetricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics',
  description:
    'Request counts and latency histograms by route and status, plus process metrics, in the Prometheus\ntext exposition format.\n',
  operationId: 'getMetrics',
  responses: {
    200: {
      description: 'Metrics in the Prometheus text format.',
      headers: z.object({ 'X-Request-Id': XRequestIdHeaderSchema }),
      content: {
        'text/plain': {
          schema: z.string().max(10000000),
          example:
            '# HELP http_requests_total Requests served, by route and status.\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/healthz",status="200"} 3\n',
        },
      },
    },
    500: InternalErrorResponse,
  },
  security: [],
})

export const getOpenapiJsonRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['Operations'],
  summary: 'This API description as JSON',
  description: 'The reviewed `openapi.yaml` that the server is generated from, converted to JSON.',
  operationId: 'getOpenApiJson',
  responses: {
    200: {
      description: 'The OpenAPI document.',
      headers: z.object({ 'X-Request-Id': XRequestIdHeaderSchema }),
      content: {
        'application/json': {
          schema: z
            .looseObject({
              openapi: z.string().max(20),
              info: z.looseObject({}),
              paths: z.looseObject({}),
            })
            .openapi({ required: ['openapi', 'info', 'paths'] }),
          example: {
            openapi: '3.1.0',
            info: { title: 'Tasklane API', version: '0.1.0' },
            paths: {},
          },
        },
      },
    },
    500: InternalErrorResponse,
  },
  security: [],
})

export const getOpenapiYamlRoute = createRoute({
  method: 'get',
  path: '/openapi.yaml',
  tags: ['Operations'],
  summary: 'This API description as YAML',
  description: 'The reviewed `openapi.yaml` that the server is generated from, byte for byte.',
  operationId: 'getOpenApiYaml',
  responses: {
    200: {
      description: 'The OpenAPI document.',
      headers: z.object({ 'X-Request-Id': XRequestIdHeaderSchema }),
      content: {
        'application/yaml': { schema: z.string().max(10000000), example: 'openapi: 3.1.0\n' },
      },
    },
    500: InternalErrorResponse,
  },
  security: [],
})

export const postV1AuthSignupRoute = createRoute({
  method: 'post',
  path: '/v1/auth/signup',
  tags: ['Auth'],
  summary: 'Create an account',
  description:
    'Creates an account and signs it in: the answer carries the new user, an access token (valid `expiresIn` seconds) and a refresh token for `refreshSession`.\n\nEmails are unique regardless of case. Passwords must be 10 to 256 characters and not on the list of commonly used passwords; there are no other composition rules. A verification email is sent to the address.\n\nRate limited per client IP (policy `signup`).',
  operationId: 'signUp',
  request: {
    body: {
      content: {
        'application/json': {
          schema: SignUpRequestSchema,
          example: {
            email: 'ada@example.com',
            password: 'correct horse battery staple',
            name: 'Ada Lovelace',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'The account was created and signed in. `Location` is `/v1/me`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
        Location: LocationHeaderSchema,
      }),
      content: {
        'application/json': {
          schema: AuthResultSchema,
          example: {
            user: {
              id: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              email: 'ada@example.com',
              name: 'Ada Lovelace',
              emailVerified: false,
              createdAt: '2026-01-05T10:00:00Z',
              updatedAt: '2026-01-05T10:00:00Z',
            },
            accessToken:
              'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl',
            refreshToken: 'rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
            expiresIn: 900,
          },
        },
      },
    },
    400: BadRequestResponse,
    409: {
      description: 'An account with this email exists (`code` `email_taken`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            emailTaken: {
              value: {
                type: 'https://tasklane.dev/problems/email_taken',
                title: 'Conflict',
                status: 409,
                detail: 'An account with this email already exists.',
                instance: '/v1/auth/signup',
                code: 'email_taken',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    422: {
      description:
        'The password is on the list of commonly used passwords (`code` `password_too_common`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            passwordTooCommon: {
              summary: 'A common password',
              value: {
                type: 'https://tasklane.dev/problems/password_too_common',
                title: 'Unprocessable content',
                status: 422,
                detail: 'This password is on the list of commonly used passwords; choose another.',
                instance: '/v1/auth/signup',
                code: 'password_too_common',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [],
})

export const postV1AuthLoginRoute = createRoute({
  method: 'post',
  path: '/v1/auth/login',
  tags: ['Auth'],
  summary: 'Sign in with email and password',
  description:
    'Starts a new session. The answer carries the user, an access token (valid `expiresIn` seconds) and a refresh token.\n\nA wrong password and an unknown email get the same answer (401 `invalid_credentials`), in the same time.\n\nRate limited per account and per client IP (policies `login-account` and `login-ip`): repeated attempts answer 429 with `Retry-After`.',
  operationId: 'logIn',
  request: {
    body: {
      content: {
        'application/json': {
          schema: LogInRequestSchema,
          example: { email: 'ada@example.com', password: 'correct horse battery staple' },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Signed in.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/json': {
          schema: AuthResultSchema,
          example: {
            user: {
              id: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              email: 'ada@example.com',
              name: 'Ada Lovelace',
              emailVerified: false,
              createdAt: '2026-01-05T10:00:00Z',
              updatedAt: '2026-01-05T10:00:00Z',
            },
            accessToken:
              'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl',
            refreshToken: 'rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
            expiresIn: 900,
          },
        },
      },
    },
    400: BadRequestResponse,
    401: {
      description: 'The email and password do not match an account (`code` `invalid_credentials`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            invalidCredentials: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_credentials',
                title: 'Unauthorized',
                status: 401,
                detail: 'The email or password is incorrect.',
                instance: '/v1/auth/login',
                code: 'invalid_credentials',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [],
})

export const postV1AuthRefreshRoute = createRoute({
  method: 'post',
  path: '/v1/auth/refresh',
  tags: ['Auth'],
  summary: 'Exchange a refresh token for new tokens',
  description:
    'Rotates the session: the refresh token is used up and a new access token and refresh token are returned. Keep only the newest refresh token.\n\nPresenting a refresh token that was already used ends the whole session (401 `session_revoked`), because it means the token was copied. The one exception: within 10 seconds of a rotation, the same token gets the same new pair again, so two tabs refreshing at once both succeed.',
  operationId: 'refreshSession',
  request: {
    body: {
      content: {
        'application/json': {
          schema: RefreshSessionRequestSchema,
          example: { refreshToken: 'rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw' },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The session was rotated.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/json': {
          schema: AuthResultSchema,
          example: {
            user: {
              id: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              email: 'ada@example.com',
              name: 'Ada Lovelace',
              emailVerified: false,
              createdAt: '2026-01-05T10:00:00Z',
              updatedAt: '2026-01-05T10:00:00Z',
            },
            accessToken:
              'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl',
            refreshToken: 'rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
            expiresIn: 900,
          },
        },
      },
    },
    400: BadRequestResponse,
    401: {
      description:
        'The refresh token is unknown (`token_invalid`), expired (`token_expired`), or its session has ended (`session_revoked`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            sessionRevoked: {
              value: {
                type: 'https://tasklane.dev/problems/session_revoked',
                title: 'Unauthorized',
                status: 401,
                detail: 'This session has ended; sign in again.',
                instance: '/v1/auth/refresh',
                code: 'session_revoked',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [],
})

export const postV1AuthLogoutRoute = createRoute({
  method: 'post',
  path: '/v1/auth/logout',
  tags: ['Auth'],
  summary: 'End the current session',
  description:
    'Ends the session of the access token: its refresh token stops working and the access token is rejected from now on, on every server instance.',
  operationId: 'logOut',
  responses: {
    204: {
      description: 'The session has ended.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const postV1AuthEmailVerificationRoute = createRoute({
  method: 'post',
  path: '/v1/auth/email-verification',
  tags: ['Auth'],
  summary: 'Send a new verification email',
  description:
    'Emails the caller a new link to verify their address. Earlier links stop working. The link carries a single-use token that expires after 24 hours; pass it to `verifyEmail`.',
  operationId: 'requestEmailVerification',
  responses: {
    202: {
      description: 'A verification email is on its way.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    409: {
      description: 'The email address is already verified (`code` `email_already_verified`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            alreadyVerified: {
              value: {
                type: 'https://tasklane.dev/problems/email_already_verified',
                title: 'Conflict',
                status: 409,
                detail: 'This email address is already verified.',
                instance: '/v1/auth/email-verification',
                code: 'email_already_verified',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const postV1AuthEmailVerificationConfirmRoute = createRoute({
  method: 'post',
  path: '/v1/auth/email-verification/confirm',
  tags: ['Auth'],
  summary: 'Confirm an email address',
  description:
    'Marks the address as verified with the token from a verification email. A token works once, and only until it expires.',
  operationId: 'verifyEmail',
  request: {
    body: {
      content: {
        'application/json': {
          schema: VerifyEmailRequestSchema,
          example: { token: 'vt_Zy1c9hH2mD0sQe8Pk3Lw7Nf4Ra6Tb5Ux2Vg1Oj0Ik9' },
        },
      },
      required: true,
    },
  },
  responses: {
    204: {
      description: 'The email address is verified.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    422: {
      description: 'The token is unknown, used or expired (`code` `invalid_token`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            invalidToken: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_token',
                title: 'Unprocessable content',
                status: 422,
                detail: 'This link is invalid or has expired; request a new one.',
                instance: '/v1/auth/email-verification/confirm',
                code: 'invalid_token',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [],
})

export const postV1AuthPasswordResetRoute = createRoute({
  method: 'post',
  path: '/v1/auth/password-reset',
  tags: ['Auth'],
  summary: 'Email a password reset link',
  description:
    'If an account has this email, emails it a link to choose a new password. The answer is the same whether or not the account exists. The link carries a single-use token that expires after 30 minutes; pass it to `resetPassword`.\n\nRate limited per client IP (policy `password-reset`).',
  operationId: 'requestPasswordReset',
  request: {
    body: {
      content: {
        'application/json': {
          schema: RequestPasswordResetRequestSchema,
          example: { email: 'ada@example.com' },
        },
      },
      required: true,
    },
  },
  responses: {
    202: {
      description: 'If the account exists, a reset email is on its way.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [],
})

export const postV1AuthPasswordResetConfirmRoute = createRoute({
  method: 'post',
  path: '/v1/auth/password-reset/confirm',
  tags: ['Auth'],
  summary: 'Choose a new password with a reset token',
  description:
    'Sets a new password with the token from a reset email and ends every session of the account, so anyone signed in with the old password is signed out. Also verifies the email address, since the token proves the user reads it. A token works once, and only until it expires.',
  operationId: 'resetPassword',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ResetPasswordRequestSchema,
          example: {
            token: 'pr_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd',
            newPassword: 'a new and long passphrase',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    204: {
      description: 'The password was changed and every session ended.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    422: {
      description:
        'The token is unknown, used or expired (`invalid_token`), or the new password is too common (`password_too_common`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            invalidToken: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_token',
                title: 'Unprocessable content',
                status: 422,
                detail: 'This link is invalid or has expired; request a new one.',
                instance: '/v1/auth/password-reset/confirm',
                code: 'invalid_token',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            passwordTooCommon: {
              summary: 'A common password',
              value: {
                type: 'https://tasklane.dev/problems/password_too_common',
                title: 'Unprocessable content',
                status: 422,
                detail: 'This password is on the list of commonly used passwords; choose another.',
                instance: '/v1/auth/signup',
                code: 'password_too_common',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [],
})

export const getV1MeRoute = createRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['Account'],
  summary: 'Get the signed-in user',
  description: 'The user the access token or API key belongs to.',
  operationId: 'getMe',
  responses: {
    200: {
      description: 'The user.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/json': {
          schema: UserSchema,
          example: {
            id: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            email: 'ada@example.com',
            name: 'Ada Lovelace',
            emailVerified: false,
            createdAt: '2026-01-05T10:00:00Z',
            updatedAt: '2026-01-05T10:00:00Z',
          },
        },
      },
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const deleteV1MeRoute = createRoute({
  method: 'delete',
  path: '/v1/me',
  tags: ['Account'],
  summary: 'Delete the account',
  description:
    'Deletes the account for good, with its sessions, API keys and data. Needs the current password and a session (not an API key).',
  operationId: 'deleteMe',
  request: {
    body: {
      content: {
        'application/json': {
          schema: DeleteMeRequestSchema,
          example: { password: 'correct horse battery staple' },
        },
      },
      required: true,
    },
  },
  responses: {
    204: {
      description: 'The account was deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    422: {
      description: 'The password is wrong (`code` `invalid_password`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            invalidPassword: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_password',
                title: 'Unprocessable content',
                status: 422,
                detail: 'The password is incorrect.',
                instance: '/v1/me',
                code: 'invalid_password',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const patchV1MeRoute = createRoute({
  method: 'patch',
  path: '/v1/me',
  tags: ['Account'],
  summary: 'Update the signed-in user',
  description:
    'Changes the name and/or the email address. A new email address is unverified until the user follows the link that is sent to it. Needs a session (not an API key).',
  operationId: 'updateMe',
  request: {
    body: {
      content: {
        'application/json': { schema: UpdateMeRequestSchema, example: { name: 'Ada King' } },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The updated user.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/json': {
          schema: UserSchema,
          example: {
            id: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            email: 'ada@example.com',
            name: 'Ada King',
            emailVerified: false,
            createdAt: '2026-01-05T10:00:00Z',
            updatedAt: '2026-01-05T10:00:00Z',
          },
        },
      },
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    409: {
      description: 'Another account has this email (`code` `email_taken`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            emailTaken: {
              value: {
                type: 'https://tasklane.dev/problems/email_taken',
                title: 'Conflict',
                status: 409,
                detail: 'An account with this email already exists.',
                instance: '/v1/me',
                code: 'email_taken',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const postV1MePasswordRoute = createRoute({
  method: 'post',
  path: '/v1/me/password',
  tags: ['Account'],
  summary: 'Change the password',
  description:
    'Sets a new password after checking the current one, and ends every other session of the account; the session that made the change stays signed in. Needs a session (not an API key).',
  operationId: 'changePassword',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ChangePasswordRequestSchema,
          example: {
            currentPassword: 'correct horse battery staple',
            newPassword: 'a new and long passphrase',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    204: {
      description: 'The password was changed and the other sessions ended.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    422: {
      description:
        'The current password is wrong (`invalid_password`) or the new one is too common (`password_too_common`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: {
            invalidPassword: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_password',
                title: 'Unprocessable content',
                status: 422,
                detail: 'The password is incorrect.',
                instance: '/v1/me/password',
                code: 'invalid_password',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            passwordTooCommon: {
              summary: 'A common password',
              value: {
                type: 'https://tasklane.dev/problems/password_too_common',
                title: 'Unprocessable content',
                status: 422,
                detail: 'This password is on the list of commonly used passwords; choose another.',
                instance: '/v1/auth/signup',
                code: 'password_too_common',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const getV1MeSessionsRoute = createRoute({
  method: 'get',
  path: '/v1/me/sessions',
  tags: ['Account'],
  summary: 'List active sessions',
  description:
    "The user's signed-in sessions, newest first: the device they were started from, when, and when they were last refreshed. `current` marks the session of this request. Needs a session (not an API key).",
  operationId: 'listSessions',
  request: { query: z.object({ limit: LimitParamsSchema, cursor: CursorParamsSchema }) },
  responses: {
    200: {
      description: 'A page of sessions.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
        Link: LinkHeaderSchema,
      }),
      content: {
        'application/json': {
          schema: SessionListSchema,
          example: {
            data: [
              {
                id: 'ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                deviceLabel: 'Firefox on Linux',
                createdAt: '2026-01-05T10:00:00Z',
                lastUsedAt: '2026-01-06T08:30:00Z',
                expiresAt: '2026-02-05T08:30:00Z',
                current: true,
              },
            ],
            nextCursor: null,
          },
        },
      },
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const deleteV1MeSessionsSessionIdRoute = createRoute({
  method: 'delete',
  path: '/v1/me/sessions/{sessionId}',
  tags: ['Account'],
  summary: 'End a session',
  description:
    "Signs a device out: the session's refresh token stops working and its access tokens are rejected from now on. Needs a session (not an API key).",
  operationId: 'revokeSession',
  request: {
    params: z.object({
      sessionId: z
        .string()
        .regex(/^ses_[0-9A-Z]{26}$/)
        .max(64)
        .openapi({
          param: {
            name: 'sessionId',
            in: 'path',
            required: true,
            description: 'The id of the session.',
            schema: { type: 'string', maxLength: 64, pattern: '^ses_[0-9A-Z]{26}$' },
            example: 'ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    204: {
      description: 'The session has ended.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    404: NotFoundResponse,
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const getV1MeApiKeysRoute = createRoute({
  method: 'get',
  path: '/v1/me/api-keys',
  tags: ['API keys'],
  summary: 'List API keys',
  description:
    "The user's API keys that are not revoked, newest first. Secrets are never shown; `prefix` tells keys apart. Needs a session (not an API key).",
  operationId: 'listApiKeys',
  request: { query: z.object({ limit: LimitParamsSchema, cursor: CursorParamsSchema }) },
  responses: {
    200: {
      description: 'A page of API keys.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
        Link: LinkHeaderSchema,
      }),
      content: {
        'application/json': {
          schema: ApiKeyListSchema,
          example: {
            data: [
              {
                id: 'key_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                name: 'Nightly export',
                prefix: 'tl_Xq3v9',
                scopes: ['read'],
                createdAt: '2026-01-05T10:00:00Z',
                expiresAt: null,
                lastUsedAt: null,
              },
            ],
            nextCursor: null,
          },
        },
      },
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const postV1MeApiKeysRoute = createRoute({
  method: 'post',
  path: '/v1/me/api-keys',
  tags: ['API keys'],
  summary: 'Create an API key',
  description:
    'Creates a key for scripts and servers, sent as `Authorization: Bearer <key>`. The secret is in `key` in this answer only: it is stored hashed and cannot be shown again. Keys start with `tl_`. A key with only the `read` scope is refused (403 `insufficient_scope`) on anything that changes data. Needs a session (not an API key).',
  operationId: 'createApiKey',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ApiKeyCreateSchema,
          example: { name: 'Nightly export', scopes: ['read'] },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'The key was created; `Location` is its URL.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
        Location: LocationHeaderSchema,
      }),
      content: {
        'application/json': {
          schema: ApiKeyWithSecretSchema,
          example: {
            id: 'key_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            name: 'Nightly export',
            prefix: 'tl_Xq3v9',
            scopes: ['read'],
            createdAt: '2026-01-05T10:00:00Z',
            expiresAt: null,
            lastUsedAt: null,
            key: 'tl_Xq3v9Lr2WmB8cZk1Pq0sTn4Yd7Hf6Gj5Ae3Ku2Ow9Ri',
          },
        },
      },
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

export const deleteV1MeApiKeysApiKeyIdRoute = createRoute({
  method: 'delete',
  path: '/v1/me/api-keys/{apiKeyId}',
  tags: ['API keys'],
  summary: 'Revoke an API key',
  description:
    'Revokes the key at once: requests with it answer 401 `api_key_revoked`. Needs a session (not an API key).',
  operationId: 'revokeApiKey',
  request: {
    params: z.object({
      apiKeyId: z
        .string()
        .regex(/^key_[0-9A-Z]{26}$/)
        .max(64)
        .openapi({
          param: {
            name: 'apiKeyId',
            in: 'path',
            required: true,
            description: 'The id of the API key.',
            schema: { type: 'string', maxLength: 64, pattern: '^key_[0-9A-Z]{26}$' },
            example: 'key_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    204: {
      description: 'The key was revoked.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
    },
    400: BadRequestResponse,
    401: UnauthorizedResponse,
    403: {
      description:
        'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema,
        RateLimit: RateLimitHeaderSchema,
        'RateLimit-Policy': RateLimitPolicyHeaderSchema,
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          example: {
            type: 'https://tasklane.dev/problems/session_required',
            title: 'Forbidden',
            status: 403,
            detail: 'Managing the account needs a signed-in session, not an API key.',
            instance: '/v1/me/api-keys',
            code: 'session_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    404: NotFoundResponse,
    429: TooManyRequestsResponse,
    500: InternalErrorResponse,
  },
  security: [{ bearerAuth: [] }],
})

/** Every operation of openapi.yaml by operationId. */
export const operations = {
  changePassword: postV1MePasswordRoute,
  createApiKey: postV1MeApiKeysRoute,
  deleteMe: deleteV1MeRoute,
  getHealth: getHealthzRoute,
  getMe: getV1MeRoute,
  getMetrics: getMetricsRoute,
  getOpenApiJson: getOpenapiJsonRoute,
  getOpenApiYaml: getOpenapiYamlRoute,
  getReadiness: getReadyzRoute,
  listApiKeys: getV1MeApiKeysRoute,
  listSessions: getV1MeSessionsRoute,
  logIn: postV1AuthLoginRoute,
  logOut: postV1AuthLogoutRoute,
  refreshSession: postV1AuthRefreshRoute,
  requestEmailVerification: postV1AuthEmailVerificationRoute,
  requestPasswordReset: postV1AuthPasswordResetRoute,
  resetPassword: postV1AuthPasswordResetConfirmRoute,
  revokeApiKey: deleteV1MeApiKeysApiKeyIdRoute,
  revokeSession: deleteV1MeSessionsSessionIdRoute,
  signUp: postV1AuthSignupRoute,
  updateMe: patchV1MeRoute,
  verifyEmail: postV1AuthEmailVerificationConfirmRoute,
} as const

export type OperationId = keyof typeof operations

/** The security schemes of openapi.yaml, to register on the app's OpenAPI registry. */
export const securitySchemes = {
  bearerAuth: BearerAuthSecurityScheme,
} as const
