// generated from openapi.yaml by `npm run generate` — do not edit
import { createRoute, z } from '@hono/zod-openapi'

/** A memoised builder: `build` runs on the first call, and every call returns what it built. */
function lazy<T>(build: () => T): () => T {
  let built = false
  let value: T
  return () => {
    if (!built) {
      value = build()
      built = true
    }
    return value
  }
}

/** The routes by operationId, each built when first read. */
function lazyOperations<T extends Record<string, () => unknown>>(routes: T): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const operations = {}
  for (const [id, route] of Object.entries(routes)) Object.defineProperty(operations, id, { get: route, enumerable: true })
  return operations as { readonly [K in keyof T]: ReturnType<T[K]> }
}


// RFC 5321 Mailbox in dot-atom form (the form JSON Schema's `format: email` is checked by), any case.
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** RFC 3339 §5.6 date-time whose instant, in UTC, falls in years 0000–9999 (so it has an RFC 3339 UTC form). */
export function isRfc3339DateTime(value: string): boolean {
  const m = RFC3339.exec(value)
  if (!m) return false
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!)) return false
  if (hour > 23 || minute > 59 || second > 60) return false
  const offsetMinutes = m[7] ? (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) : 0
  if (m[7] && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false
  const utc = new Date(0)
  utc.setUTCFullYear(year, month - 1, day)
  utc.setUTCHours(hour, minute - offsetMinutes, Math.min(second, 59))
  // A leap second is inserted at the end of a UTC day only.
  if (second === 60 && (utc.getUTCHours() !== 23 || utc.getUTCMinutes() !== 59)) return false
  const utcYear = utc.getUTCFullYear()
  return utcYear >= 0 && utcYear <= 9999
}

const dateTime = () =>
  z.string().refine(isRfc3339DateTime, { error: 'Invalid RFC 3339 date-time (years 0000–9999 in UTC)' }).openapi({ format: 'date-time' })


export const ValidationIssueSchema = lazy(() => z
  .strictObject({
    path: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(500)
      .openapi({
        description:
          'Where the invalid input is, as a JSON Pointer into the request part named first (`/body/title`, `/query/limit`).',
        example: '/body/title',
      }),
    message: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(1000)
      .openapi({ example: 'Too small: expected string to have >=1 characters' }),
    code: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .max(100)
      .openapi({
        description: 'The kind of failure (`too_small`, `invalid_type`, `unrecognized_keys`, …).',
        example: 'too_small',
      }),
  })
  .openapi({ required: ['path', 'message', 'code'] })
  .openapi('ValidationIssue'))

export const ProblemSchema = lazy(() => z
  .object({
    type: z
      .string()
      .max(500)
      .openapi({
        description: 'A URI reference naming the kind of problem; resolves to its documentation.',
        example: 'https://tasklane.dev/problems/validation_failed',
      }).openapi({ format: 'uri-reference' }),
    title: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(200)
      .openapi({
        description:
          'A short summary of the kind of problem; the same for every occurrence of a `code`.',
        example: 'Validation failed',
      }),
    status: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(400)
      .max(599)
      .openapi({ description: 'The HTTP status code of this response.', example: 400 }),
    detail: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
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
      .openapi({ description: 'The path of the request that failed.', example: '/v1/projects' }).openapi({ format: 'uri-reference' }),
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
      .regex(/^[A-Za-z0-9._:-]*$/)
      .max(200)
      .openapi({
        description:
          'The request id, as in the `X-Request-Id` header; quote it when reporting a problem.',
        example: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    errors: z
      .array(ValidationIssueSchema())
      .max(100)
      .optional()
      .openapi({ description: 'For validation failures, one entry per invalid input.' }),
  })
  .openapi({
    description: 'An RFC 9457 problem details object.',
    required: ['type', 'title', 'status', 'code', 'requestId'],
  })
  .openapi('Problem'))

export type Problem = z.infer<ReturnType<typeof ProblemSchema>>

export type ValidationIssue = z.infer<ReturnType<typeof ValidationIssueSchema>>

export const HealthSchema = lazy(() => z
  .strictObject({ status: z.literal('ok') })
  .openapi({ required: ['status'] })
  .openapi('Health'))

export type Health = z.infer<ReturnType<typeof HealthSchema>>

export const ReadinessSchema = lazy(() => z
  .strictObject({
    status: z
      .enum(['ok', 'degraded'])
      .openapi({
        description:
          '`degraded`: serving, but Redis does not answer and rate limits are counted per instance.',
      }),
    database: z
      .enum(['sqlite', 'postgres'])
      .openapi({ description: 'Which database this instance is running on.' }),
    redis: z
      .enum(['ok', 'unavailable'])
      .optional()
      .openapi({ description: 'Whether Redis answers; present only when `REDIS_URL` is set.' }),
  })
  .openapi({ required: ['status', 'database'] })
  .openapi('Readiness'))

export type Readiness = z.infer<ReturnType<typeof ReadinessSchema>>

export const UserSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    email: z.email({ pattern: EMAIL })
      .max(254)
      .openapi({
        description: 'An email address; compared without regard to case.',
        example: 'ada@example.com',
      }),
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(100)
      .openapi({ description: 'The name shown to other users.', example: 'Ada Lovelace' }),
    emailVerified: z
      .boolean()
      .openapi({ description: 'Whether the user has confirmed that they read this address.' }),
    pendingEmail: z.email({ pattern: EMAIL })
      .max(254)
      .nullable()
      .optional()
      .openapi({
        description:
          "An email address the user asked to change to, waiting for the link mailed to it to be followed (`confirmEmailChange`); null when there is none. Until then `email` is the account's address.",
        example: 'ada.king@example.com',
      }),
    createdAt: dateTime().max(40).openapi({ description: 'When the account was created.' }),
    updatedAt: dateTime().max(40).openapi({ description: 'When the profile last changed.' }),
  })
  .openapi({
    description: 'An account.',
    required: ['id', 'email', 'name', 'emailVerified', 'createdAt', 'updatedAt'],
  })
  .openapi('User'))

export type User = z.infer<ReturnType<typeof UserSchema>>

export const AuthResultSchema = lazy(() => z
  .strictObject({
    user: UserSchema(),
    accessToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
      .max(2000)
      .openapi({
        description:
          'Send as `Authorization: Bearer <accessToken>`. A JWT, but treat it as opaque.',
        example:
          'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl',
      }),
    refreshToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(200)
      .openapi({
        description: 'Pass to `refreshSession` to get new tokens; single use. Store it securely.',
      }),
    expiresIn: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(86400)
      .openapi({ description: 'Seconds until the access token expires.', example: 900 }),
  })
  .openapi({
    description: 'A signed-in session: the user and its tokens.',
    required: ['user', 'accessToken', 'refreshToken', 'expiresIn'],
  })
  .openapi('AuthResult'))

export type AuthResult = z.infer<ReturnType<typeof AuthResultSchema>>

export const SignUpRequestSchema = lazy(() => z
  .strictObject({
    email: z.email({ pattern: EMAIL })
      .max(254)
      .openapi({
        description: 'An email address; compared without regard to case.',
        example: 'ada@example.com',
      }),
    password: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(10)
      .max(256)
      .openapi({
        description: '10 to 256 characters, not a commonly used password.',
        example: 'correct horse battery staple',
      }),
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(100)
      .openapi({ description: 'The name shown to other users.', example: 'Ada Lovelace' }),
  })
  .openapi({ required: ['email', 'password', 'name'] })
  .openapi('SignUpRequest'))

export type SignUpRequest = z.infer<ReturnType<typeof SignUpRequestSchema>>

export const SignUpOptionsSchema = lazy(() => z
  .strictObject({
    flow: z
      .enum(['verify-first', 'immediate'])
      .openapi({
        description:
          '`verify-first`: `startSignUp`, then `completeSignUp` with the mailed token; `signUp` answers 403. `immediate`: `signUp` also works (and tells whether an address has an account).',
        example: 'verify-first',
      }),
  })
  .openapi({ description: 'How this server signs people up with a password.', required: ['flow'] })
  .openapi('SignUpOptions'))

export type SignUpOptions = z.infer<ReturnType<typeof SignUpOptionsSchema>>

export const StartSignUpRequestSchema = lazy(() => z
  .strictObject({
    email: z.email({ pattern: EMAIL })
      .max(254)
      .openapi({
        description: 'The address to sign up with; compared without regard to case.',
        example: 'ada@example.com',
      }),
  })
  .openapi({ required: ['email'] })
  .openapi('StartSignUpRequest'))

export type StartSignUpRequest = z.infer<ReturnType<typeof StartSignUpRequestSchema>>

export const CompleteSignUpRequestSchema = lazy(() => z
  .strictObject({
    token: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .min(1)
      .max(200)
      .openapi({
        description: 'The token from the sign-up mail.',
        example: 'su_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd',
      }),
    password: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(10)
      .max(256)
      .openapi({
        description: '10 to 256 characters, not a commonly used password.',
        example: 'correct horse battery staple',
      }),
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(100)
      .openapi({ description: 'The name shown to other users.', example: 'Ada Lovelace' }),
  })
  .openapi({ required: ['token', 'password', 'name'] })
  .openapi('CompleteSignUpRequest'))

export type CompleteSignUpRequest = z.infer<ReturnType<typeof CompleteSignUpRequestSchema>>

export const LogInRequestSchema = lazy(() => z
  .strictObject({
    email: z.email({ pattern: EMAIL })
      .max(254)
      .openapi({
        description: 'An email address; compared without regard to case.',
        example: 'ada@example.com',
      }),
    password: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(256)
      .openapi({ description: 'The password.', example: 'correct horse battery staple' }),
  })
  .openapi({ required: ['email', 'password'] })
  .openapi('LogInRequest'))

export type LogInRequest = z.infer<ReturnType<typeof LogInRequestSchema>>

export const RefreshSessionRequestSchema = lazy(() => z
  .strictObject({
    refreshToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .min(1)
      .max(200)
      .openapi({ description: 'The latest refresh token of the session.' }),
  })
  .openapi({ required: ['refreshToken'] })
  .openapi('RefreshSessionRequest'))

export type RefreshSessionRequest = z.infer<ReturnType<typeof RefreshSessionRequestSchema>>

export const UpdateMeRequestSchema = lazy(() => z
  .strictObject({
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'The name shown to other users.', example: 'Ada Lovelace' }),
    email: z.email({ pattern: EMAIL })
      .max(254)
      .optional()
      .openapi({
        description:
          'A new email address. Needs `currentPassword`; takes effect when the link mailed to it is followed, and shows as `pendingEmail` until then. The current address cancels a pending change.',
        example: 'ada.king@example.com',
      }),
    currentPassword: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(256)
      .optional()
      .openapi({
        description:
          'The current password; required with a new `email` (or `reauthenticationToken`).',
        example: 'correct horse battery staple',
      }),
    reauthenticationToken: z
      .string()
      .regex(/^ra_[A-Za-z0-9_-]+$/)
      .max(200)
      .optional()
      .openapi({
        description: 'For an account without a password, instead of it, from `reauthenticate`.',
        example: 'ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({ required: [] })
  .openapi('UpdateMeRequest'))

export type UpdateMeRequest = z.infer<ReturnType<typeof UpdateMeRequestSchema>>

export const ConfirmEmailChangeRequestSchema = lazy(() => z
  .strictObject({
    token: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .min(1)
      .max(200)
      .openapi({ description: 'The token from the mail sent to the new address.' }),
  })
  .openapi({ required: ['token'] })
  .openapi('ConfirmEmailChangeRequest'))

export type ConfirmEmailChangeRequest = z.infer<ReturnType<typeof ConfirmEmailChangeRequestSchema>>

export const DeleteMeRequestSchema = lazy(() => z
  .strictObject({
    password: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(256)
      .optional()
      .openapi({ description: 'The current password.', example: 'correct horse battery staple' }),
    reauthenticationToken: z
      .string()
      .regex(/^ra_[A-Za-z0-9_-]+$/)
      .max(200)
      .optional()
      .openapi({
        description: 'For an account without a password, instead of it, from `reauthenticate`.',
        example: 'ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({
    description:
      'The current password, or for an account without one a `reauthenticationToken`; exactly one.',
  })
  .openapi('DeleteMeRequest'))

export type DeleteMeRequest = z.infer<ReturnType<typeof DeleteMeRequestSchema>>

export const ChangePasswordRequestSchema = lazy(() => z
  .strictObject({
    currentPassword: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(256)
      .openapi({ description: 'The current password.', example: 'correct horse battery staple' }),
    newPassword: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(10)
      .max(256)
      .openapi({
        description: '10 to 256 characters, not a commonly used password.',
        example: 'correct horse battery staple',
      }),
    keepApiKeys: z
      .boolean()
      .default(false)
      .optional()
      .openapi({
        description:
          "Keep the account's API keys working; by default they are all revoked with the old password.",
      }),
  })
  .openapi({ required: ['currentPassword', 'newPassword'] })
  .openapi('ChangePasswordRequest'))

export type ChangePasswordRequest = z.infer<ReturnType<typeof ChangePasswordRequestSchema>>

export const VerifyEmailRequestSchema = lazy(() => z
  .strictObject({
    token: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .min(1)
      .max(200)
      .openapi({ description: 'The token from the verification email.' }),
  })
  .openapi({ required: ['token'] })
  .openapi('VerifyEmailRequest'))

export type VerifyEmailRequest = z.infer<ReturnType<typeof VerifyEmailRequestSchema>>

export const RequestPasswordResetRequestSchema = lazy(() => z
  .strictObject({
    email: z.email({ pattern: EMAIL })
      .max(254)
      .openapi({
        description: 'An email address; compared without regard to case.',
        example: 'ada@example.com',
      }),
  })
  .openapi({ required: ['email'] })
  .openapi('RequestPasswordResetRequest'))

export type RequestPasswordResetRequest = z.infer<ReturnType<typeof RequestPasswordResetRequestSchema>>

export const ResetPasswordRequestSchema = lazy(() => z
  .strictObject({
    token: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .min(1)
      .max(200)
      .openapi({ description: 'The token from the reset email.' }),
    newPassword: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(10)
      .max(256)
      .openapi({
        description: '10 to 256 characters, not a commonly used password.',
        example: 'correct horse battery staple',
      }),
  })
  .openapi({ required: ['token', 'newPassword'] })
  .openapi('ResetPasswordRequest'))

export type ResetPasswordRequest = z.infer<ReturnType<typeof ResetPasswordRequestSchema>>

export const AuthProviderSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/)
      .max(32)
      .openapi({ description: 'Pass to `startProviderSignIn`.', example: 'google' }),
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]+$/)
      .max(100)
      .openapi({
        description: 'What a login button should say, e.g. "Continue with Google".',
        example: 'Google',
      }),
    type: z
      .enum(['oidc', 'oauth2'])
      .openapi({
        description:
          '`oidc` for OpenID Connect, `oauth2` for plain OAuth 2 providers such as GitHub.',
      }),
  })
  .openapi({
    description: 'An outside identity provider people can sign in with.',
    required: ['id', 'name', 'type'],
  })
  .openapi('AuthProvider'))

export type AuthProvider = z.infer<ReturnType<typeof AuthProviderSchema>>

export const AuthProviderListSchema = lazy(() => z
  .strictObject({ data: z.array(AuthProviderSchema()).max(100) })
  .openapi({ description: 'The enabled sign-in providers.', required: ['data'] })
  .openapi('AuthProviderList'))

export type AuthProviderList = z.infer<ReturnType<typeof AuthProviderListSchema>>

export const ProviderSignInStartSchema = lazy(() => z
  .strictObject({
    redirectUri: z
      .url()
      .max(2000)
      .openapi({
        description:
          'An allowed app URL (`AUTH_REDIRECT_URLS`), or `http://127.0.0.1:<port>/…` for a command-line app.',
        example: 'https://app.example.com/auth/callback',
      }),
    codeChallenge: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .length(43)
      .openapi({
        description:
          'BASE64URL(SHA-256(verifier)) of a random verifier of 43–128 characters that only the app knows.',
        example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      }),
    codeChallengeMethod: z.literal('S256').openapi({ description: 'Only S256.' }),
    state: z
      .string()
      .regex(/^[A-Za-z0-9._~-]+$/)
      .max(500)
      .optional()
      .openapi({
        description: "Handed back unchanged with the code, for the app's own bookkeeping.",
        example: 'c3RhdGU',
      }),
  })
  .openapi({
    description:
      "Where to send the browser back, and the PKCE challenge of the app's secret verifier.",
    required: ['redirectUri', 'codeChallenge', 'codeChallengeMethod'],
  })
  .openapi('ProviderSignInStart'))

export type ProviderSignInStart = z.infer<ReturnType<typeof ProviderSignInStartSchema>>

export const IdentityLinkStartSchema = lazy(() => z
  .strictObject({
    provider: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/)
      .max(32)
      .openapi({
        description: "The provider's id, as `listAuthProviders` lists it.",
        example: 'github',
      }),
    redirectUri: z
      .url()
      .max(2000)
      .openapi({
        description:
          'An allowed app URL (`AUTH_REDIRECT_URLS`), or `http://127.0.0.1:<port>/…` for a command-line app.',
        example: 'https://app.example.com/settings/identities',
      }),
    codeChallenge: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .length(43)
      .openapi({
        description: 'BASE64URL(SHA-256(verifier)) of a random verifier that only the app knows.',
        example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      }),
    codeChallengeMethod: z.literal('S256').openapi({ description: 'Only S256.' }),
    state: z
      .string()
      .regex(/^[A-Za-z0-9._~-]+$/)
      .max(500)
      .optional()
      .openapi({ description: 'Handed back unchanged with the code.', example: 'c3RhdGU' }),
  })
  .openapi({
    description:
      "Which provider to link, where to send the browser back, and the PKCE challenge of the app's secret verifier.",
    required: ['provider', 'redirectUri', 'codeChallenge', 'codeChallengeMethod'],
  })
  .openapi('IdentityLinkStart'))

export type IdentityLinkStart = z.infer<ReturnType<typeof IdentityLinkStartSchema>>

export const ProviderAuthorizationSchema = lazy(() => z
  .strictObject({
    authorizationUrl: z
      .url()
      .max(4000)
      .openapi({ description: 'Navigate the browser here (a full-page navigation, not a fetch).' }),
    expiresAt: dateTime()
      .max(40)
      .openapi({ description: 'The sign-in must be finished by then.' }),
  })
  .openapi({
    description: 'The provider URL to send the browser to.',
    required: ['authorizationUrl', 'expiresAt'],
  })
  .openapi('ProviderAuthorization'))

export type ProviderAuthorization = z.infer<ReturnType<typeof ProviderAuthorizationSchema>>

export const ProviderCodeExchangeSchema = lazy(() => z
  .strictObject({
    code: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(200)
      .openapi({ example: 'pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw' }),
    codeVerifier: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{43,128}$/)
      .min(43)
      .max(128)
      .openapi({ example: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' }),
  })
  .openapi({
    description:
      'The one-time code from the redirect back to the app, and the PKCE verifier whose challenge started the sign-in.',
    required: ['code', 'codeVerifier'],
  })
  .openapi('ProviderCodeExchange'))

export type ProviderCodeExchange = z.infer<ReturnType<typeof ProviderCodeExchangeSchema>>

export const IdentitySchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^idt_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ example: 'idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    provider: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/)
      .max(32)
      .openapi({ example: 'google' }),
    providerName: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]+$/)
      .max(100)
      .openapi({ example: 'Google' }),
    email: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(320)
      .nullable()
      .openapi({
        description: 'The address the provider gave at the last sign-in, if any.',
        example: 'ada@example.com',
      }),
    createdAt: dateTime().max(40),
    lastUsedAt: dateTime()
      .max(40)
      .openapi({ description: 'When it last signed in or was linked.' }),
  })
  .openapi({
    description: 'A provider account that signs in to this account.',
    required: ['id', 'provider', 'providerName', 'email', 'createdAt', 'lastUsedAt'],
  })
  .openapi('Identity'))

export type Identity = z.infer<ReturnType<typeof IdentitySchema>>

export const IdentityListSchema = lazy(() => z
  .strictObject({
    data: z.array(IdentitySchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable(),
  })
  .openapi({ description: 'A page of identities.', required: ['data', 'nextCursor'] })
  .openapi('IdentityList'))

export type IdentityList = z.infer<ReturnType<typeof IdentityListSchema>>

export const ReauthenticationSchema = lazy(() => z
  .strictObject({
    reauthenticationToken: z
      .string()
      .regex(/^ra_[A-Za-z0-9_-]+$/)
      .max(200)
      .openapi({
        description:
          'Send as `reauthenticationToken` to `deleteMe` or `updateMe`, instead of the password. Works once.',
        example: 'ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
      }),
    expiresAt: dateTime()
      .max(40)
      .openapi({ description: 'It works until then (5 minutes).' }),
  })
  .openapi({
    description:
      'Proof, for a few minutes, that the signed-in person just signed in again at a linked provider.',
    required: ['reauthenticationToken', 'expiresAt'],
  })
  .openapi('Reauthentication'))

export type Reauthentication = z.infer<ReturnType<typeof ReauthenticationSchema>>

export const SessionSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^ses_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ example: 'ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    deviceLabel: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(100)
      .openapi({
        description: 'The browser and system the session was started from, from its User-Agent.',
        example: 'Firefox on Linux',
      }),
    provider: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/)
      .max(32)
      .nullable()
      .openapi({
        description:
          'The identity provider (its id, as `listAuthProviders` lists it) the session was started with; null for a password sign-in.',
        example: 'github',
      }),
    createdAt: dateTime().max(40).openapi({ description: 'When the user signed in.' }),
    lastUsedAt: dateTime()
      .max(40)
      .openapi({ description: 'When the session last signed in or refreshed its tokens.' }),
    expiresAt: dateTime()
      .max(40)
      .openapi({ description: 'When the session ends unless it is refreshed before.' }),
    current: z.boolean().openapi({ description: 'Whether this is the session of the request.' }),
  })
  .openapi({
    description: 'A signed-in device.',
    required: ['id', 'deviceLabel', 'provider', 'createdAt', 'lastUsedAt', 'expiresAt', 'current'],
  })
  .openapi('Session'))

export type Session = z.infer<ReturnType<typeof SessionSchema>>

export const SessionListSchema = lazy(() => z
  .strictObject({
    data: z.array(SessionSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({ description: 'Pass as `cursor` to get the next page; `null` on the last page.' }),
  })
  .openapi({ required: ['data', 'nextCursor'] })
  .openapi('SessionList'))

export type SessionList = z.infer<ReturnType<typeof SessionListSchema>>

export const ApiKeyCreateSchema = lazy(() => z
  .strictObject({
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(100)
      .openapi({ description: 'What the key is for.', example: 'Nightly export' }),
    scopes: z
      .array(z.enum(['read', 'write']))
      .min(1)
      .max(2)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .openapi({
        description: '`read` allows reads only; `write` allows changes as well.',
        example: ['read', 'write'],
      }),
    expiresAt: dateTime()
      .max(40)
      .optional()
      .openapi({
        description:
          'When the key stops working; in the future. Omit for a key that does not expire.',
      }),
  })
  .openapi({ required: ['name', 'scopes'] })
  .openapi('ApiKeyCreate'))

export type ApiKeyCreate = z.infer<ReturnType<typeof ApiKeyCreateSchema>>

export const ApiKeySchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^key_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ example: 'key_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(100)
      .openapi({ description: 'What the key is for.', example: 'Nightly export' }),
    prefix: z
      .string()
      .regex(/^tl_[A-Za-z0-9_-]+$/)
      .max(20)
      .openapi({
        description: 'The first characters of the key, to tell keys apart.',
        example: 'tl_Xq3v9',
      }),
    scopes: z
      .array(z.enum(['read', 'write']))
      .min(1)
      .max(2)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .openapi({
        description: '`read` allows reads only; `write` allows changes as well.',
        example: ['read', 'write'],
      }),
    createdAt: dateTime().max(40).openapi({ description: 'When the key was created.' }),
    expiresAt: dateTime()
      .max(40)
      .nullable()
      .openapi({ description: 'When the key stops working; `null` for never.' }),
    lastUsedAt: dateTime()
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
  .openapi('ApiKey'))

export type ApiKey = z.infer<ReturnType<typeof ApiKeySchema>>

export const ApiKeyWithSecretSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^key_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ example: 'key_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(100)
      .openapi({ description: 'What the key is for.', example: 'Nightly export' }),
    prefix: z
      .string()
      .regex(/^tl_[A-Za-z0-9_-]+$/)
      .max(20)
      .openapi({
        description: 'The first characters of the key, to tell keys apart.',
        example: 'tl_Xq3v9',
      }),
    scopes: z
      .array(z.enum(['read', 'write']))
      .min(1)
      .max(2)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .openapi({
        description: '`read` allows reads only; `write` allows changes as well.',
        example: ['read', 'write'],
      }),
    createdAt: dateTime().max(40).openapi({ description: 'When the key was created.' }),
    expiresAt: dateTime()
      .max(40)
      .nullable()
      .openapi({ description: 'When the key stops working; `null` for never.' }),
    lastUsedAt: dateTime()
      .max(40)
      .nullable()
      .openapi({
        description: 'When the key last authenticated a request (to the minute); `null` if never.',
      }),
    key: z
      .string()
      .regex(/^tl_[A-Za-z0-9_-]{43}$/)
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
  .openapi('ApiKeyWithSecret'))

export type ApiKeyWithSecret = z.infer<ReturnType<typeof ApiKeyWithSecretSchema>>

export const ApiKeyListSchema = lazy(() => z
  .strictObject({
    data: z.array(ApiKeySchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({ description: 'Pass as `cursor` to get the next page; `null` on the last page.' }),
  })
  .openapi({ required: ['data', 'nextCursor'] })
  .openapi('ApiKeyList'))

export type ApiKeyList = z.infer<ReturnType<typeof ApiKeyListSchema>>

export const ProjectSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The project id.', example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(200)
      .openapi({ description: 'The project name.', example: 'Website relaunch' }),
    description: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(5000)
      .nullable()
      .openapi({
        description: 'What the project is about.',
        example: 'Everything for the new marketing site.',
      }),
    role: z
      .enum(['owner', 'editor', 'viewer'])
      .openapi({ description: 'The role of the caller in this project.' }),
    createdAt: dateTime()
      .max(40)
      .openapi({
        description: 'When the project was created.',
        example: '2026-11-20T09:30:00.000Z',
      }),
    updatedAt: dateTime()
      .max(40)
      .openapi({
        description: 'When the project last changed.',
        example: '2026-11-20T09:30:00.000Z',
      }),
    version: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .openapi({
        description:
          'Increases with every change; the `ETag` of the resource is this number in quotes.',
        example: 3,
      }),
  })
  .openapi({
    description: 'A project: a shared space for tasks and notes.',
    required: ['id', 'name', 'description', 'role', 'createdAt', 'updatedAt', 'version'],
  })
  .openapi('Project'))

export type Project = z.infer<ReturnType<typeof ProjectSchema>>

export const ProjectCreateSchema = lazy(() => z
  .strictObject({
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(200)
      .openapi({ description: 'The project name.', example: 'Website relaunch' }),
    description: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(5000)
      .optional()
      .openapi({
        description: 'What the project is about.',
        example: 'Everything for the new marketing site.',
      }),
  })
  .openapi({ required: ['name'], description: 'A new project; the caller becomes its owner.' })
  .openapi('ProjectCreate'))

export type ProjectCreate = z.infer<ReturnType<typeof ProjectCreateSchema>>

