// generated from openapi.yaml by `npm run generate` — do not edit
import type { Paginator } from '../core/pagination.js'
import type { FormBody, JsonOf, NotModified, RequestOptions } from '../core/resource-types.js'
import type { ApiKey, ApiKeyCreate, ApiKeyList, ApiKeyWithSecret, Attachment, AttachmentLink, AttachmentList, AttachmentUpdate, AttachmentUpload, AuthProviderList, AuthResult, Change, ChangeList, ChangePasswordRequest, Comment, CommentCreate, CommentList, CommentUpdate, CompleteSignUpRequest, ConfirmEmailChangeRequest, DeleteMeRequest, Health, Identity, IdentityLinkStart, IdentityList, Invitation, InvitationAccept, InvitationCreate, InvitationList, LogInRequest, Member, MemberList, MemberUpdate, Note, NoteCreate, NoteList, NoteUpdate, Notification, NotificationList, NotificationPreferences, NotificationPreferencesUpdate, NotificationsMarkRead, NotificationsMarked, Project, ProjectCreate, ProjectList, ProjectStorage, ProjectUpdate, ProviderAuthorization, ProviderCodeExchange, ProviderSignInStart, Readiness, Reauthentication, RefreshSessionRequest, RequestPasswordResetRequest, ResetPasswordRequest, Session, SessionList, SignUpOptions, SignUpRequest, StartSignUpRequest, Task, TaskCreate, TaskList, TaskUpdate, UnreadNotificationCount, UpdateMeRequest, User, VerifyEmailRequest, WebhookDelivery, WebhookDeliveryList, WebhookEndpoint, WebhookEndpointCreate, WebhookEndpointCreated, WebhookEndpointList, WebhookEndpointUpdate, WebhookReplay, WebhookReplayResult, WebhookSecret } from './models.js'
import type { operations } from './openapi.js'

/** Health, readiness, metrics and the API description itself. (`tl.operations`) */
export interface OperationsResource {
  /**
   * Liveness check
   *
   * Answers 200 while the process is up and serving requests. It does not touch the database.
   *
   * `getHealth`: `GET /healthz`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @example
   * const health = await tl.operations.getHealth()
   */
  getHealth(options?: RequestOptions): Promise<Health>
  /**
   * Readiness check
   *
   * Answers 200 when the server can serve traffic: the database answers a query (within
   * `DATABASE_CONNECT_TIMEOUT_MS`). Answers 503 while it cannot, so that a load balancer takes the instance
   * out of rotation.
   *
   * `getReadiness`: `GET /readyz`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const readiness = await tl.operations.getReadiness()
   */
  getReadiness(options?: RequestOptions): Promise<Readiness>
  /**
   * Prometheus metrics
   *
   * Request counts and latency histograms by route and status, password-hashing queue metrics, plus
   * process metrics, in the Prometheus text exposition format.
   *
   * `getMetrics`: `GET /metrics`
   * @throws {AuthenticationError} 401 `metrics_token_required`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @example
   * const result = await tl.operations.getMetrics()
   */
  getMetrics(options?: RequestOptions): Promise<string>
  /**
   * This API description as JSON
   *
   * The reviewed `openapi.yaml` that the server is generated from, converted to JSON.
   *
   * `getOpenApiJson`: `GET /openapi.json`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @example
   * const result = await tl.operations.getOpenApiJson()
   */
  getOpenApiJson(options?: RequestOptions): Promise<JsonOf<operations['getOpenApiJson']['responses'][200]>>
  /**
   * This API description as YAML
   *
   * The reviewed `openapi.yaml` that the server is generated from, byte for byte.
   *
   * `getOpenApiYaml`: `GET /openapi.yaml`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @example
   * const result = await tl.operations.getOpenApiYaml()
   */
  getOpenApiYaml(options?: RequestOptions): Promise<string>
}

/** Sign up, sign in, tokens, email verification and password reset. (`tl.auth`) */
export interface AuthResource {
  /**
   * How this server signs people up
   *
   * Says which sign-up flow this server uses (`SIGNUP_FLOW`), so that an app can show the right form: `verify-first` signs up only through `startSignUp` and the mailed link (`completeSignUp`); `immediate` also lets the deprecated `signUp` make an account at once. `startSignUp` works under both.
   *
   * `getSignUpOptions`: `GET /v1/auth/signup`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @example
   * const signUpOptions = await tl.auth.getSignUpOptions()
   */
  getSignUpOptions(options?: RequestOptions): Promise<SignUpOptions>
  /**
   * Create an account at once (deprecated)
   *
   * Deprecated: use `startSignUp` and `completeSignUp`, which answer the same for every address. This operation tells whether an address has an account (409 `email_taken`), so it only works where the operator chose the immediate sign-up flow (`SIGNUP_FLOW=immediate`, the default only when the server sends no real mail); a server that signs people up by email answers 403 `signup_requires_verification` to every call, whatever the address.
   *
   * `signUp`: `POST /v1/auth/signup`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {PermissionDeniedError} 403 `signup_requires_verification`
   * @throws {ConflictError} 409 `email_taken`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `password_too_common`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `server_busy`, `service_unavailable`
   * @deprecated This operation is deprecated. It is removed after 2027-12-31T00:00:00Z.
   * @example
   * const authResult = await tl.auth.signUp({ email: 'ada@example.com', password: 'correct horse battery staple', name: 'Ada Lovelace' })
   */
  signUp(body: SignUpRequest, options?: RequestOptions): Promise<AuthResult>
  /**
   * Start signing up by email
   *
   * The first step of signing up: send the email address; the answer is 202 with no body, the same for every address whether or not it has an account, and a mail goes to the address:
   *
   * `startSignUp`: `POST /v1/auth/signup-request`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.auth.startSignUp({ email: 'ada@example.com' })
   */
  startSignUp(body: StartSignUpRequest, options?: RequestOptions): Promise<void>
  /**
   * Finish signing up with the mailed token
   *
   * The second step of signing up: the token from the mail `startSignUp` sent, the password and the name. Creates the account with its email address verified (the token proves its owner reads it) and signs it in: the answer is the same as `signUp`'s, the new user, an access token (valid `expiresIn` seconds) and a refresh token for `refreshSession`.
   *
   * `completeSignUp`: `POST /v1/auth/signup-request/confirm`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {ConflictError} 409 `email_taken`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_token`, `password_too_common`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `server_busy`, `service_unavailable`
   * @example
   * const authResult = await tl.auth.completeSignUp({ token: 'su_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd', password: 'correct horse battery staple', name: 'Ada Lovelace' })
   */
  completeSignUp(body: CompleteSignUpRequest, options?: RequestOptions): Promise<AuthResult>
  /**
   * Sign in with email and password
   *
   * Starts a new session. The answer carries the user, an access token (valid `expiresIn` seconds) and a refresh token.
   *
   * `logIn`: `POST /v1/auth/login`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `invalid_credentials`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `server_busy`, `service_unavailable`
   * @example
   * const authResult = await tl.auth.logIn({ email: 'ada@example.com', password: 'correct horse battery staple' })
   */
  logIn(body: LogInRequest, options?: RequestOptions): Promise<AuthResult>
  /**
   * Exchange a refresh token for new tokens
   *
   * Rotates the session: the refresh token is used up and a new access token and refresh token are returned. Keep only the newest refresh token.
   *
   * `refreshSession`: `POST /v1/auth/refresh`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `token_invalid`, `token_expired`, `session_revoked`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const authResult = await tl.auth.refreshSession({ refreshToken: 'rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw' })
   */
  refreshSession(body: RefreshSessionRequest, options?: RequestOptions): Promise<AuthResult>
  /**
   * End the current session
   *
   * Ends the session of the access token: its refresh token stops working and the access token is rejected from now on, on every server instance.
   *
   * `logOut`: `POST /v1/auth/logout`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `session_required`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.auth.logOut()
   */
  logOut(options?: RequestOptions): Promise<void>
  /**
   * Send a new verification email
   *
   * Emails the caller a new link to verify their address. Earlier links stop working. The link carries a single-use token that expires after 24 hours; pass it to `verifyEmail`. Rate limited per user and per recipient address (policies `email-user` and `email-recipient`), shared with email changes.
   *
   * `requestEmailVerification`: `POST /v1/auth/email-verification`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {ConflictError} 409 `email_already_verified`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.auth.requestEmailVerification()
   */
  requestEmailVerification(options?: RequestOptions): Promise<void>
  /**
   * Confirm an email address
   *
   * Marks the address as verified with the token from a verification email. A token works once, and only until it expires.
   *
   * `verifyEmail`: `POST /v1/auth/email-verification/confirm`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_token`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.auth.verifyEmail({ token: 'vt_Zy1c9hH2mD0sQe8Pk3Lw7Nf4Ra6Tb5Ux2Vg1Oj0Ik9' })
   */
  verifyEmail(body: VerifyEmailRequest, options?: RequestOptions): Promise<void>
  /**
   * Email a password reset link
   *
   * If an account has this email, emails it a link to choose a new password. The answer is the same whether or not the account exists. The link carries a single-use token that expires after 30 minutes; pass it to `resetPassword`.
   *
   * `requestPasswordReset`: `POST /v1/auth/password-reset`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.auth.requestPasswordReset({ email: 'ada@example.com' })
   */
  requestPasswordReset(body: RequestPasswordResetRequest, options?: RequestOptions): Promise<void>
  /**
   * Choose a new password with a reset token
   *
   * Sets a new password with the token from a reset email, ends every session of the account and revokes every API key, so nothing made by whoever had the old password outlives it. Also verifies the email address, since the token proves the user reads it. A token works once, and only until it expires.
   *
   * `resetPassword`: `POST /v1/auth/password-reset/confirm`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_token`, `password_too_common`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `server_busy`, `service_unavailable`
   * @example
   * await tl.auth.resetPassword({ token: 'pr_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd', newPassword: 'a new and long passphrase' })
   */
  resetPassword(body: ResetPasswordRequest, options?: RequestOptions): Promise<void>
  /**
   * List the sign-in providers
   *
   * The outside identity providers this server offers sign-in with, in the order a login screen should show them. Empty unless the operator configured some (`AUTH_PROVIDERS`). `type` is `oidc` for OpenID Connect providers and `oauth2` for plain OAuth 2 ones such as GitHub.
   *
   * `listAuthProviders`: `GET /v1/auth/providers`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @example
   * const authProviderList = await tl.auth.listProviders()
   */
  listProviders(options?: RequestOptions): Promise<AuthProviderList>
  /**
   * Start signing in with a provider
   *
   * Answers the provider URL to send the browser to. After the person signs in there, the provider sends the browser back to this server (`providerCallback`), which sends it on to `redirectUri` with a one-time `code` (and your `state`); exchange it with `exchangeProviderCode` within 60 seconds.
   *
   * `startProviderSignIn`: `POST /v1/auth/providers/{providerId}/authorizations`
   * @param providerId The provider's id, as `listAuthProviders` lists it.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {NotFoundError} 404 `provider_not_found`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `redirect_uri_not_allowed`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 502 `provider_unavailable`, `provider_response_invalid`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const providerAuthorization = await tl.auth.startProviderSignIn(providerId, { redirectUri: 'https://app.example.com/auth/callback', codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', codeChallengeMethod: 'S256', state: 'c3RhdGU' })
   */
  startProviderSignIn(providerId: string, body: ProviderSignInStart, options?: RequestOptions): Promise<ProviderAuthorization>
  /**
   * Where the provider sends the browser back
   *
   * Not called by apps: this is the redirect URI registered at the provider, `<server>/v1/auth/providers/<id>/callback` (the server's address is `SERVER_URL`). It redirects (302) the browser to the app's `redirectUri` with `code` (one-time, 60 seconds, exchanged with `exchangeProviderCode` or `linkIdentity`) and the app's `state`; or, when the person declined or the provider reported an error, with `error` `access_denied` or `provider_error` instead of `code`. No token is ever put in a URL.
   *
   * `providerCallback`: `GET /v1/auth/providers/{providerId}/callback`
   * @param providerId The provider's id, as `listAuthProviders` lists it.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_state`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.auth.providerCallback(providerId)
   */
  providerCallback(providerId: string, query?: NonNullable<operations['providerCallback']['parameters']['query']>, options?: RequestOptions): Promise<void>
  /**
   * Finish signing in with a provider
   *
   * Exchanges the one-time `code` the browser came back with, and the PKCE verifier whose challenge started the sign-in, for an ordinary Tasklane session (the same tokens, rotation and revocation as `logIn`; `listSessions` shows the provider). The code works once, for 60 seconds.
   *
   * `exchangeProviderCode`: `POST /v1/auth/providers/exchange`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {NotFoundError} 404 `provider_not_found`
   * @throws {ConflictError} 409 `account_exists`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_code`, `provider_rejected`, `email_not_verified`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 502 `provider_unavailable`, `provider_response_invalid`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const authResult = await tl.auth.exchangeProviderCode({ code: 'pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw', codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' })
   */
  exchangeProviderCode(body: ProviderCodeExchange, options?: RequestOptions): Promise<AuthResult>
}

/** The signed-in user: profile, password, sessions. (`tl.account`) */
export interface AccountResource {
  /**
   * Confirm an email change
   *
   * Makes the pending email address (see `updateMe`) the account's, verified, with the token from the mail sent to it, and tells the previous address. A token works once, only until it expires, and only for the latest change requested.
   *
   * `confirmEmailChange`: `POST /v1/auth/email-change/confirm`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {ConflictError} 409 `email_taken`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_token`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.account.confirmEmailChange({ token: 'ec_Lm4n5Bv6Cx7Za8Sd9Fg0Hj1Kl2Qw3Er4Ty5Ui6Op7As' })
   */
  confirmEmailChange(body: ConfirmEmailChangeRequest, options?: RequestOptions): Promise<void>
  /**
   * Get the signed-in user
   *
   * The user the access token or API key belongs to.
   *
   * `getMe`: `GET /v1/me`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const user = await tl.account.getMe()
   */
  getMe(options?: RequestOptions): Promise<User>
  /**
   * Delete the account
   *
   * Deletes the account for good, with its sessions, API keys and data. Needs the current password (an account without one sends a `reauthenticationToken` from `reauthenticate` instead) and a session (not an API key). Rate limited per user and per client IP (policies `password-user` and `password-ip`). Projects the user has to themselves are deleted with the account; the only owner of a project that others belong to must hand it over first.
   *
   * `deleteMe`: `DELETE /v1/me`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {ConflictError} 409 `last_owner`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_password`, `reauthentication_invalid`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `server_busy`, `service_unavailable`
   * @example
   * await tl.account.deleteMe({ password: 'correct horse battery staple' })
   */
  deleteMe(body: DeleteMeRequest, options?: RequestOptions): Promise<void>
  /**
   * Update the signed-in user
   *
   * Changes the name at once. Needs a session (not an API key).
   *
   * `updateMe`: `PATCH /v1/me`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_password`, `reauthentication_invalid`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `server_busy`, `service_unavailable`
   * @example
   * const user = await tl.account.updateMe({ name: 'Ada King' })
   */
  updateMe(body: UpdateMeRequest, options?: RequestOptions): Promise<User>
  /**
   * Change the password
   *
   * Sets a new password after checking the current one, and ends every other session of the account; the session that made the change stays signed in. Every API key is revoked too, unless `keepApiKeys` is `true` (for a routine change when the keys are known to be safe). Needs a session (not an API key).
   *
   * `changePassword`: `POST /v1/me/password`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_password`, `password_too_common`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `server_busy`, `service_unavailable`
   * @example
   * await tl.account.changePassword({ currentPassword: 'correct horse battery staple', newPassword: 'a new and long passphrase', keepApiKeys: false })
   */
  changePassword(body: ChangePasswordRequest, options?: RequestOptions): Promise<void>
  /**
   * List linked sign-in providers
   *
   * The provider accounts that sign in to this account, newest first. Needs a session (not an API key).
   *
   * `listIdentities`: `GET /v1/me/identities`
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `session_required`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const identity of tl.account.listIdentities()) {
   *   console.log(identity)
   * }
   */
  listIdentities(query?: NonNullable<operations['listIdentities']['parameters']['query']>, options?: RequestOptions): Paginator<Identity, IdentityList>
  /**
   * Link a provider account
   *
   * Finishes what `startIdentityLink` started: exchanges the one-time `code` (with its PKCE verifier) and makes the provider account a way to sign in to this account. The provider's email address need not be the account's: being signed in here and at the provider is the proof. A provider account already linked to another Tasklane account is refused (409 `identity_taken`); one already linked to this account answers 200. Needs the session that started the link.
   *
   * `linkIdentity`: `POST /v1/me/identities`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {NotFoundError} 404 `provider_not_found`
   * @throws {ConflictError} 409 `identity_taken`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_code`, `provider_rejected`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 502 `provider_unavailable`, `provider_response_invalid`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const identity = await tl.account.linkIdentity({ code: 'pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw', codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' })
   */
  linkIdentity(body: ProviderCodeExchange, options?: RequestOptions): Promise<Identity>
  /**
   * Start linking a provider account
   *
   * Like `startProviderSignIn`, for the signed-in user: answers the provider URL to send the browser to; the browser comes back to `redirectUri` with a one-time `code` that `linkIdentity` takes. This is the only way a provider account is attached to an existing account. Needs a session (not an API key).
   *
   * `startIdentityLink`: `POST /v1/me/identities/authorizations`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {NotFoundError} 404 `provider_not_found`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `redirect_uri_not_allowed`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 502 `provider_unavailable`, `provider_response_invalid`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const providerAuthorization = await tl.account.startIdentityLink({ provider: 'github', redirectUri: 'https://app.example.com/settings/identities', codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', codeChallengeMethod: 'S256' })
   */
  startIdentityLink(body: IdentityLinkStart, options?: RequestOptions): Promise<ProviderAuthorization>
  /**
   * Unlink a provider account
   *
   * The provider account no longer signs in to this account, and the sessions started with this provider end. Refused (409 `last_sign_in_method`) when it is the last way to sign in: an account without a password needs another linked provider first (or a password, set with a password reset). Needs a session (not an API key).
   *
   * `unlinkIdentity`: `DELETE /v1/me/identities/{identityId}`
   * @param identityId The id of the identity.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {ConflictError} 409 `last_sign_in_method`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.account.unlinkIdentity(identityId)
   */
  unlinkIdentity(identityId: string, options?: RequestOptions): Promise<void>
  /**
   * Prove it is you again, through a linked provider
   *
   * For accounts that sign in through a provider (and have no password): finishes what `startReauthentication` started and answers a `reauthenticationToken`, valid once for 5 minutes, that `deleteMe` and an email change (`updateMe`) take instead of the password. The provider account must be one linked to this account (else 422 `identity_not_linked`). Needs the session that started it.
   *
   * `reauthenticate`: `POST /v1/me/reauthentication`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {NotFoundError} 404 `provider_not_found`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_code`, `provider_rejected`, `identity_not_linked`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 502 `provider_unavailable`, `provider_response_invalid`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const reauthentication = await tl.account.reauthenticate({ code: 'pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw', codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' })
   */
  reauthenticate(body: ProviderCodeExchange, options?: RequestOptions): Promise<Reauthentication>
  /**
   * Start proving it is you again, through a linked provider
   *
   * Like `startIdentityLink`: answers the provider URL to send the browser to; it comes back to `redirectUri` with a one-time `code` that `reauthenticate` takes. For accounts without a password, before `deleteMe` or an email change. Needs a session (not an API key).
   *
   * `startReauthentication`: `POST /v1/me/reauthentication/authorizations`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {NotFoundError} 404 `provider_not_found`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `redirect_uri_not_allowed`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 502 `provider_unavailable`, `provider_response_invalid`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const providerAuthorization = await tl.account.startReauthentication({ provider: 'github', redirectUri: 'https://app.example.com/settings/delete-account', codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', codeChallengeMethod: 'S256' })
   */
  startReauthentication(body: IdentityLinkStart, options?: RequestOptions): Promise<ProviderAuthorization>
  /**
   * List active sessions
   *
   * The user's signed-in sessions, newest first: the device they were started from, when, and when they were last refreshed. `current` marks the session of this request. Needs a session (not an API key).
   *
   * `listSessions`: `GET /v1/me/sessions`
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `session_required`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const session of tl.account.listSessions()) {
   *   console.log(session)
   * }
   */
  listSessions(query?: NonNullable<operations['listSessions']['parameters']['query']>, options?: RequestOptions): Paginator<Session, SessionList>
  /**
   * End a session
   *
   * Signs a device out: the session's refresh token stops working and its access tokens are rejected from now on. Needs a session (not an API key).
   *
   * `revokeSession`: `DELETE /v1/me/sessions/{sessionId}`
   * @param sessionId The id of the session.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.account.revokeSession(sessionId)
   */
  revokeSession(sessionId: string, options?: RequestOptions): Promise<void>
}