export const ProjectUpdateSchema = lazy(() => z
  .strictObject({
    name: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'The project name.', example: 'Website relaunch' }),
    description: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(5000)
      .nullable()
      .optional()
      .openapi({
        description: 'What the project is about.',
        example: 'Everything for the new marketing site.',
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({ description: 'The fields to change; `description: null` removes it.' })
  .openapi('ProjectUpdate'))

export type ProjectUpdate = z.infer<ReturnType<typeof ProjectUpdateSchema>>

export const ProjectListSchema = lazy(() => z
  .strictObject({
    data: z.array(ProjectSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({ required: ['data', 'nextCursor'], description: 'A page of projects.' })
  .openapi('ProjectList'))

export type ProjectList = z.infer<ReturnType<typeof ProjectListSchema>>

export const MemberSchema = lazy(() => z
  .strictObject({
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The project.', example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    userId: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The member’s user id.', example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    email: z.email({ pattern: EMAIL })
      .max(254)
      .openapi({ description: 'The member’s email address.', example: 'ada@example.com' }),
    role: z
      .enum(['owner', 'editor', 'viewer'])
      .openapi({
        description:
          '`owner`: everything, including members and invitations; `editor`: reads and writes tasks, notes and comments; `viewer`: reads only.',
      }),
    joinedAt: dateTime()
      .max(40)
      .openapi({
        description: 'When the user joined the project.',
        example: '2026-11-20T09:30:00.000Z',
      }),
  })
  .openapi({
    description: 'A user’s membership of a project.',
    required: ['projectId', 'userId', 'email', 'role', 'joinedAt'],
  })
  .openapi('Member'))

export type Member = z.infer<ReturnType<typeof MemberSchema>>

export const MemberUpdateSchema = lazy(() => z
  .strictObject({
    role: z
      .enum(['owner', 'editor', 'viewer'])
      .openapi({
        description:
          '`owner`: everything, including members and invitations; `editor`: reads and writes tasks, notes and comments; `viewer`: reads only.',
      }),
  })
  .openapi({ required: ['role'], description: 'The member’s new role.' })
  .openapi('MemberUpdate'))

export type MemberUpdate = z.infer<ReturnType<typeof MemberUpdateSchema>>

export const MemberListSchema = lazy(() => z
  .strictObject({
    data: z.array(MemberSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({
    required: ['data', 'nextCursor'],
    description: 'A page of members, in the order they joined.',
  })
  .openapi('MemberList'))

export type MemberList = z.infer<ReturnType<typeof MemberListSchema>>

export const InvitationSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^inv_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The invitation id.', example: 'inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The project.', example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    email: z.email({ pattern: EMAIL })
      .max(254)
      .openapi({ description: 'Where the invitation was sent.', example: 'grace@example.com' }),
    role: z
      .enum(['owner', 'editor', 'viewer'])
      .openapi({ description: 'The role the invited user gets on accepting.' }),
    invitedBy: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The user who sent it.', example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When it was sent.', example: '2026-11-20T09:30:00.000Z' }),
    expiresAt: dateTime()
      .max(40)
      .openapi({
        description: 'After this the token no longer works (7 days after sending).',
        example: '2026-11-20T09:30:00.000Z',
      }),
  })
  .openapi({
    description: 'A pending invitation. Its token is only ever sent to the invited address.',
    required: ['id', 'projectId', 'email', 'role', 'invitedBy', 'createdAt', 'expiresAt'],
  })
  .openapi('Invitation'))

export type Invitation = z.infer<ReturnType<typeof InvitationSchema>>

export const InvitationCreateSchema = lazy(() => z
  .strictObject({
    email: z.email({ pattern: EMAIL })
      .max(254)
      .openapi({
        description: 'The address to send the invitation to.',
        example: 'grace@example.com',
      }),
    role: z
      .enum(['owner', 'editor', 'viewer'])
      .openapi({ description: 'The role the invited user gets on accepting.' }),
  })
  .openapi({ required: ['email', 'role'], description: 'Who to invite, and with which role.' })
  .openapi('InvitationCreate'))

export type InvitationCreate = z.infer<ReturnType<typeof InvitationCreateSchema>>

export const InvitationAcceptSchema = lazy(() => z
  .strictObject({
    token: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .min(1)
      .max(200)
      .openapi({
        description: 'The token from the invitation email.',
        example: 'inv_tok_3q2l0Jx8m9QfKc1b5sT7vWzYhN4pR6dE',
      }),
  })
  .openapi({ required: ['token'], description: 'The token from the invitation email.' })
  .openapi('InvitationAccept'))

export type InvitationAccept = z.infer<ReturnType<typeof InvitationAcceptSchema>>

export const InvitationListSchema = lazy(() => z
  .strictObject({
    data: z.array(InvitationSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({
    required: ['data', 'nextCursor'],
    description: 'A page of pending invitations, oldest first.',
  })
  .openapi('InvitationList'))

export type InvitationList = z.infer<ReturnType<typeof InvitationListSchema>>

export const TaskSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^tsk_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The task id.', example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The project the task belongs to.',
        example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    title: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(500)
      .openapi({ description: 'A one-line summary.', example: 'Write the launch post' }),
    description: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(50000)
      .nullable()
      .openapi({
        description: 'Details in Markdown.',
        example: 'Draft in **Markdown**, then ask for review.',
      }),
    status: z
      .enum(['todo', 'in_progress', 'done'])
      .openapi({
        description:
          'Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.',
      }),
    priority: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(0)
      .max(3)
      .openapi({ description: '0 (none) to 3 (urgent).', example: 2 }),
    dueAt: dateTime()
      .max(40)
      .nullable()
      .openapi({
        description: 'When the task is due (RFC 3339).',
        example: '2026-12-01T17:00:00.000Z',
      }),
    labels: z
      .array(
        z
          .string()
          .regex(/^[^,\s\u0000-\u001F\u007F][^,\u0000-\u001F\u007F]*$/)
          .min(1)
          .max(50)
          .openapi({
            description: 'A label: no commas, no leading space, no control characters.',
            example: 'launch',
          }),
      )
      .max(20)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .openapi({ description: 'Up to 20 distinct labels.', example: ['content', 'launch'] }),
    assigneeId: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description: 'The member the task is assigned to.',
        example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    position: z
      .number()
      .min(-1000000000000000)
      .max(1000000000000000)
      .openapi({
        description:
          'Manual order within the project (sort by `position`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.',
        example: 3,
      }),
    completedAt: dateTime()
      .max(40)
      .nullable()
      .openapi({
        description: 'When the task was last moved to `done`; `null` unless it is done.',
        example: null,
      }),
    createdBy: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The user who created the task.',
        example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When the task was created.', example: '2026-11-20T09:30:00.000Z' }),
    updatedAt: dateTime()
      .max(40)
      .openapi({ description: 'When the task last changed.', example: '2026-11-20T09:30:00.000Z' }),
    version: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .openapi({
        description:
          'Increases with every change; the `ETag` of the resource is this number in quotes.',
        example: 3,
      }),
  })
  .openapi({
    description: 'A task in a project.',
    required: [
      'id',
      'projectId',
      'title',
      'description',
      'status',
      'priority',
      'dueAt',
      'labels',
      'assigneeId',
      'position',
      'completedAt',
      'createdBy',
      'createdAt',
      'updatedAt',
      'version',
    ],
  })
  .openapi('Task'))

export type Task = z.infer<ReturnType<typeof TaskSchema>>

export const TaskCreateSchema = lazy(() => z
  .strictObject({
    title: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(500)
      .openapi({ description: 'A one-line summary.', example: 'Write the launch post' }),
    description: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(50000)
      .optional()
      .openapi({
        description: 'Details in Markdown.',
        example: 'Draft in **Markdown**, then ask for review.',
      }),
    status: z
      .enum(['todo', 'in_progress', 'done'])
      .optional()
      .openapi({
        description:
          'Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.',
      }),
    priority: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(0)
      .max(3)
      .optional()
      .openapi({ description: '0 (none) to 3 (urgent).', example: 2 }),
    dueAt: dateTime()
      .max(40)
      .nullable()
      .optional()
      .openapi({
        description: 'When the task is due (RFC 3339).',
        example: '2026-12-01T17:00:00.000Z',
      }),
    labels: z
      .array(
        z
          .string()
          .regex(/^[^,\s\u0000-\u001F\u007F][^,\u0000-\u001F\u007F]*$/)
          .min(1)
          .max(50)
          .openapi({
            description: 'A label: no commas, no leading space, no control characters.',
            example: 'launch',
          }),
      )
      .max(20)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .optional()
      .openapi({ description: 'Up to 20 distinct labels.', example: ['content', 'launch'] }),
    assigneeId: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .optional()
      .openapi({
        description: 'A member of the project to assign the task to.',
        example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    position: z
      .number()
      .min(-1000000000000000)
      .max(1000000000000000)
      .optional()
      .openapi({
        description:
          'Manual order within the project (sort by `position`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.',
        example: 3,
      }),
  })
  .openapi({ required: ['title'], description: 'A new task. Only `title` is required.' })
  .openapi('TaskCreate'))

export type TaskCreate = z.infer<ReturnType<typeof TaskCreateSchema>>

export const TaskUpdateSchema = lazy(() => z
  .strictObject({
    title: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: 'A one-line summary.', example: 'Write the launch post' }),
    description: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(50000)
      .nullable()
      .optional()
      .openapi({
        description: 'Details in Markdown.',
        example: 'Draft in **Markdown**, then ask for review.',
      }),
    status: z
      .enum(['todo', 'in_progress', 'done'])
      .optional()
      .openapi({
        description:
          'Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.',
      }),
    priority: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(0)
      .max(3)
      .optional()
      .openapi({ description: '0 (none) to 3 (urgent).', example: 2 }),
    dueAt: dateTime()
      .max(40)
      .nullable()
      .optional()
      .openapi({
        description: 'When the task is due (RFC 3339).',
        example: '2026-12-01T17:00:00.000Z',
      }),
    labels: z
      .array(
        z
          .string()
          .regex(/^[^,\s\u0000-\u001F\u007F][^,\u0000-\u001F\u007F]*$/)
          .min(1)
          .max(50)
          .openapi({
            description: 'A label: no commas, no leading space, no control characters.',
            example: 'launch',
          }),
      )
      .max(20)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .optional()
      .openapi({ description: 'Up to 20 distinct labels.', example: ['content', 'launch'] }),
    assigneeId: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .optional()
      .openapi({
        description: 'A member of the project, or `null` to unassign.',
        example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    position: z
      .number()
      .min(-1000000000000000)
      .max(1000000000000000)
      .optional()
      .openapi({
        description:
          'Manual order within the project (sort by `position`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.',
        example: 3,
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({ description: 'The fields to change; `null` clears an optional field.' })
  .openapi('TaskUpdate'))

export type TaskUpdate = z.infer<ReturnType<typeof TaskUpdateSchema>>

export const TaskListSchema = lazy(() => z
  .strictObject({
    data: z.array(TaskSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({ required: ['data', 'nextCursor'], description: 'A page of tasks.' })
  .openapi('TaskList'))

export type TaskList = z.infer<ReturnType<typeof TaskListSchema>>

export const NoteSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^not_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The note id.', example: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The project the note belongs to.',
        example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    title: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(500)
      .openapi({ description: 'The note title.', example: 'Meeting notes 2026-11-20' }),
    body: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(100000)
      .openapi({
        description: 'The note in Markdown.',
        example: '## Decisions\n\n- Launch on December 1st',
      }),
    createdBy: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The user who created the note.',
        example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When the note was created.', example: '2026-11-20T09:30:00.000Z' }),
    updatedAt: dateTime()
      .max(40)
      .openapi({ description: 'When the note last changed.', example: '2026-11-20T09:30:00.000Z' }),
    version: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .openapi({
        description:
          'Increases with every change; the `ETag` of the resource is this number in quotes.',
        example: 3,
      }),
  })
  .openapi({
    description: 'A Markdown note in a project.',
    required: [
      'id',
      'projectId',
      'title',
      'body',
      'createdBy',
      'createdAt',
      'updatedAt',
      'version',
    ],
  })
  .openapi('Note'))

export type Note = z.infer<ReturnType<typeof NoteSchema>>

export const NoteCreateSchema = lazy(() => z
  .strictObject({
    title: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(500)
      .openapi({ description: 'The note title.', example: 'Meeting notes 2026-11-20' }),
    body: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(100000)
      .optional()
      .openapi({
        description: 'The note in Markdown.',
        example: '## Decisions\n\n- Launch on December 1st',
      }),
  })
  .openapi({ required: ['title'], description: 'A new note.' })
  .openapi('NoteCreate'))

export type NoteCreate = z.infer<ReturnType<typeof NoteCreateSchema>>

export const NoteUpdateSchema = lazy(() => z
  .strictObject({
    title: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: 'The note title.', example: 'Meeting notes 2026-11-20' }),
    body: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .max(100000)
      .optional()
      .openapi({
        description: 'The note in Markdown.',
        example: '## Decisions\n\n- Launch on December 1st',
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({ description: 'The fields to change.' })
  .openapi('NoteUpdate'))

export type NoteUpdate = z.infer<ReturnType<typeof NoteUpdateSchema>>

export const NoteListSchema = lazy(() => z
  .strictObject({
    data: z.array(NoteSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({ required: ['data', 'nextCursor'], description: 'A page of notes.' })
  .openapi('NoteList'))

export type NoteList = z.infer<ReturnType<typeof NoteListSchema>>

export const CommentSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^cmt_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The comment id.', example: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    taskId: z
      .string()
      .regex(/^tsk_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The task commented on.',
        example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    authorId: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'Who wrote it.', example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    body: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .min(1)
      .max(10000)
      .openapi({
        description: 'The comment in Markdown.',
        example: 'First draft is in the shared folder.',
      }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When it was written.', example: '2026-11-20T09:30:00.000Z' }),
    updatedAt: dateTime()
      .max(40)
      .openapi({ description: 'When it was last edited.', example: '2026-11-20T09:30:00.000Z' }),
    version: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .openapi({
        description:
          'Increases with every change; the `ETag` of the resource is this number in quotes.',
        example: 3,
      }),
  })
  .openapi({
    description: 'A comment on a task.',
    required: ['id', 'taskId', 'authorId', 'body', 'createdAt', 'updatedAt', 'version'],
  })
  .openapi('Comment'))

export type Comment = z.infer<ReturnType<typeof CommentSchema>>

export const CommentCreateSchema = lazy(() => z
  .strictObject({
    body: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .min(1)
      .max(10000)
      .openapi({
        description: 'The comment in Markdown.',
        example: 'First draft is in the shared folder.',
      }),
  })
  .openapi({ required: ['body'], description: 'A new comment.' })
  .openapi('CommentCreate'))

export type CommentCreate = z.infer<ReturnType<typeof CommentCreateSchema>>

export const CommentUpdateSchema = lazy(() => z
  .strictObject({
    body: z
      .string()
      .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/)
      .min(1)
      .max(10000)
      .openapi({
        description: 'The comment in Markdown.',
        example: 'First draft is in the shared folder.',
      }),
  })
  .openapi({ required: ['body'], description: 'The new text of the comment.' })
  .openapi('CommentUpdate'))

export type CommentUpdate = z.infer<ReturnType<typeof CommentUpdateSchema>>

export const CommentListSchema = lazy(() => z
  .strictObject({
    data: z.array(CommentSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({ required: ['data', 'nextCursor'], description: 'A page of comments, oldest first.' })
  .openapi('CommentList'))

export type CommentList = z.infer<ReturnType<typeof CommentListSchema>>

export const WebhookEndpointSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^whk_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The webhook endpoint id.',
        example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The project whose changes it receives.',
        example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    url: z
      .url()
      .min(1)
      .max(2000)
      .openapi({
        description:
          'Where events are POSTed; `https` unless the server allows `http` for development.',
        example: 'https://hooks.example.com/tasklane',
      }),
    description: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(500)
      .openapi({
        description: 'What the endpoint is for.',
        example: 'Post finished tasks to the team chat',
      }),
    eventTypes: z
      .array(
        z
          .string()
          .regex(/^(\*|[a-z]+\.(\*|[a-z_]+))$/)
          .min(1)
          .max(64),
      )
      .min(1)
      .max(40)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .openapi({
        description:
          "Which changes to send: change types (`task.updated`), a resource's every change (`task.*`), or `*` for all.",
        example: ['task.*', 'comment.created'],
      }),
    enabled: z
      .boolean()
      .openapi({ description: 'Whether new changes are delivered to it.', example: true }),
    disabledReason: z
      .string()
      .regex(/^failing$/)
      .max(20)
      .nullable()
      .openapi({
        description:
          '`failing` when the server disabled it because every attempt failed for `WEBHOOK_DISABLE_AFTER_S`; `null` otherwise.',
        example: null,
      }),
    previousSecretExpiresAt: dateTime()
      .max(40)
      .nullable()
      .openapi({
        description:
          'Until when deliveries are also signed with the secret before the last rotation; `null` when there is none.',
        example: '2026-11-20T09:30:00.000Z',
      }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When it was added.', example: '2026-11-20T09:30:00.000Z' }),
    updatedAt: dateTime()
      .max(40)
      .openapi({ description: 'When it last changed.', example: '2026-11-20T09:30:00.000Z' }),
    version: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .openapi({ description: 'Its version, also its `ETag`.', example: 1 }),
  })
  .openapi({
    description:
      "A URL that is sent a project's changes, signed. Its secret is shown only when created or rotated.",
    required: [
      'id',
      'projectId',
      'url',
      'description',
      'eventTypes',
      'enabled',
      'disabledReason',
      'previousSecretExpiresAt',
      'createdAt',
      'updatedAt',
      'version',
    ],
  })
  .openapi('WebhookEndpoint'))

export type WebhookEndpoint = z.infer<ReturnType<typeof WebhookEndpointSchema>>

export const WebhookEndpointCreatedSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^whk_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The webhook endpoint id.',
        example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The project whose changes it receives.',
        example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    url: z
      .url()
      .min(1)
      .max(2000)
      .openapi({
        description:
          'Where events are POSTed; `https` unless the server allows `http` for development.',
        example: 'https://hooks.example.com/tasklane',
      }),
    description: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(500)
      .openapi({
        description: 'What the endpoint is for.',
        example: 'Post finished tasks to the team chat',
      }),
    eventTypes: z
      .array(
        z
          .string()
          .regex(/^(\*|[a-z]+\.(\*|[a-z_]+))$/)
          .min(1)
          .max(64),
      )
      .min(1)
      .max(40)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .openapi({
        description:
          "Which changes to send: change types (`task.updated`), a resource's every change (`task.*`), or `*` for all.",
        example: ['task.*', 'comment.created'],
      }),
    enabled: z
      .boolean()
      .openapi({ description: 'Whether new changes are delivered to it.', example: true }),
    disabledReason: z
      .string()
      .regex(/^failing$/)
      .max(20)
      .nullable()
      .openapi({
        description:
          '`failing` when the server disabled it because every attempt failed for `WEBHOOK_DISABLE_AFTER_S`; `null` otherwise.',
        example: null,
      }),
    previousSecretExpiresAt: dateTime()
      .max(40)
      .nullable()
      .openapi({
        description:
          'Until when deliveries are also signed with the secret before the last rotation; `null` when there is none.',
        example: '2026-11-20T09:30:00.000Z',
      }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When it was added.', example: '2026-11-20T09:30:00.000Z' }),
    updatedAt: dateTime()
      .max(40)
      .openapi({ description: 'When it last changed.', example: '2026-11-20T09:30:00.000Z' }),
    version: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .openapi({ description: 'Its version, also its `ETag`.', example: 1 }),
    secret: z
      .string()
      .regex(/^whsec_[!-~]+$/)
      .min(20)
      .max(100)
      .openapi({
        description: 'The signing secret (Standard Webhooks `whsec_` form). Shown only once.',
        example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      }),
  })
  .openapi({
    description: 'A new webhook endpoint, with its signing secret (shown only this once).',
    required: [
      'id',
      'projectId',
      'url',
      'description',
      'eventTypes',
      'enabled',
      'disabledReason',
      'previousSecretExpiresAt',
      'createdAt',
      'updatedAt',
      'version',
      'secret',
    ],
  })
  .openapi('WebhookEndpointCreated'))

export type WebhookEndpointCreated = z.infer<ReturnType<typeof WebhookEndpointCreatedSchema>>

export const WebhookEndpointCreateSchema = lazy(() => z
  .strictObject({
    url: z
      .url()
      .min(1)
      .max(2000)
      .openapi({
        description:
          'Where events are POSTed; `https` unless the server allows `http` for development.',
        example: 'https://hooks.example.com/tasklane',
      }),
    description: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(500)
      .optional()
      .openapi({
        description: 'What the endpoint is for.',
        example: 'Post finished tasks to the team chat',
      }),
    eventTypes: z
      .array(
        z
          .string()
          .regex(/^(\*|[a-z]+\.(\*|[a-z_]+))$/)
          .min(1)
          .max(64),
      )
      .min(1)
      .max(40)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .openapi({
        description:
          "Which changes to send: change types (`task.updated`), a resource's every change (`task.*`), or `*` for all.",
        example: ['task.*', 'comment.created'],
      }),
    enabled: z
      .boolean()
      .optional()
      .openapi({
        description: 'Whether to deliver to it at once; `true` when left out.',
        example: true,
      }),
  })
  .openapi({ required: ['url', 'eventTypes'], description: 'A new webhook endpoint.' })
  .openapi('WebhookEndpointCreate'))

export type WebhookEndpointCreate = z.infer<ReturnType<typeof WebhookEndpointCreateSchema>>

export const WebhookEndpointUpdateSchema = lazy(() => z
  .strictObject({
    url: z
      .url()
      .min(1)
      .max(2000)
      .optional()
      .openapi({
        description:
          'Where events are POSTed; `https` unless the server allows `http` for development.',
        example: 'https://hooks.example.com/tasklane',
      }),
    description: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(500)
      .optional()
      .openapi({
        description: 'What the endpoint is for.',
        example: 'Post finished tasks to the team chat',
      }),
    eventTypes: z
      .array(
        z
          .string()
          .regex(/^(\*|[a-z]+\.(\*|[a-z_]+))$/)
          .min(1)
          .max(64),
      )
      .min(1)
      .max(40)
      .refine((items) => new Set(items).size === items.length, { error: 'Give each item once' }).openapi({ uniqueItems: true })
      .optional()
      .openapi({
        description:
          "Which changes to send: change types (`task.updated`), a resource's every change (`task.*`), or `*` for all.",
        example: ['task.*', 'comment.created'],
      }),
    enabled: z
      .boolean()
      .optional()
      .openapi({
        description:
          '`false` stops deliveries of new changes; `true` starts them again (and clears `disabledReason`).',
        example: false,
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({ description: 'The fields to change.' })
  .openapi('WebhookEndpointUpdate'))

export type WebhookEndpointUpdate = z.infer<ReturnType<typeof WebhookEndpointUpdateSchema>>

export const WebhookEndpointListSchema = lazy(() => z
  .strictObject({
    data: z.array(WebhookEndpointSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({
    required: ['data', 'nextCursor'],
    description: 'A page of webhook endpoints, oldest first.',
  })
  .openapi('WebhookEndpointList'))

export type WebhookEndpointList = z.infer<ReturnType<typeof WebhookEndpointListSchema>>

export const WebhookSecretSchema = lazy(() => z
  .strictObject({
    secret: z
      .string()
      .regex(/^whsec_[!-~]+$/)
      .min(20)
      .max(100)
      .openapi({
        description: 'The signing secret (Standard Webhooks `whsec_` form). Shown only once.',
        example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      }),
    previousSecretExpiresAt: dateTime()
      .max(40)
      .openapi({
        description: 'Until when deliveries are also signed with the previous secret (24 hours).',
        example: '2026-11-20T09:30:00.000Z',
      }),
  })
  .openapi({
    required: ['secret', 'previousSecretExpiresAt'],
    description: 'A new signing secret, shown only this once.',
  })
  .openapi('WebhookSecret'))

export type WebhookSecret = z.infer<ReturnType<typeof WebhookSecretSchema>>

export const WebhookDeliverySchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^msg_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The delivery id, sent as `webhook-id` on every attempt.',
        example: 'msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    endpointId: z
      .string()
      .regex(/^whk_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The endpoint.', example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    eventType: z
      .string()
      .regex(/^[a-z]+\.[a-z_]+$/)
      .max(64)
      .openapi({
        description: "The event's `type`, a change type or `webhook.ping`.",
        example: 'task.updated',
      }),
    changeSeq: z
      .string()
      .regex(/^[0-9]{1,19}$/)
      .max(19)
      .nullable()
      .openapi({ description: "The change's seq; `null` for a ping.", example: '42' }),
    status: z
      .enum(['pending', 'succeeded', 'failed'])
      .openapi({
        description: '`pending` until an attempt succeeds (`succeeded`) or retries end (`failed`).',
        example: 'pending',
      }),
    attempts: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(0)
      .max(2147483647)
      .openapi({ description: 'Attempts made so far.', example: 2 }),
    lastAttemptAt: dateTime()
      .max(40)
      .nullable()
      .openapi({
        description: 'When the last attempt started; `null` before the first.',
        example: '2026-11-20T09:30:00.000Z',
      }),
    durationMs: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(0)
      .max(2147483647)
      .nullable()
      .openapi({ description: 'How long the last attempt took, in milliseconds.', example: 131 }),
    responseStatus: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(100)
      .max(599)
      .nullable()
      .openapi({
        description:
          'The HTTP status the receiver answered the last attempt with; `null` when it did not answer.',
        example: 503,
      }),
    responseBody: z
      .string()
      .regex(/^[^\u0000]*$/)
      .max(65536)
      .nullable()
      .openapi({
        description: "The start of the last response's body (at most 64 KiB of it, as text).",
        example: 'Service Unavailable',
      }),
    error: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .max(2000)
      .nullable()
      .openapi({
        description:
          'Why the last attempt failed when no status tells (a refused address, a time-out, a dropped connection, a redirect).',
        example: null,
      }),
    nextAttemptAt: dateTime()
      .max(40)
      .nullable()
      .openapi({
        description: 'When the next attempt is due; `null` when none is.',
        example: '2026-11-20T09:30:00.000Z',
      }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When the event was queued.', example: '2026-11-20T09:30:00.000Z' }),
  })
  .openapi({
    description:
      'One event sent (or to be sent) to an endpoint, with the outcome of its last attempt.',
    required: [
      'id',
      'endpointId',
      'eventType',
      'changeSeq',
      'status',
      'attempts',
      'lastAttemptAt',
      'durationMs',
      'responseStatus',
      'responseBody',
      'error',
      'nextAttemptAt',
      'createdAt',
    ],
  })
  .openapi('WebhookDelivery'))

export type WebhookDelivery = z.infer<ReturnType<typeof WebhookDeliverySchema>>

export const WebhookDeliveryListSchema = lazy(() => z
  .strictObject({
    data: z.array(WebhookDeliverySchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({ required: ['data', 'nextCursor'], description: 'A page of deliveries, newest first.' })
  .openapi('WebhookDeliveryList'))

export type WebhookDeliveryList = z.infer<ReturnType<typeof WebhookDeliveryListSchema>>

export const WebhookReplaySchema = lazy(() => z
  .strictObject({
    since: z
      .string()
      .regex(/^[0-9]{1,19}$/)
      .max(19)
      .openapi({ description: 'Replay the changes after this seq.', example: '42' }),
  })
  .openapi({ required: ['since'], description: 'Where to replay from.' })
  .openapi('WebhookReplay'))

export type WebhookReplay = z.infer<ReturnType<typeof WebhookReplaySchema>>

export const WebhookReplayResultSchema = lazy(() => z
  .strictObject({
    queued: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' }).min(0).max(10000).openapi({ description: 'Deliveries queued.', example: 37 }),
    throughSeq: z
      .string()
      .regex(/^[0-9]{1,19}$/)
      .max(19)
      .openapi({
        description: 'The last seq looked at; pass it as `since` to continue when `hasMore`.',
        example: '42',
      }),
    hasMore: z
      .boolean()
      .openapi({ description: 'Whether later changes are left to replay.', example: false }),
  })
  .openapi({ required: ['queued', 'throughSeq', 'hasMore'], description: 'What a replay queued.' })
  .openapi('WebhookReplayResult'))

export type WebhookReplayResult = z.infer<ReturnType<typeof WebhookReplayResultSchema>>

export const ChangeSchema = lazy(() => z
  .strictObject({
    seq: z
      .string()
      .regex(/^[0-9]{1,19}$/)
      .max(19)
      .openapi({
        description:
          'Position in the log, a decimal integer (it may exceed 2^53); also the event id on the stream.',
        example: '42',
      }),
    type: z
      .enum([
        'project.created',
        'project.updated',
        'project.deleted',
        'member.added',
        'member.updated',
        'member.removed',
        'invitation.created',
        'invitation.accepted',
        'invitation.revoked',
        'task.created',
        'task.updated',
        'task.deleted',
        'note.created',
        'note.updated',
        'note.deleted',
        'comment.created',
        'comment.updated',
        'comment.deleted',
        'notification.created',
        'notification.updated',
        'attachment.created',
        'attachment.updated',
        'attachment.deleted',
        'notification.deleted',
      ])
      .openapi({ description: 'What happened, `<resourceType>.<verb>`.', example: 'task.updated' }),
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description:
          "The project the change belongs to; `null` for changes of the caller's own account.",
        example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    resourceType: z
      .enum([
        'project',
        'member',
        'invitation',
        'task',
        'note',
        'comment',
        'notification',
        'attachment',
      ])
      .openapi({ description: 'The kind of resource in `data`.', example: 'task' }),
    resourceId: z
      .string()
      .regex(/^[a-z]{3}_[0-9A-Z]{26}$/)
      .min(1)
      .max(64)
      .openapi({
        description: "The id of the resource (for a membership, the member's user id).",
        example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    version: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .nullable()
      .openapi({
        description:
          "The resource's version after the change (its `ETag`); `null` for deletions and resources without versions.",
        example: 2,
      }),
    actorId: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description:
          'Who made the change; `null` when no user did (an account that has since been deleted, or the system).',
        example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    occurredAt: dateTime()
      .max(40)
      .openapi({
        description: 'When the change was committed.',
        example: '2026-11-20T09:31:00.000Z',
      }),
    data: z
      .looseObject({})
      .openapi({
        description:
          'The resource as its get operation answers it, as of this change; for deletions and removals a tombstone `{ "id": "…", "deleted": true }`.',
        example: { id: 'nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K', deleted: true },
      }),
  })
  .openapi({
    description: 'One entry of the change log.',
    required: [
      'seq',
      'type',
      'projectId',
      'resourceType',
      'resourceId',
      'version',
      'actorId',
      'occurredAt',
      'data',
    ],
  })
  .openapi('Change'))

export const WebhookChangeEventSchema = lazy(() => z
  .strictObject({
    type: z
      .string()
      .regex(/^[a-z]+\.[a-z_]+$/)
      .max(64)
      .openapi({ description: "The change's type, e.g. `task.updated`.", example: 'task.updated' }),
    timestamp: dateTime()
      .max(40)
      .openapi({ description: 'When the change happened.', example: '2026-11-20T09:30:00.000Z' }),
    data: ChangeSchema(),
  })
  .openapi({
    description: 'The body of a webhook delivery for a change (Standard Webhooks envelope).',
    required: ['type', 'timestamp', 'data'],
  })
  .openapi('WebhookChangeEvent'))

export type WebhookChangeEvent = z.infer<ReturnType<typeof WebhookChangeEventSchema>>

export const WebhookPingEventSchema = lazy(() => z
  .strictObject({
    type: z
      .literal('webhook.ping')
      .openapi({ description: 'Always `webhook.ping`.', example: 'webhook.ping' }),
    timestamp: dateTime()
      .max(40)
      .openapi({
        description: 'When the ping was asked for.',
        example: '2026-11-20T09:30:00.000Z',
      }),
    data: z
      .strictObject({
        endpointId: z
          .string()
          .regex(/^whk_[0-9A-Z]{26}$/)
          .max(64)
          .openapi({ description: 'The endpoint.', example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
        projectId: z
          .string()
          .regex(/^prj_[0-9A-Z]{26}$/)
          .max(64)
          .openapi({ description: 'Its project.', example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
      })
      .openapi({
        required: ['endpointId', 'projectId'],
        description: 'Which endpoint was pinged.',
      }),
  })
  .openapi({
    description: 'The body of a test event sent by `pingWebhookEndpoint`.',
    required: ['type', 'timestamp', 'data'],
  })
  .openapi('WebhookPingEvent'))

export type WebhookPingEvent = z.infer<ReturnType<typeof WebhookPingEventSchema>>

export type Change = z.infer<ReturnType<typeof ChangeSchema>>

export const ChangeListSchema = lazy(() => z
  .strictObject({
    data: z.array(ChangeSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description:
          'Pass as `cursor` to get the next page; `null` when this page holds every change there is now.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
    syncToken: z
      .string()
      .regex(/^[0-9]{1,19}$/)
      .max(19)
      .openapi({
        description:
          'Pass as `since` on the next poll; the `seq` of the last change returned, or the given `since` when there is nothing new.',
        example: '43',
      }),
  })
  .openapi({ required: ['data', 'nextCursor', 'syncToken'], description: 'A page of changes.' })
  .openapi('ChangeList'))

export type ChangeList = z.infer<ReturnType<typeof ChangeListSchema>>

export const NotificationSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^ntf_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The notification id.', example: 'ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    reason: z
      .enum(['assigned', 'mentioned', 'commented', 'invited', 'webhook_disabled'])
      .openapi({
        description:
          'Why you were notified: `assigned` (a task was assigned to you), `mentioned` (an @mention of you in a task description or comment), `commented` (a comment on a task you created or are assigned), `invited` (an invitation to a project), `webhook_disabled` (a webhook endpoint of a project you own failed every delivery for `WEBHOOK_DISABLE_AFTER_S` and was turned off; its owners are also emailed at once, and there is no preference to turn this one off).',
      }),
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The project it happened in (for `invited`, the project you were invited to).',
        example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    taskId: z
      .string()
      .regex(/^tsk_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description: 'The task; `null` for `invited` and `webhook_disabled`.',
        example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    commentId: z
      .string()
      .regex(/^cmt_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description:
          'The latest comment of the thread, when the latest event was a comment; otherwise `null`.',
        example: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    invitationId: z
      .string()
      .regex(/^inv_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description:
          'The latest invitation, for `invited`; otherwise `null`. Accept it with the token from the invitation email.',
        example: null,
      }),
    webhookId: z
      .string()
      .regex(/^whk_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description:
          'The webhook endpoint, for `webhook_disabled`; otherwise `null`. Enable it again with `updateWebhookEndpoint`, then replay what it missed with `replayWebhookEvents`.',
        example: null,
      }),
    actorId: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description:
          'Who caused the latest event of the thread; `null` once their account is deleted.',
        example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    title: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(500)
      .openapi({
        description:
          "The task title (or, for `invited`, the project name; for `webhook_disabled`, the endpoint's URL) at the latest event, so the notification can be shown without another request.",
        example: 'Write the launch post',
      }),
    count: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .openapi({
        description: 'How many events this thread has gathered while unread.',
        example: 2,
      }),
    readAt: dateTime()
      .max(40)
      .nullable()
      .openapi({ description: 'When it was marked read; `null` while unread.', example: null }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When the thread started.', example: '2026-11-20T09:30:00.000Z' }),
    updatedAt: dateTime()
      .max(40)
      .openapi({
        description:
          'When the latest event of the thread happened; lists are newest first by this.',
        example: '2026-11-20T10:12:40.000Z',
      }),
  })
  .openapi({
    description:
      'Something that happened to you: a thread per task (or project) and reason while unread.',
    required: [
      'id',
      'reason',
      'projectId',
      'taskId',
      'commentId',
      'invitationId',
      'webhookId',
      'actorId',
      'title',
      'count',
      'readAt',
      'createdAt',
      'updatedAt',
    ],
  })
  .openapi('Notification'))

export type Notification = z.infer<ReturnType<typeof NotificationSchema>>

export const NotificationListSchema = lazy(() => z
  .strictObject({
    data: z.array(NotificationSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({
    required: ['data', 'nextCursor'],
    description: 'A page of notifications, most recently updated first.',
  })
  .openapi('NotificationList'))

export type NotificationList = z.infer<ReturnType<typeof NotificationListSchema>>

export const UnreadNotificationCountSchema = lazy(() => z
  .strictObject({
    count: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(0)
      .max(2147483647)
      .openapi({ description: 'The number of unread notifications.', example: 3 }),
  })
  .openapi({ required: ['count'], description: 'How many notifications are unread.' })
  .openapi('UnreadNotificationCount'))

export type UnreadNotificationCount = z.infer<ReturnType<typeof UnreadNotificationCountSchema>>

export const NotificationsMarkReadSchema = lazy(() => z
  .strictObject({
    before: dateTime()
      .max(40)
      .openapi({
        description:
          'Mark read the unread notifications whose `updatedAt` is at or before this time.',
        example: '2026-11-20T10:12:40.000Z',
      }),
  })
  .openapi({ required: ['before'], description: 'Which notifications to mark read.' })
  .openapi('NotificationsMarkRead'))

export type NotificationsMarkRead = z.infer<ReturnType<typeof NotificationsMarkReadSchema>>

export const NotificationsMarkedSchema = lazy(() => z
  .strictObject({
    marked: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(0)
      .max(2147483647)
      .openapi({ description: 'How many notifications were unread and are now read.', example: 3 }),
  })
  .openapi({ required: ['marked'], description: 'The outcome of marking notifications read.' })
  .openapi('NotificationsMarked'))

export type NotificationsMarked = z.infer<ReturnType<typeof NotificationsMarkedSchema>>

export const NotificationChannelsSchema = lazy(() => z
  .strictObject({
    inApp: z
      .boolean()
      .openapi({
        description:
          'Make a notification in the app (and on the event stream). When off, nothing is made, so nothing is emailed either.',
        example: true,
      }),
    email: z
      .boolean()
      .openapi({
        description:
          "Email it when it is still unread some minutes later (the server's `NOTIFICATION_EMAIL_DELAY_S`, 10 minutes by default).",
        example: true,
      }),
  })
  .openapi({ required: ['inApp', 'email'], description: 'Where notifications of one reason go.' })
  .openapi('NotificationChannels'))

export type NotificationChannels = z.infer<ReturnType<typeof NotificationChannelsSchema>>

export const NotificationChannelsUpdateSchema = lazy(() => z
  .strictObject({
    inApp: z
      .boolean()
      .optional()
      .openapi({
        description: 'Make a notification in the app (and on the event stream).',
        example: true,
      }),
    email: z
      .boolean()
      .optional()
      .openapi({
        description: 'Email it when it is still unread after the delay.',
        example: false,
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({
    description: 'The channels to change for one reason; those left out stay as they are.',
  })
  .openapi('NotificationChannelsUpdate'))

export type NotificationChannelsUpdate = z.infer<ReturnType<typeof NotificationChannelsUpdateSchema>>

export const NotificationPreferencesSchema = lazy(() => z
  .strictObject({
    assigned: NotificationChannelsSchema(),
    mentioned: NotificationChannelsSchema(),
    commented: NotificationChannelsSchema(),
    invited: NotificationChannelsSchema(),
  })
  .openapi({
    required: ['assigned', 'mentioned', 'commented', 'invited'],
    description: 'For each reason, which channels notify you.',
  })
  .openapi('NotificationPreferences'))

export type NotificationPreferences = z.infer<ReturnType<typeof NotificationPreferencesSchema>>

export const NotificationPreferencesUpdateSchema = lazy(() => z
  .strictObject({
    assigned: NotificationChannelsUpdateSchema().optional(),
    mentioned: NotificationChannelsUpdateSchema().optional(),
    commented: NotificationChannelsUpdateSchema().optional(),
    invited: NotificationChannelsUpdateSchema().optional(),
  })
  .openapi({ description: 'The reasons and channels to change; anything left out stays as it is.' })
  .openapi('NotificationPreferencesUpdate'))

export type NotificationPreferencesUpdate = z.infer<ReturnType<typeof NotificationPreferencesUpdateSchema>>

export const ReadyEventSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^[0-9]{1,19}$/)
      .max(19)
      .openapi({ example: '41' }),
    event: z.literal('ready'),
    data: z
      .strictObject({
        since: z
          .string()
          .regex(/^[0-9]{1,19}$/)
          .max(19)
          .openapi({
            description: 'The `seq` the stream sends changes after (`0` for an empty log).',
            example: '41',
          }),
      })
      .openapi({ required: ['since'] }),
  })
  .openapi({
    required: ['id', 'event', 'data'],
    description:
      'The first event of every stream: where it starts. Its `id` (the same as `data.since`) is the\nposition to resume from until the first change arrives.',
  })
  .openapi('ReadyEvent'))

export const ChangeEventSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^[0-9]{1,19}$/)
      .max(19)
      .openapi({ example: '42' }),
    event: z
      .string()
      .regex(/^[a-z]+\.[a-z_]+$/)
      .max(64)
      .openapi({
        description: "The change's `type` (as in `data.type`).",
        example: 'task.updated',
      }),
    data: ChangeSchema(),
  })
  .openapi({
    required: ['id', 'event', 'data'],
    description: "A change the caller may see. Its `id` is the change's `seq`, to resume from.",
  })
  .openapi('ChangeEvent'))

export const AccessRevokedEventSchema = lazy(() => z
  .strictObject({
    event: z.literal('access_revoked'),
    data: z
      .strictObject({
        projectId: z
          .string()
          .regex(/^prj_[0-9A-Z]{26}$/)
          .max(64)
          .openapi({ example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
      })
      .openapi({ required: ['projectId'] }),
  })
  .openapi({
    required: ['event', 'data'],
    description:
      'The caller lost access to a project (removed from it, or it was deleted); nothing more of it follows.',
  })
  .openapi('AccessRevokedEvent'))

export const AuthExpiredEventSchema = lazy(() => z
  .strictObject({ event: z.literal('auth_expired'), data: z.strictObject({}) })
  .openapi({
    required: ['event', 'data'],
    description:
      'The credentials expired or were revoked; the server closes the stream. Reconnect with fresh credentials.',
  })
  .openapi('AuthExpiredEvent'))

export const ReconnectEventSchema = lazy(() => z
  .strictObject({
    event: z.literal('reconnect'),
    data: z
      .strictObject({
        reason: z.enum(['shutdown', 'slow_consumer']),
        since: z
          .string()
          .regex(/^[0-9]{1,19}$/)
          .max(19)
          .openapi({
            description: 'The `seq` of the last change sent; resume after it.',
            example: '42',
          }),
      })
      .openapi({ required: ['reason', 'since'] }),
  })
  .openapi({
    required: ['event', 'data'],
    description:
      'The server closes the stream: it is shutting down (`shutdown`) or the client reads too slowly\n(`slow_consumer`). Reconnect (to any instance) from `since`.',
  })
  .openapi('ReconnectEvent'))

export const StreamEventSchema = lazy(() => z
  .union([
    ReadyEventSchema(),
    ChangeEventSchema(),
    AccessRevokedEventSchema(),
    AuthExpiredEventSchema(),
    ReconnectEventSchema(),
  ])
  .openapi({
    description:
      'One event of `streamEvents` as an `EventSource` parses it: `id` (changes and `ready` only), `event`\nand `data` (parsed from JSON). Exactly one of these matches, told apart by `event`.',
  })
  .openapi('StreamEvent'))

export type StreamEvent = z.infer<ReturnType<typeof StreamEventSchema>>

export type ReadyEvent = z.infer<ReturnType<typeof ReadyEventSchema>>

export type ChangeEvent = z.infer<ReturnType<typeof ChangeEventSchema>>

export type AccessRevokedEvent = z.infer<ReturnType<typeof AccessRevokedEventSchema>>

export type AuthExpiredEvent = z.infer<ReturnType<typeof AuthExpiredEventSchema>>

export type ReconnectEvent = z.infer<ReturnType<typeof ReconnectEventSchema>>

export const AttachmentSchema = lazy(() => z
  .strictObject({
    id: z
      .string()
      .regex(/^att_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({ description: 'The attachment id.', example: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }),
    projectId: z
      .string()
      .regex(/^prj_[0-9A-Z]{26}$/)
      .max(64)
      .openapi({
        description: 'The project the file belongs to.',
        example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    taskId: z
      .string()
      .regex(/^tsk_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description: 'The task the file is attached to, if any.',
        example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    noteId: z
      .string()
      .regex(/^not_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description: 'The note the file is attached to, if any.',
        example: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    commentId: z
      .string()
      .regex(/^cmt_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description: 'The comment the file is attached to, if any.',
        example: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    filename: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F\u002F\u005C]*$/)
      .min(1)
      .max(255)
      .openapi({
        description:
          "The file's name as uploaded (or renamed); shown to people, never used as a path.",
        example: 'screenshot 2026-11-20.png',
      }),
    contentType: z
      .string()
      .regex(/^[a-z0-9!#$&^_.+-]+\u002F[a-z0-9!#$&^_.+-]+$/)
      .max(255)
      .openapi({
        description:
          "The media type read from the file's bytes; `text/plain` or `application/octet-stream` when nothing more is known.",
        example: 'image/png',
      }),
    claimedContentType: z
      .string()
      .regex(/^[\x20-\x7E]*$/)
      .max(255)
      .nullable()
      .openapi({
        description: 'The media type the client sent with the file, kept for reference only.',
        example: 'image/png',
      }),
    size: z.int().openapi({ format: 'int64' })
      .min(1)
      .max(9007199254740991)
      .openapi({ description: "The file's size in bytes.", example: 48213 }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .length(64)
      .openapi({
        description: "The hex SHA-256 of the file's bytes; also its download `ETag`.",
        example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      }),
    thumbnails: z
      .boolean()
      .openapi({
        description:
          'Whether thumbnails can be asked for (the file is a PNG, JPEG, GIF, WebP, AVIF or TIFF image).',
        example: true,
      }),
    createdBy: z
      .string()
      .regex(/^usr_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .openapi({
        description: 'Who uploaded the file; `null` once their account is deleted.',
        example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    createdAt: dateTime()
      .max(40)
      .openapi({ description: 'When the file was stored.', example: '2026-11-20T09:30:00.000Z' }),
    updatedAt: dateTime()
      .max(40)
      .openapi({
        description: 'When the metadata last changed.',
        example: '2026-11-20T09:30:00.000Z',
      }),
    version: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(1)
      .max(2147483647)
      .openapi({
        description:
          'Increases with every change of the metadata; the `ETag` of the resource is this number in quotes.',
        example: 1,
      }),
  })
  .openapi({
    description:
      'A file stored in a project, optionally attached to one of its tasks, notes or comments.',
    required: [
      'id',
      'projectId',
      'taskId',
      'noteId',
      'commentId',
      'filename',
      'contentType',
      'claimedContentType',
      'size',
      'sha256',
      'thumbnails',
      'createdBy',
      'createdAt',
      'updatedAt',
      'version',
    ],
  })
  .openapi('Attachment'))

export type Attachment = z.infer<ReturnType<typeof AttachmentSchema>>

export const AttachmentUploadSchema = lazy(() => z
  .strictObject({
    file: z
      .file()
      .max(5368709120).openapi({ type: 'string', format: 'binary', maxLength: 5368709120 })
      .openapi({ description: "The file; its part's `filename` is the file's name." }),
    taskId: z
      .string()
      .regex(/^tsk_[0-9A-Z]{26}$/)
      .max(64)
      .optional()
      .openapi({
        description: 'Attach the file to this task of the project.',
        example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    noteId: z
      .string()
      .regex(/^not_[0-9A-Z]{26}$/)
      .max(64)
      .optional()
      .openapi({
        description: 'Attach the file to this note of the project.',
        example: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    commentId: z
      .string()
      .regex(/^cmt_[0-9A-Z]{26}$/)
      .max(64)
      .optional()
      .openapi({
        description: 'Attach the file to this comment on a task of the project.',
        example: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/)
      .length(64)
      .optional()
      .openapi({
        description: 'The hex SHA-256 the file must have.',
        example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      }),
  })
  .openapi({
    required: ['file'],
    description:
      'A multipart upload. Send the fields before the file part when you can; they are read as they arrive.',
  })
  .openapi('AttachmentUpload'))

export type AttachmentUpload = z.infer<ReturnType<typeof AttachmentUploadSchema>>

export const AttachmentUpdateSchema = lazy(() => z
  .strictObject({
    filename: z
      .string()
      .regex(/^[^\u0000-\u001F\u007F]*$/)
      .min(1)
      .max(1000)
      .optional()
      .openapi({
        description: 'A new name (at most 255 characters, no path separators).',
        example: 'final report.pdf',
      }),
    taskId: z
      .string()
      .regex(/^tsk_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .optional()
      .openapi({
        description: 'Attach the file to this task of its project.',
        example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    noteId: z
      .string()
      .regex(/^not_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .optional()
      .openapi({
        description: 'Attach the file to this note of its project.',
        example: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
    commentId: z
      .string()
      .regex(/^cmt_[0-9A-Z]{26}$/)
      .max(64)
      .nullable()
      .optional()
      .openapi({
        description: 'Attach the file to this comment on a task of its project.',
        example: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      }),
  })
  .refine((o) => Object.keys(o).length >= 1, { error: 'Give at least 1 field' }).openapi({ minProperties: 1 })
  .openapi({
    description: 'The fields to change. `null` detaches the file from a task, note or comment.',
  })
  .openapi('AttachmentUpdate'))

export type AttachmentUpdate = z.infer<ReturnType<typeof AttachmentUpdateSchema>>

export const AttachmentListSchema = lazy(() => z
  .strictObject({
    data: z.array(AttachmentSchema()).max(100),
    nextCursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(1000)
      .nullable()
      .openapi({
        description: 'Pass as `cursor` to get the next page; `null` on the last page.',
        example: 'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
      }),
  })
  .openapi({ required: ['data', 'nextCursor'], description: 'A page of attachments.' })
  .openapi('AttachmentList'))

export type AttachmentList = z.infer<ReturnType<typeof AttachmentListSchema>>

export const AttachmentLinkSchema = lazy(() => z
  .strictObject({
    url: z
      .string()
      .regex(/^\u002Fv1\u002Ffiles\u002F[A-Za-z0-9_.-]+$/)
      .max(1000)
      .openapi({
        description: "The link, relative to the server's base URL.",
        example: '/v1/files/YXR0XzAx.pH1wJ3rN',
      }),
    expiresAt: dateTime()
      .max(40)
      .openapi({
        description: 'When the link stops working.',
        example: '2026-11-20T09:35:00.000Z',
      }),
  })
  .openapi({ required: ['url', 'expiresAt'], description: 'A signed download link.' })
  .openapi('AttachmentLink'))

export type AttachmentLink = z.infer<ReturnType<typeof AttachmentLinkSchema>>

export const ProjectStorageSchema = lazy(() => z
  .strictObject({
    usedBytes: z.int().openapi({ format: 'int64' })
      .min(0)
      .max(9007199254740991)
      .openapi({ description: "Bytes the project's files take.", example: 48213 }),
    reservedBytes: z.int().openapi({ format: 'int64' })
      .min(0)
      .max(9007199254740991)
      .openapi({
        description:
          'Bytes held for resumable uploads still under way (their `Upload-Length`), counted against the quota with `usedBytes` until each finishes, is cancelled or expires.',
        example: 0,
      }),
    fileCount: z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
      .min(0)
      .max(2147483647)
      .openapi({ description: 'How many files the project has.', example: 1 }),
    quotaBytes: z.int().openapi({ format: 'int64' })
      .min(0)
      .max(9007199254740991)
      .openapi({
        description: "The most bytes the project's files may take.",
        example: 1073741824,
      }),
    maxFileBytes: z.int().openapi({ format: 'int64' })
      .min(1)
      .max(9007199254740991)
      .openapi({ description: 'The largest file accepted.', example: 104857600 }),
  })
  .openapi({
    required: ['usedBytes', 'reservedBytes', 'fileCount', 'quotaBytes', 'maxFileBytes'],
    description: "A project's storage use and limits.",
  })
  .openapi('ProjectStorage'))

export type ProjectStorage = z.infer<ReturnType<typeof ProjectStorageSchema>>

export const XRequestIdHeaderSchema = lazy(() => z
  .string()
  .regex(/^[A-Za-z0-9._:-]+$/)
  .max(200)
  .optional()
  .openapi({
    description:
      'The id of this request, as sent by the client or generated by the server. Also in every problem body.',
    example: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
  }))

export const RateLimitHeaderSchema = lazy(() => z
  .string()
  .regex(/^"[a-z0-9-]+";r=[0-9]+;t=[0-9]+$/)
  .max(200)
  .optional()
  .openapi({
    description:
      'The caller\'s remaining quota under the policy that is closest to running out (IETF\ndraft-ietf-httpapi-ratelimit-headers): `"<policy>";r=<remaining>;t=<seconds until reset>`.\n',
    example: '"default";r=97;t=42',
  }))

export const RateLimitPolicyHeaderSchema = lazy(() => z
  .string()
  .regex(/^"[a-z0-9-]+";q=[0-9]+;w=[0-9]+(, "[a-z0-9-]+";q=[0-9]+;w=[0-9]+)*$/)
  .max(500)
  .optional()
  .openapi({
    description:
      'The quota policies that apply to this request, e.g. `"default";q=100;w=60` (100 requests a minute).',
    example: '"default";q=100;w=60',
  }))

export const AccessControlAllowOriginHeaderSchema = lazy(() => z
  .string()
  .regex(/^(\*|[A-Za-z][A-Za-z0-9+.-]*:\S+)$/)
  .max(2000)
  .optional()
  .openapi({
    description:
      "Sent only to a browser's cross-origin request whose `Origin` is allowed by the operator (`CORS_ORIGINS`): that origin, or `*` when any origin is allowed.",
    example: 'https://app.example.com',
  }))

export const BadRequestResponse = lazy(() => ({
  description:
    'A parameter or header fails validation (`code` `validation_failed`; `errors` lists each invalid input).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(z.object({ code: z.literal('validation_failed').optional() })),
      example: {
        type: 'https://tasklane.dev/problems/validation_failed',
        title: 'Validation failed',
        status: 400,
        detail: 'The request body does not match the schema.',
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
}))

export const UnauthorizedResponse = lazy(() => ({
  description:
    'The request has no valid credentials. `code` says why: `unauthenticated`, `token_expired`, `token_invalid`, `session_revoked`, `api_key_revoked`.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({
          code: z
            .enum([
              'unauthenticated',
              'token_invalid',
              'token_expired',
              'session_revoked',
              'api_key_revoked',
            ])
            .optional(),
        }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/unauthenticated',
        title: 'Unauthorized',
        status: 401,
        detail: 'This operation needs credentials: send "Authorization: Bearer <token>".',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'unauthenticated',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const ForbiddenResponse = lazy(() => ({
  description:
    'The credentials may not do this: an API key without the `write` scope (`insufficient_scope`), or a project role that may not (`forbidden`).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.enum(['insufficient_scope', 'forbidden']).optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/insufficient_scope',
        title: 'Forbidden',
        status: 403,
        detail: 'These credentials lack the `write` scope this operation needs.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'insufficient_scope',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const NotFoundResponse = lazy(() => ({
  description: 'No such resource, or one the caller may not see (the two are indistinguishable).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
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
}))

export const ConflictResponse = lazy(() => ({
  description:
    'A request with the same `Idempotency-Key` is still being processed (`idempotency_key_in_use`); retry it later.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.literal('idempotency_key_in_use').optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/idempotency_key_in_use',
        title: 'Conflict',
        status: 409,
        detail: 'A request with this Idempotency-Key is still in progress.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'idempotency_key_in_use',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const ETagHeaderSchema = lazy(() => z
  .string()
  .regex(/^"[0-9]+"$/)
  .max(100)
  .optional()
  .openapi({
    description:
      'The version of the resource; send it in `If-Match` to update only that version, or `If-None-Match` to skip an unchanged read.',
    example: '"3"',
  }))

export const PreconditionFailedResponse = lazy(() => ({
  description:
    "`If-Match` does not match the resource's current version; the current `ETag` is in the response.",
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    ETag: ETagHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.literal('precondition_failed').optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/precondition_failed',
        title: 'Precondition failed',
        status: 412,
        detail: 'The resource has changed since it was read; fetch it again.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'precondition_failed',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const UnprocessableContentResponse = lazy(() => ({
  description:
    'This `Idempotency-Key` was used with a different request (`idempotency_key_reused`).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.literal('idempotency_key_reused').optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/idempotency_key_reused',
        title: 'Unprocessable content',
        status: 422,
        detail:
          'This Idempotency-Key was used with a different request; use a new key for a new request.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'idempotency_key_reused',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const CursorExpiredResponse = lazy(() => ({
  description:
    '`since` (or `Last-Event-ID`) is older than the change log keeps (`code` is `cursor_expired`): reload the resources, then continue from the latest `syncToken`.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(z.object({ code: z.literal('cursor_expired').optional() })),
      example: {
        type: 'https://tasklane.dev/problems/cursor_expired',
        title: 'Gone',
        status: 410,
        detail:
          'Changes before seq 1200 are no longer kept; reload and continue from the latest syncToken.',
        instance: '/v1/changes',
        code: 'cursor_expired',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const RetryAfterHeaderSchema = lazy(() => z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' })
  .min(0)
  .max(86400)
  .optional()
  .openapi({ description: 'Seconds to wait before sending the request again.', example: 30 }))

export const TooManyRequestsResponse = lazy(() => ({
  description: 'A rate limit was exceeded; wait `Retry-After` seconds.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Retry-After': RetryAfterHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(z.object({ code: z.literal('rate_limited').optional() })),
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
}))

export const TooManyRequestsStreamsResponse = lazy(() => ({
  description:
    'A rate limit was exceeded (`rate_limited`), or the caller already holds as many open event streams on\nthis instance as it may (`too_many_streams`: `EVENTS_MAX_STREAMS_PER_USER` per user,\n`EVENTS_MAX_STREAMS_PER_KEY` per API key); close one, or wait `Retry-After` seconds.\n',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Retry-After': RetryAfterHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.enum(['rate_limited', 'too_many_streams']).optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/too_many_streams',
        title: 'Too many requests',
        status: 429,
        detail:
          'This account has 20 event streams open on this server, the most it may; close one before opening another.',
        instance: '/v1/events',
        code: 'too_many_streams',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const StreamsUnavailableResponse = lazy(() => ({
  description:
    'The server cannot open the stream now; `code` says why, and `Retry-After` when to try again.\n`streams_unavailable`: this instance already serves `EVENTS_MAX_STREAMS` open event streams (another\ninstance may have room). `service_unavailable`: the database does not answer (down, restarting,\nfailing over, or slower than the configured time limits).\n',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    'Retry-After': RetryAfterHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.enum(['streams_unavailable', 'service_unavailable']).optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/streams_unavailable',
        title: 'Service unavailable',
        status: 503,
        detail:
          'This server holds as many event streams as it may; retry shortly (another server may have room).',
        instance: '/v1/events',
        code: 'streams_unavailable',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const InternalErrorResponse = lazy(() => ({
  description:
    'An unexpected error. It is logged in full with the request id; the body never carries internals.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(z.object({ code: z.literal('internal_error').optional() })),
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
}))

export const ServiceUnavailableResponse = lazy(() => ({
  description:
    'The database does not answer now (down, restarting, failing over, or slower than the configured time\nlimits); `code` is `service_unavailable`. Retry after `Retry-After` seconds. A write whose connection was\nlost while committing may have been carried out: retry creates with the same `Idempotency-Key`.\n',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    'Retry-After': RetryAfterHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.literal('service_unavailable').optional() }),
      ),
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
}))

export const ServerBusyResponse = lazy(() => ({
  description:
    'The server cannot take this request now; `code` says why, and `Retry-After` when to try again.\n`server_busy`: too many passwords are being checked at once (the hashing queue is full), refused\nbefore any work. `service_unavailable`: the database does not answer (down, restarting, failing over,\nor slower than the configured time limits). Nothing was changed, except that a write whose connection\nwas lost while committing may have been carried out.\n',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    'Retry-After': RetryAfterHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.enum(['server_busy', 'service_unavailable']).optional() }),
      ),
      examples: {
        serverBusy: {
          summary: 'The hashing queue is full',
          value: {
            type: 'https://tasklane.dev/problems/server_busy',
            title: 'Service unavailable',
            status: 503,
            detail: 'The server is busy checking passwords; retry in a moment.',
            instance: '/v1/auth/login',
            code: 'server_busy',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
        serviceUnavailable: {
          summary: 'The database does not answer',
          value: {
            type: 'https://tasklane.dev/problems/service_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The database is not answering.',
            instance: '/v1/auth/login',
            code: 'service_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
}))

export const ConnectionCloseHeaderSchema = lazy(() => z
  .literal('close')
  .optional()
  .openapi({
    description:
      '`close`: the server closes the connection after this answer; send the next request on a new one.',
    example: 'close',
  }))

export const RequestHeaderFieldsTooLargeResponse = lazy(() => ({
  description:
    'The request line and header fields together are longer than 16 KiB (`code`\n`request_header_fields_too_large`), e.g. a URL over 16 KiB. The request is refused as it is read,\nbefore any other check (so this answer carries no rate-limit or CORS headers and `instance` is `/`),\nand the connection closes after it.\n',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    Connection: ConnectionCloseHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.literal('request_header_fields_too_large').optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/request_header_fields_too_large',
        title: 'Request header fields too large',
        status: 431,
        detail: 'The request line and headers are longer than 16384 bytes.',
        instance: '/',
        code: 'request_header_fields_too_large',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const ContentTooLargeResponse = lazy(() => ({
  description:
    'The request body is larger than this operation takes (`code` `content_too_large`): the longest body its\nschema allows (compact JSON with every string character written as a `\\u` escape, plus 1 KiB for\nwhitespace; a few kilobytes for signing in), and never more than `BODY_LIMIT` (1 MiB by default). The\nrest of the body is not read, so the connection closes after this answer (`Connection: close`).\n',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    Connection: ConnectionCloseHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(z.object({ code: z.literal('content_too_large').optional() })),
      example: {
        type: 'https://tasklane.dev/problems/content_too_large',
        title: 'Content too large',
        status: 413,
        detail: 'The request body is larger than 1048576 bytes.',
        instance: '/v1/projects',
        code: 'content_too_large',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const UnsupportedMediaTypeResponse = lazy(() => ({
  description:
    'The request body is not in a media type this operation takes (`code` `unsupported_media_type`); `Accept-Post` or `Accept-Patch` lists the ones it does. JSON bodies are UTF-8, so a `charset` other than `utf-8` is refused too.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.literal('unsupported_media_type').optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/unsupported_media_type',
        title: 'Unsupported media type',
        status: 415,
        detail: 'This operation takes application/json, not text/plain.',
        instance: '/v1/projects',
        code: 'unsupported_media_type',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const SessionRequiredResponse = lazy(() => ({
  description:
    'Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(z.object({ code: z.literal('session_required').optional() })),
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
}))

export const BadRequestBodyResponse = lazy(() => ({
  description:
    "The request fails validation (`validation_failed`, with `errors` listing each invalid input), its JSON does not parse (`malformed_json`), it nests arrays and objects more than 64 deep (`json_too_deep`), or an object in it has more keys or an array more items than any in the operation's schema and more than 64 (`json_too_wide`); the last two are found before the body is parsed.",
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({
          code: z
            .enum(['validation_failed', 'malformed_json', 'json_too_deep', 'json_too_wide'])
            .optional(),
        }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/validation_failed',
        title: 'Validation failed',
        status: 400,
        detail: 'The request body does not match the schema.',
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
}))

export const BadRequestChangesResponse = lazy(() => ({
  description:
    'A parameter fails validation (`validation_failed`, with `errors`), `cursor` is not one this list issued\nfor these filters (`invalid_cursor`), or `since` is past the newest change (`since_ahead`; reload and\ncontinue from the new `syncToken`).\n',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({
          code: z.enum(['validation_failed', 'invalid_cursor', 'since_ahead']).optional(),
        }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/since_ahead',
        title: 'Bad request',
        status: 400,
        detail:
          'since (900) is past the newest change (42); reload and continue from the latest syncToken.',
        instance: '/v1/changes',
        code: 'since_ahead',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        errors: [{ path: '/query/since', message: 'Past the newest change (42)', code: 'too_big' }],
      },
    },
  },
}))

export const BadRequestEventsResponse = lazy(() => ({
  description:
    'A parameter or header fails validation (`validation_failed`, with `errors`), or the position to start\nafter (`Last-Event-ID` or `since`) is past the newest change (`since_ahead`; reload and continue from\nthe new position).\n',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.enum(['validation_failed', 'since_ahead']).optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/since_ahead',
        title: 'Bad request',
        status: 400,
        detail:
          'Last-Event-ID (900) is past the newest change (42); reload and continue from the latest position.',
        instance: '/v1/events',
        code: 'since_ahead',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        errors: [
          {
            path: '/header/Last-Event-ID',
            message: 'Past the newest change (42)',
            code: 'too_big',
          },
        ],
      },
    },
  },
}))

export const BadRequestListResponse = lazy(() => ({
  description:
    'A parameter fails validation (`validation_failed`, with `errors`), or `cursor` is not one this list issued for these filters (`invalid_cursor`).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.enum(['validation_failed', 'invalid_cursor']).optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/validation_failed',
        title: 'Validation failed',
        status: 400,
        detail: 'The request body does not match the schema.',
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
}))

export const ForbiddenScopeResponse = lazy(() => ({
  description: 'An API key without the `write` scope may not do this (`insufficient_scope`).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.literal('insufficient_scope').optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/insufficient_scope',
        title: 'Forbidden',
        status: 403,
        detail: 'These credentials lack the `write` scope this operation needs.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'insufficient_scope',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const ForbiddenRoleResponse = lazy(() => ({
  description: "The caller's role in the project may not do this (`forbidden`).",
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(z.object({ code: z.literal('forbidden').optional() })),
      example: {
        type: 'https://tasklane.dev/problems/forbidden',
        title: 'Forbidden',
        status: 403,
        detail: 'A project viewer may not create this task.',
        instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
        code: 'forbidden',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

export const SessionRequiredForWriteResponse = lazy(() => ({
  description:
    'Only a signed-in user may do this: an API key answers 403 with `code` `session_required` (or `insufficient_scope` when it lacks the `write` scope).',
  headers: z.object({
    'X-Request-Id': XRequestIdHeaderSchema(),
    RateLimit: RateLimitHeaderSchema(),
    'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
    'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
  }),
  content: {
    'application/problem+json': {
      schema: ProblemSchema().and(
        z.object({ code: z.enum(['insufficient_scope', 'session_required']).optional() }),
      ),
      example: {
        type: 'https://tasklane.dev/problems/insufficient_scope',
        title: 'Forbidden',
        status: 403,
        detail: 'These credentials lack the `write` scope this operation needs.',
        instance: '/v1/me/api-keys',
        code: 'insufficient_scope',
        requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
      },
    },
  },
}))

const LimitParamsSchema = lazy(() => z.coerce
  .number()
  .pipe(z.int().refine((n) => n >= -2147483648 && n <= 2147483647, { error: 'Expected a 32-bit integer' }).openapi({ format: 'int32' }).min(1).max(100))
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
  }))

const CursorParamsSchema = lazy(() => z
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
  }))

const IfMatchParamsSchema = lazy(() => z
  .string()
  .regex(/^(\*|(W\x2F)?"[^"]*"( *, *(W\x2F)?"[^"]*")*)$/)
  .max(100)
  .optional()
  .openapi({
    param: {
      name: 'If-Match',
      in: 'header',
      required: false,
      description:
        "Apply the change only if the resource's current `ETag` is this one; otherwise 412.",
      schema: {
        type: 'string',
        maxLength: 100,
        pattern: '^(\\*|(W\\x2F)?"[^"]*"( *, *(W\\x2F)?"[^"]*")*)$',
      },
    },
  }))

const IfNoneMatchParamsSchema = lazy(() => z
  .string()
  .regex(/^(\*|(W\x2F)?"[^"]*"( *, *(W\x2F)?"[^"]*")*)$/)
  .max(100)
  .optional()
  .openapi({
    param: {
      name: 'If-None-Match',
      in: 'header',
      required: false,
      description: "Answer 304 with no body if the resource's current `ETag` is this one.",
      schema: {
        type: 'string',
        maxLength: 100,
        pattern: '^(\\*|(W\\x2F)?"[^"]*"( *, *(W\\x2F)?"[^"]*")*)$',
      },
    },
  }))

const IdempotencyKeyParamsSchema = lazy(() => z
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
  }))

export const CacheControlHeaderSchema = lazy(() => z
  .literal('no-store')
  .optional()
  .openapi({
    description:
      '`no-store`: the answer carries a secret (a token or an API key) that no cache may keep.',
    example: 'no-store',
  }))

export const LinkHeaderSchema = lazy(() => z
  .string()
  .regex(/^<[^>]*>; rel="next"$/)
  .max(4000)
  .optional()
  .openapi({
    description: 'RFC 8288 links; `rel="next"` points at the next page of a list.',
    example: '</v1/projects?limit=20&cursor=eyJ2IjoxfQ>; rel="next"',
  }))

export const LocationHeaderSchema = lazy(() => z
  .string()
  .max(2000)
  .optional()
  .openapi({
    description: 'The URL of the resource that was created.',
    example: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
  }).openapi({ format: 'uri-reference' }))

export const IdempotentReplayedHeaderSchema = lazy(() => z
  .literal('true')
  .optional()
  .openapi({
    description:
      '`true` when this response is the stored response of an earlier request with the same `Idempotency-Key`.',
    example: 'true',
  }))

export const ContentDispositionHeaderSchema = lazy(() => z
  .string()
  .regex(/^(inline|attachment); filename="[\x20-\x7E]*"; filename\*=UTF-8''[A-Za-z0-9%._~-]*$/)
  .max(2000)
  .optional()
  .openapi({
    description:
      '`inline` for PNG, JPEG, GIF, WebP and AVIF images, `attachment` otherwise, with the file name as RFC 6266 `filename` (ASCII) and RFC 8187 `filename*` (UTF-8).',
    example: 'attachment; filename="report.pdf"; filename*=UTF-8\'\'report.pdf',
  }))

export const XContentTypeOptionsHeaderSchema = lazy(() => z
  .literal('nosniff')
  .optional()
  .openapi({
    description: 'Always `nosniff`, so browsers keep to the stored type.',
    example: 'nosniff',
  }))

export const ContentSecurityPolicyHeaderSchema = lazy(() => z
  .literal("sandbox; default-src 'none'")
  .optional()
  .openapi({
    description:
      'A sandbox that runs no script and loads nothing, should a file be opened in the browser.',
    example: "sandbox; default-src 'none'",
  }))

export const ContentETagHeaderSchema = lazy(() => z
  .string()
  .regex(/^"[0-9a-f]{64}(-[0-9]+)?"$/)
  .max(100)
  .optional()
  .openapi({
    description: 'The SHA-256 of the bytes in quotes; send it in `If-None-Match` or `If-Range`.',
    example: '"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
  }))

export const AcceptRangesHeaderSchema = lazy(() => z
  .literal('bytes')
  .optional()
  .openapi({ description: 'Always `bytes`.', example: 'bytes' }))

export const ContentLengthHeaderSchema = lazy(() => z.int().openapi({ format: 'int64' })
  .min(0)
  .max(9007199254740991)
  .optional()
  .openapi({
    description: 'The number of bytes in the body (for HEAD, that a GET would send).',
    example: 48213,
  }))

export const ContentRangeHeaderSchema = lazy(() => z
  .string()
  .regex(/^bytes (\d+-\d+|\*)\u002F\d+$/)
  .max(100)
  .optional()
  .openapi({
    description:
      'Which bytes a 206 carries (`bytes 0-1023/48213`), or the size after a 416 (`bytes */48213`).',
    example: 'bytes 0-1023/48213',
  }))

export const CacheControlPrivateHeaderSchema = lazy(() => z
  .string()
  .regex(/^private, max-age=\d+$/)
  .max(100)
  .optional()
  .openapi({
    description: 'Signed links may be cached by the browser alone, until they expire.',
    example: 'private, max-age=300',
  }))

export const TusResumableHeaderSchema = lazy(() => z
  .literal('1.0.0')
  .optional()
  .openapi({ description: 'The tus protocol version of the answer: `1.0.0`.', example: '1.0.0' }))

export const TusMaxSizeHeaderSchema = lazy(() => z.int().openapi({ format: 'int64' })
  .min(1)
  .max(5368709120)
  .optional()
  .openapi({
    description: 'The largest upload the server takes, in bytes (`ATTACHMENT_MAX_BYTES`).',
    example: 104857600,
  }))

export const TusVersionHeaderSchema = lazy(() => z
  .literal('1.0.0')
  .optional()
  .openapi({ description: 'The tus protocol versions the server speaks.', example: '1.0.0' }))

export const UploadLocationHeaderSchema = lazy(() => z
  .string()
  .max(2000)
  .optional()
  .openapi({
    description: 'The URL of the upload, to send its bytes to (`appendUploadChunk`).',
    example: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
  }).openapi({ format: 'uri-reference' }))

export const UploadExpiresHeaderSchema = lazy(() => z
  .string()
  .regex(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/)
  .max(64)
  .optional()
  .openapi({
    description: 'When the unfinished upload is removed (RFC 9110 HTTP-date).',
    example: 'Sat, 21 Nov 2026 09:30:00 GMT',
  }))

export const UploadOffsetHeaderSchema = lazy(() => z
  .string()
  .regex(/^[0-9]+$/)
  .max(16)
  .optional()
  .openapi({ description: 'How many bytes of the upload the server has.', example: '5242880' }))

export const UploadLengthHeaderSchema = lazy(() => z
  .string()
  .regex(/^[0-9]+$/)
  .max(16)
  .optional()
  .openapi({ description: 'The size of the whole file in bytes.', example: '734003200' }))

export const UploadMetadataHeaderSchema = lazy(() => z
  .string()
  .regex(/^[A-Za-z0-9]+( [A-Za-z0-9+\x2F=]*)?(,[ ]*[A-Za-z0-9]+( [A-Za-z0-9+\x2F=]*)?)*$/)
  .max(4000)
  .optional()
  .openapi({
    description: 'The metadata the upload was created with.',
    example: 'filename c2l0ZS1zdXJ2ZXkubXA0',
  }))

export const MetricsTokenSecurityScheme = {
  type: 'http',
  scheme: 'bearer',
  description:
    "`Authorization: Bearer <METRICS_TOKEN>`, the operator's setting; only for `/metrics`, and only when it is set.",
}

export const BearerAuthSecurityScheme = {
  type: 'http',
  scheme: 'bearer',
  description:
    '`Authorization: Bearer <token>` where the token is a short-lived access token (a JWT from `logIn`,\n`signUp` or `refreshSession`) or an API key (`tl_…`).\n',
}

export const getHealthzRoute = lazy(() => createRoute({
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
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: { 'application/json': { schema: HealthSchema(), example: { status: 'ok' } } },
    },
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
  },
  security: [{}],
}))

export const getReadyzRoute = lazy(() => createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Operations'],
  summary: 'Readiness check',
  description:
    'Answers 200 when the server can serve traffic: the database answers a query (within\n`DATABASE_CONNECT_TIMEOUT_MS`). Answers 503 while it cannot, so that a load balancer takes the instance\nout of rotation.\n\nWhen `REDIS_URL` is set, `redis` reports whether Redis answers. Redis holds only the shared rate-limit\ncounters; without it each instance counts in its own memory, so the instance still serves traffic:\nthe answer stays 200, with `status` `degraded` and `redis` `unavailable`, rather than taking every\ninstance out of rotation at once.\n',
  operationId: 'getReadiness',
  responses: {
    200: {
      description: 'The server is ready.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ReadinessSchema(),
          examples: {
            embedded: { summary: 'SQLite, no Redis', value: { status: 'ok', database: 'sqlite' } },
            degraded: {
              summary: 'PostgreSQL up, Redis down',
              value: { status: 'degraded', database: 'postgres', redis: 'unavailable' },
            },
          },
        },
      },
    },
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const getMetricsRoute = lazy(() => createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics',
  description:
    'Request counts and latency histograms by route and status, password-hashing queue metrics, plus\nprocess metrics, in the Prometheus text exposition format.\n\nOpen when the operator leaves `METRICS_TOKEN` unset (keep it on a private network then); when it is\nset, only `Authorization: Bearer <METRICS_TOKEN>` is served and anything else answers 401.\n',
  operationId: 'getMetrics',
  responses: {
    200: {
      description: 'Metrics in the Prometheus text format.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'text/plain': {
          schema: z.string().max(10000000),
          example:
            '# HELP http_requests_total Requests served, by route and status.\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/healthz",status="200"} 3\n',
        },
      },
    },
    401: {
      description:
        '`METRICS_TOKEN` is set and the request does not carry it (`code` `metrics_token_required`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('metrics_token_required').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/metrics_token_required',
            title: 'Unauthorized',
            status: 401,
            detail:
              'The metrics need the operator\'s token: send "Authorization: Bearer <METRICS_TOKEN>".',
            instance: '/metrics',
            code: 'metrics_token_required',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
  },
  security: [{}, { metricsToken: [] }],
}))

export const getOpenapiJsonRoute = lazy(() => createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['Operations'],
  summary: 'This API description as JSON',
  description: 'The reviewed `openapi.yaml` that the server is generated from, converted to JSON.',
  operationId: 'getOpenApiJson',
  responses: {
    200: {
      description: 'The OpenAPI document.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: z
            .looseObject({
              openapi: z
                .string()
                .regex(/^3\.1\.[0-9]+$/)
                .max(20),
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
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
  },
  security: [{}],
}))

export const getOpenapiYamlRoute = lazy(() => createRoute({
  method: 'get',
  path: '/openapi.yaml',
  tags: ['Operations'],
  summary: 'This API description as YAML',
  description: 'The reviewed `openapi.yaml` that the server is generated from, byte for byte.',
  operationId: 'getOpenApiYaml',
  responses: {
    200: {
      description: 'The OpenAPI document.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/yaml': { schema: z.string().max(10000000), example: 'openapi: 3.1.0\n' },
      },
    },
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
  },
  security: [{}],
}))

export const getV1AuthSignupRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/auth/signup',
  tags: ['Auth'],
  summary: 'How this server signs people up',
  description:
    'Says which sign-up flow this server uses (`SIGNUP_FLOW`), so that an app can show the right form: `verify-first` signs up only through `startSignUp` and the mailed link (`completeSignUp`); `immediate` also lets the deprecated `signUp` make an account at once. `startSignUp` works under both.',
  operationId: 'getSignUpOptions',
  responses: {
    200: {
      description: "The server's sign-up flow.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': { schema: SignUpOptionsSchema(), example: { flow: 'verify-first' } },
      },
    },
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
  },
  security: [{}],
}))

export const postV1AuthSignupRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/signup',
  tags: ['Auth'],
  summary: 'Create an account at once (deprecated)',
  description:
    'Deprecated: use `startSignUp` and `completeSignUp`, which answer the same for every address. This operation tells whether an address has an account (409 `email_taken`), so it only works where the operator chose the immediate sign-up flow (`SIGNUP_FLOW=immediate`, the default only when the server sends no real mail); a server that signs people up by email answers 403 `signup_requires_verification` to every call, whatever the address.\n\nCreates an account and signs it in: the answer carries the new user, an access token (valid `expiresIn` seconds) and a refresh token for `refreshSession`.\n\nEmails are unique regardless of case. Passwords must be 10 to 256 characters and not on the list of commonly used passwords; there are no other composition rules. A verification email is sent to the address.\n\nRate limited per client IP (policy `signup`).',
  operationId: 'signUp',
  request: {
    body: {
      content: {
        'application/json': {
          schema: SignUpRequestSchema(),
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
        'Cache-Control': CacheControlHeaderSchema(),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AuthResultSchema(),
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
    400: BadRequestBodyResponse(),
    403: {
      description:
        'This server signs people up by email (`signup_requires_verification`), answered to every call whatever the address; use `startSignUp`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('signup_requires_verification').optional() }),
          ),
          examples: {
            signupRequiresVerification: {
              value: {
                type: 'https://tasklane.dev/problems/signup_requires_verification',
                title: 'Forbidden',
                status: 403,
                detail:
                  'This server signs people up by email: send the address to startSignUp (POST /v1/auth/signup-request), then finish with completeSignUp and the token from the mail.',
                instance: '/v1/auth/signup',
                code: 'signup_requires_verification',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    409: {
      description:
        'An account with this email already exists (`email_taken`; only with `SIGNUP_FLOW=immediate`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('email_taken').optional() })),
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
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The password is on the list of commonly used passwords (`password_too_common`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('password_too_common').optional() }),
          ),
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
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServerBusyResponse(),
  },
  deprecated: true,
  security: [{}],
}))

export const postV1AuthSignupRequestRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/signup-request',
  tags: ['Auth'],
  summary: 'Start signing up by email',
  description:
    'The first step of signing up: send the email address; the answer is 202 with no body, the same for every address whether or not it has an account, and a mail goes to the address:\n\n- an address without an account gets a mail with a link (to `PUBLIC_URL/complete-signup?token=…`) whose single-use token expires after 24 hours; pass it to `completeSignUp` with a password to create the account, its address verified. Asking again sends a new link and ends the earlier ones.\n- an address that has an account gets a mail telling its owner that someone tried to sign up with it, with where to sign in or reset the password. Nothing is changed.\n\nSo the answer cannot be used to learn which addresses have accounts, and only who reads the mailbox can finish. The mail is queued with the request (never lost, sent once). Works whatever `SIGNUP_FLOW` says; it is the only way to sign up with a password where `SIGNUP_FLOW=verify-first`.\n\nRate limited per client IP (policy `signup`) and per recipient address from every IP together (policy `email-recipient`, shared with every other mail the API sends on request), counted whether or not an account has the address.',
  operationId: 'startSignUp',
  request: {
    body: {
      content: {
        'application/json': {
          schema: StartSignUpRequestSchema(),
          example: { email: 'ada@example.com' },
        },
      },
      required: true,
    },
  },
  responses: {
    202: {
      description:
        'A mail is on its way to the address; the answer is the same whether or not it has an account.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestBodyResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const postV1AuthSignupRequestConfirmRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/signup-request/confirm',
  tags: ['Auth'],
  summary: 'Finish signing up with the mailed token',
  description:
    "The second step of signing up: the token from the mail `startSignUp` sent, the password and the name. Creates the account with its email address verified (the token proves its owner reads it) and signs it in: the answer is the same as `signUp`'s, the new user, an access token (valid `expiresIn` seconds) and a refresh token for `refreshSession`.\n\nA token works once, and only until it expires (24 hours); otherwise 422 `invalid_token`. If the address got an account after the mail was sent (the link was followed twice, or the account was made another way meanwhile), the answer is 409 `email_taken`, which tells only the mailbox's reader what the mail could have. Passwords must be 10 to 256 characters and not on the list of commonly used passwords.\n\nRate limited per client IP (policy `password-ip`, as every request that hashes a new password).",
  operationId: 'completeSignUp',
  request: {
    body: {
      content: {
        'application/json': {
          schema: CompleteSignUpRequestSchema(),
          example: {
            token: 'su_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd',
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
      description:
        'The account was created, its address verified, and signed in. `Location` is `/v1/me`.',
      headers: z.object({
        'Cache-Control': CacheControlHeaderSchema(),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AuthResultSchema(),
          example: {
            user: {
              id: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              email: 'ada@example.com',
              name: 'Ada Lovelace',
              emailVerified: true,
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
    400: BadRequestBodyResponse(),
    409: {
      description:
        'The address got an account after the mail was sent (`email_taken`); sign in or reset the password instead.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('email_taken').optional() })),
          examples: {
            emailTaken: {
              value: {
                type: 'https://tasklane.dev/problems/email_taken',
                title: 'Conflict',
                status: 409,
                detail:
                  'An account with this email address was made since the link was sent; sign in, or reset the password.',
                instance: '/v1/auth/signup-request/confirm',
                code: 'email_taken',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The token is unknown, used or expired (`invalid_token`), or the password is too common (`password_too_common`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['invalid_token', 'password_too_common']).optional() }),
          ),
          examples: {
            invalidToken: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_token',
                title: 'Unprocessable content',
                status: 422,
                detail: 'This link is invalid or has expired; request a new one.',
                instance: '/v1/auth/signup-request/confirm',
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
                instance: '/v1/auth/signup-request/confirm',
                code: 'password_too_common',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServerBusyResponse(),
  },
  security: [{}],
}))

export const postV1AuthLoginRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/login',
  tags: ['Auth'],
  summary: 'Sign in with email and password',
  description:
    'Starts a new session. The answer carries the user, an access token (valid `expiresIn` seconds) and a refresh token.\n\nA wrong password and an unknown email get the same answer (401 `invalid_credentials`), in the same time.\n\nRate limited per account and client IP together (policy `login-account-ip`), so that someone else guessing cannot lock the owner out; per client IP across accounts (`login-ip`); and by a higher ceiling per account from every address (`login-account`), which does not apply to a client IP that signed up or signed in to the account before (within 90 days), so that strangers guessing from many addresses cannot lock the owner out of a place they use. While the hashing queue is full, password checks from such known clients go first, then those of clients without recent failures. Repeated attempts answer 429 with `Retry-After`. While too many passwords are being checked at once the answer is 503 `server_busy` with `Retry-After`.',
  operationId: 'logIn',
  request: {
    body: {
      content: {
        'application/json': {
          schema: LogInRequestSchema(),
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
        'Cache-Control': CacheControlHeaderSchema(),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AuthResultSchema(),
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
    400: BadRequestBodyResponse(),
    401: {
      description: 'The email and password do not match an account (`code` `invalid_credentials`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('invalid_credentials').optional() }),
          ),
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
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServerBusyResponse(),
  },
  security: [{}],
}))

export const postV1AuthRefreshRoute = lazy(() => createRoute({
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
          schema: RefreshSessionRequestSchema(),
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
        'Cache-Control': CacheControlHeaderSchema(),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AuthResultSchema(),
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
    400: BadRequestBodyResponse(),
    401: {
      description:
        'The refresh token is unknown (`token_invalid`), expired (`token_expired`), or its session has ended (`session_revoked`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['token_invalid', 'token_expired', 'session_revoked']).optional(),
            }),
          ),
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
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const postV1AuthLogoutRoute = lazy(() => createRoute({
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
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    401: UnauthorizedResponse(),
    403: SessionRequiredResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1AuthEmailVerificationRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/email-verification',
  tags: ['Auth'],
  summary: 'Send a new verification email',
  description:
    'Emails the caller a new link to verify their address. Earlier links stop working. The link carries a single-use token that expires after 24 hours; pass it to `verifyEmail`. Rate limited per user and per recipient address (policies `email-user` and `email-recipient`), shared with email changes.',
  operationId: 'requestEmailVerification',
  responses: {
    202: {
      description: 'A verification email is on its way.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    409: {
      description: 'The email address is already verified (`code` `email_already_verified`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('email_already_verified').optional() }),
          ),
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
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1AuthEmailVerificationConfirmRoute = lazy(() => createRoute({
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
          schema: VerifyEmailRequestSchema(),
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
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestBodyResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description: 'The token is unknown, used or expired (`code` `invalid_token`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('invalid_token').optional() })),
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
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const postV1AuthEmailChangeConfirmRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/email-change/confirm',
  tags: ['Account'],
  summary: 'Confirm an email change',
  description:
    "Makes the pending email address (see `updateMe`) the account's, verified, with the token from the mail sent to it, and tells the previous address. A token works once, only until it expires, and only for the latest change requested.",
  operationId: 'confirmEmailChange',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ConfirmEmailChangeRequestSchema(),
          example: { token: 'ec_Lm4n5Bv6Cx7Za8Sd9Fg0Hj1Kl2Qw3Er4Ty5Ui6Op7As' },
        },
      },
      required: true,
    },
  },
  responses: {
    204: {
      description: "The account's email address is now the new one.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestBodyResponse(),
    409: {
      description:
        'Another account took this address since the change was requested (`code` `email_taken`). Nothing was changed.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('email_taken').optional() })),
          examples: {
            emailTaken: {
              value: {
                type: 'https://tasklane.dev/problems/email_taken',
                title: 'Conflict',
                status: 409,
                detail: 'An account with this email already exists.',
                instance: '/v1/auth/email-change/confirm',
                code: 'email_taken',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The token is unknown, used, expired, or for a change that was since replaced or cancelled (`code` `invalid_token`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('invalid_token').optional() })),
          examples: {
            invalidToken: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_token',
                title: 'Unprocessable content',
                status: 422,
                detail: 'This link is invalid or has expired; request a new one.',
                instance: '/v1/auth/email-change/confirm',
                code: 'invalid_token',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const postV1AuthPasswordResetRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/password-reset',
  tags: ['Auth'],
  summary: 'Email a password reset link',
  description:
    'If an account has this email, emails it a link to choose a new password. The answer is the same whether or not the account exists. The link carries a single-use token that expires after 30 minutes; pass it to `resetPassword`.\n\nRate limited per client IP (policy `password-reset`) and per recipient address from every IP together (policy `email-recipient`, shared with every other mail the API sends on request), counted whether or not an account has the address.',
  operationId: 'requestPasswordReset',
  request: {
    body: {
      content: {
        'application/json': {
          schema: RequestPasswordResetRequestSchema(),
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
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestBodyResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const postV1AuthPasswordResetConfirmRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/password-reset/confirm',
  tags: ['Auth'],
  summary: 'Choose a new password with a reset token',
  description:
    'Sets a new password with the token from a reset email, ends every session of the account and revokes every API key, so nothing made by whoever had the old password outlives it. Also verifies the email address, since the token proves the user reads it. A token works once, and only until it expires.\n\nRate limited per client IP (policy `password-ip`).',
  operationId: 'resetPassword',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ResetPasswordRequestSchema(),
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
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestBodyResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The token is unknown, used or expired (`invalid_token`), or the new password is too common (`password_too_common`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['invalid_token', 'password_too_common']).optional() }),
          ),
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
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServerBusyResponse(),
  },
  security: [{}],
}))

export const getV1MeRoute = lazy(() => createRoute({
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
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: UserSchema(),
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
    401: UnauthorizedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1MeRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/me',
  tags: ['Account'],
  summary: 'Delete the account',
  description:
    'Deletes the account for good, with its sessions, API keys and data. Needs the current password (an account without one sends a `reauthenticationToken` from `reauthenticate` instead) and a session (not an API key). Rate limited per user and per client IP (policies `password-user` and `password-ip`). Projects the user has to themselves are deleted with the account; the only owner of a project that others belong to must hand it over first.',
  operationId: 'deleteMe',
  request: {
    body: {
      content: {
        'application/json': {
          schema: DeleteMeRequestSchema(),
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
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    409: {
      description:
        'You are the only owner of a project that others belong to (`code` `last_owner`): make another member an owner or delete the project first. Nothing was deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('last_owner').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/last_owner',
            title: 'Conflict',
            status: 409,
            detail:
              'A project must keep an owner: make another member owner first, or delete the project.',
            instance: '/v1/me',
            code: 'last_owner',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        "The password is wrong (`invalid_password`), or the `reauthenticationToken` is unknown, used, expired or another account's (`reauthentication_invalid`).",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['invalid_password', 'reauthentication_invalid']).optional(),
            }),
          ),
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
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServerBusyResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1MeRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/me',
  tags: ['Account'],
  summary: 'Update the signed-in user',
  description:
    "Changes the name at once. Needs a session (not an API key).\n\nA new email address also needs `currentPassword` (an account without a password sends a `reauthenticationToken` from `reauthenticate` instead), and does not take effect at once: it shows as `pendingEmail` while a single-use link that expires after 24 hours is mailed to the new address, and a notice to the current one. Following the link (`confirmEmailChange`) makes it the account's address, verified. A newer request replaces the pending one; sending the current address cancels it. The answer is the same whether or not another account has the new address (that address is told so by mail instead of getting a link).\n\nAn email change is rate limited per user and per client IP (policies `password-user` and `password-ip`, as it checks the password) and, for the mails, per user and per recipient (`email-user` and `email-recipient`).",
  operationId: 'updateMe',
  request: {
    body: {
      content: {
        'application/json': {
          schema: UpdateMeRequestSchema(),
          examples: {
            rename: { summary: 'A new name', value: { name: 'Ada King' } },
            changeEmail: {
              summary: 'A new email address',
              value: {
                email: 'ada.king@example.com',
                currentPassword: 'correct horse battery staple',
              },
            },
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The updated user; a requested email change shows as `pendingEmail`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: UserSchema(),
          example: {
            id: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            email: 'ada@example.com',
            name: 'Ada King',
            emailVerified: true,
            pendingEmail: 'ada.king@example.com',
            createdAt: '2026-01-05T10:00:00Z',
            updatedAt: '2026-01-05T10:00:00Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        "The current password is wrong (`invalid_password`), or the `reauthenticationToken` is unknown, used, expired or another account's (`reauthentication_invalid`).",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['invalid_password', 'reauthentication_invalid']).optional(),
            }),
          ),
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
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServerBusyResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1MePasswordRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/me/password',
  tags: ['Account'],
  summary: 'Change the password',
  description:
    'Sets a new password after checking the current one, and ends every other session of the account; the session that made the change stays signed in. Every API key is revoked too, unless `keepApiKeys` is `true` (for a routine change when the keys are known to be safe). Needs a session (not an API key).\n\nRate limited per user and per client IP (policies `password-user` and `password-ip`), whether the current password is right or not.',
  operationId: 'changePassword',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ChangePasswordRequestSchema(),
          example: {
            currentPassword: 'correct horse battery staple',
            newPassword: 'a new and long passphrase',
            keepApiKeys: false,
          },
        },
      },
      required: true,
    },
  },
  responses: {
    204: {
      description:
        'The password was changed, the other sessions ended and (unless `keepApiKeys`) every API key revoked.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The current password is wrong (`invalid_password`) or the new one is too common (`password_too_common`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['invalid_password', 'password_too_common']).optional() }),
          ),
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
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServerBusyResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1AuthProvidersRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/auth/providers',
  tags: ['Auth'],
  summary: 'List the sign-in providers',
  description:
    'The outside identity providers this server offers sign-in with, in the order a login screen should show them. Empty unless the operator configured some (`AUTH_PROVIDERS`). `type` is `oidc` for OpenID Connect providers and `oauth2` for plain OAuth 2 ones such as GitHub.',
  operationId: 'listAuthProviders',
  responses: {
    200: {
      description: 'The enabled providers.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AuthProviderListSchema(),
          example: {
            data: [
              { id: 'google', name: 'Google', type: 'oidc' },
              { id: 'github', name: 'GitHub', type: 'oauth2' },
            ],
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
  },
  security: [{}],
}))

export const postV1AuthProvidersProviderIdAuthorizationsRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/providers/{providerId}/authorizations',
  tags: ['Auth'],
  summary: 'Start signing in with a provider',
  description:
    'Answers the provider URL to send the browser to. After the person signs in there, the provider sends the browser back to this server (`providerCallback`), which sends it on to `redirectUri` with a one-time `code` (and your `state`); exchange it with `exchangeProviderCode` within 60 seconds.\n\n`redirectUri` must be one of the app URLs the operator allowed (`AUTH_REDIRECT_URLS`), or an `http://127.0.0.1:<port>/…` or `http://[::1]:<port>/…` address for a command-line app listening on loopback; otherwise 422 `redirect_uri_not_allowed`. `codeChallenge` is the S256 PKCE challenge of a secret verifier the app keeps (the SDK makes both): only the holder of the verifier can exchange the code, so a code seen in a URL, a log or a browser history is useless to anyone else. The sign-in must finish within 10 minutes.\n\nRate limited per client IP together with `exchangeProviderCode` (policy `provider-signin`).',
  operationId: 'startProviderSignIn',
  request: {
    params: z.object({
      providerId: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,31}$/)
        .max(32)
        .openapi({
          param: {
            name: 'providerId',
            in: 'path',
            required: true,
            description: "The provider's id, as `listAuthProviders` lists it.",
            schema: { type: 'string', maxLength: 32, pattern: '^[a-z][a-z0-9-]{0,31}$' },
            example: 'google',
          },
        }),
    }),
    body: {
      content: {
        'application/json': {
          schema: ProviderSignInStartSchema(),
          example: {
            redirectUri: 'https://app.example.com/auth/callback',
            codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            codeChallengeMethod: 'S256',
            state: 'c3RhdGU',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Where to send the browser.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ProviderAuthorizationSchema(),
          example: {
            authorizationUrl:
              'https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
            expiresAt: '2026-01-05T10:10:00Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    404: {
      description: 'No enabled provider has this id (`provider_not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('provider_not_found').optional() }),
          ),
          examples: {
            providerNotFound: {
              value: {
                type: 'https://tasklane.dev/problems/provider_not_found',
                title: 'Not found',
                status: 404,
                detail: 'No sign-in provider "example".',
                instance: '/v1/auth/providers/example/authorizations',
                code: 'provider_not_found',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description: '`redirectUri` is not an allowed app URL (`redirect_uri_not_allowed`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('redirect_uri_not_allowed').optional() }),
          ),
          examples: {
            redirectUriNotAllowed: {
              value: {
                type: 'https://tasklane.dev/problems/redirect_uri_not_allowed',
                title: 'Unprocessable content',
                status: 422,
                detail:
                  'redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS).',
                instance: '/v1/auth/providers/example/authorizations',
                code: 'redirect_uri_not_allowed',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    502: {
      description:
        'The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['provider_unavailable', 'provider_response_invalid']).optional(),
            }),
          ),
          examples: {
            providerUnavailable: {
              value: {
                type: 'https://tasklane.dev/problems/provider_unavailable',
                title: 'Bad gateway',
                status: 502,
                detail: 'Example ID did not answer in time or failed; try again later.',
                instance: '/v1/auth/providers/example/authorizations',
                code: 'provider_unavailable',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerResponseInvalid: {
              value: {
                type: 'https://tasklane.dev/problems/provider_response_invalid',
                title: 'Bad gateway',
                status: 502,
                detail:
                  'Example ID answered with something that failed verification; start the sign-in again.',
                instance: '/v1/auth/providers/example/authorizations',
                code: 'provider_response_invalid',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const getV1AuthProvidersProviderIdCallbackRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/auth/providers/{providerId}/callback',
  tags: ['Auth'],
  summary: 'Where the provider sends the browser back',
  description:
    "Not called by apps: this is the redirect URI registered at the provider, `<server>/v1/auth/providers/<id>/callback` (the server's address is `SERVER_URL`). It redirects (302) the browser to the app's `redirectUri` with `code` (one-time, 60 seconds, exchanged with `exchangeProviderCode` or `linkIdentity`) and the app's `state`; or, when the person declined or the provider reported an error, with `error` `access_denied` or `provider_error` instead of `code`. No token is ever put in a URL.\n\nA missing, unknown, expired or already answered `state` answers 400 `invalid_state` here, without redirecting anywhere.",
  operationId: 'providerCallback',
  request: {
    params: z.object({
      providerId: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,31}$/)
        .max(32)
        .openapi({
          param: {
            name: 'providerId',
            in: 'path',
            required: true,
            description: "The provider's id, as `listAuthProviders` lists it.",
            schema: { type: 'string', maxLength: 32, pattern: '^[a-z][a-z0-9-]{0,31}$' },
            example: 'google',
          },
        }),
    }),
    query: z.object({
      code: z
        .string()
        .regex(/^[\x20-\x7E]+$/)
        .max(2000)
        .optional()
        .openapi({
          param: {
            name: 'code',
            in: 'query',
            required: false,
            description: "The provider's authorization code, e.g. `SplxlOBeZQQYbYS6WxSbIA`.",
            schema: { type: 'string', maxLength: 2000, pattern: '^[\\x20-\\x7E]+$' },
          },
        }),
      state: z
        .string()
        .regex(/^[\x20-\x7E]+$/)
        .max(500)
        .optional()
        .openapi({
          param: {
            name: 'state',
            in: 'query',
            required: false,
            description: 'The state this server sent to the provider, e.g. `af0ifjsldkj`.',
            schema: { type: 'string', maxLength: 500, pattern: '^[\\x20-\\x7E]+$' },
          },
        }),
      iss: z
        .url()
        .max(2000)
        .optional()
        .openapi({
          param: {
            name: 'iss',
            in: 'query',
            required: false,
            description:
              "The provider's issuer identifier (RFC 9207), e.g. `https://accounts.example.com`.",
            schema: { type: 'string', format: 'uri', maxLength: 2000 },
          },
        }),
      error: z
        .string()
        .regex(/^[\x20-\x7E]+$/)
        .max(200)
        .optional()
        .openapi({
          param: {
            name: 'error',
            in: 'query',
            required: false,
            description:
              'An OAuth error the provider reports instead of a code, e.g. `access_denied`.',
            schema: { type: 'string', maxLength: 200, pattern: '^[\\x20-\\x7E]+$' },
          },
        }),
      error_description: z
        .string()
        .regex(/^[^\u0000-\u001F\u007F]*$/)
        .max(2000)
        .optional()
        .openapi({
          param: {
            name: 'error_description',
            in: 'query',
            required: false,
            description: "The provider's description of `error`, e.g. `The user declined`.",
            schema: { type: 'string', maxLength: 2000, pattern: '^[^\\u0000-\\u001F\\u007F]*$' },
          },
        }),
    }),
  },
  responses: {
    302: {
      description:
        'Sent on to the app: `Location` is its `redirectUri` with `code` and `state`, or `error` and `state`.',
      headers: z.object({
        Location: z
            .url()
            .max(4000)
            .optional()
            .openapi({
              description:
                "The app's redirect URI with `code` and `state` (or `error` and `state`).",
              example:
                'https://app.example.com/auth/callback?code=pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw&state=c3RhdGU',
            }),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: {
      description:
        'A parameter fails validation (`validation_failed`), or `state` is missing, unknown, expired or already answered (`invalid_state`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['validation_failed', 'invalid_state']).optional() }),
          ),
          examples: {
            validationFailed: {
              value: {
                type: 'https://tasklane.dev/problems/validation_failed',
                title: 'Validation failed',
                status: 400,
                detail: 'The request does not match the schema.',
                instance: '/v1/auth/providers/example/callback',
                code: 'validation_failed',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            invalidState: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_state',
                title: 'Bad request',
                status: 400,
                detail: 'This sign-in is unknown, expired or already finished; start it again.',
                instance: '/v1/auth/providers/example/callback',
                code: 'invalid_state',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const postV1AuthProvidersExchangeRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/auth/providers/exchange',
  tags: ['Auth'],
  summary: 'Finish signing in with a provider',
  description:
    "Exchanges the one-time `code` the browser came back with, and the PKCE verifier whose challenge started the sign-in, for an ordinary Tasklane session (the same tokens, rotation and revocation as `logIn`; `listSessions` shows the provider). The code works once, for 60 seconds.\n\nWhich account: the one this provider account is linked to. A provider account not linked yet creates a new account, with its email verified, but only when the provider says the address is verified (else 422 `email_not_verified`) and no account has that address yet (else 409 `account_exists`: sign in to that account and link the provider with `linkIdentity`; a provider account is never attached to an existing account just because the addresses match). The new account has no password; it can set one with a password reset.\n\nThe provider's code is redeemed and its answer checked here: a replayed or refused code is 422 `provider_rejected`; a provider that is down, slow or answers something that fails verification is 502, and nothing is created.",
  operationId: 'exchangeProviderCode',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ProviderCodeExchangeSchema(),
          example: {
            code: 'pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
            codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Signed in.',
      headers: z.object({
        'Cache-Control': CacheControlHeaderSchema(),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AuthResultSchema(),
          example: {
            user: {
              id: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              email: 'ada@example.com',
              name: 'Ada Lovelace',
              emailVerified: true,
              pendingEmail: null,
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
    400: BadRequestBodyResponse(),
    404: {
      description: 'No enabled provider has this id (`provider_not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('provider_not_found').optional() }),
          ),
          examples: {
            providerNotFound: {
              value: {
                type: 'https://tasklane.dev/problems/provider_not_found',
                title: 'Not found',
                status: 404,
                detail: 'No sign-in provider "example".',
                instance: '/v1/auth/providers/exchange',
                code: 'provider_not_found',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    409: {
      description:
        "An account already has the provider's email address (`account_exists`); its owner links the provider while signed in.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('account_exists').optional() }),
          ),
          examples: {
            accountExists: {
              value: {
                type: 'https://tasklane.dev/problems/account_exists',
                title: 'Conflict',
                status: 409,
                detail:
                  'An account with this email address already exists. Sign in to it and link Example ID from the account settings.',
                instance: '/v1/auth/providers/exchange',
                code: 'account_exists',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The code is unknown, expired, used or does not match `codeVerifier` (`invalid_code`); the provider refused its code (`provider_rejected`); or it did not confirm a verified email address for a new account (`email_not_verified`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z
                .enum(['invalid_code', 'provider_rejected', 'email_not_verified'])
                .optional(),
            }),
          ),
          examples: {
            invalidCode: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_code',
                title: 'Unprocessable content',
                status: 422,
                detail:
                  'The code is unknown, expired, already used or does not match codeVerifier.',
                instance: '/v1/auth/providers/exchange',
                code: 'invalid_code',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerRejected: {
              value: {
                type: 'https://tasklane.dev/problems/provider_rejected',
                title: 'Unprocessable content',
                status: 422,
                detail: 'Example ID refused the sign-in; start it again.',
                instance: '/v1/auth/providers/exchange',
                code: 'provider_rejected',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            emailNotVerified: {
              value: {
                type: 'https://tasklane.dev/problems/email_not_verified',
                title: 'Unprocessable content',
                status: 422,
                detail:
                  'Example ID did not confirm a verified email address for this account; verify one there and try again.',
                instance: '/v1/auth/providers/exchange',
                code: 'email_not_verified',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    502: {
      description:
        'The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['provider_unavailable', 'provider_response_invalid']).optional(),
            }),
          ),
          examples: {
            providerUnavailable: {
              value: {
                type: 'https://tasklane.dev/problems/provider_unavailable',
                title: 'Bad gateway',
                status: 502,
                detail: 'Example ID did not answer in time or failed; try again later.',
                instance: '/v1/auth/providers/exchange',
                code: 'provider_unavailable',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerResponseInvalid: {
              value: {
                type: 'https://tasklane.dev/problems/provider_response_invalid',
                title: 'Bad gateway',
                status: 502,
                detail:
                  'Example ID answered with something that failed verification; start the sign-in again.',
                instance: '/v1/auth/providers/exchange',
                code: 'provider_response_invalid',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    503: ServiceUnavailableResponse(),
  },
  security: [{}],
}))

export const getV1MeIdentitiesRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/me/identities',
  tags: ['Account'],
  summary: 'List linked sign-in providers',
  description:
    'The provider accounts that sign in to this account, newest first. Needs a session (not an API key).',
  operationId: 'listIdentities',
  request: { query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }) },
  responses: {
    200: {
      description: 'A page of identities.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: IdentityListSchema(),
          example: {
            data: [
              {
                id: 'idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                provider: 'google',
                providerName: 'Google',
                email: 'ada@example.com',
                createdAt: '2026-01-05T10:00:00Z',
                lastUsedAt: '2026-01-06T08:30:00Z',
              },
            ],
            nextCursor: null,
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1MeIdentitiesRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/me/identities',
  tags: ['Account'],
  summary: 'Link a provider account',
  description:
    "Finishes what `startIdentityLink` started: exchanges the one-time `code` (with its PKCE verifier) and makes the provider account a way to sign in to this account. The provider's email address need not be the account's: being signed in here and at the provider is the proof. A provider account already linked to another Tasklane account is refused (409 `identity_taken`); one already linked to this account answers 200. Needs the session that started the link.\n\nRate limited per client IP with the other provider sign-in steps (policy `provider-signin`).",
  operationId: 'linkIdentity',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ProviderCodeExchangeSchema(),
          example: {
            code: 'pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
            codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The provider account was linked to this account already.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: IdentitySchema(),
          example: {
            id: 'idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            provider: 'google',
            providerName: 'Google',
            email: 'ada@example.com',
            createdAt: '2026-01-05T10:00:00Z',
            lastUsedAt: '2026-01-06T08:30:00Z',
          },
        },
      },
    },
    201: {
      description: 'Linked.',
      headers: z.object({
        Location: LocationHeaderSchema(),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: IdentitySchema(),
          example: {
            id: 'idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            provider: 'google',
            providerName: 'Google',
            email: 'ada@example.com',
            createdAt: '2026-01-05T10:00:00Z',
            lastUsedAt: '2026-01-06T08:30:00Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    404: {
      description: 'No enabled provider has this id (`provider_not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('provider_not_found').optional() }),
          ),
          examples: {
            providerNotFound: {
              value: {
                type: 'https://tasklane.dev/problems/provider_not_found',
                title: 'Not found',
                status: 404,
                detail: 'No sign-in provider "example".',
                instance: '/v1/me/identities',
                code: 'provider_not_found',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    409: {
      description: 'The provider account is linked to another Tasklane account (`identity_taken`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('identity_taken').optional() }),
          ),
          examples: {
            identityTaken: {
              value: {
                type: 'https://tasklane.dev/problems/identity_taken',
                title: 'Conflict',
                status: 409,
                detail: 'This provider account is already linked to another Tasklane account.',
                instance: '/v1/me/identities',
                code: 'identity_taken',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        "The code is unknown, expired, used, started by another session's user or does not match `codeVerifier` (`invalid_code`), or the provider refused its code (`provider_rejected`).",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['invalid_code', 'provider_rejected']).optional() }),
          ),
          examples: {
            invalidCode: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_code',
                title: 'Unprocessable content',
                status: 422,
                detail:
                  'The code is unknown, expired, already used or does not match codeVerifier.',
                instance: '/v1/me/identities',
                code: 'invalid_code',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerRejected: {
              value: {
                type: 'https://tasklane.dev/problems/provider_rejected',
                title: 'Unprocessable content',
                status: 422,
                detail: 'Example ID refused the sign-in; start it again.',
                instance: '/v1/me/identities',
                code: 'provider_rejected',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    502: {
      description:
        'The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['provider_unavailable', 'provider_response_invalid']).optional(),
            }),
          ),
          examples: {
            providerUnavailable: {
              value: {
                type: 'https://tasklane.dev/problems/provider_unavailable',
                title: 'Bad gateway',
                status: 502,
                detail: 'Example ID did not answer in time or failed; try again later.',
                instance: '/v1/me/identities',
                code: 'provider_unavailable',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerResponseInvalid: {
              value: {
                type: 'https://tasklane.dev/problems/provider_response_invalid',
                title: 'Bad gateway',
                status: 502,
                detail:
                  'Example ID answered with something that failed verification; start the sign-in again.',
                instance: '/v1/me/identities',
                code: 'provider_response_invalid',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1MeIdentitiesAuthorizationsRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/me/identities/authorizations',
  tags: ['Account'],
  summary: 'Start linking a provider account',
  description:
    'Like `startProviderSignIn`, for the signed-in user: answers the provider URL to send the browser to; the browser comes back to `redirectUri` with a one-time `code` that `linkIdentity` takes. This is the only way a provider account is attached to an existing account. Needs a session (not an API key).',
  operationId: 'startIdentityLink',
  request: {
    body: {
      content: {
        'application/json': {
          schema: IdentityLinkStartSchema(),
          example: {
            provider: 'github',
            redirectUri: 'https://app.example.com/settings/identities',
            codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            codeChallengeMethod: 'S256',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Where to send the browser.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ProviderAuthorizationSchema(),
          example: {
            authorizationUrl:
              'https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
            expiresAt: '2026-01-05T10:10:00Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    404: {
      description: 'No enabled provider has this id (`provider_not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('provider_not_found').optional() }),
          ),
          examples: {
            providerNotFound: {
              value: {
                type: 'https://tasklane.dev/problems/provider_not_found',
                title: 'Not found',
                status: 404,
                detail: 'No sign-in provider "example".',
                instance: '/v1/me/identities/authorizations',
                code: 'provider_not_found',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description: '`redirectUri` is not an allowed app URL (`redirect_uri_not_allowed`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('redirect_uri_not_allowed').optional() }),
          ),
          examples: {
            redirectUriNotAllowed: {
              value: {
                type: 'https://tasklane.dev/problems/redirect_uri_not_allowed',
                title: 'Unprocessable content',
                status: 422,
                detail:
                  'redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS).',
                instance: '/v1/me/identities/authorizations',
                code: 'redirect_uri_not_allowed',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    502: {
      description:
        'The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['provider_unavailable', 'provider_response_invalid']).optional(),
            }),
          ),
          examples: {
            providerUnavailable: {
              value: {
                type: 'https://tasklane.dev/problems/provider_unavailable',
                title: 'Bad gateway',
                status: 502,
                detail: 'Example ID did not answer in time or failed; try again later.',
                instance: '/v1/me/identities/authorizations',
                code: 'provider_unavailable',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerResponseInvalid: {
              value: {
                type: 'https://tasklane.dev/problems/provider_response_invalid',
                title: 'Bad gateway',
                status: 502,
                detail:
                  'Example ID answered with something that failed verification; start the sign-in again.',
                instance: '/v1/me/identities/authorizations',
                code: 'provider_response_invalid',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1MeIdentitiesIdentityIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/me/identities/{identityId}',
  tags: ['Account'],
  summary: 'Unlink a provider account',
  description:
    'The provider account no longer signs in to this account, and the sessions started with this provider end. Refused (409 `last_sign_in_method`) when it is the last way to sign in: an account without a password needs another linked provider first (or a password, set with a password reset). Needs a session (not an API key).',
  operationId: 'unlinkIdentity',
  request: {
    params: z.object({
      identityId: z
        .string()
        .regex(/^idt_[0-9A-Z]{26}$/)
        .max(64)
        .openapi({
          param: {
            name: 'identityId',
            in: 'path',
            required: true,
            description: 'The id of the identity.',
            schema: { type: 'string', maxLength: 64, pattern: '^idt_[0-9A-Z]{26}$' },
            example: 'idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    204: {
      description: 'Unlinked.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    404: NotFoundResponse(),
    409: {
      description: "This is the account's last way to sign in (`last_sign_in_method`).",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('last_sign_in_method').optional() }),
          ),
          examples: {
            lastSignInMethod: {
              value: {
                type: 'https://tasklane.dev/problems/last_sign_in_method',
                title: 'Conflict',
                status: 409,
                detail:
                  'This is the only way to sign in to the account; set a password (reset it by email) or link another provider first.',
                instance: '/v1/me/identities/idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                code: 'last_sign_in_method',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1MeReauthenticationRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/me/reauthentication',
  tags: ['Account'],
  summary: 'Prove it is you again, through a linked provider',
  description:
    'For accounts that sign in through a provider (and have no password): finishes what `startReauthentication` started and answers a `reauthenticationToken`, valid once for 5 minutes, that `deleteMe` and an email change (`updateMe`) take instead of the password. The provider account must be one linked to this account (else 422 `identity_not_linked`). Needs the session that started it.\n\nRate limited per client IP with the other provider sign-in steps (policy `provider-signin`).',
  operationId: 'reauthenticate',
  request: {
    body: {
      content: {
        'application/json': {
          schema: ProviderCodeExchangeSchema(),
          example: {
            code: 'pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
            codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'Re-authenticated.',
      headers: z.object({
        'Cache-Control': CacheControlHeaderSchema(),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ReauthenticationSchema(),
          example: {
            reauthenticationToken: 'ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw',
            expiresAt: '2026-01-05T10:05:00Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    404: {
      description: 'No enabled provider has this id (`provider_not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('provider_not_found').optional() }),
          ),
          examples: {
            providerNotFound: {
              value: {
                type: 'https://tasklane.dev/problems/provider_not_found',
                title: 'Not found',
                status: 404,
                detail: 'No sign-in provider "example".',
                instance: '/v1/me/reauthentication',
                code: 'provider_not_found',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The code is unknown, expired, used, started by another user or does not match `codeVerifier` (`invalid_code`), the provider refused its code (`provider_rejected`), or the provider account is not linked to this account (`identity_not_linked`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z
                .enum(['invalid_code', 'provider_rejected', 'identity_not_linked'])
                .optional(),
            }),
          ),
          examples: {
            invalidCode: {
              value: {
                type: 'https://tasklane.dev/problems/invalid_code',
                title: 'Unprocessable content',
                status: 422,
                detail:
                  'The code is unknown, expired, already used or does not match codeVerifier.',
                instance: '/v1/me/reauthentication',
                code: 'invalid_code',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerRejected: {
              value: {
                type: 'https://tasklane.dev/problems/provider_rejected',
                title: 'Unprocessable content',
                status: 422,
                detail: 'Example ID refused the sign-in; start it again.',
                instance: '/v1/me/reauthentication',
                code: 'provider_rejected',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            identityNotLinked: {
              value: {
                type: 'https://tasklane.dev/problems/identity_not_linked',
                title: 'Unprocessable content',
                status: 422,
                detail: 'This provider account is not linked to your account.',
                instance: '/v1/me/reauthentication',
                code: 'identity_not_linked',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    502: {
      description:
        'The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['provider_unavailable', 'provider_response_invalid']).optional(),
            }),
          ),
          examples: {
            providerUnavailable: {
              value: {
                type: 'https://tasklane.dev/problems/provider_unavailable',
                title: 'Bad gateway',
                status: 502,
                detail: 'Example ID did not answer in time or failed; try again later.',
                instance: '/v1/me/reauthentication',
                code: 'provider_unavailable',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerResponseInvalid: {
              value: {
                type: 'https://tasklane.dev/problems/provider_response_invalid',
                title: 'Bad gateway',
                status: 502,
                detail:
                  'Example ID answered with something that failed verification; start the sign-in again.',
                instance: '/v1/me/reauthentication',
                code: 'provider_response_invalid',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1MeReauthenticationAuthorizationsRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/me/reauthentication/authorizations',
  tags: ['Account'],
  summary: 'Start proving it is you again, through a linked provider',
  description:
    'Like `startIdentityLink`: answers the provider URL to send the browser to; it comes back to `redirectUri` with a one-time `code` that `reauthenticate` takes. For accounts without a password, before `deleteMe` or an email change. Needs a session (not an API key).',
  operationId: 'startReauthentication',
  request: {
    body: {
      content: {
        'application/json': {
          schema: IdentityLinkStartSchema(),
          example: {
            provider: 'github',
            redirectUri: 'https://app.example.com/settings/delete-account',
            codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            codeChallengeMethod: 'S256',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Where to send the browser.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ProviderAuthorizationSchema(),
          example: {
            authorizationUrl:
              'https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
            expiresAt: '2026-01-05T10:10:00Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    404: {
      description: 'No enabled provider has this id (`provider_not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('provider_not_found').optional() }),
          ),
          examples: {
            providerNotFound: {
              value: {
                type: 'https://tasklane.dev/problems/provider_not_found',
                title: 'Not found',
                status: 404,
                detail: 'No sign-in provider "example".',
                instance: '/v1/me/reauthentication/authorizations',
                code: 'provider_not_found',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description: '`redirectUri` is not an allowed app URL (`redirect_uri_not_allowed`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('redirect_uri_not_allowed').optional() }),
          ),
          examples: {
            redirectUriNotAllowed: {
              value: {
                type: 'https://tasklane.dev/problems/redirect_uri_not_allowed',
                title: 'Unprocessable content',
                status: 422,
                detail:
                  'redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS).',
                instance: '/v1/me/reauthentication/authorizations',
                code: 'redirect_uri_not_allowed',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    502: {
      description:
        'The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['provider_unavailable', 'provider_response_invalid']).optional(),
            }),
          ),
          examples: {
            providerUnavailable: {
              value: {
                type: 'https://tasklane.dev/problems/provider_unavailable',
                title: 'Bad gateway',
                status: 502,
                detail: 'Example ID did not answer in time or failed; try again later.',
                instance: '/v1/me/reauthentication/authorizations',
                code: 'provider_unavailable',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
            providerResponseInvalid: {
              value: {
                type: 'https://tasklane.dev/problems/provider_response_invalid',
                title: 'Bad gateway',
                status: 502,
                detail:
                  'Example ID answered with something that failed verification; start the sign-in again.',
                instance: '/v1/me/reauthentication/authorizations',
                code: 'provider_response_invalid',
                requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              },
            },
          },
        },
      },
    },
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1MeSessionsRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/me/sessions',
  tags: ['Account'],
  summary: 'List active sessions',
  description:
    "The user's signed-in sessions, newest first: the device they were started from, when, and when they were last refreshed. `current` marks the session of this request. Needs a session (not an API key).",
  operationId: 'listSessions',
  request: { query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }) },
  responses: {
    200: {
      description: 'A page of sessions.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: SessionListSchema(),
          example: {
            data: [
              {
                id: 'ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                deviceLabel: 'Firefox on Linux',
                provider: null,
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
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1MeSessionsSessionIdRoute = lazy(() => createRoute({
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
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1MeApiKeysRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/me/api-keys',
  tags: ['API keys'],
  summary: 'List API keys',
  description:
    "The user's API keys that are not revoked, newest first. Secrets are never shown; `prefix` tells keys apart. Needs a session (not an API key).",
  operationId: 'listApiKeys',
  request: { query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }) },
  responses: {
    200: {
      description: 'A page of API keys.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ApiKeyListSchema(),
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
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1MeApiKeysRoute = lazy(() => createRoute({
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
          schema: ApiKeyCreateSchema(),
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
        'Cache-Control': CacheControlHeaderSchema(),
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ApiKeyWithSecretSchema(),
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
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1MeApiKeysKeyIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/me/api-keys/{keyId}',
  tags: ['API keys'],
  summary: 'Revoke an API key',
  description:
    'Revokes the key at once: requests with it answer 401 `api_key_revoked`. Needs a session (not an API key).',
  operationId: 'revokeApiKey',
  request: {
    params: z.object({
      keyId: z
        .string()
        .regex(/^key_[0-9A-Z]{26}$/)
        .max(64)
        .openapi({
          param: {
            name: 'keyId',
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
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: SessionRequiredForWriteResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ProjectsRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects',
  tags: ['Projects'],
  summary: 'List your projects',
  description:
    'The projects the caller is a member of, oldest first, with the caller’s role in each.\n\nNeeds the `read` scope.',
  operationId: 'listProjects',
  request: { query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }) },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ProjectListSchema(),
          example: {
            data: [
              {
                id: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                name: 'Website relaunch',
                description: 'Everything for the new marketing site.',
                role: 'owner',
                createdAt: '2026-11-20T09:30:00.000Z',
                updatedAt: '2026-11-21T14:05:12.000Z',
                version: 3,
              },
            ],
            nextCursor:
              'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1ProjectsRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/projects',
  tags: ['Projects'],
  summary: 'Create a project',
  description: 'Creates a project with the caller as its owner.\n\nNeeds the `write` scope.',
  operationId: 'createProject',
  request: {
    headers: z.object({ 'Idempotency-Key': IdempotencyKeyParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: ProjectCreateSchema(),
          example: {
            name: 'Website relaunch',
            description: 'Everything for the new marketing site.',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'Created. `Location` is its URL and `ETag` its version.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Idempotent-Replayed': IdempotentReplayedHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ProjectSchema(),
          example: {
            id: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            name: 'Website relaunch',
            description: 'Everything for the new marketing site.',
            role: 'owner',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenScopeResponse(),
    409: ConflictResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: UnprocessableContentResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ProjectsProjectIdRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects/{projectId}',
  tags: ['Projects'],
  summary: 'Get a project',
  description:
    'One project, with the caller’s role in it.\n\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'getProject',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-None-Match': IfNoneMatchParamsSchema() }),
  },
  responses: {
    200: {
      description: 'The resource, with its version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ProjectSchema(),
          example: {
            id: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            name: 'Website relaunch',
            description: 'Everything for the new marketing site.',
            role: 'owner',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 3,
          },
        },
      },
    },
    304: {
      description:
        '`If-None-Match` named the current version: the copy the client has is up to date.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1ProjectsProjectIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/projects/{projectId}',
  tags: ['Projects'],
  summary: 'Delete a project',
  description:
    'Deletes a project with all its tasks, notes, comments, members and invitations. This cannot be undone.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'deleteProject',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
  },
  responses: {
    204: {
      description: 'Deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1ProjectsProjectIdRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/projects/{projectId}',
  tags: ['Projects'],
  summary: 'Update a project',
  description:
    'Renames a project or changes its description.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'updateProject',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: ProjectUpdateSchema(),
          example: { name: 'Website relaunch 2027' },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The changed resource, with its new version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ProjectSchema(),
          example: {
            id: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            name: 'Website relaunch',
            description: 'Everything for the new marketing site.',
            role: 'owner',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 3,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ProjectsProjectIdMembersRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/members',
  tags: ['Members'],
  summary: 'List members',
  description:
    'The members of a project and their roles, in the order they joined.\n\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'listMembers',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }),
  },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: MemberListSchema(),
          example: {
            data: [
              {
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                userId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                email: 'ada@example.com',
                role: 'editor',
                joinedAt: '2026-11-20T09:30:00.000Z',
              },
            ],
            nextCursor:
              'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1ProjectsProjectIdMembersUserIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/projects/{projectId}/members/{userId}',
  tags: ['Members'],
  summary: 'Remove a member, or leave',
  description:
    'Owners remove any member; any member may remove themselves (leave the project). The last owner cannot leave or be removed (409 `last_owner`): hand ownership to someone else, or delete the project. The invitations a removed member sent that are still pending are revoked with them.\n\nNeeds the `owner` role, or being that member. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'removeMember',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      userId: z
        .string()
        .regex(/^usr_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'userId',
            in: 'path',
            required: true,
            description: 'The id of the member (their user id).',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^usr_[0-9A-Z]{26}$' },
            example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    204: {
      description: 'Deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    409: {
      description: 'A project must keep an owner (`last_owner`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('last_owner').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/last_owner',
            title: 'Conflict',
            status: 409,
            detail:
              'A project must keep an owner: make another member owner first, or delete the project.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'last_owner',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1ProjectsProjectIdMembersUserIdRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/projects/{projectId}/members/{userId}',
  tags: ['Members'],
  summary: 'Change a member’s role',
  description:
    'Gives a member another role. A project always keeps at least one owner: demoting the last owner is refused with 409 `last_owner`. An owner who becomes editor or viewer loses the invitations they sent that are still pending.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'updateMember',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      userId: z
        .string()
        .regex(/^usr_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'userId',
            in: 'path',
            required: true,
            description: 'The id of the member (their user id).',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^usr_[0-9A-Z]{26}$' },
            example: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    body: {
      content: { 'application/json': { schema: MemberUpdateSchema(), example: { role: 'editor' } } },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The changed resource.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: MemberSchema(),
          example: {
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            userId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            email: 'ada@example.com',
            role: 'editor',
            joinedAt: '2026-11-20T09:30:00.000Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    409: {
      description: 'A project must keep an owner (`last_owner`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('last_owner').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/last_owner',
            title: 'Conflict',
            status: 409,
            detail:
              'A project must keep an owner: make another member owner first, or delete the project.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'last_owner',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ProjectsProjectIdInvitationsRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/invitations',
  tags: ['Invitations'],
  summary: 'List pending invitations',
  description:
    'Invitations of a project that were neither accepted, revoked nor expired, oldest first.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'listInvitations',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }),
  },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: InvitationListSchema(),
          example: {
            data: [
              {
                id: 'inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                email: 'grace@example.com',
                role: 'viewer',
                invitedBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                createdAt: '2026-11-20T09:30:00.000Z',
                expiresAt: '2026-11-27T09:30:00.000Z',
              },
            ],
            nextCursor:
              'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenRoleResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1ProjectsProjectIdInvitationsRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/invitations',
  tags: ['Invitations'],
  summary: 'Invite someone by email',
  description:
    'Emails a single-use link that lets the recipient join the project with the given role; it expires after 7 days. Inviting an address again replaces its pending invitation. Rate-limited per project, per inviting user across all their projects, and per recipient (policies `invitations-project`, `invitations-user` and `invitations-recipient`; 429). An address that already belongs to a member is refused with 409 `already_member`.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'createInvitation',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'Idempotency-Key': IdempotencyKeyParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: InvitationCreateSchema(),
          example: { email: 'grace@example.com', role: 'viewer' },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'Created. `Location` is its URL and `ETag` its version.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Idempotent-Replayed': IdempotentReplayedHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: InvitationSchema(),
          example: {
            id: 'inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            email: 'grace@example.com',
            role: 'viewer',
            invitedBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            expiresAt: '2026-11-27T09:30:00.000Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    409: {
      description:
        'The address belongs to a member already (`already_member`), or a request with the same `Idempotency-Key` is still being processed (`idempotency_key_in_use`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['idempotency_key_in_use', 'already_member']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/idempotency_key_in_use',
            title: 'Conflict',
            status: 409,
            detail: 'A request with this Idempotency-Key is still in progress.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'idempotency_key_in_use',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: UnprocessableContentResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1ProjectsProjectIdInvitationsInvitationIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/projects/{projectId}/invitations/{invitationId}',
  tags: ['Invitations'],
  summary: 'Revoke an invitation',
  description:
    'Makes a pending invitation’s token unusable.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'revokeInvitation',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      invitationId: z
        .string()
        .regex(/^inv_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'invitationId',
            in: 'path',
            required: true,
            description: 'The id of the invitation.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^inv_[0-9A-Z]{26}$' },
            example: 'inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    204: {
      description: 'Deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1InvitationsAcceptRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/invitations/accept',
  tags: ['Invitations'],
  summary: 'Accept an invitation',
  description:
    'Joins the project of an invitation as the signed-in caller, with the invitation’s role, and uses up the token. A token that is unknown, expired, revoked or already used answers 404. A caller who is already a member keeps their role; the token is used up all the same.\n\nNeeds the `write` scope.',
  operationId: 'acceptInvitation',
  request: {
    headers: z.object({ 'Idempotency-Key': IdempotencyKeyParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: InvitationAcceptSchema(),
          example: { token: 'inv_tok_3q2l0Jx8m9QfKc1b5sT7vWzYhN4pR6dE' },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The caller’s membership of the project.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Idempotent-Replayed': IdempotentReplayedHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: MemberSchema(),
          example: {
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            userId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            email: 'ada@example.com',
            role: 'editor',
            joinedAt: '2026-11-20T09:30:00.000Z',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenScopeResponse(),
    404: {
      description:
        'The invitation does not exist, has expired, or was already used (`invitation_not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('invitation_not_found').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/invitation_not_found',
            title: 'Not found',
            status: 404,
            detail: 'This invitation does not exist, has expired, or was already used.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'invitation_not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    409: ConflictResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: UnprocessableContentResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ProjectsProjectIdTasksRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/tasks',
  tags: ['Tasks'],
  summary: 'List tasks',
  description:
    'The tasks of a project, filtered, sorted and searched. Filters combine with AND.\n\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'listTasks',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({
      status: z
        .enum(['todo', 'in_progress', 'done'])
        .optional()
        .openapi({
          param: {
            name: 'status',
            in: 'query',
            required: false,
            description: 'Only tasks with this status.',
            schema: {
              type: 'string',
              enum: ['todo', 'in_progress', 'done'],
              description:
                'Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.',
            },
          },
          description:
            'Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.',
        }),
      assigneeId: z
        .string()
        .regex(/^usr_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'assigneeId',
            in: 'query',
            required: false,
            description:
              'Only tasks assigned to this member. A user id, e.g. `usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K`.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^usr_[0-9A-Z]{26}$' },
          },
        }),
      label: z
        .string()
        .regex(/^[^,\s\u0000-\u001F\u007F][^,\u0000-\u001F\u007F]*$/)
        .min(1)
        .max(50)
        .optional()
        .openapi({
          param: {
            name: 'label',
            in: 'query',
            required: false,
            description: 'Only tasks with this label. E.g. `launch`.',
            schema: {
              type: 'string',
              minLength: 1,
              maxLength: 50,
              pattern: '^[^,\\s\\u0000-\\u001F\\u007F][^,\\u0000-\\u001F\\u007F]*$',
              description: 'A label: no commas, no leading space, no control characters.',
            },
          },
          description: 'A label: no commas, no leading space, no control characters.',
        }),
      dueBefore: dateTime()
        .max(40)
        .optional()
        .openapi({
          param: {
            name: 'dueBefore',
            in: 'query',
            required: false,
            description:
              'Only tasks due before this instant (exclusive). An RFC 3339 date-time, e.g. `2026-12-31T00:00:00Z`.',
            schema: { type: 'string', format: 'date-time', maxLength: 40 },
          },
        }),
      dueAfter: dateTime()
        .max(40)
        .optional()
        .openapi({
          param: {
            name: 'dueAfter',
            in: 'query',
            required: false,
            description:
              'Only tasks due at or after this instant. An RFC 3339 date-time, e.g. `2026-12-01T00:00:00Z`.',
            schema: { type: 'string', format: 'date-time', maxLength: 40 },
          },
        }),
      sort: z
        .enum([
          'createdAt',
          '-createdAt',
          'updatedAt',
          '-updatedAt',
          'dueAt',
          '-dueAt',
          'priority',
          '-priority',
          'position',
          '-position',
        ])
        .optional()
        .openapi({
          param: {
            name: 'sort',
            in: 'query',
            required: false,
            description:
              'The order: a field, prefixed with `-` for descending. Defaults to `createdAt`, or to relevance when `q` is given: first the tasks with every word of `q` in the title, then the others, the newest first within each. Tasks without a due date come last when sorting by `dueAt`.',
            schema: {
              type: 'string',
              enum: [
                'createdAt',
                '-createdAt',
                'updatedAt',
                '-updatedAt',
                'dueAt',
                '-dueAt',
                'priority',
                '-priority',
                'position',
                '-position',
              ],
            },
          },
        }),
      q: z
        .string()
        .regex(/^[^\u0000-\u001F\u007F]*$/)
        .min(1)
        .max(200)
        .optional()
        .openapi({
          param: {
            name: 'q',
            in: 'query',
            required: false,
            description:
              'Full-text search in title and description. Every word must match, as a prefix; case and diacritics are ignored (`creme` finds "Crème"). Title matches rank higher (see `sort`). E.g. `launch post`.',
            schema: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              pattern: '^[^\\u0000-\\u001F\\u007F]*$',
            },
          },
        }),
      limit: LimitParamsSchema(),
      cursor: CursorParamsSchema(),
    }),
  },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: TaskListSchema(),
          example: {
            data: [
              {
                id: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                title: 'Write the launch post',
                description: 'Draft in **Markdown**, then ask for review.',
                status: 'in_progress',
                priority: 2,
                dueAt: '2026-12-01T17:00:00.000Z',
                labels: ['content', 'launch'],
                assigneeId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                position: 3,
                completedAt: null,
                createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                createdAt: '2026-11-20T09:30:00.000Z',
                updatedAt: '2026-11-21T14:05:12.000Z',
                version: 4,
              },
            ],
            nextCursor:
              'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1ProjectsProjectIdTasksRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/tasks',
  tags: ['Tasks'],
  summary: 'Create a task',
  description:
    'Adds a task to a project. The assignee must be a member of the project (422 `invalid_assignee` otherwise).\n\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'createTask',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'Idempotency-Key': IdempotencyKeyParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: TaskCreateSchema(),
          example: {
            title: 'Write the launch post',
            priority: 2,
            labels: ['content', 'launch'],
            dueAt: '2026-12-01T17:00:00Z',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'Created. `Location` is its URL and `ETag` its version.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Idempotent-Replayed': IdempotentReplayedHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: TaskSchema(),
          example: {
            id: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            title: 'Write the launch post',
            description: 'Draft in **Markdown**, then ask for review.',
            status: 'in_progress',
            priority: 2,
            dueAt: '2026-12-01T17:00:00.000Z',
            labels: ['content', 'launch'],
            assigneeId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            position: 3,
            completedAt: null,
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 1,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    409: ConflictResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The assignee is not a member of the project (`invalid_assignee`), or the `Idempotency-Key` was used with a different request (`idempotency_key_reused`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['idempotency_key_reused', 'invalid_assignee']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/idempotency_key_reused',
            title: 'Unprocessable content',
            status: 422,
            detail:
              'This Idempotency-Key was used with a different request; use a new key for a new request.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'idempotency_key_reused',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1TasksTaskIdRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/tasks/{taskId}',
  tags: ['Tasks'],
  summary: 'Get a task',
  description:
    'One task.\n\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'getTask',
  request: {
    params: z.object({
      taskId: z
        .string()
        .regex(/^tsk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'taskId',
            in: 'path',
            required: true,
            description: 'The id of the task.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^tsk_[0-9A-Z]{26}$' },
            example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-None-Match': IfNoneMatchParamsSchema() }),
  },
  responses: {
    200: {
      description: 'The resource, with its version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: TaskSchema(),
          example: {
            id: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            title: 'Write the launch post',
            description: 'Draft in **Markdown**, then ask for review.',
            status: 'in_progress',
            priority: 2,
            dueAt: '2026-12-01T17:00:00.000Z',
            labels: ['content', 'launch'],
            assigneeId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            position: 3,
            completedAt: null,
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 4,
          },
        },
      },
    },
    304: {
      description:
        '`If-None-Match` named the current version: the copy the client has is up to date.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1TasksTaskIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/tasks/{taskId}',
  tags: ['Tasks'],
  summary: 'Delete a task',
  description:
    'Deletes a task and its comments.\n\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'deleteTask',
  request: {
    params: z.object({
      taskId: z
        .string()
        .regex(/^tsk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'taskId',
            in: 'path',
            required: true,
            description: 'The id of the task.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^tsk_[0-9A-Z]{26}$' },
            example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
  },
  responses: {
    204: {
      description: 'Deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1TasksTaskIdRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/tasks/{taskId}',
  tags: ['Tasks'],
  summary: 'Update a task',
  description:
    'Changes some fields of a task. Setting `status` to `done` records `completedAt`; setting it to anything else clears it. The assignee must be a member (422 `invalid_assignee`).\n\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'updateTask',
  request: {
    params: z.object({
      taskId: z
        .string()
        .regex(/^tsk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'taskId',
            in: 'path',
            required: true,
            description: 'The id of the task.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^tsk_[0-9A-Z]{26}$' },
            example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
    body: {
      content: { 'application/json': { schema: TaskUpdateSchema(), example: { status: 'done' } } },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The changed resource, with its new version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: TaskSchema(),
          example: {
            id: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            title: 'Write the launch post',
            description: 'Draft in **Markdown**, then ask for review.',
            status: 'in_progress',
            priority: 2,
            dueAt: '2026-12-01T17:00:00.000Z',
            labels: ['content', 'launch'],
            assigneeId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            position: 3,
            completedAt: null,
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 4,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description: 'The assignee is not a member of the project (`invalid_assignee`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('invalid_assignee').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/invalid_assignee',
            title: 'Unprocessable content',
            status: 422,
            detail: 'The assignee must be a member of the project.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'invalid_assignee',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ProjectsProjectIdNotesRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/notes',
  tags: ['Notes'],
  summary: 'List notes',
  description:
    'The notes of a project, sorted or searched.\n\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'listNotes',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({
      sort: z
        .enum(['createdAt', '-createdAt', 'updatedAt', '-updatedAt'])
        .optional()
        .openapi({
          param: {
            name: 'sort',
            in: 'query',
            required: false,
            description:
              'The order: `createdAt` or `updatedAt`, prefixed with `-` for descending. Defaults to `createdAt`, or to relevance when `q` is given: first the notes with every word of `q` in the title, then the others, the newest first within each.',
            schema: {
              type: 'string',
              enum: ['createdAt', '-createdAt', 'updatedAt', '-updatedAt'],
            },
          },
        }),
      q: z
        .string()
        .regex(/^[^\u0000-\u001F\u007F]*$/)
        .min(1)
        .max(200)
        .optional()
        .openapi({
          param: {
            name: 'q',
            in: 'query',
            required: false,
            description:
              'Full-text search in title and body, like `q` of listTasks. E.g. `launch post`.',
            schema: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              pattern: '^[^\\u0000-\\u001F\\u007F]*$',
            },
          },
        }),
      limit: LimitParamsSchema(),
      cursor: CursorParamsSchema(),
    }),
  },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: NoteListSchema(),
          example: {
            data: [
              {
                id: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                title: 'Meeting notes 2026-11-20',
                body: '## Decisions\n\n- Launch on December 1st',
                createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                createdAt: '2026-11-20T09:30:00.000Z',
                updatedAt: '2026-11-21T14:05:12.000Z',
                version: 2,
              },
            ],
            nextCursor:
              'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1ProjectsProjectIdNotesRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/notes',
  tags: ['Notes'],
  summary: 'Create a note',
  description:
    'Adds a Markdown note to a project.\n\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'createNote',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'Idempotency-Key': IdempotencyKeyParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: NoteCreateSchema(),
          example: {
            title: 'Meeting notes 2026-11-20',
            body: '## Decisions\n\n- Launch on December 1st',
          },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'Created. `Location` is its URL and `ETag` its version.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Idempotent-Replayed': IdempotentReplayedHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: NoteSchema(),
          example: {
            id: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            title: 'Meeting notes 2026-11-20',
            body: '## Decisions\n\n- Launch on December 1st',
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 1,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    409: ConflictResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: UnprocessableContentResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1NotesNoteIdRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/notes/{noteId}',
  tags: ['Notes'],
  summary: 'Get a note',
  description:
    'One note.\n\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'getNote',
  request: {
    params: z.object({
      noteId: z
        .string()
        .regex(/^not_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'noteId',
            in: 'path',
            required: true,
            description: 'The id of the note.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^not_[0-9A-Z]{26}$' },
            example: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-None-Match': IfNoneMatchParamsSchema() }),
  },
  responses: {
    200: {
      description: 'The resource, with its version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: NoteSchema(),
          example: {
            id: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            title: 'Meeting notes 2026-11-20',
            body: '## Decisions\n\n- Launch on December 1st',
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 2,
          },
        },
      },
    },
    304: {
      description:
        '`If-None-Match` named the current version: the copy the client has is up to date.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1NotesNoteIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/notes/{noteId}',
  tags: ['Notes'],
  summary: 'Delete a note',
  description:
    'Deletes a note.\n\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'deleteNote',
  request: {
    params: z.object({
      noteId: z
        .string()
        .regex(/^not_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'noteId',
            in: 'path',
            required: true,
            description: 'The id of the note.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^not_[0-9A-Z]{26}$' },
            example: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
  },
  responses: {
    204: {
      description: 'Deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1NotesNoteIdRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/notes/{noteId}',
  tags: ['Notes'],
  summary: 'Update a note',
  description:
    'Changes the title or body of a note.\n\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'updateNote',
  request: {
    params: z.object({
      noteId: z
        .string()
        .regex(/^not_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'noteId',
            in: 'path',
            required: true,
            description: 'The id of the note.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^not_[0-9A-Z]{26}$' },
            example: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: NoteUpdateSchema(),
          example: { body: '## Decisions\n\n- Launch on December 2nd' },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The changed resource, with its new version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: NoteSchema(),
          example: {
            id: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            title: 'Meeting notes 2026-11-20',
            body: '## Decisions\n\n- Launch on December 1st',
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 2,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1TasksTaskIdCommentsRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/tasks/{taskId}/comments',
  tags: ['Comments'],
  summary: 'List comments',
  description:
    'The comments on a task, oldest first.\n\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'listComments',
  request: {
    params: z.object({
      taskId: z
        .string()
        .regex(/^tsk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'taskId',
            in: 'path',
            required: true,
            description: 'The id of the task.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^tsk_[0-9A-Z]{26}$' },
            example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }),
  },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: CommentListSchema(),
          example: {
            data: [
              {
                id: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                authorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                body: 'First draft is in the shared folder.',
                createdAt: '2026-11-20T09:30:00.000Z',
                updatedAt: '2026-11-20T09:30:00.000Z',
                version: 1,
              },
            ],
            nextCursor:
              'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1TasksTaskIdCommentsRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/tasks/{taskId}/comments',
  tags: ['Comments'],
  summary: 'Comment on a task',
  description:
    'Adds a comment to a task.\n\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'createComment',
  request: {
    params: z.object({
      taskId: z
        .string()
        .regex(/^tsk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'taskId',
            in: 'path',
            required: true,
            description: 'The id of the task.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^tsk_[0-9A-Z]{26}$' },
            example: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'Idempotency-Key': IdempotencyKeyParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: CommentCreateSchema(),
          example: { body: 'First draft is in the shared folder.' },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'Created. `Location` is its URL and `ETag` its version.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Idempotent-Replayed': IdempotentReplayedHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: CommentSchema(),
          example: {
            id: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            authorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            body: 'First draft is in the shared folder.',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    409: ConflictResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: UnprocessableContentResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1CommentsCommentIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/comments/{commentId}',
  tags: ['Comments'],
  summary: 'Delete a comment',
  description:
    'Deletes a comment. Its author may (with the `owner` or `editor` role), and so may any owner of the project.\n\nNeeds being the author, or the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'deleteComment',
  request: {
    params: z.object({
      commentId: z
        .string()
        .regex(/^cmt_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'commentId',
            in: 'path',
            required: true,
            description: 'The id of the comment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^cmt_[0-9A-Z]{26}$' },
            example: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
  },
  responses: {
    204: {
      description: 'Deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1CommentsCommentIdRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/comments/{commentId}',
  tags: ['Comments'],
  summary: 'Edit a comment',
  description:
    'Changes the text of a comment. Only its author may, while they may still write in the project.\n\nNeeds being the author, with the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'updateComment',
  request: {
    params: z.object({
      commentId: z
        .string()
        .regex(/^cmt_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'commentId',
            in: 'path',
            required: true,
            description: 'The id of the comment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^cmt_[0-9A-Z]{26}$' },
            example: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: CommentUpdateSchema(),
          example: { body: 'Second draft is in the shared folder.' },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The changed resource, with its new version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: CommentSchema(),
          example: {
            id: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            authorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            body: 'First draft is in the shared folder.',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-21T14:05:12.000Z',
            version: 2,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ProjectsProjectIdWebhooksRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/webhooks',
  tags: ['Webhooks'],
  summary: "List a project's webhook endpoints",
  description:
    "The project's webhook endpoints, oldest first. Secrets are never listed: they are shown once, when created or rotated.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.",
  operationId: 'listWebhookEndpoints',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }),
  },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookEndpointListSchema(),
          example: {
            data: [
              {
                id: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                url: 'https://hooks.example.com/tasklane',
                description: 'Post finished tasks to the team chat',
                eventTypes: ['task.*', 'comment.created'],
                enabled: true,
                disabledReason: null,
                previousSecretExpiresAt: null,
                createdAt: '2026-11-20T09:30:00.000Z',
                updatedAt: '2026-11-20T09:30:00.000Z',
                version: 1,
              },
            ],
            nextCursor: null,
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenRoleResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1ProjectsProjectIdWebhooksRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/webhooks',
  tags: ['Webhooks'],
  summary: 'Add a webhook endpoint',
  description:
    'Registers a URL that is sent the project\'s changes whose type matches `eventTypes` (`task.*`, `comment.created`, or `*` for all), signed per the Standard Webhooks specification with the `secret` in the answer — the only time it is shown; store it now.\n\nThe URL must be `https` (plain `http` only where the server allows it for development) and must not name a loopback, private, link-local or metadata address (422 `webhook_url_not_allowed`); names that resolve to such addresses are refused at delivery, on every connection. A project has at most 20 endpoints (422 `webhook_limit_reached`). An event type that is no change type answers 422 `unknown_event_type`.\n\nEach change is delivered as the body `{ "type", "timestamp", "data" }` with `data` the change as `listChanges` answers it, with headers `webhook-id` (the same on every retry of one delivery, to deduplicate by), `webhook-timestamp` and `webhook-signature`. An endpoint receives only what the project\'s owners may read. See the `webhooks` section of this document for the payloads.\n\nEndpoints are settings only owners see: creating, changing, rotating or deleting one records no change in the change log (`listChanges`, `streamEvents`), which every member of the project reads, and so sends no webhook either.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'createWebhookEndpoint',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'Idempotency-Key': IdempotencyKeyParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: WebhookEndpointCreateSchema(),
          example: {
            url: 'https://hooks.example.com/tasklane',
            description: 'Post finished tasks to the team chat',
            eventTypes: ['task.*', 'comment.created'],
          },
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description:
        'Created. `Location` is its URL and `ETag` its version. `secret` is shown only here.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Idempotent-Replayed': IdempotentReplayedHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookEndpointCreatedSchema(),
          example: {
            id: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            url: 'https://hooks.example.com/tasklane',
            description: 'Post finished tasks to the team chat',
            eventTypes: ['task.*', 'comment.created'],
            enabled: true,
            disabledReason: null,
            previousSecretExpiresAt: null,
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
            secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    409: ConflictResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The URL may not be used (`webhook_url_not_allowed`), an event type is unknown (`unknown_event_type`), the project has its 20 endpoints already (`webhook_limit_reached`), or this `Idempotency-Key` was used with a different request (`idempotency_key_reused`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z
                .enum([
                  'idempotency_key_reused',
                  'webhook_url_not_allowed',
                  'unknown_event_type',
                  'webhook_limit_reached',
                ])
                .optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/webhook_url_not_allowed',
            title: 'Unprocessable content',
            status: 422,
            detail:
              'Webhook URLs may not point at loopback, private, link-local or metadata addresses.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/webhooks',
            code: 'webhook_url_not_allowed',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1WebhooksWebhookIdRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/webhooks/{webhookId}',
  tags: ['Webhooks'],
  summary: 'Get a webhook endpoint',
  description:
    'One webhook endpoint, without its secret. `disabledReason` is `failing` when the server turned it off because every delivery attempt failed for `WEBHOOK_DISABLE_AFTER_S` (the owners were told).\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'getWebhookEndpoint',
  request: {
    params: z.object({
      webhookId: z
        .string()
        .regex(/^whk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'webhookId',
            in: 'path',
            required: true,
            description: 'The id of the webhook endpoint.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^whk_[0-9A-Z]{26}$' },
            example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    200: {
      description: 'The webhook endpoint, with its version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookEndpointSchema(),
          example: {
            id: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            url: 'https://hooks.example.com/tasklane',
            description: 'Post finished tasks to the team chat',
            eventTypes: ['task.*', 'comment.created'],
            enabled: true,
            disabledReason: null,
            previousSecretExpiresAt: null,
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
          },
        },
      },
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenRoleResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1WebhooksWebhookIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/webhooks/{webhookId}',
  tags: ['Webhooks'],
  summary: 'Delete a webhook endpoint',
  description:
    'Removes the endpoint, its delivery log and every delivery still waiting; an attempt already under way may still arrive.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'deleteWebhookEndpoint',
  request: {
    params: z.object({
      webhookId: z
        .string()
        .regex(/^whk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'webhookId',
            in: 'path',
            required: true,
            description: 'The id of the webhook endpoint.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^whk_[0-9A-Z]{26}$' },
            example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    204: {
      description: 'Deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1WebhooksWebhookIdRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/webhooks/{webhookId}',
  tags: ['Webhooks'],
  summary: 'Change a webhook endpoint',
  description:
    'Changes the URL, description, event types or `enabled`. Enabling an endpoint the server disabled clears `disabledReason` and starts delivering new changes again; use `replayWebhookEvents` for what it missed. The same URL rules as on creation apply.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'updateWebhookEndpoint',
  request: {
    params: z.object({
      webhookId: z
        .string()
        .regex(/^whk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'webhookId',
            in: 'path',
            required: true,
            description: 'The id of the webhook endpoint.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^whk_[0-9A-Z]{26}$' },
            example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
    body: {
      content: {
        'application/json': { schema: WebhookEndpointUpdateSchema(), example: { enabled: false } },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The changed resource, with its new version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookEndpointSchema(),
          example: {
            id: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            url: 'https://hooks.example.com/tasklane',
            description: 'Post finished tasks to the team chat',
            eventTypes: ['task.*', 'comment.created'],
            enabled: true,
            disabledReason: null,
            previousSecretExpiresAt: null,
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    422: {
      description:
        'The URL may not be used (`webhook_url_not_allowed`) or an event type is unknown (`unknown_event_type`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['webhook_url_not_allowed', 'unknown_event_type']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/unknown_event_type',
            title: 'Unprocessable content',
            status: 422,
            detail: 'No change type matches tsk.*.',
            instance: '/v1/webhooks/whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'unknown_event_type',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1WebhooksWebhookIdSecretRotateRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/webhooks/{webhookId}/secret/rotate',
  tags: ['Webhooks'],
  summary: "Rotate a webhook endpoint's secret",
  description:
    'Makes a new signing secret and answers it, the only time it is shown. For 24 hours (`previousSecretExpiresAt`) every delivery carries two signatures in `webhook-signature`, one with each secret, so the receiver can switch at its own pace; attempts already under way are signed with both. Rotating again within the 24 hours drops the oldest secret.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'rotateWebhookSecret',
  request: {
    params: z.object({
      webhookId: z
        .string()
        .regex(/^whk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'webhookId',
            in: 'path',
            required: true,
            description: 'The id of the webhook endpoint.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^whk_[0-9A-Z]{26}$' },
            example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    200: {
      description: 'The new secret.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookSecretSchema(),
          example: {
            secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
            previousSecretExpiresAt: '2026-11-21T09:30:00.000Z',
          },
        },
      },
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1WebhooksWebhookIdPingRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/webhooks/{webhookId}/ping',
  tags: ['Webhooks'],
  summary: 'Send a test event',
  description:
    'Queues a `webhook.ping` event to the endpoint at once (also when it is disabled), and answers its delivery; follow it in `listWebhookDeliveries`.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'pingWebhookEndpoint',
  request: {
    params: z.object({
      webhookId: z
        .string()
        .regex(/^whk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'webhookId',
            in: 'path',
            required: true,
            description: 'The id of the webhook endpoint.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^whk_[0-9A-Z]{26}$' },
            example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    202: {
      description: 'Queued.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookDeliverySchema(),
          example: {
            id: 'msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            endpointId: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            eventType: 'webhook.ping',
            changeSeq: null,
            status: 'pending',
            attempts: 2,
            lastAttemptAt: '2026-11-20T09:30:05.000Z',
            durationMs: 131,
            responseStatus: 503,
            responseBody: 'Service Unavailable',
            error: null,
            nextAttemptAt: '2026-11-20T09:30:45.000Z',
            createdAt: '2026-11-20T09:30:00.000Z',
          },
        },
      },
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1WebhooksWebhookIdDeliveriesRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/webhooks/{webhookId}/deliveries',
  tags: ['Webhooks'],
  summary: "List an endpoint's deliveries",
  description:
    "The delivery log, newest first: each event sent or to be sent, with its status (`pending` while it is being retried, `succeeded`, `failed` once retries ran out after `WEBHOOK_RETRY_FOR_S` or the receiver answered a 4xx that is not retried), the number of attempts, and the last attempt's duration, response status, first 64 KiB of the response body, or error (e.g. a refused address), and when the next attempt is due.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.",
  operationId: 'listWebhookDeliveries',
  request: {
    params: z.object({
      webhookId: z
        .string()
        .regex(/^whk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'webhookId',
            in: 'path',
            required: true,
            description: 'The id of the webhook endpoint.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^whk_[0-9A-Z]{26}$' },
            example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({ limit: LimitParamsSchema(), cursor: CursorParamsSchema() }),
  },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookDeliveryListSchema(),
          example: {
            data: [
              {
                id: 'msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                endpointId: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                eventType: 'task.updated',
                changeSeq: '42',
                status: 'pending',
                attempts: 2,
                lastAttemptAt: '2026-11-20T09:30:05.000Z',
                durationMs: 131,
                responseStatus: 503,
                responseBody: 'Service Unavailable',
                error: null,
                nextAttemptAt: '2026-11-20T09:30:45.000Z',
                createdAt: '2026-11-20T09:30:00.000Z',
              },
            ],
            nextCursor: null,
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenRoleResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1WebhooksWebhookIdDeliveriesDeliveryIdRedeliverRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver',
  tags: ['Webhooks'],
  summary: 'Send a delivery again',
  description:
    'Queues the same event again at once, with the same `webhook-id` and body, whatever its status; the attempt count and retry period start afresh.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.',
  operationId: 'redeliverWebhookDelivery',
  request: {
    params: z.object({
      webhookId: z
        .string()
        .regex(/^whk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'webhookId',
            in: 'path',
            required: true,
            description: 'The id of the webhook endpoint.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^whk_[0-9A-Z]{26}$' },
            example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      deliveryId: z
        .string()
        .regex(/^msg_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'deliveryId',
            in: 'path',
            required: true,
            description: 'The id of the delivery (its `webhook-id` header).',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^msg_[0-9A-Z]{26}$' },
            example: 'msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    202: {
      description: 'Queued.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookDeliverySchema(),
          example: {
            id: 'msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            endpointId: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            eventType: 'task.updated',
            changeSeq: '42',
            status: 'pending',
            attempts: 2,
            lastAttemptAt: '2026-11-20T09:30:05.000Z',
            durationMs: 131,
            responseStatus: 503,
            responseBody: 'Service Unavailable',
            error: null,
            nextAttemptAt: '2026-11-20T09:30:45.000Z',
            createdAt: '2026-11-20T09:30:00.000Z',
          },
        },
      },
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1WebhooksWebhookIdReplayRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/webhooks/{webhookId}/replay',
  tags: ['Webhooks'],
  summary: 'Send every change since a seq again',
  description:
    "For a receiver that was down: queues a new delivery of every change after `since` that the endpoint subscribes to and the project's owners may read, in seq order, as far as the change log keeps them (`CHANGES_RETENTION_S`; an older `since` answers 410 `cursor_expired`). At most 10,000 changes per call: when `hasMore` is true, call again with `since` set to `throughSeq`. Replayed deliveries get new `webhook-id`s; the change's `seq` in the body tells a receiver what it has seen already.\n\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.",
  operationId: 'replayWebhookEvents',
  request: {
    params: z.object({
      webhookId: z
        .string()
        .regex(/^whk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'webhookId',
            in: 'path',
            required: true,
            description: 'The id of the webhook endpoint.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^whk_[0-9A-Z]{26}$' },
            example: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    body: {
      content: { 'application/json': { schema: WebhookReplaySchema(), example: { since: '1200' } } },
      required: true,
    },
  },
  responses: {
    202: {
      description: 'Queued.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: WebhookReplayResultSchema(),
          example: { queued: 37, throughSeq: '1337', hasMore: false },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    410: CursorExpiredResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ChangesRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/changes',
  tags: ['Events'],
  summary: 'List changes since a sync token',
  description:
    'The change log as JSON pages, for clients that poll: every create, update and delete of a project, task, note, comment, membership or invitation the caller may see, in seq order, each with the resource as its get operation answers it (or a tombstone `{ "id": "…", "deleted": true }`).\n\nStart with `since=0` (or the `syncToken` of a full load), then pass each answer\'s `syncToken` as `since`. A change is never skipped, even one whose transaction commits after a later one started: a change is served once every write that began before it has ended. Visibility is decided when the change is delivered: changes of projects the caller is a member of now, written since they joined, and the caller\'s own (notifications, their removal from a project, a project of theirs being deleted). A member reads a project\'s changes from the write that added them on: a `since` before that starts there, so nothing written, edited or deleted before they joined is served to them (load the current state with the get and list operations). `projectId` narrows to one project.\n\nChanges are kept for `CHANGES_RETENTION_S` (7 days by default). A `since` older than that answers 410 `cursor_expired`: reload the resources and continue from the latest `syncToken`. A `since` past the newest change (which no answer ever gave: a position from another deployment, or from before a restore) answers 400 `since_ahead` rather than silently skipping what is written up to it: reload, then continue from the new `syncToken`. While a page is full, `nextCursor` (and `Link`) point at the next one.\n\nNeeds any role in the projects concerned; a `read` API key is enough.',
  operationId: 'listChanges',
  request: {
    query: z.object({
      since: z
        .string()
        .regex(/^[0-9]{1,19}$/)
        .max(19)
        .default('0')
        .optional()
        .openapi({
          param: {
            name: 'since',
            in: 'query',
            required: false,
            description:
              'The `syncToken` of the previous answer (e.g. `42`); changes after it are returned. `0` (the default) starts from the oldest retained change (for a project, from when the caller joined it). A 64-bit integer that may exceed 2^53; send it as received.',
            schema: { type: 'string', pattern: '^[0-9]{1,19}$', maxLength: 19, default: '0' },
          },
        }),
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'projectId',
            in: 'query',
            required: false,
            description: 'Only changes of this project (e.g. `prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K`).',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
          },
        }),
      limit: LimitParamsSchema(),
      cursor: CursorParamsSchema(),
    }),
  },
  responses: {
    200: {
      description:
        'A page of changes, oldest first. `Link` points at the next page when this one is full.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        Link: LinkHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ChangeListSchema(),
          example: {
            data: [
              {
                seq: '42',
                type: 'task.updated',
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                resourceType: 'task',
                resourceId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                version: 2,
                actorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                occurredAt: '2026-11-20T09:31:00.000Z',
                data: {
                  id: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                  projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                  title: 'Write the launch post',
                  description: null,
                  status: 'in_progress',
                  priority: 2,
                  dueAt: null,
                  labels: ['launch'],
                  assigneeId: null,
                  position: 1,
                  completedAt: null,
                  createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                  createdAt: '2026-11-20T09:30:00.000Z',
                  updatedAt: '2026-11-20T09:31:00.000Z',
                  version: 2,
                },
              },
              {
                seq: '43',
                type: 'note.deleted',
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                resourceType: 'note',
                resourceId: 'nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                version: null,
                actorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                occurredAt: '2026-11-20T09:32:00.000Z',
                data: { id: 'nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K', deleted: true },
              },
            ],
            nextCursor: null,
            syncToken: '43',
          },
        },
      },
    },
    400: BadRequestChangesResponse(),
    401: UnauthorizedResponse(),
    410: CursorExpiredResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1EventsRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/events',
  tags: ['Events'],
  summary: 'Stream changes as Server-Sent Events',
  description:
    'A `text/event-stream` of every change the caller may see, as it happens: the same log that\n`listChanges` pages through. Each change is one event whose `id` is its `seq` and whose `event` is\nits `type`; `data` is the `Change` as JSON. What the caller may see is checked when each event is\ndelivered, so a member who is removed from a project receives `access_revoked` for it and nothing of\nthat project afterwards; and a project\'s changes start where the caller joined it, as in\n`listChanges` (a position before that starts there).\n\nWhere to start: the `Last-Event-ID` header (sent by `EventSource` when it reconnects) wins over\n`since`; with neither, the stream starts at the newest change and sends only what happens next.\nResuming from the last `id` received delivers every later change once, with no gap. A position older\nthan the log keeps (see `CHANGES_RETENTION_S`) answers 410 `cursor_expired` before the stream starts:\nread the current state again, then stream from `syncToken` of `listChanges`. A position past the\nnewest change answers 400 `since_ahead` (a stream from it would silently skip every change up to it).\nSeqs are 64-bit: a position may exceed 2^53, so keep it as the string it is sent as.\n\nThe first event of every stream (after `retry:`) is `ready` `{ "since" }`, with `id` set to the same\n`since`: the position the stream starts after (the `Last-Event-ID` or `since` sent, or the newest\nchange). A client that started without a position thereby has one before any change arrives, so a\nreconnect (which sends it as `Last-Event-ID`) misses nothing committed while it was away.\n\nBesides changes and `ready`, the stream carries (none of these has an `id`, so a reconnect resumes after the last change):\n- `access_revoked` `{ "projectId": … }` when the caller loses access to a project (removed, or the project deleted);\n- `auth_expired` `{}` when the credentials expire or are revoked; the server then closes the stream,\n  and the client reconnects with fresh credentials;\n- `reconnect` `{ "reason", "since" }` before the server closes the stream because it is shutting down\n  (`shutdown`) or the client reads too slowly (`slow_consumer`); reconnect with `Last-Event-ID` (or\n  `since`) set to `since`;\n- a `: heartbeat` comment at least every 15 seconds, so proxies and clients can tell a quiet stream\n  from a dead one; and `retry:` (milliseconds to wait before reconnecting) first thing.\n\nOn the wire:\n\n```\nretry: 3000\n\nid: 41\nevent: ready\ndata: {"since":"41"}\n\nid: 42\nevent: task.updated\ndata: {"seq":"42","type":"task.updated","projectId":"prj_…",…}\n\n: heartbeat\n\nevent: reconnect\ndata: {"reason":"shutdown","since":"42"}\n```\n\nThe response is never compressed or cached (`Cache-Control: no-cache, no-transform`), and\n`X-Accel-Buffering: no` asks nginx-style proxies not to buffer it.\n\nNeeds the `read` scope. With `projectId`, only that project\'s changes; callers who are not members of\nit get 404, as for a project that does not exist.\n\nOpen streams are limited per server instance: at most `EVENTS_MAX_STREAMS_PER_USER` (20 by default)\nper user, over all their sessions and API keys, and `EVENTS_MAX_STREAMS_PER_KEY` (10) per API key;\none more answers 429 `too_many_streams` with `Retry-After` (close a stream you no longer read). Past\n`EVENTS_MAX_STREAMS` (10,000) on the instance, 503 `streams_unavailable` with `Retry-After` (another\ninstance may have room).',
  operationId: 'streamEvents',
  request: {
    query: z.object({
      since: z
        .string()
        .regex(/^[0-9]{1,19}$/)
        .max(19)
        .optional()
        .openapi({
          param: {
            name: 'since',
            in: 'query',
            required: false,
            description:
              'Send the changes after this `seq` (the last event `id` the client has, or a `syncToken` of `listChanges`), e.g. `42`.',
            schema: { type: 'string', maxLength: 19, pattern: '^[0-9]{1,19}$' },
          },
        }),
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'projectId',
            in: 'query',
            required: false,
            description: "Only this project's changes (e.g. `prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K`).",
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
          },
        }),
    }),
    headers: z.object({
      'Last-Event-ID': z
        .string()
        .regex(/^[0-9]{1,19}$/)
        .max(19)
        .optional()
        .openapi({
          param: {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            description:
              'The `id` of the last event received; sent by `EventSource` when it reconnects. Wins over `since`.',
            schema: { type: 'string', maxLength: 19, pattern: '^[0-9]{1,19}$' },
            example: '42',
          },
        }),
    }),
  },
  responses: {
    200: {
      description:
        'The event stream. Each event, as an `EventSource` parses it (`id`, `event`, and `data` parsed\nas JSON), matches `StreamEvent`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Cache-Control': z
            .literal('no-cache, no-transform')
            .optional()
            .openapi({
              description: 'Never cache or transform (compress) the stream.',
              example: 'no-cache, no-transform',
            }),
        'X-Accel-Buffering': z
            .literal('no')
            .optional()
            .openapi({
              description:
                'Asks a reverse proxy (nginx) to pass events on as they come instead of buffering them.',
              example: 'no',
            }),
      }),
      content: {
        'text/event-stream': {
          schema: StreamEventSchema(),
          example: {
            id: '42',
            event: 'task.updated',
            data: {
              seq: '42',
              type: 'task.updated',
              projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              resourceType: 'task',
              resourceId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              version: 4,
              actorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              occurredAt: '2026-11-21T14:05:12.000Z',
              data: {},
            },
          },
        },
      },
    },
    400: BadRequestEventsResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    410: CursorExpiredResponse(),
    429: TooManyRequestsStreamsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: StreamsUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1NotificationsRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/notifications',
  tags: ['Notifications'],
  summary: 'List your notifications',
  description:
    "The caller's notifications, most recently updated first. A notification is a thread: one per task (or project, for invitations) and reason while it is unread, so a repeat (a second comment, another mention) bumps it to the top with a higher `count` and the latest actor instead of adding a new one. Once read, the next event starts a new thread.\n\nReasons: `assigned` (a task was assigned to you), `mentioned` (you were @mentioned in a task description or a comment), `commented` (a comment on a task you created or are assigned), `invited` (you were invited to a project). You are never notified of your own actions, and only of tasks in projects you can still see.\n\nNew and bumped notifications are also recorded in the change log as `notification.created` changes (`listChanges`, and the event stream), visible only to their recipient, with the notification as it is now in `data`. An `invited` notification is deleted when its invitation is revoked (`notification.deleted`, a tombstone, for the recipient), so it can no longer be followed to an invitation that is gone.\n\nNeeds the `read` scope.",
  operationId: 'listNotifications',
  request: {
    query: z.object({
      unread: z
        .enum(['true', 'false'])
        .optional()
        .openapi({
          param: {
            name: 'unread',
            in: 'query',
            required: false,
            description:
              '`true`: only unread notifications; `false`: only read ones. Leave out for both.',
            schema: { type: 'string', enum: ['true', 'false'] },
          },
        }),
      limit: LimitParamsSchema(),
      cursor: CursorParamsSchema(),
    }),
  },
  responses: {
    200: {
      description: 'A page of results. `Link` points at the next page when there is one.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        Link: LinkHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: NotificationListSchema(),
          example: {
            data: [
              {
                id: 'ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                reason: 'commented',
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                commentId: 'cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                invitationId: null,
                webhookId: null,
                actorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                title: 'Write the launch post',
                count: 2,
                readAt: null,
                createdAt: '2026-11-20T09:30:00.000Z',
                updatedAt: '2026-11-20T10:12:40.000Z',
              },
            ],
            nextCursor:
              'WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA',
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1NotificationsUnreadCountRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/notifications/unread-count',
  tags: ['Notifications'],
  summary: 'Count unread notifications',
  description:
    "How many of the caller's notifications are unread (what `listNotifications?unread=true` would list), for a badge.\n\nNeeds the `read` scope.",
  operationId: 'getUnreadNotificationCount',
  responses: {
    200: {
      description: 'The number of unread notifications.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': { schema: UnreadNotificationCountSchema(), example: { count: 3 } },
      },
    },
    401: UnauthorizedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1NotificationsNotificationIdReadRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/notifications/{notificationId}/read',
  tags: ['Notifications'],
  summary: 'Mark a notification read',
  description:
    "Marks one notification read; its email, if not sent yet, will not be. The change is recorded as a `notification.updated` change for the caller (`listChanges`, the event stream), so their other devices clear it too. Marking a read notification again changes nothing and answers it as it is.\n\nNeeds the `write` scope. Another user's notification answers 404, as for one that does not exist.",
  operationId: 'markNotificationRead',
  request: {
    params: z.object({
      notificationId: z
        .string()
        .regex(/^ntf_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'notificationId',
            in: 'path',
            required: true,
            description: 'The id of the notification.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^ntf_[0-9A-Z]{26}$' },
            example: 'ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    200: {
      description: 'The notification, now read.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: NotificationSchema(),
          example: {
            id: 'ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            reason: 'assigned',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            commentId: null,
            invitationId: null,
            webhookId: null,
            actorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            title: 'Write the launch post',
            count: 1,
            readAt: '2026-11-20T11:02:00.000Z',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
          },
        },
      },
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenScopeResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1NotificationsReadRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/notifications/read',
  tags: ['Notifications'],
  summary: 'Mark notifications read up to a time',
  description:
    'Marks read every unread notification of the caller whose `updatedAt` is at or before `before`. Pass the `updatedAt` of the newest notification you showed (or the time you showed the list): a notification that arrived or was bumped after that stays unread, so nothing the user has not seen is cleared. Each notification marked is recorded as a `notification.updated` change for the caller.\n\nNeeds the `write` scope.',
  operationId: 'markAllNotificationsRead',
  request: {
    body: {
      content: {
        'application/json': {
          schema: NotificationsMarkReadSchema(),
          example: { before: '2026-11-20T10:12:40.000Z' },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'How many notifications were marked read.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': { schema: NotificationsMarkedSchema(), example: { marked: 3 } },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenScopeResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1NotificationsPreferencesRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/notifications/preferences',
  tags: ['Notifications'],
  summary: 'Get notification preferences',
  description:
    'For each reason, whether the caller gets an in-app notification (`inApp`) and, if it stays unread, an email (`email`). Everything is on until changed.\n\nNeeds the `read` scope.',
  operationId: 'getNotificationPreferences',
  responses: {
    200: {
      description: "The caller's preferences.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: NotificationPreferencesSchema(),
          example: {
            assigned: { inApp: true, email: true },
            mentioned: { inApp: true, email: true },
            commented: { inApp: true, email: false },
            invited: { inApp: true, email: true },
          },
        },
      },
    },
    401: UnauthorizedResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1NotificationsPreferencesRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/notifications/preferences',
  tags: ['Notifications'],
  summary: 'Change notification preferences',
  description:
    'Changes the channels named in the body and leaves the rest as they are. With `inApp` off for a reason, no notification is made for it at all (none in the list, none on the event stream, and so no email either); with `email` off, notifications still appear in the app but are never emailed. The change applies to events from now on, and to emails not sent yet.\n\nNeeds the `write` scope.',
  operationId: 'updateNotificationPreferences',
  request: {
    body: {
      content: {
        'application/json': {
          schema: NotificationPreferencesUpdateSchema(),
          example: { commented: { email: false } },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: "The caller's preferences after the change.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: NotificationPreferencesSchema(),
          example: {
            assigned: { inApp: true, email: true },
            mentioned: { inApp: true, email: true },
            commented: { inApp: true, email: false },
            invited: { inApp: true, email: true },
          },
        },
      },
    },
    400: BadRequestBodyResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenScopeResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    431: RequestHeaderFieldsTooLargeResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1ProjectsProjectIdAttachmentsRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/attachments',
  tags: ['Attachments'],
  summary: 'List attachments',
  description:
    "The project's files, oldest first; with `taskId`, `noteId` or `commentId`, only those attached to it.\n\nNeeds any role. Callers who are not members of the project get 404.",
  operationId: 'listAttachments',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({
      taskId: z
        .string()
        .regex(/^tsk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'taskId',
            in: 'query',
            required: false,
            description: 'Only files attached to this task.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^tsk_[0-9A-Z]{26}$' },
          },
        }),
      noteId: z
        .string()
        .regex(/^not_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'noteId',
            in: 'query',
            required: false,
            description: 'Only files attached to this note.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^not_[0-9A-Z]{26}$' },
          },
        }),
      commentId: z
        .string()
        .regex(/^cmt_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'commentId',
            in: 'query',
            required: false,
            description: 'Only files attached to this comment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^cmt_[0-9A-Z]{26}$' },
          },
        }),
      limit: LimitParamsSchema(),
      cursor: CursorParamsSchema(),
    }),
  },
  responses: {
    200: {
      description: 'A page of attachments.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Link: LinkHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AttachmentListSchema(),
          example: {
            data: [
              {
                id: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                noteId: null,
                commentId: null,
                filename: 'screenshot 2026-11-20.png',
                contentType: 'image/png',
                claimedContentType: 'image/png',
                size: 48213,
                sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
                thumbnails: true,
                createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
                createdAt: '2026-11-20T09:30:00.000Z',
                updatedAt: '2026-11-20T09:30:00.000Z',
                version: 1,
              },
            ],
            nextCursor: null,
          },
        },
      },
    },
    400: BadRequestListResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1ProjectsProjectIdAttachmentsRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/attachments',
  tags: ['Attachments'],
  summary: 'Upload a file',
  description:
    "Stores a file in the project, optionally attached to a task, note or comment of it. The body is\nstreamed to storage, never held whole in memory, in either form:\n\n- `multipart/form-data` with one part named `file` (its `filename` is the file name) and, as further\n  fields, `taskId`, `noteId` or `commentId` and `sha256`;\n- any other media type: the raw bytes of the file, with `filename` (and the other fields) as query\n  parameters. The `Content-Type` sent is kept as `claimedContentType`.\n\nThe stored `contentType` is read from the bytes (magic numbers), never taken from the client. A file\nover the size limit (`ATTACHMENT_MAX_BYTES`) or over what is left of the project's quota is cut off\nat the limit while it streams (413) and nothing is kept. With `sha256`, a file whose bytes hash\ndifferently is refused (400 `checksum_mismatch`); the hash is always returned. For large files and\nflaky networks use the resumable (tus) upload instead.\n\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404.",
  operationId: 'createAttachment',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({
      filename: z
        .string()
        .regex(/^[^\u0000-\u001F\u007F]*$/)
        .min(1)
        .max(1000)
        .optional()
        .openapi({
          param: {
            name: 'filename',
            in: 'query',
            required: false,
            description:
              "Raw uploads: the file's name (required there), e.g. `report.pdf`. At most 255 characters, no path separators or control characters.",
            schema: {
              type: 'string',
              minLength: 1,
              maxLength: 1000,
              pattern: '^[^\\u0000-\\u001F\\u007F]*$',
            },
          },
        }),
      taskId: z
        .string()
        .regex(/^tsk_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'taskId',
            in: 'query',
            required: false,
            description: 'Raw uploads: attach the file to this task of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^tsk_[0-9A-Z]{26}$' },
          },
        }),
      noteId: z
        .string()
        .regex(/^not_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'noteId',
            in: 'query',
            required: false,
            description: 'Raw uploads: attach the file to this note of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^not_[0-9A-Z]{26}$' },
          },
        }),
      commentId: z
        .string()
        .regex(/^cmt_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .optional()
        .openapi({
          param: {
            name: 'commentId',
            in: 'query',
            required: false,
            description: 'Raw uploads: attach the file to this comment on a task of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^cmt_[0-9A-Z]{26}$' },
          },
        }),
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/)
        .length(64)
        .optional()
        .openapi({
          param: {
            name: 'sha256',
            in: 'query',
            required: false,
            description: 'Raw uploads: the hex SHA-256 the bytes must have, e.g. `9f86d0…0a08`.',
            schema: { type: 'string', minLength: 64, maxLength: 64, pattern: '^[0-9a-fA-F]{64}$' },
          },
        }),
    }),
    body: {
      description:
        'The file, as a form or raw. Marked optional only because its two forms are validated apart; a request without a file is refused (415 without `Content-Type`, 400 `missing_file` or `empty_file`).',
      content: {
        'multipart/form-data': {
          schema: AttachmentUploadSchema(),
          encoding: { file: { contentType: '*/*' } },
        },
        '*/*': {
          schema: z.file().max(5368709120).openapi({ type: 'string', format: 'binary', maxLength: 5368709120 }).openapi({ description: 'The raw bytes of the file.' }),
        },
      },
    },
  },
  responses: {
    201: {
      description: "Stored. `Location` is the attachment's URL and `ETag` its version.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        Location: LocationHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AttachmentSchema(),
          example: {
            id: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            noteId: null,
            commentId: null,
            filename: 'screenshot 2026-11-20.png',
            contentType: 'image/png',
            claimedContentType: 'image/png',
            size: 48213,
            sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
            thumbnails: true,
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
          },
        },
      },
    },
    400: {
      description:
        'The upload is not acceptable: `validation_failed` (a parameter or field), `invalid_filename`, `empty_file`, `missing_file` (no part named `file`), `duplicate_file` (two file parts), `duplicate_field`, `unexpected_file` (a file part with another name), `malformed_multipart`, `checksum_mismatch` (the bytes do not hash to `sha256`), `invalid_target` (more than one of `taskId`, `noteId`, `commentId`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z
                .enum([
                  'validation_failed',
                  'invalid_filename',
                  'empty_file',
                  'missing_file',
                  'duplicate_file',
                  'duplicate_field',
                  'unexpected_file',
                  'malformed_multipart',
                  'checksum_mismatch',
                  'invalid_target',
                ])
                .optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/checksum_mismatch',
            title: 'Bad request',
            status: 400,
            detail: 'The file does not have the SHA-256 sent.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments',
            code: 'checksum_mismatch',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: {
      description:
        'No such project, task, note or comment in it, or one the caller may not see (`not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/not_found',
            title: 'Not found',
            status: 404,
            detail: 'No task with this id in the project.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments',
            code: 'not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    408: {
      description:
        'The client stopped sending the body for longer than `UPLOAD_IDLE_TIMEOUT_MS` (`request_timeout`); nothing was kept.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('request_timeout').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/request_timeout',
            title: 'Request timeout',
            status: 408,
            detail: 'No bytes of the body arrived for 30000 ms.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments',
            code: 'request_timeout',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    413: {
      description:
        "The file is larger than `ATTACHMENT_MAX_BYTES` (`file_too_large`) or than what is left of the project's storage quota (`quota_exceeded`). Refused while streaming, at the limit; nothing was kept.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['file_too_large', 'quota_exceeded']).optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/quota_exceeded',
            title: 'Content too large',
            status: 413,
            detail: 'The project has 1200 bytes of its storage quota left; the file is larger.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments',
            code: 'quota_exceeded',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    415: {
      description:
        'The bytes are of a type the server does not accept (`file_type_not_allowed`, per `ATTACHMENT_TYPES_ALLOW` and `ATTACHMENT_TYPES_DENY`), or the body has no `Content-Type` (`unsupported_media_type`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['file_type_not_allowed', 'unsupported_media_type']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/file_type_not_allowed',
            title: 'Unsupported media type',
            status: 415,
            detail: 'Files of type application/x-msdownload are not accepted here.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments',
            code: 'file_type_not_allowed',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: {
      description:
        'The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); nothing was kept. Retry after `Retry-After` seconds.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['service_unavailable', 'storage_unavailable']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/storage_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The file store did not answer.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments',
            code: 'storage_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    507: {
      description: "The server's disk is full (`insufficient_storage`); nothing was kept.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('insufficient_storage').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/insufficient_storage',
            title: 'Insufficient storage',
            status: 507,
            detail: 'The file store has no room left.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments',
            code: 'insufficient_storage',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1AttachmentsAttachmentIdRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/attachments/{attachmentId}',
  tags: ['Attachments'],
  summary: 'Get an attachment',
  description:
    "One file's metadata; `downloadAttachment` serves its bytes.\n\nNeeds any role. Callers who are not members of the project get 404.",
  operationId: 'getAttachment',
  request: {
    params: z.object({
      attachmentId: z
        .string()
        .regex(/^att_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'attachmentId',
            in: 'path',
            required: true,
            description: 'The id of the attachment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^att_[0-9A-Z]{26}$' },
            example: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-None-Match': IfNoneMatchParamsSchema() }),
  },
  responses: {
    200: {
      description: 'The attachment, with its version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AttachmentSchema(),
          example: {
            id: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            noteId: null,
            commentId: null,
            filename: 'screenshot 2026-11-20.png',
            contentType: 'image/png',
            claimedContentType: 'image/png',
            size: 48213,
            sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
            thumbnails: true,
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
          },
        },
      },
    },
    304: {
      description:
        '`If-None-Match` named the current version: the copy the client has is up to date.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1AttachmentsAttachmentIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/attachments/{attachmentId}',
  tags: ['Attachments'],
  summary: 'Delete an attachment',
  description:
    "Deletes the file and its thumbnails. Its bytes are removed once the deletion has committed (or, if\nthat fails, by the orphan sweep); the project's storage usage drops at once.\n\nNeeds the `owner` role, or the `editor` role for a file the caller uploaded. Callers who are not\nmembers of the project get 404.",
  operationId: 'deleteAttachment',
  request: {
    params: z.object({
      attachmentId: z
        .string()
        .regex(/^att_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'attachmentId',
            in: 'path',
            required: true,
            description: 'The id of the attachment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^att_[0-9A-Z]{26}$' },
            example: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
  },
  responses: {
    204: {
      description: 'Deleted.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: NotFoundResponse(),
    412: PreconditionFailedResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1AttachmentsAttachmentIdRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/attachments/{attachmentId}',
  tags: ['Attachments'],
  summary: 'Rename or attach a file',
  description:
    'Renames the file, or attaches it to a task, note or comment of its project (or to none of them,\nwith `null`). At most one of `taskId`, `noteId` and `commentId` may be set at a time.\n\nNeeds the `owner` role, or the `editor` role for a file the caller uploaded. Callers who are not\nmembers of the project get 404.',
  operationId: 'updateAttachment',
  request: {
    params: z.object({
      attachmentId: z
        .string()
        .regex(/^att_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'attachmentId',
            in: 'path',
            required: true,
            description: 'The id of the attachment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^att_[0-9A-Z]{26}$' },
            example: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({ 'If-Match': IfMatchParamsSchema() }),
    body: {
      content: {
        'application/json': {
          schema: AttachmentUpdateSchema(),
          example: { noteId: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K' },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The attachment as changed, with its new version in `ETag`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AttachmentSchema(),
          example: {
            id: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            noteId: null,
            commentId: null,
            filename: 'screenshot 2026-11-20.png',
            contentType: 'image/png',
            claimedContentType: 'image/png',
            size: 48213,
            sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
            thumbnails: true,
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
          },
        },
      },
    },
    400: {
      description:
        'The body is not acceptable: `validation_failed`, `malformed_json`, `json_too_deep`, `invalid_filename`, or `invalid_target` (more than one of `taskId`, `noteId`, `commentId`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z
                .enum([
                  'validation_failed',
                  'malformed_json',
                  'json_too_deep',
                  'invalid_filename',
                  'invalid_target',
                ])
                .optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/invalid_target',
            title: 'Bad request',
            status: 400,
            detail: 'Attach the file to one of a task, a note or a comment.',
            instance: '/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'invalid_target',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: {
      description:
        'No such attachment, or no such task, note or comment in its project, or one the caller may not see (`not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/not_found',
            title: 'Not found',
            status: 404,
            detail: 'No attachment with this id.',
            instance: '/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    412: PreconditionFailedResponse(),
    413: ContentTooLargeResponse(),
    415: UnsupportedMediaTypeResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1AttachmentsAttachmentIdContentRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/attachments/{attachmentId}/content',
  tags: ['Attachments'],
  summary: 'Download a file',
  description:
    "The file's bytes, streamed. Supports `Range` (one range; 206, or 416 past the end), `If-Range`,\n`If-None-Match` (304) and `HEAD`. The `ETag` is the SHA-256 of the bytes.\n\nNeeds any role in the project. Callers who are not members get 404.",
  operationId: 'downloadAttachment',
  request: {
    params: z.object({
      attachmentId: z
        .string()
        .regex(/^att_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'attachmentId',
            in: 'path',
            required: true,
            description: 'The id of the attachment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^att_[0-9A-Z]{26}$' },
            example: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({
      'If-None-Match': IfNoneMatchParamsSchema(),
      Range: z
        .string()
        .regex(/^[\x20-\x7E]*$/)
        .max(200)
        .optional()
        .openapi({
          param: {
            name: 'Range',
            in: 'header',
            required: false,
            description:
              'One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-512` (the last 512 bytes): answered 206 with that part. A range that starts past the end is 416; a header that does not parse, another unit or several ranges are ignored and the whole file is served (200).',
            schema: { type: 'string', maxLength: 200, pattern: '^[\\x20-\\x7E]*$' },
          },
        }),
      'If-Range': z
        .string()
        .regex(/^[\x20-\x7E]*$/)
        .max(200)
        .optional()
        .openapi({
          param: {
            name: 'If-Range',
            in: 'header',
            required: false,
            description:
              'Serve `Range` only if the file still has this `ETag`; otherwise the whole file (200).',
            schema: { type: 'string', maxLength: 200, pattern: '^[\\x20-\\x7E]*$' },
          },
        }),
    }),
  },
  responses: {
    200: {
      description:
        'The whole file, with the type read from its bytes. Served `inline` only for PNG, JPEG, GIF, WebP and AVIF images, as an attachment otherwise; always with `nosniff` and a sandboxing CSP, so an HTML or SVG file cannot run script.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Content-Disposition': ContentDispositionHeaderSchema(),
        'X-Content-Type-Options': XContentTypeOptionsHeaderSchema(),
        'Content-Security-Policy': ContentSecurityPolicyHeaderSchema(),
        ETag: ContentETagHeaderSchema(),
        'Accept-Ranges': AcceptRangesHeaderSchema(),
        'Content-Length': ContentLengthHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        '*/*': {
          schema: z.file().max(5368709120).openapi({ type: 'string', format: 'binary', maxLength: 5368709120 }).openapi({ description: 'The bytes of the file.' }),
        },
      },
    },
    206: {
      description: 'The byte range asked for in `Range`; `Content-Range` says which.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Content-Disposition': ContentDispositionHeaderSchema(),
        'X-Content-Type-Options': XContentTypeOptionsHeaderSchema(),
        'Content-Security-Policy': ContentSecurityPolicyHeaderSchema(),
        ETag: ContentETagHeaderSchema(),
        'Accept-Ranges': AcceptRangesHeaderSchema(),
        'Content-Length': ContentLengthHeaderSchema(),
        'Content-Range': ContentRangeHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        '*/*': {
          schema: z.file().max(5368709120).openapi({ type: 'string', format: 'binary', maxLength: 5368709120 }).openapi({ description: 'The bytes of the range.' }),
        },
      },
    },
    304: {
      description: "`If-None-Match` named the file's `ETag`: the copy the client has is current.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ContentETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    404: {
      description: 'No such attachment, or one the caller may not see (`not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/not_found',
            title: 'Not found',
            status: 404,
            detail: 'No attachment with this id.',
            instance: '/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content',
            code: 'not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    416: {
      description:
        '`Range` starts past the end of the file (`code` `range_not_satisfiable`); `Content-Range: bytes */<size>` gives the size.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Content-Range': ContentRangeHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('range_not_satisfiable').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/range_not_satisfiable',
            title: 'Range not satisfiable',
            status: 416,
            detail: 'The file has 48213 bytes; the range asked for starts past its end.',
            instance: '/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content',
            code: 'range_not_satisfiable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: {
      description:
        'The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['service_unavailable', 'storage_unavailable']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/storage_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The file store did not answer.',
            instance: '/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content',
            code: 'storage_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1AttachmentsAttachmentIdThumbnailsSizeRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/attachments/{attachmentId}/thumbnails/{size}',
  tags: ['Attachments'],
  summary: 'Get a thumbnail',
  description:
    'A WebP preview of an image attachment (PNG, JPEG, GIF, WebP, AVIF, TIFF), its longest side at most\n`size` pixels (64, 256 or 1024; smaller images are not enlarged). Made on first request and kept,\nso later requests are served from storage. An image that is malformed or too large to decode (a\ndecompression bomb) answers 422.\n\nNeeds any role. Callers who are not members of the project get 404.',
  operationId: 'getAttachmentThumbnail',
  request: {
    params: z.object({
      attachmentId: z
        .string()
        .regex(/^att_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'attachmentId',
            in: 'path',
            required: true,
            description: 'The id of the attachment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^att_[0-9A-Z]{26}$' },
            example: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      size: z
        .enum(['64', '256', '1024'])
        .openapi({
          param: {
            name: 'size',
            in: 'path',
            required: true,
            description: 'The longest side of the thumbnail, in pixels.',
            schema: { type: 'string', enum: ['64', '256', '1024'] },
            example: '256',
          },
        }),
    }),
    headers: z.object({ 'If-None-Match': IfNoneMatchParamsSchema() }),
  },
  responses: {
    200: {
      description: 'The thumbnail, served inline with `nosniff` and a sandboxing CSP.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Content-Disposition': ContentDispositionHeaderSchema(),
        'X-Content-Type-Options': XContentTypeOptionsHeaderSchema(),
        'Content-Security-Policy': ContentSecurityPolicyHeaderSchema(),
        ETag: ContentETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'image/webp': { schema: z.file().max(10485760).openapi({ type: 'string', format: 'binary', maxLength: 10485760 }).openapi({ description: 'A WebP image.' }) },
      },
    },
    304: {
      description:
        "`If-None-Match` named the thumbnail's `ETag`: the copy the client has is current.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ContentETagHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    422: {
      description:
        'No thumbnail can be made of this file: it is not an image type thumbnails are made of (`not_an_image`), or the image is malformed or too large to decode (`thumbnail_unavailable`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['not_an_image', 'thumbnail_unavailable']).optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/thumbnail_unavailable',
            title: 'Unprocessable content',
            status: 422,
            detail:
              'No thumbnail can be made of this file: the image is malformed or too large to decode.',
            instance: '/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/thumbnails/256',
            code: 'thumbnail_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: {
      description:
        'The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['service_unavailable', 'storage_unavailable']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/storage_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The file store did not answer.',
            instance: '/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/thumbnails/256',
            code: 'storage_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1AttachmentsAttachmentIdLinkRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/attachments/{attachmentId}/link',
  tags: ['Attachments'],
  summary: 'Get a signed download link',
  description:
    "A short-lived URL (`ATTACHMENT_LINK_TTL_S`, 5 minutes by default) that serves the file, or one of\nits thumbnails with `thumbnail`, without an `Authorization` header: for `<img src>` and download\nlinks. The link is signed (HMAC-SHA256 with a key derived from the server's secret) and names the\ncaller: it stops working when it expires and as soon as the caller may no longer read the file.\n\nNeeds any role. Callers who are not members of the project get 404.",
  operationId: 'createAttachmentLink',
  request: {
    params: z.object({
      attachmentId: z
        .string()
        .regex(/^att_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'attachmentId',
            in: 'path',
            required: true,
            description: 'The id of the attachment.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^att_[0-9A-Z]{26}$' },
            example: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    query: z.object({
      thumbnail: z
        .enum(['64', '256', '1024'])
        .optional()
        .openapi({
          param: {
            name: 'thumbnail',
            in: 'query',
            required: false,
            description: 'A link to the thumbnail of this size instead of the file, e.g. `256`.',
            schema: { type: 'string', enum: ['64', '256', '1024'] },
          },
        }),
    }),
  },
  responses: {
    200: {
      description: 'The link and when it expires.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Cache-Control': CacheControlHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AttachmentLinkSchema(),
          example: {
            url: '/v1/files/YXR0XzAxSkQ4WDNaN1EyVzZWNVQ0UjNQMU4wTTlLLnVzcl8wMUpEOFgzWjdRMlc2VjVUNFIzUDFOME05Sy5vcmlnaW5hbC4xNzk1NjAwMDAw.pH1wJ3rN0Qz8b1m2X4c5v6B7n8M9a0s1D2f3G4h5J6k',
            expiresAt: '2026-11-20T09:35:00.000Z',
          },
        },
      },
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const getV1FilesLinkRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/files/{link}',
  tags: ['Attachments'],
  summary: 'Download through a signed link',
  description:
    'A file (or one of its thumbnails) through a link made by `createAttachmentLink`: no `Authorization`\nheader, so it works as an `<img src>` or a download link. The link is refused (404) once it has expired, and\nas soon as the user it was made for may no longer read the file (removed from the project, file deleted).\n\nSupports `Range`, `If-Range`, `If-None-Match` and `HEAD` like `downloadAttachment`.',
  operationId: 'downloadSignedFile',
  request: {
    params: z.object({
      link: z
        .string()
        .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
        .min(1)
        .max(500)
        .openapi({
          param: {
            name: 'link',
            in: 'path',
            required: true,
            description: 'The signed token of the link, as `createAttachmentLink` made it.',
            schema: {
              type: 'string',
              minLength: 1,
              maxLength: 500,
              pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
            },
            example:
              'YXR0XzAxSkQ4WDNaN1EyVzZWNVQ0UjNQMU4wTTlLLnVzcl8wMUpEOFgzWjdRMlc2VjVUNFIzUDFOME05Sy5vcmlnaW5hbC4xNzk1NjAwMDAw.pH1wJ3rN0Qz8b1m2X4c5v6B7n8M9a0s1D2f3G4h5J6k',
          },
        }),
    }),
    headers: z.object({
      'If-None-Match': IfNoneMatchParamsSchema(),
      Range: z
        .string()
        .regex(/^[\x20-\x7E]*$/)
        .max(200)
        .optional()
        .openapi({
          param: {
            name: 'Range',
            in: 'header',
            required: false,
            description:
              'One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-512` (the last 512 bytes): answered 206 with that part. A range that starts past the end is 416; a header that does not parse, another unit or several ranges are ignored and the whole file is served (200).',
            schema: { type: 'string', maxLength: 200, pattern: '^[\\x20-\\x7E]*$' },
          },
        }),
      'If-Range': z
        .string()
        .regex(/^[\x20-\x7E]*$/)
        .max(200)
        .optional()
        .openapi({
          param: {
            name: 'If-Range',
            in: 'header',
            required: false,
            description:
              'Serve `Range` only if the file still has this `ETag`; otherwise the whole file (200).',
            schema: { type: 'string', maxLength: 200, pattern: '^[\\x20-\\x7E]*$' },
          },
        }),
    }),
  },
  responses: {
    200: {
      description:
        'The whole file, with the type read from its bytes. Served `inline` only for PNG, JPEG, GIF, WebP and AVIF images, as an attachment otherwise; always with `nosniff` and a sandboxing CSP, so an HTML or SVG file cannot run script.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Content-Disposition': ContentDispositionHeaderSchema(),
        'X-Content-Type-Options': XContentTypeOptionsHeaderSchema(),
        'Content-Security-Policy': ContentSecurityPolicyHeaderSchema(),
        ETag: ContentETagHeaderSchema(),
        'Accept-Ranges': AcceptRangesHeaderSchema(),
        'Content-Length': ContentLengthHeaderSchema(),
        'Cache-Control': CacheControlPrivateHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        '*/*': {
          schema: z.file().max(5368709120).openapi({ type: 'string', format: 'binary', maxLength: 5368709120 }).openapi({ description: 'The bytes of the file.' }),
        },
      },
    },
    206: {
      description: 'The byte range asked for in `Range`; `Content-Range` says which.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Content-Disposition': ContentDispositionHeaderSchema(),
        'X-Content-Type-Options': XContentTypeOptionsHeaderSchema(),
        'Content-Security-Policy': ContentSecurityPolicyHeaderSchema(),
        ETag: ContentETagHeaderSchema(),
        'Accept-Ranges': AcceptRangesHeaderSchema(),
        'Content-Length': ContentLengthHeaderSchema(),
        'Cache-Control': CacheControlPrivateHeaderSchema(),
        'Content-Range': ContentRangeHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        '*/*': {
          schema: z.file().max(5368709120).openapi({ type: 'string', format: 'binary', maxLength: 5368709120 }).openapi({ description: 'The bytes of the range.' }),
        },
      },
    },
    304: {
      description: "`If-None-Match` named the file's `ETag`: the copy the client has is current.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        ETag: ContentETagHeaderSchema(),
        'Cache-Control': CacheControlPrivateHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    404: {
      description:
        'The link is forged, expired, or its user may no longer read the file; or the file is gone (`not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/not_found',
            title: 'Not found',
            status: 404,
            detail: 'No attachment with this id.',
            instance: '/v1/files/YXR0.pH1w',
            code: 'not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    416: {
      description:
        '`Range` starts past the end of the file (`code` `range_not_satisfiable`); `Content-Range: bytes */<size>` gives the size.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Content-Range': ContentRangeHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('range_not_satisfiable').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/range_not_satisfiable',
            title: 'Range not satisfiable',
            status: 416,
            detail: 'The file has 48213 bytes; the range asked for starts past its end.',
            instance: '/v1/files/YXR0.pH1w',
            code: 'range_not_satisfiable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: {
      description:
        'The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['service_unavailable', 'storage_unavailable']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/storage_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The file store did not answer.',
            instance: '/v1/files/YXR0.pH1w',
            code: 'storage_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
  security: [{}],
}))

export const getV1ProjectsProjectIdStorageRoute = lazy(() => createRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/storage',
  tags: ['Attachments'],
  summary: "Get a project's storage use",
  description:
    "How many bytes and files the project's attachments take, against its quota\n(`PROJECT_STORAGE_QUOTA_BYTES`) and the largest file allowed (`ATTACHMENT_MAX_BYTES`).\n\nNeeds any role. Callers who are not members of the project get 404.",
  operationId: 'getProjectStorage',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
  },
  responses: {
    200: {
      description: "The project's storage use.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: ProjectStorageSchema(),
          example: {
            usedBytes: 48213,
            reservedBytes: 0,
            fileCount: 1,
            quotaBytes: 1073741824,
            maxFileBytes: 104857600,
          },
        },
      },
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    404: NotFoundResponse(),
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: ServiceUnavailableResponse(),
  },
  security: [{ bearerAuth: [] }],
}))

export const postV1ProjectsProjectIdUploadsRoute = lazy(() => createRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/uploads',
  tags: ['Attachments'],
  summary: 'Start a resumable upload',
  description:
    "Starts a resumable upload with the [tus 1.0.0 protocol](https://tus.io/protocols/resumable-upload) (core and `creation`, `termination`, `expiration`), as Supabase Storage does: for large files and flaky networks. Any tus client works (the SDK's `upload` in `@tasklane/sdk/uploads` uses tus-js-client); the body of this request is empty.\n\n- `Upload-Length` (required: a deferred length is refused) is checked against `ATTACHMENT_MAX_BYTES` (413 `file_too_large`) and reserved against the project's quota at once (413 `quota_exceeded`), so uploads running side by side cannot together pass it; `getProjectStorage` shows the reservation as `reservedBytes` until the upload finishes or expires.\n- `Upload-Metadata` (tus's comma-separated `key base64value` pairs) carries `filename` (required, checked like `createAttachment`'s), `filetype` (kept as `claimedContentType`), one of `taskId`, `noteId`, `commentId`, and `sha256`.\n\nSend the bytes to `Location` with `appendUploadChunk`; after a cut connection, ask `getUploadOffset` where to go on. An upload not finished within `UPLOAD_EXPIRY_S` (`Upload-Expires`) is removed and its reservation released by the attachment sweep.\n\nNeeds the `owner` or `editor` role and, for API keys, the `write` scope; rate-limited like every `/v1` operation. Callers who are not members of the project get 404.",
  operationId: 'createUpload',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({
      'Tus-Resumable': z
        .literal('1.0.0')
        .openapi({
          param: {
            name: 'Tus-Resumable',
            in: 'header',
            required: true,
            description:
              'The version of the tus protocol the client speaks; the server speaks `1.0.0`.',
            schema: { type: 'string', enum: ['1.0.0'] },
            example: '1.0.0',
          },
        }),
      'Upload-Length': z
        .string()
        .regex(/^[0-9]+$/)
        .max(20)
        .openapi({
          param: {
            name: 'Upload-Length',
            in: 'header',
            required: true,
            description:
              'The size of the whole file in bytes. A length over `ATTACHMENT_MAX_BYTES` is 413 `file_too_large`, whatever its size.',
            schema: { type: 'string', maxLength: 20, pattern: '^[0-9]+$' },
            example: '734003200',
          },
        }),
      'Upload-Metadata': z
        .string()
        .regex(/^[A-Za-z0-9]+( [A-Za-z0-9+\x2F=]*)?(,[ ]*[A-Za-z0-9]+( [A-Za-z0-9+\x2F=]*)?)*$/)
        .max(4000)
        .optional()
        .openapi({
          param: {
            name: 'Upload-Metadata',
            in: 'header',
            required: false,
            description:
              'Comma-separated `key base64value` pairs: `filename` (required), `filetype`, `taskId`, `noteId`, `commentId`, `sha256`.',
            schema: {
              type: 'string',
              maxLength: 4000,
              pattern:
                '^[A-Za-z0-9]+( [A-Za-z0-9+\\x2F=]*)?(,[ ]*[A-Za-z0-9]+( [A-Za-z0-9+\\x2F=]*)?)*$',
            },
            example: 'filename c2l0ZS1zdXJ2ZXkubXA0,filetype dmlkZW8vbXA0',
          },
        }),
    }),
  },
  responses: {
    201: {
      description: 'The upload exists; send its bytes to `Location`.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        Location: UploadLocationHeaderSchema(),
        'Upload-Expires': UploadExpiresHeaderSchema(),
      }),
    },
    400: {
      description:
        'The request is not acceptable: `validation_failed` (a header), `invalid_metadata` (`Upload-Metadata` is malformed, or lacks `filename`), `invalid_filename`, `invalid_target` (more than one of `taskId`, `noteId`, `commentId`), `length_required` (no `Upload-Length`, or `Upload-Defer-Length`), `empty_file` (`Upload-Length: 0`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z
                .enum([
                  'validation_failed',
                  'invalid_metadata',
                  'invalid_filename',
                  'invalid_target',
                  'length_required',
                  'empty_file',
                ])
                .optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/invalid_metadata',
            title: 'Bad request',
            status: 400,
            detail: 'Upload-Metadata has no filename.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads',
            code: 'invalid_metadata',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: {
      description:
        'No such project, task, note or comment in it, or one the caller may not see (`not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/not_found',
            title: 'Not found',
            status: 404,
            detail: 'No task with this id in the project.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads',
            code: 'not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    412: {
      description:
        '`Tus-Resumable` is missing or names a version other than `1.0.0` (`tus_version_unsupported`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Tus-Version': TusVersionHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('tus_version_unsupported').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/tus_version_unsupported',
            title: 'Precondition failed',
            status: 412,
            detail: 'This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads',
            code: 'tus_version_unsupported',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    413: {
      description:
        "`Upload-Length` is larger than `ATTACHMENT_MAX_BYTES` (`file_too_large`, with the limit in `Tus-Max-Size`, as tus answers a length over the server's maximum) or than what is left of the project's storage quota (`quota_exceeded`); nothing is kept.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Tus-Max-Size': TusMaxSizeHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['file_too_large', 'quota_exceeded']).optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/quota_exceeded',
            title: 'Content too large',
            status: 413,
            detail: 'The project has 1200 bytes of its storage quota left; the file is larger.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads',
            code: 'quota_exceeded',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: {
      description:
        'The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds. The bytes received so far are kept.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['service_unavailable', 'storage_unavailable']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/storage_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The file store did not answer.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads',
            code: 'storage_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    507: {
      description:
        "The server's disk is full (`insufficient_storage`); no upload was created and nothing is held against the quota.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('insufficient_storage').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/insufficient_storage',
            title: 'Insufficient storage',
            status: 507,
            detail: 'The file store has no room left.',
            instance: '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads',
            code: 'insufficient_storage',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
  security: [{ bearerAuth: [] }],
}))

export const deleteV1ProjectsProjectIdUploadsUploadIdRoute = lazy(() => createRoute({
  method: 'delete',
  path: '/v1/projects/{projectId}/uploads/{uploadId}',
  tags: ['Attachments'],
  summary: 'Cancel a resumable upload',
  description:
    'Stops an unfinished upload (tus `termination`): its bytes are removed and its reservation against the quota released.\n\nOnly the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404.',
  operationId: 'deleteUpload',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      uploadId: z
        .string()
        .regex(/^upl_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'uploadId',
            in: 'path',
            required: true,
            description:
              'The id of the upload, the last segment of the `Location` that `createUpload` answered.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^upl_[0-9A-Z]{26}$' },
            example: 'upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({
      'Tus-Resumable': z
        .literal('1.0.0')
        .openapi({
          param: {
            name: 'Tus-Resumable',
            in: 'header',
            required: true,
            description:
              'The version of the tus protocol the client speaks; the server speaks `1.0.0`.',
            schema: { type: 'string', enum: ['1.0.0'] },
            example: '1.0.0',
          },
        }),
    }),
  },
  responses: {
    204: {
      description: 'Cancelled.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: {
      description:
        'No such project or upload, one the caller may not see, or an upload that is finished, cancelled or swept (`not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/not_found',
            title: 'Not found',
            status: 404,
            detail: 'No upload with this id.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    410: {
      description:
        'The upload expired (`UPLOAD_EXPIRY_S` after it was created) before it finished; its bytes are removed. Start a new one (`upload_expired`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('upload_expired').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/upload_expired',
            title: 'Gone',
            status: 410,
            detail: 'The upload expired before it finished.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'upload_expired',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    412: {
      description:
        '`Tus-Resumable` is missing or names a version other than `1.0.0` (`tus_version_unsupported`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Tus-Version': TusVersionHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('tus_version_unsupported').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/tus_version_unsupported',
            title: 'Precondition failed',
            status: 412,
            detail: 'This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'tus_version_unsupported',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: {
      description:
        'The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds. The bytes received so far are kept.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['service_unavailable', 'storage_unavailable']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/storage_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The file store did not answer.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'storage_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
  security: [{ bearerAuth: [] }],
}))

export const patchV1ProjectsProjectIdUploadsUploadIdRoute = lazy(() => createRoute({
  method: 'patch',
  path: '/v1/projects/{projectId}/uploads/{uploadId}',
  tags: ['Attachments'],
  summary: 'Send bytes of a resumable upload',
  description:
    'Appends the body to the upload at `Upload-Offset`, which must be the number of bytes the server has (else 409 `offset_mismatch`: ask `getUploadOffset`). Bytes that arrive before a connection is cut are kept, so a client resumes from the last byte that arrived. Answers 204 with the new `Upload-Offset` while bytes are missing.\n\nThe request that completes the upload makes the attachment exactly as `createAttachment` does (type read from the bytes and checked against `ATTACHMENT_TYPES_ALLOW` / `ATTACHMENT_TYPES_DENY`, SHA-256 computed and checked against the `sha256` metadata, attached to the task, note or comment named in the metadata, recorded in the change log) and answers 200 with it; the upload is gone afterwards. If that fails, the answer says why and the upload is removed with its reservation.\n\nOnly the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404.',
  operationId: 'appendUploadChunk',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      uploadId: z
        .string()
        .regex(/^upl_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'uploadId',
            in: 'path',
            required: true,
            description:
              'The id of the upload, the last segment of the `Location` that `createUpload` answered.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^upl_[0-9A-Z]{26}$' },
            example: 'upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({
      'Tus-Resumable': z
        .literal('1.0.0')
        .openapi({
          param: {
            name: 'Tus-Resumable',
            in: 'header',
            required: true,
            description:
              'The version of the tus protocol the client speaks; the server speaks `1.0.0`.',
            schema: { type: 'string', enum: ['1.0.0'] },
            example: '1.0.0',
          },
        }),
      'Upload-Offset': z
        .string()
        .regex(/^[0-9]+$/)
        .max(16)
        .openapi({
          param: {
            name: 'Upload-Offset',
            in: 'header',
            required: true,
            description: 'Where these bytes go: the offset the server has.',
            schema: { type: 'string', maxLength: 16, pattern: '^[0-9]+$' },
            example: '5242880',
          },
        }),
    }),
    body: {
      description: 'The next bytes of the file.',
      content: { 'application/offset+octet-stream': { schema: z.file().max(5368709120).openapi({ type: 'string', format: 'binary', maxLength: 5368709120 }) } },
      required: true,
    },
  },
  responses: {
    200: {
      description:
        'The last bytes arrived: the attachment, as `createAttachment` answers it. `Location` is its URL.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Upload-Offset': UploadOffsetHeaderSchema(),
        Location: LocationHeaderSchema(),
        ETag: ETagHeaderSchema(),
      }),
      content: {
        'application/json': {
          schema: AttachmentSchema(),
          example: {
            id: 'att_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            noteId: null,
            commentId: null,
            filename: 'site-survey.mp4',
            contentType: 'video/mp4',
            claimedContentType: 'video/mp4',
            size: 734003200,
            sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
            thumbnails: false,
            createdBy: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            createdAt: '2026-11-20T09:30:00.000Z',
            updatedAt: '2026-11-20T09:30:00.000Z',
            version: 1,
          },
        },
      },
    },
    204: {
      description: 'The bytes are stored; more are expected from `Upload-Offset` on.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Upload-Offset': UploadOffsetHeaderSchema(),
        'Upload-Expires': UploadExpiresHeaderSchema(),
      }),
    },
    400: {
      description:
        'A header fails validation (`validation_failed`), the body ended before it was whole, as when the connection is cut (`incomplete_body`: the bytes that arrived are kept, resume from `getUploadOffset`), or the completed file does not hash to its `sha256` metadata (`checksum_mismatch`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z
                .enum(['validation_failed', 'empty_file', 'checksum_mismatch', 'incomplete_body'])
                .optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/checksum_mismatch',
            title: 'Bad request',
            status: 400,
            detail: "The file's SHA-256 is 2c26b4…, not the one sent.",
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'checksum_mismatch',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: {
      description:
        'No such project or upload, one the caller may not see, or one that is finished or cancelled (`not_found`); or, as the upload completes, the task, note or comment it names is gone.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/not_found',
            title: 'Not found',
            status: 404,
            detail: 'No upload with this id.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    409: {
      description:
        '`Upload-Offset` is not where the upload stands (`offset_mismatch`); ask `getUploadOffset` and resume from there.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('offset_mismatch').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/offset_mismatch',
            title: 'Conflict',
            status: 409,
            detail: 'The upload has 5242880 bytes; send from there.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'offset_mismatch',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    410: {
      description:
        'The upload expired (`UPLOAD_EXPIRY_S` after it was created) before it finished; its bytes are removed. Start a new one (`upload_expired`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('upload_expired').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/upload_expired',
            title: 'Gone',
            status: 410,
            detail: 'The upload expired before it finished.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'upload_expired',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    412: {
      description:
        '`Tus-Resumable` is missing or names a version other than `1.0.0` (`tus_version_unsupported`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Tus-Version': TusVersionHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('tus_version_unsupported').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/tus_version_unsupported',
            title: 'Precondition failed',
            status: 412,
            detail: 'This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'tus_version_unsupported',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    413: {
      description:
        'The body runs past `Upload-Length` (`file_too_large`), or, as the upload completes, the quota no longer has room (`quota_exceeded`); the bytes past the length are not kept.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.enum(['file_too_large', 'quota_exceeded']).optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/file_too_large',
            title: 'Content too large',
            status: 413,
            detail: 'The body runs past Upload-Length.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'file_too_large',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    415: {
      description:
        'The body is not `application/offset+octet-stream` (`unsupported_media_type`), or the file is of a type the server does not accept (`file_type_not_allowed`), read from its first 4100 bytes as soon as they are in (or from the whole of a shorter file); the rest of the body is not taken, and the upload ends with its bytes and its hold on the quota.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['unsupported_media_type', 'file_type_not_allowed']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/file_type_not_allowed',
            title: 'Unsupported media type',
            status: 415,
            detail: 'Files of type application/x-msdownload are not accepted here.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'file_type_not_allowed',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    423: {
      description:
        'Another request for this upload held it for the whole wait (`UPLOAD_LOCK_TIMEOUT_MS`), as the request that completes an upload holds it while it makes the attachment (`upload_locked`); nothing was changed. Ask again after `Retry-After` seconds; tus clients retry a 423.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('upload_locked').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/upload_locked',
            title: 'Locked',
            status: 423,
            detail: 'Another request for this upload holds it; try again shortly.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'upload_locked',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: {
      description:
        'The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds. The bytes received so far are kept.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['service_unavailable', 'storage_unavailable']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/storage_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The file store did not answer.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'storage_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    507: {
      description:
        "The server's disk is full (`insufficient_storage`). The bytes that fit are kept; ask where the upload stands (`getUploadOffset`) and send the rest once there is room.",
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('insufficient_storage').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/insufficient_storage',
            title: 'Insufficient storage',
            status: 507,
            detail: 'The file store has no room left.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'insufficient_storage',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
  security: [{ bearerAuth: [] }],
}))

export const headV1ProjectsProjectIdUploadsUploadIdRoute = lazy(() => createRoute({
  method: 'head',
  path: '/v1/projects/{projectId}/uploads/{uploadId}',
  tags: ['Attachments'],
  summary: 'Ask where a resumable upload stands',
  description:
    'How many bytes of the upload the server has (`Upload-Offset`): after a cut connection, resume with `appendUploadChunk` from there. No body.\n\nOnly the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404. Needs, for API keys, the `write` scope, as the rest of the upload does.',
  operationId: 'getUploadOffset',
  request: {
    params: z.object({
      projectId: z
        .string()
        .regex(/^prj_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'projectId',
            in: 'path',
            required: true,
            description: 'The id of the project.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^prj_[0-9A-Z]{26}$' },
            example: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      uploadId: z
        .string()
        .regex(/^upl_[0-9A-Z]{26}$/)
        .min(1)
        .max(64)
        .openapi({
          param: {
            name: 'uploadId',
            in: 'path',
            required: true,
            description:
              'The id of the upload, the last segment of the `Location` that `createUpload` answered.',
            schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^upl_[0-9A-Z]{26}$' },
            example: 'upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
    }),
    headers: z.object({
      'Tus-Resumable': z
        .literal('1.0.0')
        .openapi({
          param: {
            name: 'Tus-Resumable',
            in: 'header',
            required: true,
            description:
              'The version of the tus protocol the client speaks; the server speaks `1.0.0`.',
            schema: { type: 'string', enum: ['1.0.0'] },
            example: '1.0.0',
          },
        }),
    }),
  },
  responses: {
    200: {
      description: 'Where the upload stands.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Upload-Offset': UploadOffsetHeaderSchema(),
        'Upload-Length': UploadLengthHeaderSchema(),
        'Upload-Metadata': UploadMetadataHeaderSchema(),
        'Cache-Control': CacheControlHeaderSchema(),
      }),
    },
    400: BadRequestResponse(),
    401: UnauthorizedResponse(),
    403: ForbiddenResponse(),
    404: {
      description:
        'No such project or upload, one the caller may not see, or an upload that is finished, cancelled or swept (`not_found`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('not_found').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/not_found',
            title: 'Not found',
            status: 404,
            detail: 'No upload with this id.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'not_found',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    410: {
      description:
        'The upload expired (`UPLOAD_EXPIRY_S` after it was created) before it finished; its bytes are removed. Start a new one (`upload_expired`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('upload_expired').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/upload_expired',
            title: 'Gone',
            status: 410,
            detail: 'The upload expired before it finished.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'upload_expired',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    412: {
      description:
        '`Tus-Resumable` is missing or names a version other than `1.0.0` (`tus_version_unsupported`).',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Tus-Version': TusVersionHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({ code: z.literal('tus_version_unsupported').optional() }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/tus_version_unsupported',
            title: 'Precondition failed',
            status: 412,
            detail: 'This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'tus_version_unsupported',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    423: {
      description:
        'Another request for this upload held it for the whole wait (`UPLOAD_LOCK_TIMEOUT_MS`), as the request that completes an upload holds it while it makes the attachment (`upload_locked`); nothing was changed. Ask again after `Retry-After` seconds; tus clients retry a 423.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(z.object({ code: z.literal('upload_locked').optional() })),
          example: {
            type: 'https://tasklane.dev/problems/upload_locked',
            title: 'Locked',
            status: 423,
            detail: 'Another request for this upload holds it; try again shortly.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'upload_locked',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
    429: TooManyRequestsResponse(),
    500: InternalErrorResponse(),
    503: {
      description:
        'The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds. The bytes received so far are kept.',
      headers: z.object({
        'X-Request-Id': XRequestIdHeaderSchema(),
        RateLimit: RateLimitHeaderSchema(),
        'RateLimit-Policy': RateLimitPolicyHeaderSchema(),
        'Access-Control-Allow-Origin': AccessControlAllowOriginHeaderSchema(),
        'Tus-Resumable': TusResumableHeaderSchema(),
        'Retry-After': RetryAfterHeaderSchema(),
      }),
      content: {
        'application/problem+json': {
          schema: ProblemSchema().and(
            z.object({
              code: z.enum(['service_unavailable', 'storage_unavailable']).optional(),
            }),
          ),
          example: {
            type: 'https://tasklane.dev/problems/storage_unavailable',
            title: 'Service unavailable',
            status: 503,
            detail: 'The file store did not answer.',
            instance:
              '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            code: 'storage_unavailable',
            requestId: 'req_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        },
      },
    },
  },
  security: [{ bearerAuth: [] }],
}))

export const changeEventPostWebhook = lazy(() => ({
  method: 'post',
  path: '/changeEvent',
  tags: ['Webhooks'],
  summary: 'A change in the project',
  description:
    'Sent to an endpoint for each change it subscribes to: the change as `listChanges` answers it, signed per Standard Webhooks (`verifyWebhook` in `@tasklane/sdk` checks it).',
  operationId: 'changeEvent',
  request: {
    headers: z.object({
      'webhook-id': z
        .string()
        .regex(/^msg_[0-9A-Z]{26}$/)
        .max(64)
        .openapi({
          param: {
            name: 'webhook-id',
            in: 'header',
            required: true,
            description: "The delivery's id, the same on every retry; deduplicate by it.",
            schema: { type: 'string', maxLength: 64, pattern: '^msg_[0-9A-Z]{26}$' },
            example: 'msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      'webhook-timestamp': z
        .string()
        .regex(/^[0-9]+$/)
        .max(20)
        .openapi({
          param: {
            name: 'webhook-timestamp',
            in: 'header',
            required: true,
            description:
              'Unix seconds when this attempt was signed; refuse ones far from your clock.',
            schema: { type: 'string', maxLength: 20, pattern: '^[0-9]+$' },
            example: '1763631000',
          },
        }),
      'webhook-signature': z
        .string()
        .regex(/^v1,[A-Za-z0-9+\/=]+( v1,[A-Za-z0-9+\/=]+)*$/)
        .max(1000)
        .openapi({
          param: {
            name: 'webhook-signature',
            in: 'header',
            required: true,
            description:
              'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<webhook-id>.<webhook-timestamp>.<body>`, one per current secret.',
            schema: {
              type: 'string',
              maxLength: 1000,
              pattern: '^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$',
            },
            example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
          },
        }),
    }),
    body: {
      content: {
        'application/json': {
          schema: WebhookChangeEventSchema(),
          example: {
            type: 'task.updated',
            timestamp: '2026-11-20T09:30:00.000Z',
            data: {
              seq: '42',
              type: 'task.updated',
              projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              resourceType: 'task',
              resourceId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              version: 3,
              actorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              occurredAt: '2026-11-20T09:30:00.000Z',
              data: { id: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K', title: 'Ship the launch post' },
            },
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description:
        'Any 2xx answer counts as delivered. 408, 409, 425, 429 (with `Retry-After`), 5xx, time-outs (10 s) and network errors are retried for up to 3 days with exponential backoff; other answers end the delivery as failed.',
    },
  },
  security: [{}],
}))

export const pingEventPostWebhook = lazy(() => ({
  method: 'post',
  path: '/pingEvent',
  tags: ['Webhooks'],
  summary: 'A test event',
  description: 'Sent by `pingWebhookEndpoint`.',
  operationId: 'pingEvent',
  request: {
    headers: z.object({
      'webhook-id': z
        .string()
        .regex(/^msg_[0-9A-Z]{26}$/)
        .max(64)
        .openapi({
          param: {
            name: 'webhook-id',
            in: 'header',
            required: true,
            description: "The delivery's id, the same on every retry; deduplicate by it.",
            schema: { type: 'string', maxLength: 64, pattern: '^msg_[0-9A-Z]{26}$' },
            example: 'msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
          },
        }),
      'webhook-timestamp': z
        .string()
        .regex(/^[0-9]+$/)
        .max(20)
        .openapi({
          param: {
            name: 'webhook-timestamp',
            in: 'header',
            required: true,
            description:
              'Unix seconds when this attempt was signed; refuse ones far from your clock.',
            schema: { type: 'string', maxLength: 20, pattern: '^[0-9]+$' },
            example: '1763631000',
          },
        }),
      'webhook-signature': z
        .string()
        .regex(/^v1,[A-Za-z0-9+\/=]+( v1,[A-Za-z0-9+\/=]+)*$/)
        .max(1000)
        .openapi({
          param: {
            name: 'webhook-signature',
            in: 'header',
            required: true,
            description:
              'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<webhook-id>.<webhook-timestamp>.<body>`, one per current secret.',
            schema: {
              type: 'string',
              maxLength: 1000,
              pattern: '^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$',
            },
            example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
          },
        }),
    }),
    body: {
      content: {
        'application/json': {
          schema: WebhookPingEventSchema(),
          example: {
            type: 'webhook.ping',
            timestamp: '2026-11-20T09:30:00.000Z',
            data: {
              endpointId: 'whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
              projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
            },
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description:
        'Any 2xx answer counts as delivered. 408, 409, 425, 429 (with `Retry-After`), 5xx, time-outs (10 s) and network errors are retried for up to 3 days with exponential backoff; other answers end the delivery as failed.',
    },
  },
  security: [{}],
}))

/** Every operation of openapi.yaml by operationId. */
export const operations = lazyOperations({
  acceptInvitation: postV1InvitationsAcceptRoute,
  appendUploadChunk: patchV1ProjectsProjectIdUploadsUploadIdRoute,
  changePassword: postV1MePasswordRoute,
  completeSignUp: postV1AuthSignupRequestConfirmRoute,
  confirmEmailChange: postV1AuthEmailChangeConfirmRoute,
  createApiKey: postV1MeApiKeysRoute,
  createAttachment: postV1ProjectsProjectIdAttachmentsRoute,
  createAttachmentLink: getV1AttachmentsAttachmentIdLinkRoute,
  createComment: postV1TasksTaskIdCommentsRoute,
  createInvitation: postV1ProjectsProjectIdInvitationsRoute,
  createNote: postV1ProjectsProjectIdNotesRoute,
  createProject: postV1ProjectsRoute,
  createTask: postV1ProjectsProjectIdTasksRoute,
  createUpload: postV1ProjectsProjectIdUploadsRoute,
  createWebhookEndpoint: postV1ProjectsProjectIdWebhooksRoute,
  deleteAttachment: deleteV1AttachmentsAttachmentIdRoute,
  deleteComment: deleteV1CommentsCommentIdRoute,
  deleteMe: deleteV1MeRoute,
  deleteNote: deleteV1NotesNoteIdRoute,
  deleteProject: deleteV1ProjectsProjectIdRoute,
  deleteTask: deleteV1TasksTaskIdRoute,
  deleteUpload: deleteV1ProjectsProjectIdUploadsUploadIdRoute,
  deleteWebhookEndpoint: deleteV1WebhooksWebhookIdRoute,
  downloadAttachment: getV1AttachmentsAttachmentIdContentRoute,
  downloadSignedFile: getV1FilesLinkRoute,
  exchangeProviderCode: postV1AuthProvidersExchangeRoute,
  getAttachment: getV1AttachmentsAttachmentIdRoute,
  getAttachmentThumbnail: getV1AttachmentsAttachmentIdThumbnailsSizeRoute,
  getHealth: getHealthzRoute,
  getMe: getV1MeRoute,
  getMetrics: getMetricsRoute,
  getNote: getV1NotesNoteIdRoute,
  getNotificationPreferences: getV1NotificationsPreferencesRoute,
  getOpenApiJson: getOpenapiJsonRoute,
  getOpenApiYaml: getOpenapiYamlRoute,
  getProject: getV1ProjectsProjectIdRoute,
  getProjectStorage: getV1ProjectsProjectIdStorageRoute,
  getReadiness: getReadyzRoute,
  getSignUpOptions: getV1AuthSignupRoute,
  getTask: getV1TasksTaskIdRoute,
  getUnreadNotificationCount: getV1NotificationsUnreadCountRoute,
  getUploadOffset: headV1ProjectsProjectIdUploadsUploadIdRoute,
  getWebhookEndpoint: getV1WebhooksWebhookIdRoute,
  linkIdentity: postV1MeIdentitiesRoute,
  listApiKeys: getV1MeApiKeysRoute,
  listAttachments: getV1ProjectsProjectIdAttachmentsRoute,
  listAuthProviders: getV1AuthProvidersRoute,
  listChanges: getV1ChangesRoute,
  listComments: getV1TasksTaskIdCommentsRoute,
  listIdentities: getV1MeIdentitiesRoute,
  listInvitations: getV1ProjectsProjectIdInvitationsRoute,
  listMembers: getV1ProjectsProjectIdMembersRoute,
  listNotes: getV1ProjectsProjectIdNotesRoute,
  listNotifications: getV1NotificationsRoute,
  listProjects: getV1ProjectsRoute,
  listSessions: getV1MeSessionsRoute,
  listTasks: getV1ProjectsProjectIdTasksRoute,
  listWebhookDeliveries: getV1WebhooksWebhookIdDeliveriesRoute,
  listWebhookEndpoints: getV1ProjectsProjectIdWebhooksRoute,
  logIn: postV1AuthLoginRoute,
  logOut: postV1AuthLogoutRoute,
  markAllNotificationsRead: postV1NotificationsReadRoute,
  markNotificationRead: postV1NotificationsNotificationIdReadRoute,
  pingWebhookEndpoint: postV1WebhooksWebhookIdPingRoute,
  providerCallback: getV1AuthProvidersProviderIdCallbackRoute,
  reauthenticate: postV1MeReauthenticationRoute,
  redeliverWebhookDelivery: postV1WebhooksWebhookIdDeliveriesDeliveryIdRedeliverRoute,
  refreshSession: postV1AuthRefreshRoute,
  removeMember: deleteV1ProjectsProjectIdMembersUserIdRoute,
  replayWebhookEvents: postV1WebhooksWebhookIdReplayRoute,
  requestEmailVerification: postV1AuthEmailVerificationRoute,
  requestPasswordReset: postV1AuthPasswordResetRoute,
  resetPassword: postV1AuthPasswordResetConfirmRoute,
  revokeApiKey: deleteV1MeApiKeysKeyIdRoute,
  revokeInvitation: deleteV1ProjectsProjectIdInvitationsInvitationIdRoute,
  revokeSession: deleteV1MeSessionsSessionIdRoute,
  rotateWebhookSecret: postV1WebhooksWebhookIdSecretRotateRoute,
  signUp: postV1AuthSignupRoute,
  startIdentityLink: postV1MeIdentitiesAuthorizationsRoute,
  startProviderSignIn: postV1AuthProvidersProviderIdAuthorizationsRoute,
  startReauthentication: postV1MeReauthenticationAuthorizationsRoute,
  startSignUp: postV1AuthSignupRequestRoute,
  streamEvents: getV1EventsRoute,
  unlinkIdentity: deleteV1MeIdentitiesIdentityIdRoute,
  updateAttachment: patchV1AttachmentsAttachmentIdRoute,
  updateComment: patchV1CommentsCommentIdRoute,
  updateMe: patchV1MeRoute,
  updateMember: patchV1ProjectsProjectIdMembersUserIdRoute,
  updateNote: patchV1NotesNoteIdRoute,
  updateNotificationPreferences: patchV1NotificationsPreferencesRoute,
  updateProject: patchV1ProjectsProjectIdRoute,
  updateTask: patchV1TasksTaskIdRoute,
  updateWebhookEndpoint: patchV1WebhooksWebhookIdRoute,
  verifyEmail: postV1AuthEmailVerificationConfirmRoute,
})

export type OperationId = keyof typeof operations

/** The security schemes of openapi.yaml, to register on the app's OpenAPI registry. */
export const securitySchemes = {
  metricsToken: MetricsTokenSecurityScheme,
  bearerAuth: BearerAuthSecurityScheme,
} as const