/** Long-lived keys for scripts and servers, with `read` or `read`+`write` scope. (`tl.apiKeys`) */
export interface ApiKeysResource {
  /**
   * List API keys
   *
   * The user's API keys that are not revoked, newest first. Secrets are never shown; `prefix` tells keys apart. Needs a session (not an API key).
   *
   * `listApiKeys`: `GET /v1/me/api-keys`
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `session_required`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const apiKey of tl.apiKeys.list()) {
   *   console.log(apiKey)
   * }
   */
  list(query?: NonNullable<operations['listApiKeys']['parameters']['query']>, options?: RequestOptions): Paginator<ApiKey, ApiKeyList>
  /**
   * Create an API key
   *
   * Creates a key for scripts and servers, sent as `Authorization: Bearer <key>`. The secret is in `key` in this answer only: it is stored hashed and cannot be shown again. Keys start with `tl_`. A key with only the `read` scope is refused (403 `insufficient_scope`) on anything that changes data. Needs a session (not an API key).
   *
   * `createApiKey`: `POST /v1/me/api-keys`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const apiKeyWithSecret = await tl.apiKeys.create({ name: 'Nightly export', scopes: ['read'] })
   */
  create(body: ApiKeyCreate, options?: RequestOptions): Promise<ApiKeyWithSecret>
  /**
   * Revoke an API key
   *
   * Revokes the key at once: requests with it answer 401 `api_key_revoked`. Needs a session (not an API key).
   *
   * `revokeApiKey`: `DELETE /v1/me/api-keys/{keyId}`
   * @param keyId The id of the API key.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `session_required`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.apiKeys.revoke(keyId)
   */
  revoke(keyId: string, options?: RequestOptions): Promise<void>
}

/** Projects group tasks and notes and are shared between members. (`tl.projects`) */
export interface ProjectsResource {
  /**
   * List your projects
   *
   * The projects the caller is a member of, oldest first, with the caller’s role in each.
   *
   * `listProjects`: `GET /v1/projects`
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const project of tl.projects.list()) {
   *   console.log(project)
   * }
   */
  list(query?: NonNullable<operations['listProjects']['parameters']['query']>, options?: RequestOptions): Paginator<Project, ProjectList>
  /**
   * Create a project
   *
   * Creates a project with the caller as its owner.
   *
   * `createProject`: `POST /v1/projects`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`
   * @throws {ConflictError} 409 `idempotency_key_in_use`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `idempotency_key_reused`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const project = await tl.projects.create({ name: 'Website relaunch', description: 'Everything for the new marketing site.' })
   */
  create(body: ProjectCreate, options?: RequestOptions): Promise<Project>
  /**
   * Get a project
   *
   * One project, with the caller’s role in it.
   *
   * `getProject`: `GET /v1/projects/{projectId}`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const project = await tl.projects.get(projectId)
   */
  get(projectId: string, options: RequestOptions & { ifNoneMatch: string | null }): Promise<Project | NotModified>
  /**
   * Get a project
   *
   * One project, with the caller’s role in it.
   *
   * `getProject`: `GET /v1/projects/{projectId}`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const project = await tl.projects.get(projectId)
   */
  get(projectId: string, options?: RequestOptions): Promise<Project>
  /**
   * Delete a project
   *
   * Deletes a project with all its tasks, notes, comments, members and invitations. This cannot be undone.
   *
   * `deleteProject`: `DELETE /v1/projects/{projectId}`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.projects.delete(projectId)
   */
  delete(projectId: string, options?: RequestOptions): Promise<void>
  /**
   * Update a project
   *
   * Renames a project or changes its description.
   *
   * `updateProject`: `PATCH /v1/projects/{projectId}`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const project = await tl.projects.update(projectId, { name: 'Website relaunch 2027' })
   */
  update(projectId: string, body: ProjectUpdate, options?: RequestOptions): Promise<Project>
}

/** Who belongs to a project, with which role. (`tl.members`) */
export interface MembersResource {
  /**
   * List members
   *
   * The members of a project and their roles, in the order they joined.
   *
   * `listMembers`: `GET /v1/projects/{projectId}/members`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const member of tl.members.list(projectId)) {
   *   console.log(member)
   * }
   */
  list(projectId: string, query?: NonNullable<operations['listMembers']['parameters']['query']>, options?: RequestOptions): Paginator<Member, MemberList>
  /**
   * Remove a member, or leave
   *
   * Owners remove any member; any member may remove themselves (leave the project). The last owner cannot leave or be removed (409 `last_owner`): hand ownership to someone else, or delete the project. The invitations a removed member sent that are still pending are revoked with them.
   *
   * `removeMember`: `DELETE /v1/projects/{projectId}/members/{userId}`
   * @param projectId The id of the project.
   * @param userId The id of the member (their user id).
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {ConflictError} 409 `last_owner`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.members.remove(projectId, userId)
   */
  remove(projectId: string, userId: string, options?: RequestOptions): Promise<void>
  /**
   * Change a member’s role
   *
   * Gives a member another role. A project always keeps at least one owner: demoting the last owner is refused with 409 `last_owner`. An owner who becomes editor or viewer loses the invitations they sent that are still pending.
   *
   * `updateMember`: `PATCH /v1/projects/{projectId}/members/{userId}`
   * @param projectId The id of the project.
   * @param userId The id of the member (their user id).
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {ConflictError} 409 `last_owner`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const member = await tl.members.update(projectId, userId, { role: 'editor' })
   */
  update(projectId: string, userId: string, body: MemberUpdate, options?: RequestOptions): Promise<Member>
}

/** Inviting people to a project by email. (`tl.invitations`) */
export interface InvitationsResource {
  /**
   * List pending invitations
   *
   * Invitations of a project that were neither accepted, revoked nor expired, oldest first.
   *
   * `listInvitations`: `GET /v1/projects/{projectId}/invitations`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const invitation of tl.invitations.list(projectId)) {
   *   console.log(invitation)
   * }
   */
  list(projectId: string, query?: NonNullable<operations['listInvitations']['parameters']['query']>, options?: RequestOptions): Paginator<Invitation, InvitationList>
  /**
   * Invite someone by email
   *
   * Emails a single-use link that lets the recipient join the project with the given role; it expires after 7 days. Inviting an address again replaces its pending invitation. Rate-limited per project, per inviting user across all their projects, and per recipient (policies `invitations-project`, `invitations-user` and `invitations-recipient`; 429). An address that already belongs to a member is refused with 409 `already_member`.
   *
   * `createInvitation`: `POST /v1/projects/{projectId}/invitations`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {ConflictError} 409 `idempotency_key_in_use`, `already_member`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `idempotency_key_reused`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const invitation = await tl.invitations.create(projectId, { email: 'grace@example.com', role: 'viewer' })
   */
  create(projectId: string, body: InvitationCreate, options?: RequestOptions): Promise<Invitation>
  /**
   * Revoke an invitation
   *
   * Makes a pending invitation’s token unusable.
   *
   * `revokeInvitation`: `DELETE /v1/projects/{projectId}/invitations/{invitationId}`
   * @param projectId The id of the project.
   * @param invitationId The id of the invitation.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.invitations.revoke(projectId, invitationId)
   */
  revoke(projectId: string, invitationId: string, options?: RequestOptions): Promise<void>
  /**
   * Accept an invitation
   *
   * Joins the project of an invitation as the signed-in caller, with the invitation’s role, and uses up the token. A token that is unknown, expired, revoked or already used answers 404. A caller who is already a member keeps their role; the token is used up all the same.
   *
   * `acceptInvitation`: `POST /v1/invitations/accept`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`
   * @throws {NotFoundError} 404 `invitation_not_found`
   * @throws {ConflictError} 409 `idempotency_key_in_use`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `idempotency_key_reused`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const member = await tl.invitations.accept({ token: 'inv_tok_3q2l0Jx8m9QfKc1b5sT7vWzYhN4pR6dE' })
   */
  accept(body: InvitationAccept, options?: RequestOptions): Promise<Member>
}

/** Tasks in a project: filter, sort, search. (`tl.tasks`) */
export interface TasksResource {
  /**
   * List tasks
   *
   * The tasks of a project, filtered, sorted and searched. Filters combine with AND.
   *
   * `listTasks`: `GET /v1/projects/{projectId}/tasks`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const task of tl.tasks.list(projectId)) {
   *   console.log(task)
   * }
   */
  list(projectId: string, query?: NonNullable<operations['listTasks']['parameters']['query']>, options?: RequestOptions): Paginator<Task, TaskList>
  /**
   * Create a task
   *
   * Adds a task to a project. The assignee must be a member of the project (422 `invalid_assignee` otherwise).
   *
   * `createTask`: `POST /v1/projects/{projectId}/tasks`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {ConflictError} 409 `idempotency_key_in_use`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `idempotency_key_reused`, `invalid_assignee`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const task = await tl.tasks.create(projectId, { title: 'Write the launch post', priority: 2, labels: ['content', 'launch'], dueAt: '2026-12-01T17:00:00Z' })
   */
  create(projectId: string, body: TaskCreate, options?: RequestOptions): Promise<Task>
  /**
   * Get a task
   *
   * One task.
   *
   * `getTask`: `GET /v1/tasks/{taskId}`
   * @param taskId The id of the task.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const task = await tl.tasks.get(taskId)
   */
  get(taskId: string, options: RequestOptions & { ifNoneMatch: string | null }): Promise<Task | NotModified>
  /**
   * Get a task
   *
   * One task.
   *
   * `getTask`: `GET /v1/tasks/{taskId}`
   * @param taskId The id of the task.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const task = await tl.tasks.get(taskId)
   */
  get(taskId: string, options?: RequestOptions): Promise<Task>
  /**
   * Delete a task
   *
   * Deletes a task and its comments.
   *
   * `deleteTask`: `DELETE /v1/tasks/{taskId}`
   * @param taskId The id of the task.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.tasks.delete(taskId)
   */
  delete(taskId: string, options?: RequestOptions): Promise<void>
  /**
   * Update a task
   *
   * Changes some fields of a task. Setting `status` to `done` records `completedAt`; setting it to anything else clears it. The assignee must be a member (422 `invalid_assignee`).
   *
   * `updateTask`: `PATCH /v1/tasks/{taskId}`
   * @param taskId The id of the task.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `invalid_assignee`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const task = await tl.tasks.update(taskId, { status: 'done' })
   */
  update(taskId: string, body: TaskUpdate, options?: RequestOptions): Promise<Task>
}

/** Markdown notes in a project. (`tl.notes`) */
export interface NotesResource {
  /**
   * List notes
   *
   * The notes of a project, sorted or searched.
   *
   * `listNotes`: `GET /v1/projects/{projectId}/notes`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const note of tl.notes.list(projectId)) {
   *   console.log(note)
   * }
   */
  list(projectId: string, query?: NonNullable<operations['listNotes']['parameters']['query']>, options?: RequestOptions): Paginator<Note, NoteList>
  /**
   * Create a note
   *
   * Adds a Markdown note to a project.
   *
   * `createNote`: `POST /v1/projects/{projectId}/notes`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {ConflictError} 409 `idempotency_key_in_use`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `idempotency_key_reused`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const note = await tl.notes.create(projectId, { title: 'Meeting notes 2026-11-20', body: '## Decisions
   *
   * - Launch on December 1st' })
   */
  create(projectId: string, body: NoteCreate, options?: RequestOptions): Promise<Note>
  /**
   * Get a note
   *
   * One note.
   *
   * `getNote`: `GET /v1/notes/{noteId}`
   * @param noteId The id of the note.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const note = await tl.notes.get(noteId)
   */
  get(noteId: string, options: RequestOptions & { ifNoneMatch: string | null }): Promise<Note | NotModified>
  /**
   * Get a note
   *
   * One note.
   *
   * `getNote`: `GET /v1/notes/{noteId}`
   * @param noteId The id of the note.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const note = await tl.notes.get(noteId)
   */
  get(noteId: string, options?: RequestOptions): Promise<Note>
  /**
   * Delete a note
   *
   * Deletes a note.
   *
   * `deleteNote`: `DELETE /v1/notes/{noteId}`
   * @param noteId The id of the note.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.notes.delete(noteId)
   */
  delete(noteId: string, options?: RequestOptions): Promise<void>
  /**
   * Update a note
   *
   * Changes the title or body of a note.
   *
   * `updateNote`: `PATCH /v1/notes/{noteId}`
   * @param noteId The id of the note.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const note = await tl.notes.update(noteId, { body: '## Decisions
   *
   * - Launch on December 2nd' })
   */
  update(noteId: string, body: NoteUpdate, options?: RequestOptions): Promise<Note>
}

/** Discussion on tasks. (`tl.comments`) */
export interface CommentsResource {
  /**
   * List comments
   *
   * The comments on a task, oldest first.
   *
   * `listComments`: `GET /v1/tasks/{taskId}/comments`
   * @param taskId The id of the task.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const comment of tl.comments.list(taskId)) {
   *   console.log(comment)
   * }
   */
  list(taskId: string, query?: NonNullable<operations['listComments']['parameters']['query']>, options?: RequestOptions): Paginator<Comment, CommentList>
  /**
   * Comment on a task
   *
   * Adds a comment to a task.
   *
   * `createComment`: `POST /v1/tasks/{taskId}/comments`
   * @param taskId The id of the task.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {ConflictError} 409 `idempotency_key_in_use`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `idempotency_key_reused`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const comment = await tl.comments.create(taskId, { body: 'First draft is in the shared folder.' })
   */
  create(taskId: string, body: CommentCreate, options?: RequestOptions): Promise<Comment>
  /**
   * Delete a comment
   *
   * Deletes a comment. Its author may (with the `owner` or `editor` role), and so may any owner of the project.
   *
   * `deleteComment`: `DELETE /v1/comments/{commentId}`
   * @param commentId The id of the comment.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.comments.delete(commentId)
   */
  delete(commentId: string, options?: RequestOptions): Promise<void>
  /**
   * Edit a comment
   *
   * Changes the text of a comment. Only its author may, while they may still write in the project.
   *
   * `updateComment`: `PATCH /v1/comments/{commentId}`
   * @param commentId The id of the comment.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const comment = await tl.comments.update(commentId, { body: 'Second draft is in the shared folder.' })
   */
  update(commentId: string, body: CommentUpdate, options?: RequestOptions): Promise<Comment>
}

/** Signed HTTP callbacks (Standard Webhooks) with a project's changes: endpoints, secrets, delivery log, redelivery and replay. (`tl.webhooks`) */
export interface WebhooksResource {
  /**
   * List a project's webhook endpoints
   *
   * The project's webhook endpoints, oldest first. Secrets are never listed: they are shown once, when created or rotated.
   *
   * `listWebhookEndpoints`: `GET /v1/projects/{projectId}/webhooks`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const webhookEndpoint of tl.webhooks.listEndpoints(projectId)) {
   *   console.log(webhookEndpoint)
   * }
   */
  listEndpoints(projectId: string, query?: NonNullable<operations['listWebhookEndpoints']['parameters']['query']>, options?: RequestOptions): Paginator<WebhookEndpoint, WebhookEndpointList>
  /**
   * Add a webhook endpoint
   *
   * Registers a URL that is sent the project's changes whose type matches `eventTypes` (`task.*`, `comment.created`, or `*` for all), signed per the Standard Webhooks specification with the `secret` in the answer — the only time it is shown; store it now.
   *
   * `createWebhookEndpoint`: `POST /v1/projects/{projectId}/webhooks`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {ConflictError} 409 `idempotency_key_in_use`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `idempotency_key_reused`, `webhook_url_not_allowed`, `unknown_event_type`, `webhook_limit_reached`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const webhookEndpointCreated = await tl.webhooks.createEndpoint(projectId, { url: 'https://hooks.example.com/tasklane', description: 'Post finished tasks to the team chat', eventTypes: ['task.*', 'comment.created'] })
   */
  createEndpoint(projectId: string, body: WebhookEndpointCreate, options?: RequestOptions): Promise<WebhookEndpointCreated>
  /**
   * Get a webhook endpoint
   *
   * One webhook endpoint, without its secret. `disabledReason` is `failing` when the server turned it off because every delivery attempt failed for `WEBHOOK_DISABLE_AFTER_S` (the owners were told).
   *
   * `getWebhookEndpoint`: `GET /v1/webhooks/{webhookId}`
   * @param webhookId The id of the webhook endpoint.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const webhookEndpoint = await tl.webhooks.getEndpoint(webhookId)
   */
  getEndpoint(webhookId: string, options?: RequestOptions): Promise<WebhookEndpoint>
  /**
   * Delete a webhook endpoint
   *
   * Removes the endpoint, its delivery log and every delivery still waiting; an attempt already under way may still arrive.
   *
   * `deleteWebhookEndpoint`: `DELETE /v1/webhooks/{webhookId}`
   * @param webhookId The id of the webhook endpoint.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.webhooks.deleteEndpoint(webhookId)
   */
  deleteEndpoint(webhookId: string, options?: RequestOptions): Promise<void>
  /**
   * Change a webhook endpoint
   *
   * Changes the URL, description, event types or `enabled`. Enabling an endpoint the server disabled clears `disabledReason` and starts delivering new changes again; use `replayWebhookEvents` for what it missed. The same URL rules as on creation apply.
   *
   * `updateWebhookEndpoint`: `PATCH /v1/webhooks/{webhookId}`
   * @param webhookId The id of the webhook endpoint.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {UnprocessableEntityError} 422 `webhook_url_not_allowed`, `unknown_event_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const webhookEndpoint = await tl.webhooks.updateEndpoint(webhookId, { enabled: false })
   */
  updateEndpoint(webhookId: string, body: WebhookEndpointUpdate, options?: RequestOptions): Promise<WebhookEndpoint>
  /**
   * Rotate a webhook endpoint's secret
   *
   * Makes a new signing secret and answers it, the only time it is shown. For 24 hours (`previousSecretExpiresAt`) every delivery carries two signatures in `webhook-signature`, one with each secret, so the receiver can switch at its own pace; attempts already under way are signed with both. Rotating again within the 24 hours drops the oldest secret.
   *
   * `rotateWebhookSecret`: `POST /v1/webhooks/{webhookId}/secret/rotate`
   * @param webhookId The id of the webhook endpoint.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const webhookSecret = await tl.webhooks.rotateSecret(webhookId)
   */
  rotateSecret(webhookId: string, options?: RequestOptions): Promise<WebhookSecret>
  /**
   * Send a test event
   *
   * Queues a `webhook.ping` event to the endpoint at once (also when it is disabled), and answers its delivery; follow it in `listWebhookDeliveries`.
   *
   * `pingWebhookEndpoint`: `POST /v1/webhooks/{webhookId}/ping`
   * @param webhookId The id of the webhook endpoint.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const webhookDelivery = await tl.webhooks.pingEndpoint(webhookId)
   */
  pingEndpoint(webhookId: string, options?: RequestOptions): Promise<WebhookDelivery>
  /**
   * List an endpoint's deliveries
   *
   * The delivery log, newest first: each event sent or to be sent, with its status (`pending` while it is being retried, `succeeded`, `failed` once retries ran out after `WEBHOOK_RETRY_FOR_S` or the receiver answered a 4xx that is not retried), the number of attempts, and the last attempt's duration, response status, first 64 KiB of the response body, or error (e.g. a refused address), and when the next attempt is due.
   *
   * `listWebhookDeliveries`: `GET /v1/webhooks/{webhookId}/deliveries`
   * @param webhookId The id of the webhook endpoint.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const webhookDelivery of tl.webhooks.listDeliveries(webhookId)) {
   *   console.log(webhookDelivery)
   * }
   */
  listDeliveries(webhookId: string, query?: NonNullable<operations['listWebhookDeliveries']['parameters']['query']>, options?: RequestOptions): Paginator<WebhookDelivery, WebhookDeliveryList>
  /**
   * Send a delivery again
   *
   * Queues the same event again at once, with the same `webhook-id` and body, whatever its status; the attempt count and retry period start afresh.
   *
   * `redeliverWebhookDelivery`: `POST /v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver`
   * @param webhookId The id of the webhook endpoint.
   * @param deliveryId The id of the delivery (its `webhook-id` header).
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const webhookDelivery = await tl.webhooks.redeliverDelivery(webhookId, deliveryId)
   */
  redeliverDelivery(webhookId: string, deliveryId: string, options?: RequestOptions): Promise<WebhookDelivery>
  /**
   * Send every change since a seq again
   *
   * For a receiver that was down: queues a new delivery of every change after `since` that the endpoint subscribes to and the project's owners may read, in seq order, as far as the change log keeps them (`CHANGES_RETENTION_S`; an older `since` answers 410 `cursor_expired`). At most 10,000 changes per call: when `hasMore` is true, call again with `since` set to `throughSeq`. Replayed deliveries get new `webhook-id`s; the change's `seq` in the body tells a receiver what it has seen already.
   *
   * `replayWebhookEvents`: `POST /v1/webhooks/{webhookId}/replay`
   * @param webhookId The id of the webhook endpoint.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {CursorExpiredError} 410 `cursor_expired`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const webhookReplayResult = await tl.webhooks.replayEvents(webhookId, { since: '1200' })
   */
  replayEvents(webhookId: string, body: WebhookReplay, options?: RequestOptions): Promise<WebhookReplayResult>
}

/** The change log: every write, as pages to poll and as a live stream. (`tl.events`) */
export interface EventsResource {
  /**
   * List changes since a sync token
   *
   * The change log as JSON pages, for clients that poll: every create, update and delete of a project, task, note, comment, membership or invitation the caller may see, in seq order, each with the resource as its get operation answers it (or a tombstone `{ "id": "…", "deleted": true }`).
   *
   * `listChanges`: `GET /v1/changes`
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`, `since_ahead`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {CursorExpiredError} 410 `cursor_expired`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const change of tl.events.listChanges()) {
   *   console.log(change)
   * }
   */
  listChanges(query?: NonNullable<operations['listChanges']['parameters']['query']>, options?: RequestOptions): Paginator<Change, ChangeList>
}

/** What happened to you: assignments, @mentions, comments on your tasks, invitations; read state and preferences. (`tl.notifications`) */
export interface NotificationsResource {
  /**
   * List your notifications
   *
   * The caller's notifications, most recently updated first. A notification is a thread: one per task (or project, for invitations) and reason while it is unread, so a repeat (a second comment, another mention) bumps it to the top with a higher `count` and the latest actor instead of adding a new one. Once read, the next event starts a new thread.
   *
   * `listNotifications`: `GET /v1/notifications`
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const notification of tl.notifications.list()) {
   *   console.log(notification)
   * }
   */
  list(query?: NonNullable<operations['listNotifications']['parameters']['query']>, options?: RequestOptions): Paginator<Notification, NotificationList>
  /**
   * Count unread notifications
   *
   * How many of the caller's notifications are unread (what `listNotifications?unread=true` would list), for a badge.
   *
   * `getUnreadNotificationCount`: `GET /v1/notifications/unread-count`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const unreadNotificationCount = await tl.notifications.getUnreadCount()
   */
  getUnreadCount(options?: RequestOptions): Promise<UnreadNotificationCount>
  /**
   * Mark a notification read
   *
   * Marks one notification read; its email, if not sent yet, will not be. The change is recorded as a `notification.updated` change for the caller (`listChanges`, the event stream), so their other devices clear it too. Marking a read notification again changes nothing and answers it as it is.
   *
   * `markNotificationRead`: `POST /v1/notifications/{notificationId}/read`
   * @param notificationId The id of the notification.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const notification = await tl.notifications.markRead(notificationId)
   */
  markRead(notificationId: string, options?: RequestOptions): Promise<Notification>
  /**
   * Mark notifications read up to a time
   *
   * Marks read every unread notification of the caller whose `updatedAt` is at or before `before`. Pass the `updatedAt` of the newest notification you showed (or the time you showed the list): a notification that arrived or was bumped after that stays unread, so nothing the user has not seen is cleared. Each notification marked is recorded as a `notification.updated` change for the caller.
   *
   * `markAllNotificationsRead`: `POST /v1/notifications/read`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const notificationsMarked = await tl.notifications.markAllRead({ before: '2026-11-20T10:12:40.000Z' })
   */
  markAllRead(body: NotificationsMarkRead, options?: RequestOptions): Promise<NotificationsMarked>
  /**
   * Get notification preferences
   *
   * For each reason, whether the caller gets an in-app notification (`inApp`) and, if it stays unread, an email (`email`). Everything is on until changed.
   *
   * `getNotificationPreferences`: `GET /v1/notifications/preferences`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const notificationPreferences = await tl.notifications.getPreferences()
   */
  getPreferences(options?: RequestOptions): Promise<NotificationPreferences>
  /**
   * Change notification preferences
   *
   * Changes the channels named in the body and leaves the rest as they are. With `inApp` off for a reason, no notification is made for it at all (none in the list, none on the event stream, and so no email either); with `email` off, notifications still appear in the app but are never emailed. The change applies to events from now on, and to emails not sent yet.
   *
   * `updateNotificationPreferences`: `PATCH /v1/notifications/preferences`
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `json_too_wide`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {APIError} 431 `request_header_fields_too_large`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const notificationPreferences = await tl.notifications.updatePreferences({ commented: { email: false } })
   */
  updatePreferences(body: NotificationPreferencesUpdate, options?: RequestOptions): Promise<NotificationPreferences>
}

/** Files on tasks, notes and comments: streamed and resumable uploads, downloads, thumbnails, signed links. (`tl.attachments`) */
export interface AttachmentsResource {
  /**
   * List attachments
   *
   * The project's files, oldest first; with `taskId`, `noteId` or `commentId`, only those attached to it.
   *
   * `listAttachments`: `GET /v1/projects/{projectId}/attachments`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_cursor`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * for await (const attachment of tl.attachments.list(projectId)) {
   *   console.log(attachment)
   * }
   */
  list(projectId: string, query?: NonNullable<operations['listAttachments']['parameters']['query']>, options?: RequestOptions): Paginator<Attachment, AttachmentList>
  /**
   * Upload a file
   *
   * Stores a file in the project, optionally attached to a task, note or comment of it. The body is
   * streamed to storage, never held whole in memory, in either form:
   *
   * `createAttachment`: `POST /v1/projects/{projectId}/attachments`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`, `invalid_filename`, `empty_file`, `missing_file`, `duplicate_file`, `duplicate_field`, `unexpected_file`, `malformed_multipart`, `checksum_mismatch`, `invalid_target`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {APIError} 408 `request_timeout`
   * @throws {APIError} 413 `file_too_large`, `quota_exceeded`
   * @throws {APIError} 415 `file_type_not_allowed`, `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`, `storage_unavailable`
   * @throws {InternalServerError} 507 `insufficient_storage`
   * @example
   * const attachment = await tl.attachments.create(projectId, { file })
   */
  create(projectId: string, body: FormBody<AttachmentUpload, 'file'> | Blob, query?: NonNullable<operations['createAttachment']['parameters']['query']>, options?: RequestOptions): Promise<Attachment>
  /**
   * Get an attachment
   *
   * One file's metadata; `downloadAttachment` serves its bytes.
   *
   * `getAttachment`: `GET /v1/attachments/{attachmentId}`
   * @param attachmentId The id of the attachment.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const attachment = await tl.attachments.get(attachmentId)
   */
  get(attachmentId: string, options: RequestOptions & { ifNoneMatch: string | null }): Promise<Attachment | NotModified>
  /**
   * Get an attachment
   *
   * One file's metadata; `downloadAttachment` serves its bytes.
   *
   * `getAttachment`: `GET /v1/attachments/{attachmentId}`
   * @param attachmentId The id of the attachment.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const attachment = await tl.attachments.get(attachmentId)
   */
  get(attachmentId: string, options?: RequestOptions): Promise<Attachment>
  /**
   * Delete an attachment
   *
   * Deletes the file and its thumbnails. Its bytes are removed once the deletion has committed (or, if
   * that fails, by the orphan sweep); the project's storage usage drops at once.
   *
   * `deleteAttachment`: `DELETE /v1/attachments/{attachmentId}`
   * @param attachmentId The id of the attachment.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * await tl.attachments.delete(attachmentId)
   */
  delete(attachmentId: string, options?: RequestOptions): Promise<void>
  /**
   * Rename or attach a file
   *
   * Renames the file, or attaches it to a task, note or comment of its project (or to none of them,
   * with `null`). At most one of `taskId`, `noteId` and `commentId` may be set at a time.
   *
   * `updateAttachment`: `PATCH /v1/attachments/{attachmentId}`
   * @param attachmentId The id of the attachment.
   * @throws {BadRequestError} 400 `validation_failed`, `malformed_json`, `json_too_deep`, `invalid_filename`, `invalid_target`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {PermissionDeniedError} 403 `insufficient_scope`, `forbidden`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {PreconditionFailedError} 412 `precondition_failed`
   * @throws {APIError} 413 `content_too_large`
   * @throws {APIError} 415 `unsupported_media_type`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const attachment = await tl.attachments.update(attachmentId, { noteId: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K' })
   */
  update(attachmentId: string, body: AttachmentUpdate, options?: RequestOptions): Promise<Attachment>
  /**
   * Download a file
   *
   * The file's bytes, streamed. Supports `Range` (one range; 206, or 416 past the end), `If-Range`,
   * `If-None-Match` (304) and `HEAD`. The `ETag` is the SHA-256 of the bytes.
   *
   * `downloadAttachment`: `GET /v1/attachments/{attachmentId}/content`
   * @param attachmentId The id of the attachment.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {APIError} 416 `range_not_satisfiable`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`, `storage_unavailable`
   * @example
   * const response = await tl.attachments.download(attachmentId)
   * const bytes = new Uint8Array(await response.arrayBuffer())
   */
  download(attachmentId: string, options: RequestOptions & { ifNoneMatch: string | null }): Promise<Response | NotModified>
  /**
   * Download a file
   *
   * The file's bytes, streamed. Supports `Range` (one range; 206, or 416 past the end), `If-Range`,
   * `If-None-Match` (304) and `HEAD`. The `ETag` is the SHA-256 of the bytes.
   *
   * `downloadAttachment`: `GET /v1/attachments/{attachmentId}/content`
   * @param attachmentId The id of the attachment.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {APIError} 416 `range_not_satisfiable`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`, `storage_unavailable`
   * @example
   * const response = await tl.attachments.download(attachmentId)
   * const bytes = new Uint8Array(await response.arrayBuffer())
   */
  download(attachmentId: string, options?: RequestOptions): Promise<Response>
  /**
   * Get a thumbnail
   *
   * A WebP preview of an image attachment (PNG, JPEG, GIF, WebP, AVIF, TIFF), its longest side at most
   * `size` pixels (64, 256 or 1024; smaller images are not enlarged). Made on first request and kept,
   * so later requests are served from storage. An image that is malformed or too large to decode (a
   * decompression bomb) answers 422.
   *
   * `getAttachmentThumbnail`: `GET /v1/attachments/{attachmentId}/thumbnails/{size}`
   * @param attachmentId The id of the attachment.
   * @param size The longest side of the thumbnail, in pixels.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {UnprocessableEntityError} 422 `not_an_image`, `thumbnail_unavailable`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`, `storage_unavailable`
   * @example
   * const response = await tl.attachments.getThumbnail(attachmentId, size)
   * const bytes = new Uint8Array(await response.arrayBuffer())
   */
  getThumbnail(attachmentId: string, size: string, options: RequestOptions & { ifNoneMatch: string | null }): Promise<Response | NotModified>
  /**
   * Get a thumbnail
   *
   * A WebP preview of an image attachment (PNG, JPEG, GIF, WebP, AVIF, TIFF), its longest side at most
   * `size` pixels (64, 256 or 1024; smaller images are not enlarged). Made on first request and kept,
   * so later requests are served from storage. An image that is malformed or too large to decode (a
   * decompression bomb) answers 422.
   *
   * `getAttachmentThumbnail`: `GET /v1/attachments/{attachmentId}/thumbnails/{size}`
   * @param attachmentId The id of the attachment.
   * @param size The longest side of the thumbnail, in pixels.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {UnprocessableEntityError} 422 `not_an_image`, `thumbnail_unavailable`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`, `storage_unavailable`
   * @example
   * const response = await tl.attachments.getThumbnail(attachmentId, size)
   * const bytes = new Uint8Array(await response.arrayBuffer())
   */
  getThumbnail(attachmentId: string, size: string, options?: RequestOptions): Promise<Response>
  /**
   * Get a signed download link
   *
   * A short-lived URL (`ATTACHMENT_LINK_TTL_S`, 5 minutes by default) that serves the file, or one of
   * its thumbnails with `thumbnail`, without an `Authorization` header: for `<img src>` and download
   * links. The link is signed (HMAC-SHA256 with a key derived from the server's secret) and names the
   * caller: it stops working when it expires and as soon as the caller may no longer read the file.
   *
   * `createAttachmentLink`: `GET /v1/attachments/{attachmentId}/link`
   * @param attachmentId The id of the attachment.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const attachmentLink = await tl.attachments.createLink(attachmentId)
   */
  createLink(attachmentId: string, query?: NonNullable<operations['createAttachmentLink']['parameters']['query']>, options?: RequestOptions): Promise<AttachmentLink>
  /**
   * Download through a signed link
   *
   * A file (or one of its thumbnails) through a link made by `createAttachmentLink`: no `Authorization`
   * header, so it works as an `<img src>` or a download link. The link is refused (404) once it has expired, and
   * as soon as the user it was made for may no longer read the file (removed from the project, file deleted).
   *
   * `downloadSignedFile`: `GET /v1/files/{link}`
   * @param link The signed token of the link, as `createAttachmentLink` made it.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {APIError} 416 `range_not_satisfiable`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`, `storage_unavailable`
   * @example
   * const response = await tl.attachments.downloadSignedFile(link)
   * const bytes = new Uint8Array(await response.arrayBuffer())
   */
  downloadSignedFile(link: string, options: RequestOptions & { ifNoneMatch: string | null }): Promise<Response | NotModified>
  /**
   * Download through a signed link
   *
   * A file (or one of its thumbnails) through a link made by `createAttachmentLink`: no `Authorization`
   * header, so it works as an `<img src>` or a download link. The link is refused (404) once it has expired, and
   * as soon as the user it was made for may no longer read the file (removed from the project, file deleted).
   *
   * `downloadSignedFile`: `GET /v1/files/{link}`
   * @param link The signed token of the link, as `createAttachmentLink` made it.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {APIError} 416 `range_not_satisfiable`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`, `storage_unavailable`
   * @example
   * const response = await tl.attachments.downloadSignedFile(link)
   * const bytes = new Uint8Array(await response.arrayBuffer())
   */
  downloadSignedFile(link: string, options?: RequestOptions): Promise<Response>
  /**
   * Get a project's storage use
   *
   * How many bytes and files the project's attachments take, against its quota
   * (`PROJECT_STORAGE_QUOTA_BYTES`) and the largest file allowed (`ATTACHMENT_MAX_BYTES`).
   *
   * `getProjectStorage`: `GET /v1/projects/{projectId}/storage`
   * @param projectId The id of the project.
   * @throws {BadRequestError} 400 `validation_failed`
   * @throws {AuthenticationError} 401 `unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`, `api_key_revoked`
   * @throws {NotFoundError} 404 `not_found`
   * @throws {RateLimitError} 429 `rate_limited`
   * @throws {InternalServerError} 500 `internal_error`
   * @throws {InternalServerError} 503 `service_unavailable`
   * @example
   * const projectStorage = await tl.attachments.getProjectStorage(projectId)
   */
  getProjectStorage(projectId: string, options?: RequestOptions): Promise<ProjectStorage>
}

/** Every group of resource methods, by tag: `tl.tasks`, `tl.notes`, … */
export interface TasklaneResources {
  operations: OperationsResource
  auth: AuthResource
  account: AccountResource
  apiKeys: ApiKeysResource
  projects: ProjectsResource
  members: MembersResource
  invitations: InvitationsResource
  tasks: TasksResource
  notes: NotesResource
  comments: CommentsResource
  webhooks: WebhooksResource
  events: EventsResource
  notifications: NotificationsResource
  attachments: AttachmentsResource
}

/** Each operation's method, as `[METHOD, path, flags]` by group and name (see scripts/sdk-resources.mjs). */
export const resourceTable: Record<string, Record<string, [string, string, string?]>> = {
  operations: {
    getHealth: ['GET', '/healthz'],
    getReadiness: ['GET', '/readyz'],
    getMetrics: ['GET', '/metrics', 't'],
    getOpenApiJson: ['GET', '/openapi.json'],
    getOpenApiYaml: ['GET', '/openapi.yaml', 't'],
  },
  auth: {
    getSignUpOptions: ['GET', '/v1/auth/signup'],
    signUp: ['POST', '/v1/auth/signup', 'b'],
    startSignUp: ['POST', '/v1/auth/signup-request', 'bn'],
    completeSignUp: ['POST', '/v1/auth/signup-request/confirm', 'b'],
    logIn: ['POST', '/v1/auth/login', 'b'],
    refreshSession: ['POST', '/v1/auth/refresh', 'b'],
    logOut: ['POST', '/v1/auth/logout', 'n'],
    requestEmailVerification: ['POST', '/v1/auth/email-verification', 'n'],
    verifyEmail: ['POST', '/v1/auth/email-verification/confirm', 'bn'],
    requestPasswordReset: ['POST', '/v1/auth/password-reset', 'bn'],
    resetPassword: ['POST', '/v1/auth/password-reset/confirm', 'bn'],
    listProviders: ['GET', '/v1/auth/providers'],
    startProviderSignIn: ['POST', '/v1/auth/providers/{providerId}/authorizations', 'b'],
    providerCallback: ['GET', '/v1/auth/providers/{providerId}/callback', 'qn'],
    exchangeProviderCode: ['POST', '/v1/auth/providers/exchange', 'b'],
  },
  account: {
    confirmEmailChange: ['POST', '/v1/auth/email-change/confirm', 'bn'],
    getMe: ['GET', '/v1/me'],
    deleteMe: ['DELETE', '/v1/me', 'bn'],
    updateMe: ['PATCH', '/v1/me', 'b'],
    changePassword: ['POST', '/v1/me/password', 'bn'],
    listIdentities: ['GET', '/v1/me/identities', 'ql'],
    linkIdentity: ['POST', '/v1/me/identities', 'b'],
    startIdentityLink: ['POST', '/v1/me/identities/authorizations', 'b'],
    unlinkIdentity: ['DELETE', '/v1/me/identities/{identityId}', 'n'],
    reauthenticate: ['POST', '/v1/me/reauthentication', 'b'],
    startReauthentication: ['POST', '/v1/me/reauthentication/authorizations', 'b'],
    listSessions: ['GET', '/v1/me/sessions', 'ql'],
    revokeSession: ['DELETE', '/v1/me/sessions/{sessionId}', 'n'],
  },
  apiKeys: {
    list: ['GET', '/v1/me/api-keys', 'ql'],
    create: ['POST', '/v1/me/api-keys', 'b'],
    revoke: ['DELETE', '/v1/me/api-keys/{keyId}', 'n'],
  },
  projects: {
    list: ['GET', '/v1/projects', 'ql'],
    create: ['POST', '/v1/projects', 'b'],
    get: ['GET', '/v1/projects/{projectId}'],
    delete: ['DELETE', '/v1/projects/{projectId}', 'n'],
    update: ['PATCH', '/v1/projects/{projectId}', 'b'],
  },
  members: {
    list: ['GET', '/v1/projects/{projectId}/members', 'ql'],
    remove: ['DELETE', '/v1/projects/{projectId}/members/{userId}', 'n'],
    update: ['PATCH', '/v1/projects/{projectId}/members/{userId}', 'b'],
  },
  invitations: {
    list: ['GET', '/v1/projects/{projectId}/invitations', 'ql'],
    create: ['POST', '/v1/projects/{projectId}/invitations', 'b'],
    revoke: ['DELETE', '/v1/projects/{projectId}/invitations/{invitationId}', 'n'],
    accept: ['POST', '/v1/invitations/accept', 'b'],
  },
  tasks: {
    list: ['GET', '/v1/projects/{projectId}/tasks', 'ql'],
    create: ['POST', '/v1/projects/{projectId}/tasks', 'b'],
    get: ['GET', '/v1/tasks/{taskId}'],
    delete: ['DELETE', '/v1/tasks/{taskId}', 'n'],
    update: ['PATCH', '/v1/tasks/{taskId}', 'b'],
  },
  notes: {
    list: ['GET', '/v1/projects/{projectId}/notes', 'ql'],
    create: ['POST', '/v1/projects/{projectId}/notes', 'b'],
    get: ['GET', '/v1/notes/{noteId}'],
    delete: ['DELETE', '/v1/notes/{noteId}', 'n'],
    update: ['PATCH', '/v1/notes/{noteId}', 'b'],
  },
  comments: {
    list: ['GET', '/v1/tasks/{taskId}/comments', 'ql'],
    create: ['POST', '/v1/tasks/{taskId}/comments', 'b'],
    delete: ['DELETE', '/v1/comments/{commentId}', 'n'],
    update: ['PATCH', '/v1/comments/{commentId}', 'b'],
  },
  webhooks: {
    listEndpoints: ['GET', '/v1/projects/{projectId}/webhooks', 'ql'],
    createEndpoint: ['POST', '/v1/projects/{projectId}/webhooks', 'b'],
    getEndpoint: ['GET', '/v1/webhooks/{webhookId}'],
    deleteEndpoint: ['DELETE', '/v1/webhooks/{webhookId}', 'n'],
    updateEndpoint: ['PATCH', '/v1/webhooks/{webhookId}', 'b'],
    rotateSecret: ['POST', '/v1/webhooks/{webhookId}/secret/rotate'],
    pingEndpoint: ['POST', '/v1/webhooks/{webhookId}/ping'],
    listDeliveries: ['GET', '/v1/webhooks/{webhookId}/deliveries', 'ql'],
    redeliverDelivery: ['POST', '/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver'],
    replayEvents: ['POST', '/v1/webhooks/{webhookId}/replay', 'b'],
  },
  events: {
    listChanges: ['GET', '/v1/changes', 'ql'],
  },
  notifications: {
    list: ['GET', '/v1/notifications', 'ql'],
    getUnreadCount: ['GET', '/v1/notifications/unread-count'],
    markRead: ['POST', '/v1/notifications/{notificationId}/read'],
    markAllRead: ['POST', '/v1/notifications/read', 'b'],
    getPreferences: ['GET', '/v1/notifications/preferences'],
    updatePreferences: ['PATCH', '/v1/notifications/preferences', 'b'],
  },
  attachments: {
    list: ['GET', '/v1/projects/{projectId}/attachments', 'ql'],
    create: ['POST', '/v1/projects/{projectId}/attachments', 'bfq'],
    get: ['GET', '/v1/attachments/{attachmentId}'],
    delete: ['DELETE', '/v1/attachments/{attachmentId}', 'n'],
    update: ['PATCH', '/v1/attachments/{attachmentId}', 'b'],
    download: ['GET', '/v1/attachments/{attachmentId}/content', 'r'],
    getThumbnail: ['GET', '/v1/attachments/{attachmentId}/thumbnails/{size}', 'r'],
    createLink: ['GET', '/v1/attachments/{attachmentId}/link', 'q'],
    downloadSignedFile: ['GET', '/v1/files/{link}', 'r'],
    getProjectStorage: ['GET', '/v1/projects/{projectId}/storage'],
  },
}

/** Which method calls each operation, by operationId: `createTask` → `tasks.create`; the event stream is `events (@tasklane/sdk/events)`, resumable uploads `upload (@tasklane/sdk/uploads)`. */
export const operationMethods: Record<string, string> = {
  getHealth: 'operations.getHealth',
  getReadiness: 'operations.getReadiness',
  getMetrics: 'operations.getMetrics',
  getOpenApiJson: 'operations.getOpenApiJson',
  getOpenApiYaml: 'operations.getOpenApiYaml',
  getSignUpOptions: 'auth.getSignUpOptions',
  signUp: 'auth.signUp',
  startSignUp: 'auth.startSignUp',
  completeSignUp: 'auth.completeSignUp',
  logIn: 'auth.logIn',
  refreshSession: 'auth.refreshSession',
  logOut: 'auth.logOut',
  requestEmailVerification: 'auth.requestEmailVerification',
  verifyEmail: 'auth.verifyEmail',
  confirmEmailChange: 'account.confirmEmailChange',
  requestPasswordReset: 'auth.requestPasswordReset',
  resetPassword: 'auth.resetPassword',
  getMe: 'account.getMe',
  deleteMe: 'account.deleteMe',
  updateMe: 'account.updateMe',
  changePassword: 'account.changePassword',
  listAuthProviders: 'auth.listProviders',
  startProviderSignIn: 'auth.startProviderSignIn',
  providerCallback: 'auth.providerCallback',
  exchangeProviderCode: 'auth.exchangeProviderCode',
  listIdentities: 'account.listIdentities',
  linkIdentity: 'account.linkIdentity',
  startIdentityLink: 'account.startIdentityLink',
  unlinkIdentity: 'account.unlinkIdentity',
  reauthenticate: 'account.reauthenticate',
  startReauthentication: 'account.startReauthentication',
  listSessions: 'account.listSessions',
  revokeSession: 'account.revokeSession',
  listApiKeys: 'apiKeys.list',
  createApiKey: 'apiKeys.create',
  revokeApiKey: 'apiKeys.revoke',
  listProjects: 'projects.list',
  createProject: 'projects.create',
  getProject: 'projects.get',
  deleteProject: 'projects.delete',
  updateProject: 'projects.update',
  listMembers: 'members.list',
  removeMember: 'members.remove',
  updateMember: 'members.update',
  listInvitations: 'invitations.list',
  createInvitation: 'invitations.create',
  revokeInvitation: 'invitations.revoke',
  acceptInvitation: 'invitations.accept',
  listTasks: 'tasks.list',
  createTask: 'tasks.create',
  getTask: 'tasks.get',
  deleteTask: 'tasks.delete',
  updateTask: 'tasks.update',
  listNotes: 'notes.list',
  createNote: 'notes.create',
  getNote: 'notes.get',
  deleteNote: 'notes.delete',
  updateNote: 'notes.update',
  listComments: 'comments.list',
  createComment: 'comments.create',
  deleteComment: 'comments.delete',
  updateComment: 'comments.update',
  listWebhookEndpoints: 'webhooks.listEndpoints',
  createWebhookEndpoint: 'webhooks.createEndpoint',
  getWebhookEndpoint: 'webhooks.getEndpoint',
  deleteWebhookEndpoint: 'webhooks.deleteEndpoint',
  updateWebhookEndpoint: 'webhooks.updateEndpoint',
  rotateWebhookSecret: 'webhooks.rotateSecret',
  pingWebhookEndpoint: 'webhooks.pingEndpoint',
  listWebhookDeliveries: 'webhooks.listDeliveries',
  redeliverWebhookDelivery: 'webhooks.redeliverDelivery',
  replayWebhookEvents: 'webhooks.replayEvents',
  listChanges: 'events.listChanges',
  streamEvents: 'events (@tasklane/sdk/events)',
  listNotifications: 'notifications.list',
  getUnreadNotificationCount: 'notifications.getUnreadCount',
  markNotificationRead: 'notifications.markRead',
  markAllNotificationsRead: 'notifications.markAllRead',
  getNotificationPreferences: 'notifications.getPreferences',
  updateNotificationPreferences: 'notifications.updatePreferences',
  listAttachments: 'attachments.list',
  createAttachment: 'attachments.create',
  getAttachment: 'attachments.get',
  deleteAttachment: 'attachments.delete',
  updateAttachment: 'attachments.update',
  downloadAttachment: 'attachments.download',
  getAttachmentThumbnail: 'attachments.getThumbnail',
  createAttachmentLink: 'attachments.createLink',
  downloadSignedFile: 'attachments.downloadSignedFile',
  getProjectStorage: 'attachments.getProjectStorage',
  createUpload: 'upload (@tasklane/sdk/uploads)',
  deleteUpload: 'upload (@tasklane/sdk/uploads)',
  appendUploadChunk: 'upload (@tasklane/sdk/uploads)',
  getUploadOffset: 'upload (@tasklane/sdk/uploads)',
}
