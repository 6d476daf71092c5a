// generated from openapi.yaml by `npm run generate` — do not edit

/** openapi.yaml as it is, served at /openapi.yaml. */
export const specYaml: string = `openapi: 3.1.0
info:
  title: Tasklane API
  version: 1.0.0
  summary: Self-hostable backend for task and note apps.
  description: |
    Tasklane stores projects, tasks, notes and comments for task and note apps.

    Conventions that every operation follows:

    - JSON bodies with camelCase fields; timestamps are RFC 3339 in UTC; ids are opaque, time-sortable strings.
    - Errors are RFC 9457 \`application/problem+json\` bodies with a stable machine \`code\` and the \`requestId\`
      of the request, which is also echoed in the \`X-Request-Id\` response header.
    - Lists use cursor pagination: \`limit\` (1–100, default 20) and \`cursor\`, answered with
      \`{ data, nextCursor }\` and a \`Link: <…>; rel="next"\` header.
    - Versioning: \`info.version\` is the contract's semver, answered in the \`Tasklane-Api-Version\` header of
      every response; within \`/v1\` changes are only additive (a gate compares each change with the last
      released contract). Clients name themselves in \`Tasklane-Client: <name>/<version>\`. A deprecated
      operation or parameter answers \`Deprecation\` (RFC 9745), \`Sunset\` (RFC 8594) once its removal date is
      set, and a \`Link\` to its docs; the changelog is \`docs/api-changelog.md\`.
  contact:
    name: Tasklane maintainers
    url: https://github.com/tasklane/tasklane
  license:
    name: MIT
    identifier: MIT
servers:
  - url: /
    description: |
      The deployment that serves this document at \`/openapi.json\`: production, staging, or local
      (\`http://localhost:3000\` after \`npm start\`). Tasklane is self-hosted, so it has no fixed public URL.
    x-internal: false
tags:
  - name: Operations
    description: Health, readiness, metrics and the API description itself.
  - name: Auth
    description: Sign up, sign in, tokens, email verification and password reset.
  - name: Account
    description: "The signed-in user: profile, password, sessions."
  - name: API keys
    description: Long-lived keys for scripts and servers, with \`read\` or \`read\`+\`write\` scope.
  - name: Projects
    description: Projects group tasks and notes and are shared between members.
  - name: Members
    description: Who belongs to a project, with which role.
  - name: Invitations
    description: Inviting people to a project by email.
  - name: Tasks
    description: "Tasks in a project: filter, sort, search."
  - name: Notes
    description: Markdown notes in a project.
  - name: Comments
    description: Discussion on tasks.
  - name: Notifications
    description: "What happened to you: assignments, @mentions, comments on your tasks, invitations; read state and preferences."
  - name: Events
    description: "The change log: every write, as pages to poll and as a live stream."
  - name: Attachments
    description: "Files on tasks, notes and comments: streamed and resumable uploads, downloads, thumbnails, signed links."
  - name: Webhooks
    description: "Signed HTTP callbacks (Standard Webhooks) with a project's changes: endpoints, secrets, delivery log, redelivery and replay."
paths:
  /healthz:
    get:
      operationId: getHealth
      tags: [Operations]
      summary: Liveness check
      description: Answers 200 while the process is up and serving requests. It does not touch the database.
      security: [{}]
      responses:
        "200":
          description: The process is alive.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Health"
              example:
                status: ok
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
  /readyz:
    get:
      operationId: getReadiness
      tags: [Operations]
      summary: Readiness check
      description: |
        Answers 200 when the server can serve traffic: the database answers a query (within
        \`DATABASE_CONNECT_TIMEOUT_MS\`). Answers 503 while it cannot, so that a load balancer takes the instance
        out of rotation.

        When \`REDIS_URL\` is set, \`redis\` reports whether Redis answers. Redis holds only the shared rate-limit
        counters; without it each instance counts in its own memory, so the instance still serves traffic:
        the answer stays 200, with \`status\` \`degraded\` and \`redis\` \`unavailable\`, rather than taking every
        instance out of rotation at once.
      security: [{}]
      responses:
        "200":
          description: The server is ready.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Readiness"
              examples:
                embedded:
                  summary: SQLite, no Redis
                  value:
                    status: ok
                    database: sqlite
                degraded:
                  summary: PostgreSQL up, Redis down
                  value:
                    status: degraded
                    database: postgres
                    redis: unavailable
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /metrics:
    get:
      operationId: getMetrics
      tags: [Operations]
      summary: Prometheus metrics
      description: |
        Request counts and latency histograms by route and status, password-hashing queue metrics, plus
        process metrics, in the Prometheus text exposition format.

        Open when the operator leaves \`METRICS_TOKEN\` unset (keep it on a private network then); when it is
        set, only \`Authorization: Bearer <METRICS_TOKEN>\` is served and anything else answers 401.
      security:
        - {}
        - metricsToken: []
      responses:
        "200":
          description: Metrics in the Prometheus text format.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            text/plain:
              schema:
                type: string
                maxLength: 10000000
              example: |
                # HELP http_requests_total Requests served, by route and status.
                # TYPE http_requests_total counter
                http_requests_total{method="GET",route="/healthz",status="200"} 3
        "401":
          description: "\`METRICS_TOKEN\` is set and the request does not carry it (\`code\` \`metrics_token_required\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [metrics_token_required]
              example:
                type: https://tasklane.dev/problems/metrics_token_required
                title: Unauthorized
                status: 401
                detail: 'The metrics need the operator''s token: send "Authorization: Bearer <METRICS_TOKEN>".'
                instance: /metrics
                code: metrics_token_required
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
  /openapi.json:
    get:
      operationId: getOpenApiJson
      tags: [Operations]
      summary: This API description as JSON
      description: The reviewed \`openapi.yaml\` that the server is generated from, converted to JSON.
      security: [{}]
      responses:
        "200":
          description: The OpenAPI document.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                type: object
                additionalProperties: true
                required: [openapi, info, paths]
                properties:
                  openapi:
                    type: string
                    maxLength: 20
                    pattern: ^3\\.1\\.[0-9]+$
                  info:
                    type: object
                    additionalProperties: true
                  paths:
                    type: object
                    additionalProperties: true
              example:
                openapi: 3.1.0
                info:
                  title: Tasklane API
                  version: 0.1.0
                paths: {}
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
  /openapi.yaml:
    get:
      operationId: getOpenApiYaml
      tags: [Operations]
      summary: This API description as YAML
      description: The reviewed \`openapi.yaml\` that the server is generated from, byte for byte.
      security: [{}]
      responses:
        "200":
          description: The OpenAPI document.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/yaml:
              schema:
                type: string
                maxLength: 10000000
              example: |
                openapi: 3.1.0
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
  /v1/auth/signup:
    get:
      operationId: getSignUpOptions
      tags:
        - Auth
      summary: How this server signs people up
      description: |-
        Says which sign-up flow this server uses (\`SIGNUP_FLOW\`), so that an app can show the right form: \`verify-first\` signs up only through \`startSignUp\` and the mailed link (\`completeSignUp\`); \`immediate\` also lets the deprecated \`signUp\` make an account at once. \`startSignUp\` works under both.
      security: [{}]
      responses:
        "200":
          description: The server's sign-up flow.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/SignUpOptions"
              example:
                flow: verify-first
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
    post:
      operationId: signUp
      tags:
        - Auth
      summary: Create an account at once (deprecated)
      deprecated: true
      x-deprecated-at: "2026-12-06T00:00:00Z"
      x-sunset: "2027-12-31T00:00:00Z"
      description: |-
        Deprecated: use \`startSignUp\` and \`completeSignUp\`, which answer the same for every address. This operation tells whether an address has an account (409 \`email_taken\`), so it only works where the operator chose the immediate sign-up flow (\`SIGNUP_FLOW=immediate\`, the default only when the server sends no real mail); a server that signs people up by email answers 403 \`signup_requires_verification\` to every call, whatever the address.

        Creates an account and signs it in: the answer carries the new user, an access token (valid \`expiresIn\` seconds) and a refresh token for \`refreshSession\`.

        Emails are unique regardless of case. Passwords must be 10 to 256 characters and not on the list of commonly used passwords; there are no other composition rules. A verification email is sent to the address.

        Rate limited per client IP (policy \`signup\`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/SignUpRequest"
            example:
              email: ada@example.com
              password: correct horse battery staple
              name: Ada Lovelace
      security: [{}]
      responses:
        "201":
          description: The account was created and signed in. \`Location\` is \`/v1/me\`.
          headers:
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/AuthResult"
              example:
                user:
                  id: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  email: ada@example.com
                  name: Ada Lovelace
                  emailVerified: false
                  createdAt: 2026-01-05T10:00:00Z
                  updatedAt: 2026-01-05T10:00:00Z
                accessToken: eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl
                refreshToken: rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
                expiresIn: 900
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "403":
          description: This server signs people up by email (\`signup_requires_verification\`), answered to every call whatever the address; use \`startSignUp\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [signup_requires_verification]
              examples:
                signupRequiresVerification:
                  value:
                    type: https://tasklane.dev/problems/signup_requires_verification
                    title: Forbidden
                    status: 403
                    detail: "This server signs people up by email: send the address to startSignUp (POST /v1/auth/signup-request), then finish with completeSignUp and the token from the mail."
                    instance: /v1/auth/signup
                    code: signup_requires_verification
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "409":
          description: An account with this email already exists (\`email_taken\`; only with \`SIGNUP_FLOW=immediate\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [email_taken]
              examples:
                emailTaken:
                  value:
                    type: https://tasklane.dev/problems/email_taken
                    title: Conflict
                    status: 409
                    detail: An account with this email already exists.
                    instance: /v1/auth/signup
                    code: email_taken
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The password is on the list of commonly used passwords (\`password_too_common\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [password_too_common]
              examples:
                passwordTooCommon:
                  summary: A common password
                  value:
                    type: https://tasklane.dev/problems/password_too_common
                    title: Unprocessable content
                    status: 422
                    detail: This password is on the list of commonly used passwords; choose another.
                    instance: /v1/auth/signup
                    code: password_too_common
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServerBusy"
  /v1/auth/signup-request:
    post:
      operationId: startSignUp
      tags:
        - Auth
      summary: Start signing up by email
      description: |-
        The first step of signing up: send the email address; the answer is 202 with no body, the same for every address whether or not it has an account, and a mail goes to the address:

        - an address without an account gets a mail with a link (to \`PUBLIC_URL/complete-signup?token=…\`) whose single-use token expires after 24 hours; pass it to \`completeSignUp\` with a password to create the account, its address verified. Asking again sends a new link and ends the earlier ones.
        - an address that has an account gets a mail telling its owner that someone tried to sign up with it, with where to sign in or reset the password. Nothing is changed.

        So the answer cannot be used to learn which addresses have accounts, and only who reads the mailbox can finish. The mail is queued with the request (never lost, sent once). Works whatever \`SIGNUP_FLOW\` says; it is the only way to sign up with a password where \`SIGNUP_FLOW=verify-first\`.

        Rate limited per client IP (policy \`signup\`) and per recipient address from every IP together (policy \`email-recipient\`, shared with every other mail the API sends on request), counted whether or not an account has the address.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/StartSignUpRequest"
            example:
              email: ada@example.com
      security: [{}]
      responses:
        "202":
          description: A mail is on its way to the address; the answer is the same whether or not it has an account.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/signup-request/confirm:
    post:
      operationId: completeSignUp
      tags:
        - Auth
      summary: Finish signing up with the mailed token
      description: |-
        The second step of signing up: the token from the mail \`startSignUp\` sent, the password and the name. Creates the account with its email address verified (the token proves its owner reads it) and signs it in: the answer is the same as \`signUp\`'s, the new user, an access token (valid \`expiresIn\` seconds) and a refresh token for \`refreshSession\`.

        A token works once, and only until it expires (24 hours); otherwise 422 \`invalid_token\`. If the address got an account after the mail was sent (the link was followed twice, or the account was made another way meanwhile), the answer is 409 \`email_taken\`, which tells only the mailbox's reader what the mail could have. Passwords must be 10 to 256 characters and not on the list of commonly used passwords.

        Rate limited per client IP (policy \`password-ip\`, as every request that hashes a new password).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/CompleteSignUpRequest"
            example:
              token: su_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd
              password: correct horse battery staple
              name: Ada Lovelace
      security: [{}]
      responses:
        "201":
          description: The account was created, its address verified, and signed in. \`Location\` is \`/v1/me\`.
          headers:
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/AuthResult"
              example:
                user:
                  id: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  email: ada@example.com
                  name: Ada Lovelace
                  emailVerified: true
                  createdAt: 2026-01-05T10:00:00Z
                  updatedAt: 2026-01-05T10:00:00Z
                accessToken: eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl
                refreshToken: rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
                expiresIn: 900
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "409":
          description: The address got an account after the mail was sent (\`email_taken\`); sign in or reset the password instead.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [email_taken]
              examples:
                emailTaken:
                  value:
                    type: https://tasklane.dev/problems/email_taken
                    title: Conflict
                    status: 409
                    detail: An account with this email address was made since the link was sent; sign in, or reset the password.
                    instance: /v1/auth/signup-request/confirm
                    code: email_taken
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The token is unknown, used or expired (\`invalid_token\`), or the password is too common (\`password_too_common\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_token, password_too_common]
              examples:
                invalidToken:
                  value:
                    type: https://tasklane.dev/problems/invalid_token
                    title: Unprocessable content
                    status: 422
                    detail: This link is invalid or has expired; request a new one.
                    instance: /v1/auth/signup-request/confirm
                    code: invalid_token
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                passwordTooCommon:
                  summary: A common password
                  value:
                    type: https://tasklane.dev/problems/password_too_common
                    title: Unprocessable content
                    status: 422
                    detail: This password is on the list of commonly used passwords; choose another.
                    instance: /v1/auth/signup-request/confirm
                    code: password_too_common
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServerBusy"
  /v1/auth/login:
    post:
      operationId: logIn
      tags:
        - Auth
      summary: Sign in with email and password
      description: |-
        Starts a new session. The answer carries the user, an access token (valid \`expiresIn\` seconds) and a refresh token.

        A wrong password and an unknown email get the same answer (401 \`invalid_credentials\`), in the same time.

        Rate limited per account and client IP together (policy \`login-account-ip\`), so that someone else guessing cannot lock the owner out; per client IP across accounts (\`login-ip\`); and by a higher ceiling per account from every address (\`login-account\`), which does not apply to a client IP that signed up or signed in to the account before (within 90 days), so that strangers guessing from many addresses cannot lock the owner out of a place they use. While the hashing queue is full, password checks from such known clients go first, then those of clients without recent failures. Repeated attempts answer 429 with \`Retry-After\`. While too many passwords are being checked at once the answer is 503 \`server_busy\` with \`Retry-After\`.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/LogInRequest"
            example:
              email: ada@example.com
              password: correct horse battery staple
      security: [{}]
      responses:
        "200":
          description: Signed in.
          headers:
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/AuthResult"
              example:
                user:
                  id: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  email: ada@example.com
                  name: Ada Lovelace
                  emailVerified: false
                  createdAt: 2026-01-05T10:00:00Z
                  updatedAt: 2026-01-05T10:00:00Z
                accessToken: eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl
                refreshToken: rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
                expiresIn: 900
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          description: The email and password do not match an account (\`code\` \`invalid_credentials\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_credentials]
              examples:
                invalidCredentials:
                  value:
                    type: https://tasklane.dev/problems/invalid_credentials
                    title: Unauthorized
                    status: 401
                    detail: The email or password is incorrect.
                    instance: /v1/auth/login
                    code: invalid_credentials
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServerBusy"
  /v1/auth/refresh:
    post:
      operationId: refreshSession
      tags:
        - Auth
      summary: Exchange a refresh token for new tokens
      description: |-
        Rotates the session: the refresh token is used up and a new access token and refresh token are returned. Keep only the newest refresh token.

        Presenting a refresh token that was already used ends the whole session (401 \`session_revoked\`), because it means the token was copied. The one exception: within 10 seconds of a rotation, the same token gets the same new pair again, so two tabs refreshing at once both succeed.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/RefreshSessionRequest"
            example:
              refreshToken: rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
      security: [{}]
      responses:
        "200":
          description: The session was rotated.
          headers:
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/AuthResult"
              example:
                user:
                  id: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  email: ada@example.com
                  name: Ada Lovelace
                  emailVerified: false
                  createdAt: 2026-01-05T10:00:00Z
                  updatedAt: 2026-01-05T10:00:00Z
                accessToken: eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl
                refreshToken: rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
                expiresIn: 900
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          description: The refresh token is unknown (\`token_invalid\`), expired (\`token_expired\`), or its session has ended (\`session_revoked\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [token_invalid, token_expired, session_revoked]
              examples:
                sessionRevoked:
                  value:
                    type: https://tasklane.dev/problems/session_revoked
                    title: Unauthorized
                    status: 401
                    detail: This session has ended; sign in again.
                    instance: /v1/auth/refresh
                    code: session_revoked
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/logout:
    post:
      operationId: logOut
      tags:
        - Auth
      summary: End the current session
      description: "Ends the session of the access token: its refresh token stops working and the access token is rejected from now on, on every server instance."
      security:
        - bearerAuth: []
      responses:
        "204":
          description: The session has ended.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequired"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/email-verification:
    post:
      operationId: requestEmailVerification
      tags:
        - Auth
      summary: Send a new verification email
      description: Emails the caller a new link to verify their address. Earlier links stop working. The link carries a single-use token that expires after 24 hours; pass it to \`verifyEmail\`. Rate limited per user and per recipient address (policies \`email-user\` and \`email-recipient\`), shared with email changes.
      security:
        - bearerAuth: []
      responses:
        "202":
          description: A verification email is on its way.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "409":
          description: The email address is already verified (\`code\` \`email_already_verified\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [email_already_verified]
              examples:
                alreadyVerified:
                  value:
                    type: https://tasklane.dev/problems/email_already_verified
                    title: Conflict
                    status: 409
                    detail: This email address is already verified.
                    instance: /v1/auth/email-verification
                    code: email_already_verified
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/email-verification/confirm:
    post:
      operationId: verifyEmail
      tags:
        - Auth
      summary: Confirm an email address
      description: Marks the address as verified with the token from a verification email. A token works once, and only until it expires.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/VerifyEmailRequest"
            example:
              token: vt_Zy1c9hH2mD0sQe8Pk3Lw7Nf4Ra6Tb5Ux2Vg1Oj0Ik9
      security: [{}]
      responses:
        "204":
          description: The email address is verified.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The token is unknown, used or expired (\`code\` \`invalid_token\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_token]
              examples:
                invalidToken:
                  value:
                    type: https://tasklane.dev/problems/invalid_token
                    title: Unprocessable content
                    status: 422
                    detail: This link is invalid or has expired; request a new one.
                    instance: /v1/auth/email-verification/confirm
                    code: invalid_token
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/email-change/confirm:
    post:
      operationId: confirmEmailChange
      tags:
        - Account
      summary: Confirm an email change
      description: Makes the pending email address (see \`updateMe\`) the account's, verified, with the token from the mail sent to it, and tells the previous address. A token works once, only until it expires, and only for the latest change requested.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ConfirmEmailChangeRequest"
            example:
              token: ec_Lm4n5Bv6Cx7Za8Sd9Fg0Hj1Kl2Qw3Er4Ty5Ui6Op7As
      security: [{}]
      responses:
        "204":
          description: The account's email address is now the new one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "409":
          description: Another account took this address since the change was requested (\`code\` \`email_taken\`). Nothing was changed.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [email_taken]
              examples:
                emailTaken:
                  value:
                    type: https://tasklane.dev/problems/email_taken
                    title: Conflict
                    status: 409
                    detail: An account with this email already exists.
                    instance: /v1/auth/email-change/confirm
                    code: email_taken
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The token is unknown, used, expired, or for a change that was since replaced or cancelled (\`code\` \`invalid_token\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_token]
              examples:
                invalidToken:
                  value:
                    type: https://tasklane.dev/problems/invalid_token
                    title: Unprocessable content
                    status: 422
                    detail: This link is invalid or has expired; request a new one.
                    instance: /v1/auth/email-change/confirm
                    code: invalid_token
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/password-reset:
    post:
      operationId: requestPasswordReset
      tags:
        - Auth
      summary: Email a password reset link
      description: |-
        If an account has this email, emails it a link to choose a new password. The answer is the same whether or not the account exists. The link carries a single-use token that expires after 30 minutes; pass it to \`resetPassword\`.

        Rate limited per client IP (policy \`password-reset\`) and per recipient address from every IP together (policy \`email-recipient\`, shared with every other mail the API sends on request), counted whether or not an account has the address.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/RequestPasswordResetRequest"
            example:
              email: ada@example.com
      security: [{}]
      responses:
        "202":
          description: If the account exists, a reset email is on its way.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/password-reset/confirm:
    post:
      operationId: resetPassword
      tags:
        - Auth
      summary: Choose a new password with a reset token
      description: |-
        Sets a new password with the token from a reset email, ends every session of the account and revokes every API key, so nothing made by whoever had the old password outlives it. Also verifies the email address, since the token proves the user reads it. A token works once, and only until it expires.

        Rate limited per client IP (policy \`password-ip\`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ResetPasswordRequest"
            example:
              token: pr_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd
              newPassword: a new and long passphrase
      security: [{}]
      responses:
        "204":
          description: The password was changed and every session ended.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The token is unknown, used or expired (\`invalid_token\`), or the new password is too common (\`password_too_common\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_token, password_too_common]
              examples:
                invalidToken:
                  value:
                    type: https://tasklane.dev/problems/invalid_token
                    title: Unprocessable content
                    status: 422
                    detail: This link is invalid or has expired; request a new one.
                    instance: /v1/auth/password-reset/confirm
                    code: invalid_token
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                passwordTooCommon:
                  summary: A common password
                  value:
                    type: https://tasklane.dev/problems/password_too_common
                    title: Unprocessable content
                    status: 422
                    detail: This password is on the list of commonly used passwords; choose another.
                    instance: /v1/auth/signup
                    code: password_too_common
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServerBusy"
  /v1/me:
    get:
      operationId: getMe
      tags:
        - Account
      summary: Get the signed-in user
      description: The user the access token or API key belongs to.
      security:
        - bearerAuth: []
      responses:
        "200":
          description: The user.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/User"
              example:
                id: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                email: ada@example.com
                name: Ada Lovelace
                emailVerified: false
                createdAt: 2026-01-05T10:00:00Z
                updatedAt: 2026-01-05T10:00:00Z
        "401":
          $ref: "#/components/responses/Unauthorized"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    patch:
      operationId: updateMe
      tags:
        - Account
      summary: Update the signed-in user
      description: |-
        Changes the name at once. Needs a session (not an API key).

        A new email address also needs \`currentPassword\` (an account without a password sends a \`reauthenticationToken\` from \`reauthenticate\` instead), and does not take effect at once: it shows as \`pendingEmail\` while a single-use link that expires after 24 hours is mailed to the new address, and a notice to the current one. Following the link (\`confirmEmailChange\`) makes it the account's address, verified. A newer request replaces the pending one; sending the current address cancels it. The answer is the same whether or not another account has the new address (that address is told so by mail instead of getting a link).

        An email change is rate limited per user and per client IP (policies \`password-user\` and \`password-ip\`, as it checks the password) and, for the mails, per user and per recipient (\`email-user\` and \`email-recipient\`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/UpdateMeRequest"
            examples:
              rename:
                summary: A new name
                value:
                  name: Ada King
              changeEmail:
                summary: A new email address
                value:
                  email: ada.king@example.com
                  currentPassword: correct horse battery staple
      security:
        - bearerAuth: []
      responses:
        "200":
          description: The updated user; a requested email change shows as \`pendingEmail\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/User"
              example:
                id: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                email: ada@example.com
                name: Ada King
                emailVerified: true
                pendingEmail: ada.king@example.com
                createdAt: 2026-01-05T10:00:00Z
                updatedAt: 2026-01-05T10:00:00Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "422":
          description: "The current password is wrong (\`invalid_password\`), or the \`reauthenticationToken\` is unknown, used, expired or another account's (\`reauthentication_invalid\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_password, reauthentication_invalid]
              examples:
                invalidPassword:
                  value:
                    type: https://tasklane.dev/problems/invalid_password
                    title: Unprocessable content
                    status: 422
                    detail: The password is incorrect.
                    instance: /v1/me
                    code: invalid_password
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServerBusy"
    delete:
      operationId: deleteMe
      tags:
        - Account
      summary: Delete the account
      description: Deletes the account for good, with its sessions, API keys and data. Needs the current password (an account without one sends a \`reauthenticationToken\` from \`reauthenticate\` instead) and a session (not an API key). Rate limited per user and per client IP (policies \`password-user\` and \`password-ip\`). Projects the user has to themselves are deleted with the account; the only owner of a project that others belong to must hand it over first.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/DeleteMeRequest"
            example:
              password: correct horse battery staple
      security:
        - bearerAuth: []
      responses:
        "204":
          description: The account was deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "409":
          description: "You are the only owner of a project that others belong to (\`code\` \`last_owner\`): make another member an owner or delete the project first. Nothing was deleted."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [last_owner]
              example:
                type: https://tasklane.dev/problems/last_owner
                title: Conflict
                status: 409
                detail: "A project must keep an owner: make another member owner first, or delete the project."
                instance: /v1/me
                code: last_owner
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: "The password is wrong (\`invalid_password\`), or the \`reauthenticationToken\` is unknown, used, expired or another account's (\`reauthentication_invalid\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_password, reauthentication_invalid]
              examples:
                invalidPassword:
                  value:
                    type: https://tasklane.dev/problems/invalid_password
                    title: Unprocessable content
                    status: 422
                    detail: The password is incorrect.
                    instance: /v1/me
                    code: invalid_password
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServerBusy"
  /v1/me/password:
    post:
      operationId: changePassword
      tags:
        - Account
      summary: Change the password
      description: |-
        Sets a new password after checking the current one, and ends every other session of the account; the session that made the change stays signed in. Every API key is revoked too, unless \`keepApiKeys\` is \`true\` (for a routine change when the keys are known to be safe). Needs a session (not an API key).

        Rate limited per user and per client IP (policies \`password-user\` and \`password-ip\`), whether the current password is right or not.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ChangePasswordRequest"
            example:
              currentPassword: correct horse battery staple
              newPassword: a new and long passphrase
              keepApiKeys: false
      security:
        - bearerAuth: []
      responses:
        "204":
          description: The password was changed, the other sessions ended and (unless \`keepApiKeys\`) every API key revoked.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The current password is wrong (\`invalid_password\`) or the new one is too common (\`password_too_common\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_password, password_too_common]
              examples:
                invalidPassword:
                  value:
                    type: https://tasklane.dev/problems/invalid_password
                    title: Unprocessable content
                    status: 422
                    detail: The password is incorrect.
                    instance: /v1/me/password
                    code: invalid_password
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                passwordTooCommon:
                  summary: A common password
                  value:
                    type: https://tasklane.dev/problems/password_too_common
                    title: Unprocessable content
                    status: 422
                    detail: This password is on the list of commonly used passwords; choose another.
                    instance: /v1/auth/signup
                    code: password_too_common
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServerBusy"
  /v1/auth/providers:
    get:
      operationId: listAuthProviders
      tags:
        - Auth
      summary: List the sign-in providers
      description: "The outside identity providers this server offers sign-in with, in the order a login screen should show them. Empty unless the operator configured some (\`AUTH_PROVIDERS\`). \`type\` is \`oidc\` for OpenID Connect providers and \`oauth2\` for plain OAuth 2 ones such as GitHub."
      security: [{}]
      responses:
        "200":
          description: The enabled providers.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/AuthProviderList"
              example:
                data:
                  - id: google
                    name: Google
                    type: oidc
                  - id: github
                    name: GitHub
                    type: oauth2
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
  /v1/auth/providers/{providerId}/authorizations:
    post:
      operationId: startProviderSignIn
      tags:
        - Auth
      summary: Start signing in with a provider
      description: |-
        Answers the provider URL to send the browser to. After the person signs in there, the provider sends the browser back to this server (\`providerCallback\`), which sends it on to \`redirectUri\` with a one-time \`code\` (and your \`state\`); exchange it with \`exchangeProviderCode\` within 60 seconds.

        \`redirectUri\` must be one of the app URLs the operator allowed (\`AUTH_REDIRECT_URLS\`), or an \`http://127.0.0.1:<port>/…\` or \`http://[::1]:<port>/…\` address for a command-line app listening on loopback; otherwise 422 \`redirect_uri_not_allowed\`. \`codeChallenge\` is the S256 PKCE challenge of a secret verifier the app keeps (the SDK makes both): only the holder of the verifier can exchange the code, so a code seen in a URL, a log or a browser history is useless to anyone else. The sign-in must finish within 10 minutes.

        Rate limited per client IP together with \`exchangeProviderCode\` (policy \`provider-signin\`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ProviderSignInStart"
            example:
              redirectUri: https://app.example.com/auth/callback
              codeChallenge: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
              codeChallengeMethod: S256
              state: c3RhdGU
      security: [{}]
      parameters:
        - name: providerId
          in: path
          required: true
          description: The provider's id, as \`listAuthProviders\` lists it.
          schema:
            type: string
            maxLength: 32
            pattern: ^[a-z][a-z0-9-]{0,31}$
          example: google
      responses:
        "200":
          description: Where to send the browser.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ProviderAuthorization"
              example:
                authorizationUrl: https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256
                expiresAt: 2026-01-05T10:10:00Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "404":
          description: "No enabled provider has this id (\`provider_not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_not_found]
              examples:
                providerNotFound:
                  value:
                    type: https://tasklane.dev/problems/provider_not_found
                    title: Not found
                    status: 404
                    detail: 'No sign-in provider "example".'
                    instance: /v1/auth/providers/example/authorizations
                    code: provider_not_found
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: "\`redirectUri\` is not an allowed app URL (\`redirect_uri_not_allowed\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [redirect_uri_not_allowed]
              examples:
                redirectUriNotAllowed:
                  value:
                    type: https://tasklane.dev/problems/redirect_uri_not_allowed
                    title: Unprocessable content
                    status: 422
                    detail: "redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS)."
                    instance: /v1/auth/providers/example/authorizations
                    code: redirect_uri_not_allowed
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "502":
          description: "The provider could not be reached in time or failed (\`provider_unavailable\`), or answered something that failed verification (\`provider_response_invalid\`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_unavailable, provider_response_invalid]
              examples:
                providerUnavailable:
                  value:
                    type: https://tasklane.dev/problems/provider_unavailable
                    title: Bad gateway
                    status: 502
                    detail: "Example ID did not answer in time or failed; try again later."
                    instance: /v1/auth/providers/example/authorizations
                    code: provider_unavailable
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerResponseInvalid:
                  value:
                    type: https://tasklane.dev/problems/provider_response_invalid
                    title: Bad gateway
                    status: 502
                    detail: "Example ID answered with something that failed verification; start the sign-in again."
                    instance: /v1/auth/providers/example/authorizations
                    code: provider_response_invalid
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/providers/{providerId}/callback:
    get:
      operationId: providerCallback
      tags:
        - Auth
      summary: Where the provider sends the browser back
      description: |-
        Not called by apps: this is the redirect URI registered at the provider, \`<server>/v1/auth/providers/<id>/callback\` (the server's address is \`SERVER_URL\`). It redirects (302) the browser to the app's \`redirectUri\` with \`code\` (one-time, 60 seconds, exchanged with \`exchangeProviderCode\` or \`linkIdentity\`) and the app's \`state\`; or, when the person declined or the provider reported an error, with \`error\` \`access_denied\` or \`provider_error\` instead of \`code\`. No token is ever put in a URL.

        A missing, unknown, expired or already answered \`state\` answers 400 \`invalid_state\` here, without redirecting anywhere.
      security: [{}]
      parameters:
        - name: providerId
          in: path
          required: true
          description: The provider's id, as \`listAuthProviders\` lists it.
          schema:
            type: string
            maxLength: 32
            pattern: ^[a-z][a-z0-9-]{0,31}$
          example: google
        - name: code
          in: query
          required: false
          description: "The provider's authorization code, e.g. \`SplxlOBeZQQYbYS6WxSbIA\`."
          schema:
            type: string
            maxLength: 2000
            pattern: ^[\\x20-\\x7E]+$
        - name: state
          in: query
          required: false
          description: "The state this server sent to the provider, e.g. \`af0ifjsldkj\`."
          schema:
            type: string
            maxLength: 500
            pattern: ^[\\x20-\\x7E]+$
        - name: iss
          in: query
          required: false
          description: "The provider's issuer identifier (RFC 9207), e.g. \`https://accounts.example.com\`."
          schema:
            type: string
            format: uri
            maxLength: 2000
        - name: error
          in: query
          required: false
          description: "An OAuth error the provider reports instead of a code, e.g. \`access_denied\`."
          schema:
            type: string
            maxLength: 200
            pattern: ^[\\x20-\\x7E]+$
        - name: error_description
          in: query
          required: false
          description: "The provider's description of \`error\`, e.g. \`The user declined\`."
          schema:
            type: string
            maxLength: 2000
            pattern: ^[^\\u0000-\\u001F\\u007F]*$
      responses:
        "302":
          description: "Sent on to the app: \`Location\` is its \`redirectUri\` with \`code\` and \`state\`, or \`error\` and \`state\`."
          headers:
            Location:
              description: "The app's redirect URI with \`code\` and \`state\` (or \`error\` and \`state\`)."
              schema:
                type: string
                format: uri
                maxLength: 4000
              example: https://app.example.com/auth/callback?code=pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw&state=c3RhdGU
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          description: "A parameter fails validation (\`validation_failed\`), or \`state\` is missing, unknown, expired or already answered (\`invalid_state\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [validation_failed, invalid_state]
              examples:
                validationFailed:
                  value:
                    type: https://tasklane.dev/problems/validation_failed
                    title: Validation failed
                    status: 400
                    detail: "The request does not match the schema."
                    instance: /v1/auth/providers/example/callback
                    code: validation_failed
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                invalidState:
                  value:
                    type: https://tasklane.dev/problems/invalid_state
                    title: Bad request
                    status: 400
                    detail: "This sign-in is unknown, expired or already finished; start it again."
                    instance: /v1/auth/providers/example/callback
                    code: invalid_state
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/auth/providers/exchange:
    post:
      operationId: exchangeProviderCode
      tags:
        - Auth
      summary: Finish signing in with a provider
      description: |-
        Exchanges the one-time \`code\` the browser came back with, and the PKCE verifier whose challenge started the sign-in, for an ordinary Tasklane session (the same tokens, rotation and revocation as \`logIn\`; \`listSessions\` shows the provider). The code works once, for 60 seconds.

        Which account: the one this provider account is linked to. A provider account not linked yet creates a new account, with its email verified, but only when the provider says the address is verified (else 422 \`email_not_verified\`) and no account has that address yet (else 409 \`account_exists\`: sign in to that account and link the provider with \`linkIdentity\`; a provider account is never attached to an existing account just because the addresses match). The new account has no password; it can set one with a password reset.

        The provider's code is redeemed and its answer checked here: a replayed or refused code is 422 \`provider_rejected\`; a provider that is down, slow or answers something that fails verification is 502, and nothing is created.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ProviderCodeExchange"
            example:
              code: pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
              codeVerifier: dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
      security: [{}]
      responses:
        "200":
          description: Signed in.
          headers:
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/AuthResult"
              example:
                user:
                  id: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  email: ada@example.com
                  name: Ada Lovelace
                  emailVerified: true
                  pendingEmail: null
                  createdAt: 2026-01-05T10:00:00Z
                  updatedAt: 2026-01-05T10:00:00Z
                accessToken: eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl
                refreshToken: rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
                expiresIn: 900
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "404":
          description: "No enabled provider has this id (\`provider_not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_not_found]
              examples:
                providerNotFound:
                  value:
                    type: https://tasklane.dev/problems/provider_not_found
                    title: Not found
                    status: 404
                    detail: 'No sign-in provider "example".'
                    instance: /v1/auth/providers/exchange
                    code: provider_not_found
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "409":
          description: "An account already has the provider's email address (\`account_exists\`); its owner links the provider while signed in."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [account_exists]
              examples:
                accountExists:
                  value:
                    type: https://tasklane.dev/problems/account_exists
                    title: Conflict
                    status: 409
                    detail: "An account with this email address already exists. Sign in to it and link Example ID from the account settings."
                    instance: /v1/auth/providers/exchange
                    code: account_exists
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: "The code is unknown, expired, used or does not match \`codeVerifier\` (\`invalid_code\`); the provider refused its code (\`provider_rejected\`); or it did not confirm a verified email address for a new account (\`email_not_verified\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_code, provider_rejected, email_not_verified]
              examples:
                invalidCode:
                  value:
                    type: https://tasklane.dev/problems/invalid_code
                    title: Unprocessable content
                    status: 422
                    detail: "The code is unknown, expired, already used or does not match codeVerifier."
                    instance: /v1/auth/providers/exchange
                    code: invalid_code
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerRejected:
                  value:
                    type: https://tasklane.dev/problems/provider_rejected
                    title: Unprocessable content
                    status: 422
                    detail: "Example ID refused the sign-in; start it again."
                    instance: /v1/auth/providers/exchange
                    code: provider_rejected
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                emailNotVerified:
                  value:
                    type: https://tasklane.dev/problems/email_not_verified
                    title: Unprocessable content
                    status: 422
                    detail: "Example ID did not confirm a verified email address for this account; verify one there and try again."
                    instance: /v1/auth/providers/exchange
                    code: email_not_verified
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "502":
          description: "The provider could not be reached in time or failed (\`provider_unavailable\`), or answered something that failed verification (\`provider_response_invalid\`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_unavailable, provider_response_invalid]
              examples:
                providerUnavailable:
                  value:
                    type: https://tasklane.dev/problems/provider_unavailable
                    title: Bad gateway
                    status: 502
                    detail: "Example ID did not answer in time or failed; try again later."
                    instance: /v1/auth/providers/exchange
                    code: provider_unavailable
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerResponseInvalid:
                  value:
                    type: https://tasklane.dev/problems/provider_response_invalid
                    title: Bad gateway
                    status: 502
                    detail: "Example ID answered with something that failed verification; start the sign-in again."
                    instance: /v1/auth/providers/exchange
                    code: provider_response_invalid
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/identities:
    get:
      operationId: listIdentities
      tags:
        - Account
      summary: List linked sign-in providers
      description: "The provider accounts that sign in to this account, newest first. Needs a session (not an API key)."
      parameters:
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      security:
        - bearerAuth: []
      responses:
        "200":
          description: A page of identities.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/IdentityList"
              example:
                data:
                  - id: idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    provider: google
                    providerName: Google
                    email: ada@example.com
                    createdAt: 2026-01-05T10:00:00Z
                    lastUsedAt: 2026-01-06T08:30:00Z
                nextCursor: null
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequired"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    post:
      operationId: linkIdentity
      tags:
        - Account
      summary: Link a provider account
      description: |-
        Finishes what \`startIdentityLink\` started: exchanges the one-time \`code\` (with its PKCE verifier) and makes the provider account a way to sign in to this account. The provider's email address need not be the account's: being signed in here and at the provider is the proof. A provider account already linked to another Tasklane account is refused (409 \`identity_taken\`); one already linked to this account answers 200. Needs the session that started the link.

        Rate limited per client IP with the other provider sign-in steps (policy \`provider-signin\`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ProviderCodeExchange"
            example:
              code: pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
              codeVerifier: dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
      security:
        - bearerAuth: []
      responses:
        "200":
          description: The provider account was linked to this account already.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Identity"
              example:
                id: idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                provider: google
                providerName: Google
                email: ada@example.com
                createdAt: 2026-01-05T10:00:00Z
                lastUsedAt: 2026-01-06T08:30:00Z
        "201":
          description: Linked.
          headers:
            Location:
              $ref: "#/components/headers/Location"
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Identity"
              example:
                id: idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                provider: google
                providerName: Google
                email: ada@example.com
                createdAt: 2026-01-05T10:00:00Z
                lastUsedAt: 2026-01-06T08:30:00Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "404":
          description: "No enabled provider has this id (\`provider_not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_not_found]
              examples:
                providerNotFound:
                  value:
                    type: https://tasklane.dev/problems/provider_not_found
                    title: Not found
                    status: 404
                    detail: 'No sign-in provider "example".'
                    instance: /v1/me/identities
                    code: provider_not_found
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "409":
          description: "The provider account is linked to another Tasklane account (\`identity_taken\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [identity_taken]
              examples:
                identityTaken:
                  value:
                    type: https://tasklane.dev/problems/identity_taken
                    title: Conflict
                    status: 409
                    detail: "This provider account is already linked to another Tasklane account."
                    instance: /v1/me/identities
                    code: identity_taken
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: "The code is unknown, expired, used, started by another session's user or does not match \`codeVerifier\` (\`invalid_code\`), or the provider refused its code (\`provider_rejected\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_code, provider_rejected]
              examples:
                invalidCode:
                  value:
                    type: https://tasklane.dev/problems/invalid_code
                    title: Unprocessable content
                    status: 422
                    detail: "The code is unknown, expired, already used or does not match codeVerifier."
                    instance: /v1/me/identities
                    code: invalid_code
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerRejected:
                  value:
                    type: https://tasklane.dev/problems/provider_rejected
                    title: Unprocessable content
                    status: 422
                    detail: "Example ID refused the sign-in; start it again."
                    instance: /v1/me/identities
                    code: provider_rejected
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "502":
          description: "The provider could not be reached in time or failed (\`provider_unavailable\`), or answered something that failed verification (\`provider_response_invalid\`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_unavailable, provider_response_invalid]
              examples:
                providerUnavailable:
                  value:
                    type: https://tasklane.dev/problems/provider_unavailable
                    title: Bad gateway
                    status: 502
                    detail: "Example ID did not answer in time or failed; try again later."
                    instance: /v1/me/identities
                    code: provider_unavailable
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerResponseInvalid:
                  value:
                    type: https://tasklane.dev/problems/provider_response_invalid
                    title: Bad gateway
                    status: 502
                    detail: "Example ID answered with something that failed verification; start the sign-in again."
                    instance: /v1/me/identities
                    code: provider_response_invalid
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/identities/authorizations:
    post:
      operationId: startIdentityLink
      tags:
        - Account
      summary: Start linking a provider account
      description: |-
        Like \`startProviderSignIn\`, for the signed-in user: answers the provider URL to send the browser to; the browser comes back to \`redirectUri\` with a one-time \`code\` that \`linkIdentity\` takes. This is the only way a provider account is attached to an existing account. Needs a session (not an API key).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/IdentityLinkStart"
            example:
              provider: github
              redirectUri: https://app.example.com/settings/identities
              codeChallenge: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
              codeChallengeMethod: S256
      security:
        - bearerAuth: []
      responses:
        "200":
          description: Where to send the browser.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ProviderAuthorization"
              example:
                authorizationUrl: https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256
                expiresAt: 2026-01-05T10:10:00Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "404":
          description: "No enabled provider has this id (\`provider_not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_not_found]
              examples:
                providerNotFound:
                  value:
                    type: https://tasklane.dev/problems/provider_not_found
                    title: Not found
                    status: 404
                    detail: 'No sign-in provider "example".'
                    instance: /v1/me/identities/authorizations
                    code: provider_not_found
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: "\`redirectUri\` is not an allowed app URL (\`redirect_uri_not_allowed\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [redirect_uri_not_allowed]
              examples:
                redirectUriNotAllowed:
                  value:
                    type: https://tasklane.dev/problems/redirect_uri_not_allowed
                    title: Unprocessable content
                    status: 422
                    detail: "redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS)."
                    instance: /v1/me/identities/authorizations
                    code: redirect_uri_not_allowed
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "502":
          description: "The provider could not be reached in time or failed (\`provider_unavailable\`), or answered something that failed verification (\`provider_response_invalid\`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_unavailable, provider_response_invalid]
              examples:
                providerUnavailable:
                  value:
                    type: https://tasklane.dev/problems/provider_unavailable
                    title: Bad gateway
                    status: 502
                    detail: "Example ID did not answer in time or failed; try again later."
                    instance: /v1/me/identities/authorizations
                    code: provider_unavailable
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerResponseInvalid:
                  value:
                    type: https://tasklane.dev/problems/provider_response_invalid
                    title: Bad gateway
                    status: 502
                    detail: "Example ID answered with something that failed verification; start the sign-in again."
                    instance: /v1/me/identities/authorizations
                    code: provider_response_invalid
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/identities/{identityId}:
    delete:
      operationId: unlinkIdentity
      tags:
        - Account
      summary: Unlink a provider account
      description: "The provider account no longer signs in to this account, and the sessions started with this provider end. Refused (409 \`last_sign_in_method\`) when it is the last way to sign in: an account without a password needs another linked provider first (or a password, set with a password reset). Needs a session (not an API key)."
      parameters:
        - name: identityId
          in: path
          required: true
          description: The id of the identity.
          schema:
            type: string
            maxLength: 64
            pattern: ^idt_[0-9A-Z]{26}$
          example: idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      security:
        - bearerAuth: []
      responses:
        "204":
          description: Unlinked.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          description: "This is the account's last way to sign in (\`last_sign_in_method\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [last_sign_in_method]
              examples:
                lastSignInMethod:
                  value:
                    type: https://tasklane.dev/problems/last_sign_in_method
                    title: Conflict
                    status: 409
                    detail: "This is the only way to sign in to the account; set a password (reset it by email) or link another provider first."
                    instance: /v1/me/identities/idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    code: last_sign_in_method
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/reauthentication:
    post:
      operationId: reauthenticate
      tags:
        - Account
      summary: Prove it is you again, through a linked provider
      description: |-
        For accounts that sign in through a provider (and have no password): finishes what \`startReauthentication\` started and answers a \`reauthenticationToken\`, valid once for 5 minutes, that \`deleteMe\` and an email change (\`updateMe\`) take instead of the password. The provider account must be one linked to this account (else 422 \`identity_not_linked\`). Needs the session that started it.

        Rate limited per client IP with the other provider sign-in steps (policy \`provider-signin\`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ProviderCodeExchange"
            example:
              code: pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
              codeVerifier: dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
      security:
        - bearerAuth: []
      responses:
        "201":
          description: Re-authenticated.
          headers:
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Reauthentication"
              example:
                reauthenticationToken: ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
                expiresAt: 2026-01-05T10:05:00Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "404":
          description: "No enabled provider has this id (\`provider_not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_not_found]
              examples:
                providerNotFound:
                  value:
                    type: https://tasklane.dev/problems/provider_not_found
                    title: Not found
                    status: 404
                    detail: 'No sign-in provider "example".'
                    instance: /v1/me/reauthentication
                    code: provider_not_found
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: "The code is unknown, expired, used, started by another user or does not match \`codeVerifier\` (\`invalid_code\`), the provider refused its code (\`provider_rejected\`), or the provider account is not linked to this account (\`identity_not_linked\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_code, provider_rejected, identity_not_linked]
              examples:
                invalidCode:
                  value:
                    type: https://tasklane.dev/problems/invalid_code
                    title: Unprocessable content
                    status: 422
                    detail: "The code is unknown, expired, already used or does not match codeVerifier."
                    instance: /v1/me/reauthentication
                    code: invalid_code
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerRejected:
                  value:
                    type: https://tasklane.dev/problems/provider_rejected
                    title: Unprocessable content
                    status: 422
                    detail: "Example ID refused the sign-in; start it again."
                    instance: /v1/me/reauthentication
                    code: provider_rejected
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                identityNotLinked:
                  value:
                    type: https://tasklane.dev/problems/identity_not_linked
                    title: Unprocessable content
                    status: 422
                    detail: "This provider account is not linked to your account."
                    instance: /v1/me/reauthentication
                    code: identity_not_linked
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "502":
          description: "The provider could not be reached in time or failed (\`provider_unavailable\`), or answered something that failed verification (\`provider_response_invalid\`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_unavailable, provider_response_invalid]
              examples:
                providerUnavailable:
                  value:
                    type: https://tasklane.dev/problems/provider_unavailable
                    title: Bad gateway
                    status: 502
                    detail: "Example ID did not answer in time or failed; try again later."
                    instance: /v1/me/reauthentication
                    code: provider_unavailable
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerResponseInvalid:
                  value:
                    type: https://tasklane.dev/problems/provider_response_invalid
                    title: Bad gateway
                    status: 502
                    detail: "Example ID answered with something that failed verification; start the sign-in again."
                    instance: /v1/me/reauthentication
                    code: provider_response_invalid
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/reauthentication/authorizations:
    post:
      operationId: startReauthentication
      tags:
        - Account
      summary: Start proving it is you again, through a linked provider
      description: "Like \`startIdentityLink\`: answers the provider URL to send the browser to; it comes back to \`redirectUri\` with a one-time \`code\` that \`reauthenticate\` takes. For accounts without a password, before \`deleteMe\` or an email change. Needs a session (not an API key)."
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/IdentityLinkStart"
            example:
              provider: github
              redirectUri: https://app.example.com/settings/delete-account
              codeChallenge: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
              codeChallengeMethod: S256
      security:
        - bearerAuth: []
      responses:
        "200":
          description: Where to send the browser.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ProviderAuthorization"
              example:
                authorizationUrl: https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256
                expiresAt: 2026-01-05T10:10:00Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "404":
          description: "No enabled provider has this id (\`provider_not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_not_found]
              examples:
                providerNotFound:
                  value:
                    type: https://tasklane.dev/problems/provider_not_found
                    title: Not found
                    status: 404
                    detail: 'No sign-in provider "example".'
                    instance: /v1/me/reauthentication/authorizations
                    code: provider_not_found
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: "\`redirectUri\` is not an allowed app URL (\`redirect_uri_not_allowed\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [redirect_uri_not_allowed]
              examples:
                redirectUriNotAllowed:
                  value:
                    type: https://tasklane.dev/problems/redirect_uri_not_allowed
                    title: Unprocessable content
                    status: 422
                    detail: "redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS)."
                    instance: /v1/me/reauthentication/authorizations
                    code: redirect_uri_not_allowed
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "502":
          description: "The provider could not be reached in time or failed (\`provider_unavailable\`), or answered something that failed verification (\`provider_response_invalid\`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [provider_unavailable, provider_response_invalid]
              examples:
                providerUnavailable:
                  value:
                    type: https://tasklane.dev/problems/provider_unavailable
                    title: Bad gateway
                    status: 502
                    detail: "Example ID did not answer in time or failed; try again later."
                    instance: /v1/me/reauthentication/authorizations
                    code: provider_unavailable
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                providerResponseInvalid:
                  value:
                    type: https://tasklane.dev/problems/provider_response_invalid
                    title: Bad gateway
                    status: 502
                    detail: "Example ID answered with something that failed verification; start the sign-in again."
                    instance: /v1/me/reauthentication/authorizations
                    code: provider_response_invalid
                    requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/sessions:
    get:
      operationId: listSessions
      tags:
        - Account
      summary: List active sessions
      description: "The user's signed-in sessions, newest first: the device they were started from, when, and when they were last refreshed. \`current\` marks the session of this request. Needs a session (not an API key)."
      parameters:
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      security:
        - bearerAuth: []
      responses:
        "200":
          description: A page of sessions.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/SessionList"
              example:
                data:
                  - id: ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    deviceLabel: Firefox on Linux
                    provider: null
                    createdAt: 2026-01-05T10:00:00Z
                    lastUsedAt: 2026-01-06T08:30:00Z
                    expiresAt: 2026-02-05T08:30:00Z
                    current: true
                nextCursor: null
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequired"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/sessions/{sessionId}:
    delete:
      operationId: revokeSession
      tags:
        - Account
      summary: End a session
      description: "Signs a device out: the session's refresh token stops working and its access tokens are rejected from now on. Needs a session (not an API key)."
      parameters:
        - name: sessionId
          in: path
          required: true
          description: The id of the session.
          schema:
            type: string
            maxLength: 64
            pattern: ^ses_[0-9A-Z]{26}$
          example: ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      security:
        - bearerAuth: []
      responses:
        "204":
          description: The session has ended.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/api-keys:
    post:
      operationId: createApiKey
      tags:
        - API keys
      summary: Create an API key
      description: "Creates a key for scripts and servers, sent as \`Authorization: Bearer <key>\`. The secret is in \`key\` in this answer only: it is stored hashed and cannot be shown again. Keys start with \`tl_\`. A key with only the \`read\` scope is refused (403 \`insufficient_scope\`) on anything that changes data. Needs a session (not an API key)."
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ApiKeyCreate"
            example:
              name: Nightly export
              scopes:
                - read
      security:
        - bearerAuth: []
      responses:
        "201":
          description: The key was created; \`Location\` is its URL.
          headers:
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ApiKeyWithSecret"
              example:
                id: key_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                name: Nightly export
                prefix: tl_Xq3v9
                scopes:
                  - read
                createdAt: 2026-01-05T10:00:00Z
                expiresAt: null
                lastUsedAt: null
                key: tl_Xq3v9Lr2WmB8cZk1Pq0sTn4Yd7Hf6Gj5Ae3Ku2Ow9Ri
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    get:
      operationId: listApiKeys
      tags:
        - API keys
      summary: List API keys
      description: The user's API keys that are not revoked, newest first. Secrets are never shown; \`prefix\` tells keys apart. Needs a session (not an API key).
      parameters:
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      security:
        - bearerAuth: []
      responses:
        "200":
          description: A page of API keys.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ApiKeyList"
              example:
                data:
                  - id: key_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    name: Nightly export
                    prefix: tl_Xq3v9
                    scopes:
                      - read
                    createdAt: 2026-01-05T10:00:00Z
                    expiresAt: null
                    lastUsedAt: null
                nextCursor: null
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequired"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/me/api-keys/{keyId}:
    delete:
      operationId: revokeApiKey
      tags:
        - API keys
      summary: Revoke an API key
      description: "Revokes the key at once: requests with it answer 401 \`api_key_revoked\`. Needs a session (not an API key)."
      parameters:
        - name: keyId
          in: path
          required: true
          description: The id of the API key.
          schema:
            type: string
            maxLength: 64
            pattern: ^key_[0-9A-Z]{26}$
          example: key_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      security:
        - bearerAuth: []
      responses:
        "204":
          description: The key was revoked.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/SessionRequiredForWrite"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects:
    get:
      operationId: listProjects
      tags:
        - Projects
      summary: List your projects
      description: |-
        The projects the caller is a member of, oldest first, with the caller’s role in each.

        Needs the \`read\` scope.
      security:
        - bearerAuth: []
      parameters:
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ProjectList"
              example:
                data:
                  - id: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    name: Website relaunch
                    description: Everything for the new marketing site.
                    role: owner
                    createdAt: 2026-11-20T09:30:00.000Z
                    updatedAt: 2026-11-21T14:05:12.000Z
                    version: 3
                nextCursor: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    post:
      operationId: createProject
      tags:
        - Projects
      summary: Create a project
      description: |-
        Creates a project with the caller as its owner.

        Needs the \`write\` scope.
      security:
        - bearerAuth: []
      parameters:
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ProjectCreate"
            example:
              name: Website relaunch
              description: Everything for the new marketing site.
      responses:
        "201":
          description: Created. \`Location\` is its URL and \`ETag\` its version.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            ETag:
              $ref: "#/components/headers/ETag"
            Idempotent-Replayed:
              $ref: "#/components/headers/Idempotent-Replayed"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Project"
              example:
                id: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                name: Website relaunch
                description: Everything for the new marketing site.
                role: owner
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenScope"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          $ref: "#/components/responses/UnprocessableContent"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}:
    get:
      operationId: getProject
      tags:
        - Projects
      summary: Get a project
      description: |-
        One project, with the caller’s role in it.

        Needs any role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfNoneMatch"
      responses:
        "200":
          description: The resource, with its version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Project"
              example:
                id: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                name: Website relaunch
                description: Everything for the new marketing site.
                role: owner
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 3
        "304":
          description: "\`If-None-Match\` named the current version: the copy the client has is up to date."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    patch:
      operationId: updateProject
      tags:
        - Projects
      summary: Update a project
      description: |-
        Renames a project or changes its description.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/ProjectUpdate"
            example:
              name: Website relaunch 2027
      responses:
        "200":
          description: The changed resource, with its new version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Project"
              example:
                id: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                name: Website relaunch
                description: Everything for the new marketing site.
                role: owner
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 3
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    delete:
      operationId: deleteProject
      tags:
        - Projects
      summary: Delete a project
      description: |-
        Deletes a project with all its tasks, notes, comments, members and invitations. This cannot be undone.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      responses:
        "204":
          description: Deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/members:
    get:
      operationId: listMembers
      tags:
        - Members
      summary: List members
      description: |-
        The members of a project and their roles, in the order they joined.

        Needs any role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/MemberList"
              example:
                data:
                  - projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    userId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    email: ada@example.com
                    role: editor
                    joinedAt: 2026-11-20T09:30:00.000Z
                nextCursor: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/members/{userId}:
    patch:
      operationId: updateMember
      tags:
        - Members
      summary: Change a member’s role
      description: |-
        Gives a member another role. A project always keeps at least one owner: demoting the last owner is refused with 409 \`last_owner\`. An owner who becomes editor or viewer loses the invitations they sent that are still pending.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: userId
          in: path
          required: true
          description: The id of the member (their user id).
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^usr_[0-9A-Z]{26}$
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/MemberUpdate"
            example:
              role: editor
      responses:
        "200":
          description: The changed resource.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Member"
              example:
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                userId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                email: ada@example.com
                role: editor
                joinedAt: 2026-11-20T09:30:00.000Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          description: A project must keep an owner (\`last_owner\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [last_owner]
              example:
                type: https://tasklane.dev/problems/last_owner
                title: Conflict
                status: 409
                detail: "A project must keep an owner: make another member owner first, or delete the project."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: last_owner
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    delete:
      operationId: removeMember
      tags:
        - Members
      summary: Remove a member, or leave
      description: |-
        Owners remove any member; any member may remove themselves (leave the project). The last owner cannot leave or be removed (409 \`last_owner\`): hand ownership to someone else, or delete the project. The invitations a removed member sent that are still pending are revoked with them.

        Needs the \`owner\` role, or being that member. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: userId
          in: path
          required: true
          description: The id of the member (their user id).
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^usr_[0-9A-Z]{26}$
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "204":
          description: Deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          description: A project must keep an owner (\`last_owner\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [last_owner]
              example:
                type: https://tasklane.dev/problems/last_owner
                title: Conflict
                status: 409
                detail: "A project must keep an owner: make another member owner first, or delete the project."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: last_owner
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/invitations:
    get:
      operationId: listInvitations
      tags:
        - Invitations
      summary: List pending invitations
      description: |-
        Invitations of a project that were neither accepted, revoked nor expired, oldest first.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/InvitationList"
              example:
                data:
                  - id: inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    email: grace@example.com
                    role: viewer
                    invitedBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    createdAt: 2026-11-20T09:30:00.000Z
                    expiresAt: 2026-11-27T09:30:00.000Z
                nextCursor: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenRole"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    post:
      operationId: createInvitation
      tags:
        - Invitations
      summary: Invite someone by email
      description: |-
        Emails a single-use link that lets the recipient join the project with the given role; it expires after 7 days. Inviting an address again replaces its pending invitation. Rate-limited per project, per inviting user across all their projects, and per recipient (policies \`invitations-project\`, \`invitations-user\` and \`invitations-recipient\`; 429). An address that already belongs to a member is refused with 409 \`already_member\`.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/InvitationCreate"
            example:
              email: grace@example.com
              role: viewer
      responses:
        "201":
          description: Created. \`Location\` is its URL and \`ETag\` its version.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            ETag:
              $ref: "#/components/headers/ETag"
            Idempotent-Replayed:
              $ref: "#/components/headers/Idempotent-Replayed"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Invitation"
              example:
                id: inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                email: grace@example.com
                role: viewer
                invitedBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                expiresAt: 2026-11-27T09:30:00.000Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          description: The address belongs to a member already (\`already_member\`), or a request with the same \`Idempotency-Key\` is still being processed (\`idempotency_key_in_use\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [idempotency_key_in_use, already_member]
              example:
                type: https://tasklane.dev/problems/idempotency_key_in_use
                title: Conflict
                status: 409
                detail: A request with this Idempotency-Key is still in progress.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: idempotency_key_in_use
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          $ref: "#/components/responses/UnprocessableContent"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/invitations/{invitationId}:
    delete:
      operationId: revokeInvitation
      tags:
        - Invitations
      summary: Revoke an invitation
      description: |-
        Makes a pending invitation’s token unusable.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: invitationId
          in: path
          required: true
          description: The id of the invitation.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^inv_[0-9A-Z]{26}$
          example: inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "204":
          description: Deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/invitations/accept:
    post:
      operationId: acceptInvitation
      tags:
        - Invitations
      summary: Accept an invitation
      description: |-
        Joins the project of an invitation as the signed-in caller, with the invitation’s role, and uses up the token. A token that is unknown, expired, revoked or already used answers 404. A caller who is already a member keeps their role; the token is used up all the same.

        Needs the \`write\` scope.
      security:
        - bearerAuth: []
      parameters:
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/InvitationAccept"
            example:
              token: inv_tok_3q2l0Jx8m9QfKc1b5sT7vWzYhN4pR6dE
      responses:
        "200":
          description: The caller’s membership of the project.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Idempotent-Replayed:
              $ref: "#/components/headers/Idempotent-Replayed"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Member"
              example:
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                userId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                email: ada@example.com
                role: editor
                joinedAt: 2026-11-20T09:30:00.000Z
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenScope"
        "404":
          description: The invitation does not exist, has expired, or was already used (\`invitation_not_found\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invitation_not_found]
              example:
                type: https://tasklane.dev/problems/invitation_not_found
                title: Not found
                status: 404
                detail: This invitation does not exist, has expired, or was already used.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: invitation_not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          $ref: "#/components/responses/UnprocessableContent"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/tasks:
    get:
      operationId: listTasks
      tags:
        - Tasks
      summary: List tasks
      description: |-
        The tasks of a project, filtered, sorted and searched. Filters combine with AND.

        Needs any role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: status
          in: query
          required: false
          description: Only tasks with this status.
          schema:
            type: string
            enum: [todo, in_progress, done]
            description: Where the task stands. Moving it to \`done\` sets \`completedAt\`; moving it out clears it.
        - name: assigneeId
          in: query
          required: false
          description: Only tasks assigned to this member. A user id, e.g. \`usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\`.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^usr_[0-9A-Z]{26}$
        - name: label
          in: query
          required: false
          description: Only tasks with this label. E.g. \`launch\`.
          schema:
            type: string
            minLength: 1
            maxLength: 50
            pattern: ^[^,\\s\\u0000-\\u001F\\u007F][^,\\u0000-\\u001F\\u007F]*$
            description: "A label: no commas, no leading space, no control characters."
        - name: dueBefore
          in: query
          required: false
          description: Only tasks due before this instant (exclusive). An RFC 3339 date-time, e.g. \`2026-12-31T00:00:00Z\`.
          schema:
            type: string
            format: date-time
            maxLength: 40
        - name: dueAfter
          in: query
          required: false
          description: Only tasks due at or after this instant. An RFC 3339 date-time, e.g. \`2026-12-01T00:00:00Z\`.
          schema:
            type: string
            format: date-time
            maxLength: 40
        - name: sort
          in: query
          required: false
          description: "The order: a field, prefixed with \`-\` for descending. Defaults to \`createdAt\`, or to relevance when \`q\` is given: first the tasks with every word of \`q\` in the title, then the others, the newest first within each. Tasks without a due date come last when sorting by \`dueAt\`."
          schema:
            type: string
            enum:
              [createdAt, -createdAt, updatedAt, -updatedAt, dueAt, -dueAt, priority, -priority, position, -position]
        - name: q
          in: query
          required: false
          description: Full-text search in title and description. Every word must match, as a prefix; case and diacritics are ignored (\`creme\` finds "Crème"). Title matches rank higher (see \`sort\`). E.g. \`launch post\`.
          schema:
            type: string
            minLength: 1
            maxLength: 200
            pattern: ^[^\\u0000-\\u001F\\u007F]*$
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/TaskList"
              example:
                data:
                  - id: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    title: Write the launch post
                    description: Draft in **Markdown**, then ask for review.
                    status: in_progress
                    priority: 2
                    dueAt: 2026-12-01T17:00:00.000Z
                    labels:
                      - content
                      - launch
                    assigneeId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    position: 3
                    completedAt: null
                    createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    createdAt: 2026-11-20T09:30:00.000Z
                    updatedAt: 2026-11-21T14:05:12.000Z
                    version: 4
                nextCursor: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    post:
      operationId: createTask
      tags:
        - Tasks
      summary: Create a task
      description: |-
        Adds a task to a project. The assignee must be a member of the project (422 \`invalid_assignee\` otherwise).

        Needs the \`owner\` or \`editor\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/TaskCreate"
            example:
              title: Write the launch post
              priority: 2
              labels:
                - content
                - launch
              dueAt: 2026-12-01T17:00:00Z
      responses:
        "201":
          description: Created. \`Location\` is its URL and \`ETag\` its version.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            ETag:
              $ref: "#/components/headers/ETag"
            Idempotent-Replayed:
              $ref: "#/components/headers/Idempotent-Replayed"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Task"
              example:
                id: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                title: Write the launch post
                description: Draft in **Markdown**, then ask for review.
                status: in_progress
                priority: 2
                dueAt: 2026-12-01T17:00:00.000Z
                labels:
                  - content
                  - launch
                assigneeId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                position: 3
                completedAt: null
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 1
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The assignee is not a member of the project (\`invalid_assignee\`), or the \`Idempotency-Key\` was used with a different request (\`idempotency_key_reused\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [idempotency_key_reused, invalid_assignee]
              example:
                type: https://tasklane.dev/problems/idempotency_key_reused
                title: Unprocessable content
                status: 422
                detail: This Idempotency-Key was used with a different request; use a new key for a new request.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: idempotency_key_reused
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/tasks/{taskId}:
    get:
      operationId: getTask
      tags:
        - Tasks
      summary: Get a task
      description: |-
        One task.

        Needs any role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: taskId
          in: path
          required: true
          description: The id of the task.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^tsk_[0-9A-Z]{26}$
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfNoneMatch"
      responses:
        "200":
          description: The resource, with its version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Task"
              example:
                id: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                title: Write the launch post
                description: Draft in **Markdown**, then ask for review.
                status: in_progress
                priority: 2
                dueAt: 2026-12-01T17:00:00.000Z
                labels:
                  - content
                  - launch
                assigneeId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                position: 3
                completedAt: null
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 4
        "304":
          description: "\`If-None-Match\` named the current version: the copy the client has is up to date."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    patch:
      operationId: updateTask
      tags:
        - Tasks
      summary: Update a task
      description: |-
        Changes some fields of a task. Setting \`status\` to \`done\` records \`completedAt\`; setting it to anything else clears it. The assignee must be a member (422 \`invalid_assignee\`).

        Needs the \`owner\` or \`editor\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: taskId
          in: path
          required: true
          description: The id of the task.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^tsk_[0-9A-Z]{26}$
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/TaskUpdate"
            example:
              status: done
      responses:
        "200":
          description: The changed resource, with its new version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Task"
              example:
                id: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                title: Write the launch post
                description: Draft in **Markdown**, then ask for review.
                status: in_progress
                priority: 2
                dueAt: 2026-12-01T17:00:00.000Z
                labels:
                  - content
                  - launch
                assigneeId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                position: 3
                completedAt: null
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 4
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The assignee is not a member of the project (\`invalid_assignee\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [invalid_assignee]
              example:
                type: https://tasklane.dev/problems/invalid_assignee
                title: Unprocessable content
                status: 422
                detail: The assignee must be a member of the project.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: invalid_assignee
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    delete:
      operationId: deleteTask
      tags:
        - Tasks
      summary: Delete a task
      description: |-
        Deletes a task and its comments.

        Needs the \`owner\` or \`editor\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: taskId
          in: path
          required: true
          description: The id of the task.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^tsk_[0-9A-Z]{26}$
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      responses:
        "204":
          description: Deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/notes:
    get:
      operationId: listNotes
      tags:
        - Notes
      summary: List notes
      description: |-
        The notes of a project, sorted or searched.

        Needs any role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: sort
          in: query
          required: false
          description: "The order: \`createdAt\` or \`updatedAt\`, prefixed with \`-\` for descending. Defaults to \`createdAt\`, or to relevance when \`q\` is given: first the notes with every word of \`q\` in the title, then the others, the newest first within each."
          schema:
            type: string
            enum: [createdAt, -createdAt, updatedAt, -updatedAt]
        - name: q
          in: query
          required: false
          description: Full-text search in title and body, like \`q\` of listTasks. E.g. \`launch post\`.
          schema:
            type: string
            minLength: 1
            maxLength: 200
            pattern: ^[^\\u0000-\\u001F\\u007F]*$
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/NoteList"
              example:
                data:
                  - id: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    title: Meeting notes 2026-11-20
                    body: |-
                      ## Decisions

                      - Launch on December 1st
                    createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    createdAt: 2026-11-20T09:30:00.000Z
                    updatedAt: 2026-11-21T14:05:12.000Z
                    version: 2
                nextCursor: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    post:
      operationId: createNote
      tags:
        - Notes
      summary: Create a note
      description: |-
        Adds a Markdown note to a project.

        Needs the \`owner\` or \`editor\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/NoteCreate"
            example:
              title: Meeting notes 2026-11-20
              body: |-
                ## Decisions

                - Launch on December 1st
      responses:
        "201":
          description: Created. \`Location\` is its URL and \`ETag\` its version.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            ETag:
              $ref: "#/components/headers/ETag"
            Idempotent-Replayed:
              $ref: "#/components/headers/Idempotent-Replayed"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Note"
              example:
                id: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                title: Meeting notes 2026-11-20
                body: |-
                  ## Decisions

                  - Launch on December 1st
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 1
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          $ref: "#/components/responses/UnprocessableContent"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/notes/{noteId}:
    get:
      operationId: getNote
      tags:
        - Notes
      summary: Get a note
      description: |-
        One note.

        Needs any role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: noteId
          in: path
          required: true
          description: The id of the note.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^not_[0-9A-Z]{26}$
          example: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfNoneMatch"
      responses:
        "200":
          description: The resource, with its version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Note"
              example:
                id: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                title: Meeting notes 2026-11-20
                body: |-
                  ## Decisions

                  - Launch on December 1st
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 2
        "304":
          description: "\`If-None-Match\` named the current version: the copy the client has is up to date."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    patch:
      operationId: updateNote
      tags:
        - Notes
      summary: Update a note
      description: |-
        Changes the title or body of a note.

        Needs the \`owner\` or \`editor\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: noteId
          in: path
          required: true
          description: The id of the note.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^not_[0-9A-Z]{26}$
          example: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/NoteUpdate"
            example:
              body: |-
                ## Decisions

                - Launch on December 2nd
      responses:
        "200":
          description: The changed resource, with its new version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Note"
              example:
                id: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                title: Meeting notes 2026-11-20
                body: |-
                  ## Decisions

                  - Launch on December 1st
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 2
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    delete:
      operationId: deleteNote
      tags:
        - Notes
      summary: Delete a note
      description: |-
        Deletes a note.

        Needs the \`owner\` or \`editor\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: noteId
          in: path
          required: true
          description: The id of the note.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^not_[0-9A-Z]{26}$
          example: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      responses:
        "204":
          description: Deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/tasks/{taskId}/comments:
    get:
      operationId: listComments
      tags:
        - Comments
      summary: List comments
      description: |-
        The comments on a task, oldest first.

        Needs any role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: taskId
          in: path
          required: true
          description: The id of the task.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^tsk_[0-9A-Z]{26}$
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/CommentList"
              example:
                data:
                  - id: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    authorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    body: First draft is in the shared folder.
                    createdAt: 2026-11-20T09:30:00.000Z
                    updatedAt: 2026-11-20T09:30:00.000Z
                    version: 1
                nextCursor: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    post:
      operationId: createComment
      tags:
        - Comments
      summary: Comment on a task
      description: |-
        Adds a comment to a task.

        Needs the \`owner\` or \`editor\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: taskId
          in: path
          required: true
          description: The id of the task.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^tsk_[0-9A-Z]{26}$
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/CommentCreate"
            example:
              body: First draft is in the shared folder.
      responses:
        "201":
          description: Created. \`Location\` is its URL and \`ETag\` its version.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            ETag:
              $ref: "#/components/headers/ETag"
            Idempotent-Replayed:
              $ref: "#/components/headers/Idempotent-Replayed"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Comment"
              example:
                id: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                authorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                body: First draft is in the shared folder.
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          $ref: "#/components/responses/UnprocessableContent"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/comments/{commentId}:
    patch:
      operationId: updateComment
      tags:
        - Comments
      summary: Edit a comment
      description: |-
        Changes the text of a comment. Only its author may, while they may still write in the project.

        Needs being the author, with the \`owner\` or \`editor\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: commentId
          in: path
          required: true
          description: The id of the comment.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^cmt_[0-9A-Z]{26}$
          example: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/CommentUpdate"
            example:
              body: Second draft is in the shared folder.
      responses:
        "200":
          description: The changed resource, with its new version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Comment"
              example:
                id: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                authorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                body: First draft is in the shared folder.
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-21T14:05:12.000Z
                version: 2
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    delete:
      operationId: deleteComment
      tags:
        - Comments
      summary: Delete a comment
      description: |-
        Deletes a comment. Its author may (with the \`owner\` or \`editor\` role), and so may any owner of the project.

        Needs being the author, or the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: commentId
          in: path
          required: true
          description: The id of the comment.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^cmt_[0-9A-Z]{26}$
          example: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      responses:
        "204":
          description: Deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/webhooks:
    get:
      operationId: listWebhookEndpoints
      tags:
        - Webhooks
      summary: List a project's webhook endpoints
      description: |-
        The project's webhook endpoints, oldest first. Secrets are never listed: they are shown once, when created or rotated.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookEndpointList"
              example:
                data:
                  - id: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    url: https://hooks.example.com/tasklane
                    description: Post finished tasks to the team chat
                    eventTypes: [task.*, comment.created]
                    enabled: true
                    disabledReason: null
                    previousSecretExpiresAt: null
                    createdAt: 2026-11-20T09:30:00.000Z
                    updatedAt: 2026-11-20T09:30:00.000Z
                    version: 1
                nextCursor: null
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenRole"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    post:
      operationId: createWebhookEndpoint
      tags:
        - Webhooks
      summary: Add a webhook endpoint
      description: |-
        Registers a URL that is sent the project's changes whose type matches \`eventTypes\` (\`task.*\`, \`comment.created\`, or \`*\` for all), signed per the Standard Webhooks specification with the \`secret\` in the answer — the only time it is shown; store it now.

        The URL must be \`https\` (plain \`http\` only where the server allows it for development) and must not name a loopback, private, link-local or metadata address (422 \`webhook_url_not_allowed\`); names that resolve to such addresses are refused at delivery, on every connection. A project has at most 20 endpoints (422 \`webhook_limit_reached\`). An event type that is no change type answers 422 \`unknown_event_type\`.

        Each change is delivered as the body \`{ "type", "timestamp", "data" }\` with \`data\` the change as \`listChanges\` answers it, with headers \`webhook-id\` (the same on every retry of one delivery, to deduplicate by), \`webhook-timestamp\` and \`webhook-signature\`. An endpoint receives only what the project's owners may read. See the \`webhooks\` section of this document for the payloads.

        Endpoints are settings only owners see: creating, changing, rotating or deleting one records no change in the change log (\`listChanges\`, \`streamEvents\`), which every member of the project reads, and so sends no webhook either.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/WebhookEndpointCreate"
            example:
              url: https://hooks.example.com/tasklane
              description: Post finished tasks to the team chat
              eventTypes: [task.*, comment.created]
      responses:
        "201":
          description: Created. \`Location\` is its URL and \`ETag\` its version. \`secret\` is shown only here.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            ETag:
              $ref: "#/components/headers/ETag"
            Idempotent-Replayed:
              $ref: "#/components/headers/Idempotent-Replayed"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookEndpointCreated"
              example:
                id: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                url: https://hooks.example.com/tasklane
                description: Post finished tasks to the team chat
                eventTypes: [task.*, comment.created]
                enabled: true
                disabledReason: null
                previousSecretExpiresAt: null
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
                secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The URL may not be used (\`webhook_url_not_allowed\`), an event type is unknown (\`unknown_event_type\`), the project has its 20 endpoints already (\`webhook_limit_reached\`), or this \`Idempotency-Key\` was used with a different request (\`idempotency_key_reused\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          [idempotency_key_reused, webhook_url_not_allowed, unknown_event_type, webhook_limit_reached]
              example:
                type: https://tasklane.dev/problems/webhook_url_not_allowed
                title: Unprocessable content
                status: 422
                detail: Webhook URLs may not point at loopback, private, link-local or metadata addresses.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/webhooks
                code: webhook_url_not_allowed
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/webhooks/{webhookId}:
    get:
      operationId: getWebhookEndpoint
      tags:
        - Webhooks
      summary: Get a webhook endpoint
      description: |-
        One webhook endpoint, without its secret. \`disabledReason\` is \`failing\` when the server turned it off because every delivery attempt failed for \`WEBHOOK_DISABLE_AFTER_S\` (the owners were told).

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: webhookId
          in: path
          required: true
          description: The id of the webhook endpoint.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^whk_[0-9A-Z]{26}$
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "200":
          description: The webhook endpoint, with its version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookEndpoint"
              example:
                id: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                url: https://hooks.example.com/tasklane
                description: Post finished tasks to the team chat
                eventTypes: [task.*, comment.created]
                enabled: true
                disabledReason: null
                previousSecretExpiresAt: null
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenRole"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    patch:
      operationId: updateWebhookEndpoint
      tags:
        - Webhooks
      summary: Change a webhook endpoint
      description: |-
        Changes the URL, description, event types or \`enabled\`. Enabling an endpoint the server disabled clears \`disabledReason\` and starts delivering new changes again; use \`replayWebhookEvents\` for what it missed. The same URL rules as on creation apply.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: webhookId
          in: path
          required: true
          description: The id of the webhook endpoint.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^whk_[0-9A-Z]{26}$
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/WebhookEndpointUpdate"
            example:
              enabled: false
      responses:
        "200":
          description: The changed resource, with its new version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookEndpoint"
              example:
                id: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                url: https://hooks.example.com/tasklane
                description: Post finished tasks to the team chat
                eventTypes: [task.*, comment.created]
                enabled: true
                disabledReason: null
                previousSecretExpiresAt: null
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The URL may not be used (\`webhook_url_not_allowed\`) or an event type is unknown (\`unknown_event_type\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [webhook_url_not_allowed, unknown_event_type]
              example:
                type: https://tasklane.dev/problems/unknown_event_type
                title: Unprocessable content
                status: 422
                detail: No change type matches tsk.*.
                instance: /v1/webhooks/whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: unknown_event_type
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    delete:
      operationId: deleteWebhookEndpoint
      tags:
        - Webhooks
      summary: Delete a webhook endpoint
      description: |-
        Removes the endpoint, its delivery log and every delivery still waiting; an attempt already under way may still arrive.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: webhookId
          in: path
          required: true
          description: The id of the webhook endpoint.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^whk_[0-9A-Z]{26}$
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "204":
          description: Deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/webhooks/{webhookId}/secret/rotate:
    post:
      operationId: rotateWebhookSecret
      tags:
        - Webhooks
      summary: Rotate a webhook endpoint's secret
      description: |-
        Makes a new signing secret and answers it, the only time it is shown. For 24 hours (\`previousSecretExpiresAt\`) every delivery carries two signatures in \`webhook-signature\`, one with each secret, so the receiver can switch at its own pace; attempts already under way are signed with both. Rotating again within the 24 hours drops the oldest secret.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: webhookId
          in: path
          required: true
          description: The id of the webhook endpoint.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^whk_[0-9A-Z]{26}$
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "200":
          description: The new secret.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookSecret"
              example:
                secret: whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD
                previousSecretExpiresAt: 2026-11-21T09:30:00.000Z
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/webhooks/{webhookId}/ping:
    post:
      operationId: pingWebhookEndpoint
      tags:
        - Webhooks
      summary: Send a test event
      description: |-
        Queues a \`webhook.ping\` event to the endpoint at once (also when it is disabled), and answers its delivery; follow it in \`listWebhookDeliveries\`.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: webhookId
          in: path
          required: true
          description: The id of the webhook endpoint.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^whk_[0-9A-Z]{26}$
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "202":
          description: Queued.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookDelivery"
              example:
                id: msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                endpointId: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                eventType: webhook.ping
                changeSeq: null
                status: pending
                attempts: 2
                lastAttemptAt: 2026-11-20T09:30:05.000Z
                durationMs: 131
                responseStatus: 503
                responseBody: Service Unavailable
                error: null
                nextAttemptAt: 2026-11-20T09:30:45.000Z
                createdAt: 2026-11-20T09:30:00.000Z
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/webhooks/{webhookId}/deliveries:
    get:
      operationId: listWebhookDeliveries
      tags:
        - Webhooks
      summary: List an endpoint's deliveries
      description: |-
        The delivery log, newest first: each event sent or to be sent, with its status (\`pending\` while it is being retried, \`succeeded\`, \`failed\` once retries ran out after \`WEBHOOK_RETRY_FOR_S\` or the receiver answered a 4xx that is not retried), the number of attempts, and the last attempt's duration, response status, first 64 KiB of the response body, or error (e.g. a refused address), and when the next attempt is due.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: webhookId
          in: path
          required: true
          description: The id of the webhook endpoint.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^whk_[0-9A-Z]{26}$
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookDeliveryList"
              example:
                data:
                  - id: msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    endpointId: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    eventType: task.updated
                    changeSeq: "42"
                    status: pending
                    attempts: 2
                    lastAttemptAt: 2026-11-20T09:30:05.000Z
                    durationMs: 131
                    responseStatus: 503
                    responseBody: Service Unavailable
                    error: null
                    nextAttemptAt: 2026-11-20T09:30:45.000Z
                    createdAt: 2026-11-20T09:30:00.000Z
                nextCursor: null
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenRole"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver:
    post:
      operationId: redeliverWebhookDelivery
      tags:
        - Webhooks
      summary: Send a delivery again
      description: |-
        Queues the same event again at once, with the same \`webhook-id\` and body, whatever its status; the attempt count and retry period start afresh.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: webhookId
          in: path
          required: true
          description: The id of the webhook endpoint.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^whk_[0-9A-Z]{26}$
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: deliveryId
          in: path
          required: true
          description: The id of the delivery (its \`webhook-id\` header).
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^msg_[0-9A-Z]{26}$
          example: msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "202":
          description: Queued.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookDelivery"
              example:
                id: msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                endpointId: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                eventType: task.updated
                changeSeq: "42"
                status: pending
                attempts: 2
                lastAttemptAt: 2026-11-20T09:30:05.000Z
                durationMs: 131
                responseStatus: 503
                responseBody: Service Unavailable
                error: null
                nextAttemptAt: 2026-11-20T09:30:45.000Z
                createdAt: 2026-11-20T09:30:00.000Z
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/webhooks/{webhookId}/replay:
    post:
      operationId: replayWebhookEvents
      tags:
        - Webhooks
      summary: Send every change since a seq again
      description: |-
        For a receiver that was down: queues a new delivery of every change after \`since\` that the endpoint subscribes to and the project's owners may read, in seq order, as far as the change log keeps them (\`CHANGES_RETENTION_S\`; an older \`since\` answers 410 \`cursor_expired\`). At most 10,000 changes per call: when \`hasMore\` is true, call again with \`since\` set to \`throughSeq\`. Replayed deliveries get new \`webhook-id\`s; the change's \`seq\` in the body tells a receiver what it has seen already.

        Needs the \`owner\` role. Callers who are not members of the project get 404, as for a project that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: webhookId
          in: path
          required: true
          description: The id of the webhook endpoint.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^whk_[0-9A-Z]{26}$
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/WebhookReplay"
            example:
              since: "1200"
      responses:
        "202":
          description: Queued.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/WebhookReplayResult"
              example:
                queued: 37
                throughSeq: "1337"
                hasMore: false
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "410":
          $ref: "#/components/responses/CursorExpired"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/changes:
    get:
      operationId: listChanges
      tags:
        - Events
      summary: List changes since a sync token
      description: |-
        The change log as JSON pages, for clients that poll: every create, update and delete of a project, task, note, comment, membership or invitation the caller may see, in seq order, each with the resource as its get operation answers it (or a tombstone \`{ "id": "…", "deleted": true }\`).

        Start with \`since=0\` (or the \`syncToken\` of a full load), then pass each answer's \`syncToken\` as \`since\`. A change is never skipped, even one whose transaction commits after a later one started: a change is served once every write that began before it has ended. Visibility is decided when the change is delivered: changes of projects the caller is a member of now, written since they joined, and the caller's own (notifications, their removal from a project, a project of theirs being deleted). A member reads a project's changes from the write that added them on: a \`since\` before that starts there, so nothing written, edited or deleted before they joined is served to them (load the current state with the get and list operations). \`projectId\` narrows to one project.

        Changes are kept for \`CHANGES_RETENTION_S\` (7 days by default). A \`since\` older than that answers 410 \`cursor_expired\`: reload the resources and continue from the latest \`syncToken\`. A \`since\` past the newest change (which no answer ever gave: a position from another deployment, or from before a restore) answers 400 \`since_ahead\` rather than silently skipping what is written up to it: reload, then continue from the new \`syncToken\`. While a page is full, \`nextCursor\` (and \`Link\`) point at the next one.

        Needs any role in the projects concerned; a \`read\` API key is enough.
      security:
        - bearerAuth: []
      parameters:
        - name: since
          in: query
          required: false
          description: The \`syncToken\` of the previous answer (e.g. \`42\`); changes after it are returned. \`0\` (the default) starts from the oldest retained change (for a project, from when the caller joined it). A 64-bit integer that may exceed 2^53; send it as received.
          schema:
            type: string
            pattern: ^[0-9]{1,19}$
            maxLength: 19
            default: "0"
        - name: projectId
          in: query
          required: false
          description: Only changes of this project (e.g. \`prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\`).
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of changes, oldest first. \`Link\` points at the next page when this one is full.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Link:
              $ref: "#/components/headers/Link"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ChangeList"
              example:
                data:
                  - seq: "42"
                    type: task.updated
                    projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    resourceType: task
                    resourceId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    version: 2
                    actorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    occurredAt: 2026-11-20T09:31:00.000Z
                    data:
                      id: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                      projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                      title: Write the launch post
                      description: null
                      status: in_progress
                      priority: 2
                      dueAt: null
                      labels: [launch]
                      assigneeId: null
                      position: 1
                      completedAt: null
                      createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                      createdAt: 2026-11-20T09:30:00.000Z
                      updatedAt: 2026-11-20T09:31:00.000Z
                      version: 2
                  - seq: "43"
                    type: note.deleted
                    projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    resourceType: note
                    resourceId: nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    version: null
                    actorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    occurredAt: 2026-11-20T09:32:00.000Z
                    data:
                      id: nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                      deleted: true
                nextCursor: null
                syncToken: "43"
        "400":
          $ref: "#/components/responses/BadRequestChanges"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "410":
          $ref: "#/components/responses/CursorExpired"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/events:
    get:
      operationId: streamEvents
      tags:
        - Events
      summary: Stream changes as Server-Sent Events
      description: |-
        A \`text/event-stream\` of every change the caller may see, as it happens: the same log that
        \`listChanges\` pages through. Each change is one event whose \`id\` is its \`seq\` and whose \`event\` is
        its \`type\`; \`data\` is the \`Change\` as JSON. What the caller may see is checked when each event is
        delivered, so a member who is removed from a project receives \`access_revoked\` for it and nothing of
        that project afterwards; and a project's changes start where the caller joined it, as in
        \`listChanges\` (a position before that starts there).

        Where to start: the \`Last-Event-ID\` header (sent by \`EventSource\` when it reconnects) wins over
        \`since\`; with neither, the stream starts at the newest change and sends only what happens next.
        Resuming from the last \`id\` received delivers every later change once, with no gap. A position older
        than the log keeps (see \`CHANGES_RETENTION_S\`) answers 410 \`cursor_expired\` before the stream starts:
        read the current state again, then stream from \`syncToken\` of \`listChanges\`. A position past the
        newest change answers 400 \`since_ahead\` (a stream from it would silently skip every change up to it).
        Seqs are 64-bit: a position may exceed 2^53, so keep it as the string it is sent as.

        The first event of every stream (after \`retry:\`) is \`ready\` \`{ "since" }\`, with \`id\` set to the same
        \`since\`: the position the stream starts after (the \`Last-Event-ID\` or \`since\` sent, or the newest
        change). A client that started without a position thereby has one before any change arrives, so a
        reconnect (which sends it as \`Last-Event-ID\`) misses nothing committed while it was away.

        Besides changes and \`ready\`, the stream carries (none of these has an \`id\`, so a reconnect resumes after the last change):
        - \`access_revoked\` \`{ "projectId": … }\` when the caller loses access to a project (removed, or the project deleted);
        - \`auth_expired\` \`{}\` when the credentials expire or are revoked; the server then closes the stream,
          and the client reconnects with fresh credentials;
        - \`reconnect\` \`{ "reason", "since" }\` before the server closes the stream because it is shutting down
          (\`shutdown\`) or the client reads too slowly (\`slow_consumer\`); reconnect with \`Last-Event-ID\` (or
          \`since\`) set to \`since\`;
        - a \`: heartbeat\` comment at least every 15 seconds, so proxies and clients can tell a quiet stream
          from a dead one; and \`retry:\` (milliseconds to wait before reconnecting) first thing.

        On the wire:

        \`\`\`
        retry: 3000

        id: 41
        event: ready
        data: {"since":"41"}

        id: 42
        event: task.updated
        data: {"seq":"42","type":"task.updated","projectId":"prj_…",…}

        : heartbeat

        event: reconnect
        data: {"reason":"shutdown","since":"42"}
        \`\`\`

        The response is never compressed or cached (\`Cache-Control: no-cache, no-transform\`), and
        \`X-Accel-Buffering: no\` asks nginx-style proxies not to buffer it.

        Needs the \`read\` scope. With \`projectId\`, only that project's changes; callers who are not members of
        it get 404, as for a project that does not exist.

        Open streams are limited per server instance: at most \`EVENTS_MAX_STREAMS_PER_USER\` (20 by default)
        per user, over all their sessions and API keys, and \`EVENTS_MAX_STREAMS_PER_KEY\` (10) per API key;
        one more answers 429 \`too_many_streams\` with \`Retry-After\` (close a stream you no longer read). Past
        \`EVENTS_MAX_STREAMS\` (10,000) on the instance, 503 \`streams_unavailable\` with \`Retry-After\` (another
        instance may have room).
      security:
        - bearerAuth: []
      parameters:
        - name: since
          in: query
          required: false
          description: Send the changes after this \`seq\` (the last event \`id\` the client has, or a \`syncToken\` of \`listChanges\`), e.g. \`42\`.
          schema:
            type: string
            maxLength: 19
            pattern: ^[0-9]{1,19}$
        - name: projectId
          in: query
          required: false
          description: Only this project's changes (e.g. \`prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\`).
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
        - name: Last-Event-ID
          in: header
          required: false
          description: The \`id\` of the last event received; sent by \`EventSource\` when it reconnects. Wins over \`since\`.
          schema:
            type: string
            maxLength: 19
            pattern: ^[0-9]{1,19}$
          example: "42"
      responses:
        "200":
          description: |-
            The event stream. Each event, as an \`EventSource\` parses it (\`id\`, \`event\`, and \`data\` parsed
            as JSON), matches \`StreamEvent\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Cache-Control:
              description: Never cache or transform (compress) the stream.
              schema:
                type: string
                enum: ["no-cache, no-transform"]
              example: no-cache, no-transform
            X-Accel-Buffering:
              description: Asks a reverse proxy (nginx) to pass events on as they come instead of buffering them.
              schema:
                type: string
                enum: ["no"]
              example: "no"
          content:
            text/event-stream:
              schema:
                $ref: "#/components/schemas/StreamEvent"
              example:
                id: "42"
                event: task.updated
                data:
                  seq: "42"
                  type: task.updated
                  projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  resourceType: task
                  resourceId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  version: 4
                  actorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  occurredAt: 2026-11-21T14:05:12.000Z
                  data: {}
        "400":
          $ref: "#/components/responses/BadRequestEvents"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "410":
          $ref: "#/components/responses/CursorExpired"
        "429":
          $ref: "#/components/responses/TooManyRequestsStreams"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/StreamsUnavailable"
  /v1/notifications:
    get:
      operationId: listNotifications
      tags:
        - Notifications
      summary: List your notifications
      description: |-
        The caller's notifications, most recently updated first. A notification is a thread: one per task (or project, for invitations) and reason while it is unread, so a repeat (a second comment, another mention) bumps it to the top with a higher \`count\` and the latest actor instead of adding a new one. Once read, the next event starts a new thread.

        Reasons: \`assigned\` (a task was assigned to you), \`mentioned\` (you were @mentioned in a task description or a comment), \`commented\` (a comment on a task you created or are assigned), \`invited\` (you were invited to a project). You are never notified of your own actions, and only of tasks in projects you can still see.

        New and bumped notifications are also recorded in the change log as \`notification.created\` changes (\`listChanges\`, and the event stream), visible only to their recipient, with the notification as it is now in \`data\`. An \`invited\` notification is deleted when its invitation is revoked (\`notification.deleted\`, a tombstone, for the recipient), so it can no longer be followed to an invitation that is gone.

        Needs the \`read\` scope.
      security:
        - bearerAuth: []
      parameters:
        - name: unread
          in: query
          required: false
          description: "\`true\`: only unread notifications; \`false\`: only read ones. Leave out for both."
          schema:
            type: string
            enum:
              - "true"
              - "false"
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of results. \`Link\` points at the next page when there is one.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Link:
              $ref: "#/components/headers/Link"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/NotificationList"
              example:
                data:
                  - id: ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    reason: commented
                    projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    commentId: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    invitationId: null
                    webhookId: null
                    actorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    title: Write the launch post
                    count: 2
                    readAt: null
                    createdAt: 2026-11-20T09:30:00.000Z
                    updatedAt: 2026-11-20T10:12:40.000Z
                nextCursor: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/notifications/unread-count:
    get:
      operationId: getUnreadNotificationCount
      tags:
        - Notifications
      summary: Count unread notifications
      description: |-
        How many of the caller's notifications are unread (what \`listNotifications?unread=true\` would list), for a badge.

        Needs the \`read\` scope.
      security:
        - bearerAuth: []
      responses:
        "200":
          description: The number of unread notifications.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/UnreadNotificationCount"
              example:
                count: 3
        "401":
          $ref: "#/components/responses/Unauthorized"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/notifications/{notificationId}/read:
    post:
      operationId: markNotificationRead
      tags:
        - Notifications
      summary: Mark a notification read
      description: |-
        Marks one notification read; its email, if not sent yet, will not be. The change is recorded as a \`notification.updated\` change for the caller (\`listChanges\`, the event stream), so their other devices clear it too. Marking a read notification again changes nothing and answers it as it is.

        Needs the \`write\` scope. Another user's notification answers 404, as for one that does not exist.
      security:
        - bearerAuth: []
      parameters:
        - name: notificationId
          in: path
          required: true
          description: The id of the notification.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^ntf_[0-9A-Z]{26}$
          example: ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "200":
          description: The notification, now read.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Notification"
              example:
                id: ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                reason: assigned
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                commentId: null
                invitationId: null
                webhookId: null
                actorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                title: Write the launch post
                count: 1
                readAt: 2026-11-20T11:02:00.000Z
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenScope"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/notifications/read:
    post:
      operationId: markAllNotificationsRead
      tags:
        - Notifications
      summary: Mark notifications read up to a time
      description: |-
        Marks read every unread notification of the caller whose \`updatedAt\` is at or before \`before\`. Pass the \`updatedAt\` of the newest notification you showed (or the time you showed the list): a notification that arrived or was bumped after that stays unread, so nothing the user has not seen is cleared. Each notification marked is recorded as a \`notification.updated\` change for the caller.

        Needs the \`write\` scope.
      security:
        - bearerAuth: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/NotificationsMarkRead"
            example:
              before: 2026-11-20T10:12:40.000Z
      responses:
        "200":
          description: How many notifications were marked read.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/NotificationsMarked"
              example:
                marked: 3
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenScope"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/notifications/preferences:
    get:
      operationId: getNotificationPreferences
      tags:
        - Notifications
      summary: Get notification preferences
      description: |-
        For each reason, whether the caller gets an in-app notification (\`inApp\`) and, if it stays unread, an email (\`email\`). Everything is on until changed.

        Needs the \`read\` scope.
      security:
        - bearerAuth: []
      responses:
        "200":
          description: The caller's preferences.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/NotificationPreferences"
              example:
                assigned:
                  inApp: true
                  email: true
                mentioned:
                  inApp: true
                  email: true
                commented:
                  inApp: true
                  email: false
                invited:
                  inApp: true
                  email: true
        "401":
          $ref: "#/components/responses/Unauthorized"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    patch:
      operationId: updateNotificationPreferences
      tags:
        - Notifications
      summary: Change notification preferences
      description: |-
        Changes the channels named in the body and leaves the rest as they are. With \`inApp\` off for a reason, no notification is made for it at all (none in the list, none on the event stream, and so no email either); with \`email\` off, notifications still appear in the app but are never emailed. The change applies to events from now on, and to emails not sent yet.

        Needs the \`write\` scope.
      security:
        - bearerAuth: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/NotificationPreferencesUpdate"
            example:
              commented:
                email: false
      responses:
        "200":
          description: The caller's preferences after the change.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/NotificationPreferences"
              example:
                assigned:
                  inApp: true
                  email: true
                mentioned:
                  inApp: true
                  email: true
                commented:
                  inApp: true
                  email: false
                invited:
                  inApp: true
                  email: true
        "400":
          $ref: "#/components/responses/BadRequestBody"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/ForbiddenScope"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "431":
          $ref: "#/components/responses/RequestHeaderFieldsTooLarge"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/attachments:
    post:
      operationId: createAttachment
      tags:
        - Attachments
      summary: Upload a file
      description: |-
        Stores a file in the project, optionally attached to a task, note or comment of it. The body is
        streamed to storage, never held whole in memory, in either form:

        - \`multipart/form-data\` with one part named \`file\` (its \`filename\` is the file name) and, as further
          fields, \`taskId\`, \`noteId\` or \`commentId\` and \`sha256\`;
        - any other media type: the raw bytes of the file, with \`filename\` (and the other fields) as query
          parameters. The \`Content-Type\` sent is kept as \`claimedContentType\`.

        The stored \`contentType\` is read from the bytes (magic numbers), never taken from the client. A file
        over the size limit (\`ATTACHMENT_MAX_BYTES\`) or over what is left of the project's quota is cut off
        at the limit while it streams (413) and nothing is kept. With \`sha256\`, a file whose bytes hash
        differently is refused (400 \`checksum_mismatch\`); the hash is always returned. For large files and
        flaky networks use the resumable (tus) upload instead.

        Needs the \`owner\` or \`editor\` role. Callers who are not members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: filename
          in: query
          required: false
          description: "Raw uploads: the file's name (required there), e.g. \`report.pdf\`. At most 255 characters, no path separators or control characters."
          schema:
            type: string
            minLength: 1
            maxLength: 1000
            pattern: ^[^\\u0000-\\u001F\\u007F]*$
        - name: taskId
          in: query
          required: false
          description: "Raw uploads: attach the file to this task of the project."
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^tsk_[0-9A-Z]{26}$
        - name: noteId
          in: query
          required: false
          description: "Raw uploads: attach the file to this note of the project."
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^not_[0-9A-Z]{26}$
        - name: commentId
          in: query
          required: false
          description: "Raw uploads: attach the file to this comment on a task of the project."
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^cmt_[0-9A-Z]{26}$
        - name: sha256
          in: query
          required: false
          description: "Raw uploads: the hex SHA-256 the bytes must have, e.g. \`9f86d0…0a08\`."
          schema:
            type: string
            minLength: 64
            maxLength: 64
            pattern: ^[0-9a-fA-F]{64}$
      requestBody:
        description: "The file, as a form or raw. Marked optional only because its two forms are validated apart; a request without a file is refused (415 without \`Content-Type\`, 400 \`missing_file\` or \`empty_file\`)."
        required: false
        content:
          multipart/form-data:
            schema:
              $ref: "#/components/schemas/AttachmentUpload"
            encoding:
              file:
                contentType: "*/*"
          "*/*":
            schema:
              type: string
              format: binary
              maxLength: 5368709120
              description: The raw bytes of the file.
      responses:
        "201":
          description: Stored. \`Location\` is the attachment's URL and \`ETag\` its version.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Location:
              $ref: "#/components/headers/Location"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Attachment"
              example:
                id: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                noteId: null
                commentId: null
                filename: screenshot 2026-11-20.png
                contentType: image/png
                claimedContentType: image/png
                size: 48213
                sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                thumbnails: true
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
        "400":
          description: "The upload is not acceptable: \`validation_failed\` (a parameter or field), \`invalid_filename\`, \`empty_file\`, \`missing_file\` (no part named \`file\`), \`duplicate_file\` (two file parts), \`duplicate_field\`, \`unexpected_file\` (a file part with another name), \`malformed_multipart\`, \`checksum_mismatch\` (the bytes do not hash to \`sha256\`), \`invalid_target\` (more than one of \`taskId\`, \`noteId\`, \`commentId\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          [
                            validation_failed,
                            invalid_filename,
                            empty_file,
                            missing_file,
                            duplicate_file,
                            duplicate_field,
                            unexpected_file,
                            malformed_multipart,
                            checksum_mismatch,
                            invalid_target,
                          ]
              example:
                type: https://tasklane.dev/problems/checksum_mismatch
                title: Bad request
                status: 400
                detail: "The file does not have the SHA-256 sent."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments
                code: checksum_mismatch
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: "No such project, task, note or comment in it, or one the caller may not see (\`not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [not_found]
              example:
                type: https://tasklane.dev/problems/not_found
                title: Not found
                status: 404
                detail: "No task with this id in the project."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments
                code: not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "408":
          description: "The client stopped sending the body for longer than \`UPLOAD_IDLE_TIMEOUT_MS\` (\`request_timeout\`); nothing was kept."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [request_timeout]
              example:
                type: https://tasklane.dev/problems/request_timeout
                title: Request timeout
                status: 408
                detail: "No bytes of the body arrived for 30000 ms."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments
                code: request_timeout
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          description: "The file is larger than \`ATTACHMENT_MAX_BYTES\` (\`file_too_large\`) or than what is left of the project's storage quota (\`quota_exceeded\`). Refused while streaming, at the limit; nothing was kept."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [file_too_large, quota_exceeded]
              example:
                type: https://tasklane.dev/problems/quota_exceeded
                title: Content too large
                status: 413
                detail: "The project has 1200 bytes of its storage quota left; the file is larger."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments
                code: quota_exceeded
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "415":
          description: "The bytes are of a type the server does not accept (\`file_type_not_allowed\`, per \`ATTACHMENT_TYPES_ALLOW\` and \`ATTACHMENT_TYPES_DENY\`), or the body has no \`Content-Type\` (\`unsupported_media_type\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [file_type_not_allowed, unsupported_media_type]
              example:
                type: https://tasklane.dev/problems/file_type_not_allowed
                title: Unsupported media type
                status: 415
                detail: "Files of type application/x-msdownload are not accepted here."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments
                code: file_type_not_allowed
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          description: "The database or the file store does not answer now (\`service_unavailable\`, \`storage_unavailable\`); nothing was kept. Retry after \`Retry-After\` seconds."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [service_unavailable, storage_unavailable]
              example:
                type: https://tasklane.dev/problems/storage_unavailable
                title: Service unavailable
                status: 503
                detail: "The file store did not answer."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments
                code: storage_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "507":
          description: "The server's disk is full (\`insufficient_storage\`); nothing was kept."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [insufficient_storage]
              example:
                type: https://tasklane.dev/problems/insufficient_storage
                title: Insufficient storage
                status: 507
                detail: "The file store has no room left."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments
                code: insufficient_storage
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    get:
      operationId: listAttachments
      tags:
        - Attachments
      summary: List attachments
      description: |-
        The project's files, oldest first; with \`taskId\`, \`noteId\` or \`commentId\`, only those attached to it.

        Needs any role. Callers who are not members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: taskId
          in: query
          required: false
          description: "Only files attached to this task."
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^tsk_[0-9A-Z]{26}$
        - name: noteId
          in: query
          required: false
          description: "Only files attached to this note."
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^not_[0-9A-Z]{26}$
        - name: commentId
          in: query
          required: false
          description: "Only files attached to this comment."
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^cmt_[0-9A-Z]{26}$
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Cursor"
      responses:
        "200":
          description: A page of attachments.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Link:
              $ref: "#/components/headers/Link"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/AttachmentList"
              example:
                data:
                  - id: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    noteId: null
                    commentId: null
                    filename: screenshot 2026-11-20.png
                    contentType: image/png
                    claimedContentType: image/png
                    size: 48213
                    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                    thumbnails: true
                    createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                    createdAt: 2026-11-20T09:30:00.000Z
                    updatedAt: 2026-11-20T09:30:00.000Z
                    version: 1
                nextCursor: null
        "400":
          $ref: "#/components/responses/BadRequestList"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/attachments/{attachmentId}:
    get:
      operationId: getAttachment
      tags:
        - Attachments
      summary: Get an attachment
      description: |-
        One file's metadata; \`downloadAttachment\` serves its bytes.

        Needs any role. Callers who are not members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: attachmentId
          in: path
          required: true
          description: The id of the attachment.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^att_[0-9A-Z]{26}$
          example: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfNoneMatch"
      responses:
        "200":
          description: The attachment, with its version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Attachment"
              example:
                id: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                noteId: null
                commentId: null
                filename: screenshot 2026-11-20.png
                contentType: image/png
                claimedContentType: image/png
                size: 48213
                sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                thumbnails: true
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
        "304":
          description: "\`If-None-Match\` named the current version: the copy the client has is up to date."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    patch:
      operationId: updateAttachment
      tags:
        - Attachments
      summary: Rename or attach a file
      description: |-
        Renames the file, or attaches it to a task, note or comment of its project (or to none of them,
        with \`null\`). At most one of \`taskId\`, \`noteId\` and \`commentId\` may be set at a time.

        Needs the \`owner\` role, or the \`editor\` role for a file the caller uploaded. Callers who are not
        members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: attachmentId
          in: path
          required: true
          description: The id of the attachment.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^att_[0-9A-Z]{26}$
          example: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/AttachmentUpdate"
            example:
              noteId: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "200":
          description: The attachment as changed, with its new version in \`ETag\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Attachment"
              example:
                id: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                noteId: null
                commentId: null
                filename: screenshot 2026-11-20.png
                contentType: image/png
                claimedContentType: image/png
                size: 48213
                sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                thumbnails: true
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
        "400":
          description: "The body is not acceptable: \`validation_failed\`, \`malformed_json\`, \`json_too_deep\`, \`invalid_filename\`, or \`invalid_target\` (more than one of \`taskId\`, \`noteId\`, \`commentId\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [validation_failed, malformed_json, json_too_deep, invalid_filename, invalid_target]
              example:
                type: https://tasklane.dev/problems/invalid_target
                title: Bad request
                status: 400
                detail: "Attach the file to one of a task, a note or a comment."
                instance: /v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: invalid_target
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: "No such attachment, or no such task, note or comment in its project, or one the caller may not see (\`not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [not_found]
              example:
                type: https://tasklane.dev/problems/not_found
                title: Not found
                status: 404
                detail: "No attachment with this id."
                instance: /v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
    delete:
      operationId: deleteAttachment
      tags:
        - Attachments
      summary: Delete an attachment
      description: |-
        Deletes the file and its thumbnails. Its bytes are removed once the deletion has committed (or, if
        that fails, by the orphan sweep); the project's storage usage drops at once.

        Needs the \`owner\` role, or the \`editor\` role for a file the caller uploaded. Callers who are not
        members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: attachmentId
          in: path
          required: true
          description: The id of the attachment.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^att_[0-9A-Z]{26}$
          example: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfMatch"
      responses:
        "204":
          description: Deleted.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "412":
          $ref: "#/components/responses/PreconditionFailed"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/attachments/{attachmentId}/content:
    get:
      operationId: downloadAttachment
      tags:
        - Attachments
      summary: Download a file
      description: |-
        The file's bytes, streamed. Supports \`Range\` (one range; 206, or 416 past the end), \`If-Range\`,
        \`If-None-Match\` (304) and \`HEAD\`. The \`ETag\` is the SHA-256 of the bytes.

        Needs any role in the project. Callers who are not members get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: attachmentId
          in: path
          required: true
          description: The id of the attachment.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^att_[0-9A-Z]{26}$
          example: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - $ref: "#/components/parameters/IfNoneMatch"
        - name: Range
          in: header
          required: false
          description: "One byte range, e.g. \`bytes=0-1023\`, \`bytes=1024-\` or \`bytes=-512\` (the last 512 bytes): answered 206 with that part. A range that starts past the end is 416; a header that does not parse, another unit or several ranges are ignored and the whole file is served (200)."
          schema:
            type: string
            maxLength: 200
            pattern: ^[\\x20-\\x7E]*$
        - name: If-Range
          in: header
          required: false
          description: "Serve \`Range\` only if the file still has this \`ETag\`; otherwise the whole file (200)."
          schema:
            type: string
            maxLength: 200
            pattern: ^[\\x20-\\x7E]*$
      responses:
        "200":
          description: The whole file, with the type read from its bytes. Served \`inline\` only for PNG, JPEG, GIF, WebP and AVIF images, as an attachment otherwise; always with \`nosniff\` and a sandboxing CSP, so an HTML or SVG file cannot run script.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Content-Disposition:
              $ref: "#/components/headers/Content-Disposition"
            X-Content-Type-Options:
              $ref: "#/components/headers/X-Content-Type-Options"
            Content-Security-Policy:
              $ref: "#/components/headers/Content-Security-Policy"
            ETag:
              $ref: "#/components/headers/Content-ETag"
            Accept-Ranges:
              $ref: "#/components/headers/Accept-Ranges"
            Content-Length:
              $ref: "#/components/headers/Content-Length"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            "*/*":
              schema:
                type: string
                format: binary
                maxLength: 5368709120
                description: The bytes of the file.
        "206":
          description: The byte range asked for in \`Range\`; \`Content-Range\` says which.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Content-Disposition:
              $ref: "#/components/headers/Content-Disposition"
            X-Content-Type-Options:
              $ref: "#/components/headers/X-Content-Type-Options"
            Content-Security-Policy:
              $ref: "#/components/headers/Content-Security-Policy"
            ETag:
              $ref: "#/components/headers/Content-ETag"
            Accept-Ranges:
              $ref: "#/components/headers/Accept-Ranges"
            Content-Length:
              $ref: "#/components/headers/Content-Length"
            Content-Range:
              $ref: "#/components/headers/Content-Range"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            "*/*":
              schema:
                type: string
                format: binary
                maxLength: 5368709120
                description: The bytes of the range.
        "304":
          description: "\`If-None-Match\` named the file's \`ETag\`: the copy the client has is current."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/Content-ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          description: "No such attachment, or one the caller may not see (\`not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [not_found]
              example:
                type: https://tasklane.dev/problems/not_found
                title: Not found
                status: 404
                detail: "No attachment with this id."
                instance: /v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content
                code: not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "416":
          description: "\`Range\` starts past the end of the file (\`code\` \`range_not_satisfiable\`); \`Content-Range: bytes */<size>\` gives the size."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Content-Range:
              $ref: "#/components/headers/Content-Range"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [range_not_satisfiable]
              example:
                type: https://tasklane.dev/problems/range_not_satisfiable
                title: Range not satisfiable
                status: 416
                detail: The file has 48213 bytes; the range asked for starts past its end.
                instance: /v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content
                code: range_not_satisfiable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          description: "The database or the file store does not answer now (\`service_unavailable\`, \`storage_unavailable\`); retry after \`Retry-After\` seconds."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [service_unavailable, storage_unavailable]
              example:
                type: https://tasklane.dev/problems/storage_unavailable
                title: Service unavailable
                status: 503
                detail: "The file store did not answer."
                instance: /v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content
                code: storage_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
  /v1/attachments/{attachmentId}/thumbnails/{size}:
    get:
      operationId: getAttachmentThumbnail
      tags:
        - Attachments
      summary: Get a thumbnail
      description: |-
        A WebP preview of an image attachment (PNG, JPEG, GIF, WebP, AVIF, TIFF), its longest side at most
        \`size\` pixels (64, 256 or 1024; smaller images are not enlarged). Made on first request and kept,
        so later requests are served from storage. An image that is malformed or too large to decode (a
        decompression bomb) answers 422.

        Needs any role. Callers who are not members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: attachmentId
          in: path
          required: true
          description: The id of the attachment.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^att_[0-9A-Z]{26}$
          example: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: size
          in: path
          required: true
          description: The longest side of the thumbnail, in pixels.
          schema:
            type: string
            enum: ["64", "256", "1024"]
          example: "256"
        - $ref: "#/components/parameters/IfNoneMatch"
      responses:
        "200":
          description: The thumbnail, served inline with \`nosniff\` and a sandboxing CSP.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Content-Disposition:
              $ref: "#/components/headers/Content-Disposition"
            X-Content-Type-Options:
              $ref: "#/components/headers/X-Content-Type-Options"
            Content-Security-Policy:
              $ref: "#/components/headers/Content-Security-Policy"
            ETag:
              $ref: "#/components/headers/Content-ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            image/webp:
              schema:
                type: string
                format: binary
                maxLength: 10485760
                description: A WebP image.
        "304":
          description: "\`If-None-Match\` named the thumbnail's \`ETag\`: the copy the client has is current."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/Content-ETag"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "422":
          description: "No thumbnail can be made of this file: it is not an image type thumbnails are made of (\`not_an_image\`), or the image is malformed or too large to decode (\`thumbnail_unavailable\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [not_an_image, thumbnail_unavailable]
              example:
                type: https://tasklane.dev/problems/thumbnail_unavailable
                title: Unprocessable content
                status: 422
                detail: "No thumbnail can be made of this file: the image is malformed or too large to decode."
                instance: /v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/thumbnails/256
                code: thumbnail_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          description: "The database or the file store does not answer now (\`service_unavailable\`, \`storage_unavailable\`); retry after \`Retry-After\` seconds."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [service_unavailable, storage_unavailable]
              example:
                type: https://tasklane.dev/problems/storage_unavailable
                title: Service unavailable
                status: 503
                detail: "The file store did not answer."
                instance: /v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/thumbnails/256
                code: storage_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
  /v1/attachments/{attachmentId}/link:
    get:
      operationId: createAttachmentLink
      tags:
        - Attachments
      summary: Get a signed download link
      description: |-
        A short-lived URL (\`ATTACHMENT_LINK_TTL_S\`, 5 minutes by default) that serves the file, or one of
        its thumbnails with \`thumbnail\`, without an \`Authorization\` header: for \`<img src>\` and download
        links. The link is signed (HMAC-SHA256 with a key derived from the server's secret) and names the
        caller: it stops working when it expires and as soon as the caller may no longer read the file.

        Needs any role. Callers who are not members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: attachmentId
          in: path
          required: true
          description: The id of the attachment.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^att_[0-9A-Z]{26}$
          example: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: thumbnail
          in: query
          required: false
          description: "A link to the thumbnail of this size instead of the file, e.g. \`256\`."
          schema:
            type: string
            enum: ["64", "256", "1024"]
      responses:
        "200":
          description: The link and when it expires.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/AttachmentLink"
              example:
                url: /v1/files/YXR0XzAxSkQ4WDNaN1EyVzZWNVQ0UjNQMU4wTTlLLnVzcl8wMUpEOFgzWjdRMlc2VjVUNFIzUDFOME05Sy5vcmlnaW5hbC4xNzk1NjAwMDAw.pH1wJ3rN0Qz8b1m2X4c5v6B7n8M9a0s1D2f3G4h5J6k
                expiresAt: 2026-11-20T09:35:00.000Z
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/files/{link}:
    get:
      operationId: downloadSignedFile
      tags:
        - Attachments
      summary: Download through a signed link
      description: |-
        A file (or one of its thumbnails) through a link made by \`createAttachmentLink\`: no \`Authorization\`
        header, so it works as an \`<img src>\` or a download link. The link is refused (404) once it has expired, and
        as soon as the user it was made for may no longer read the file (removed from the project, file deleted).

        Supports \`Range\`, \`If-Range\`, \`If-None-Match\` and \`HEAD\` like \`downloadAttachment\`.
      security:
        - {}
      parameters:
        - name: link
          in: path
          required: true
          description: The signed token of the link, as \`createAttachmentLink\` made it.
          schema:
            type: string
            minLength: 1
            maxLength: 500
            pattern: ^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$
          example: YXR0XzAxSkQ4WDNaN1EyVzZWNVQ0UjNQMU4wTTlLLnVzcl8wMUpEOFgzWjdRMlc2VjVUNFIzUDFOME05Sy5vcmlnaW5hbC4xNzk1NjAwMDAw.pH1wJ3rN0Qz8b1m2X4c5v6B7n8M9a0s1D2f3G4h5J6k
        - $ref: "#/components/parameters/IfNoneMatch"
        - name: Range
          in: header
          required: false
          description: "One byte range, e.g. \`bytes=0-1023\`, \`bytes=1024-\` or \`bytes=-512\` (the last 512 bytes): answered 206 with that part. A range that starts past the end is 416; a header that does not parse, another unit or several ranges are ignored and the whole file is served (200)."
          schema:
            type: string
            maxLength: 200
            pattern: ^[\\x20-\\x7E]*$
        - name: If-Range
          in: header
          required: false
          description: "Serve \`Range\` only if the file still has this \`ETag\`; otherwise the whole file (200)."
          schema:
            type: string
            maxLength: 200
            pattern: ^[\\x20-\\x7E]*$
      responses:
        "200":
          description: The whole file, with the type read from its bytes. Served \`inline\` only for PNG, JPEG, GIF, WebP and AVIF images, as an attachment otherwise; always with \`nosniff\` and a sandboxing CSP, so an HTML or SVG file cannot run script.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Content-Disposition:
              $ref: "#/components/headers/Content-Disposition"
            X-Content-Type-Options:
              $ref: "#/components/headers/X-Content-Type-Options"
            Content-Security-Policy:
              $ref: "#/components/headers/Content-Security-Policy"
            ETag:
              $ref: "#/components/headers/Content-ETag"
            Accept-Ranges:
              $ref: "#/components/headers/Accept-Ranges"
            Content-Length:
              $ref: "#/components/headers/Content-Length"
            Cache-Control:
              $ref: "#/components/headers/Cache-Control-Private"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            "*/*":
              schema:
                type: string
                format: binary
                maxLength: 5368709120
                description: The bytes of the file.
        "206":
          description: The byte range asked for in \`Range\`; \`Content-Range\` says which.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Content-Disposition:
              $ref: "#/components/headers/Content-Disposition"
            X-Content-Type-Options:
              $ref: "#/components/headers/X-Content-Type-Options"
            Content-Security-Policy:
              $ref: "#/components/headers/Content-Security-Policy"
            ETag:
              $ref: "#/components/headers/Content-ETag"
            Accept-Ranges:
              $ref: "#/components/headers/Accept-Ranges"
            Content-Length:
              $ref: "#/components/headers/Content-Length"
            Cache-Control:
              $ref: "#/components/headers/Cache-Control-Private"
            Content-Range:
              $ref: "#/components/headers/Content-Range"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            "*/*":
              schema:
                type: string
                format: binary
                maxLength: 5368709120
                description: The bytes of the range.
        "304":
          description: "\`If-None-Match\` named the file's \`ETag\`: the copy the client has is current."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            ETag:
              $ref: "#/components/headers/Content-ETag"
            Cache-Control:
              $ref: "#/components/headers/Cache-Control-Private"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
        "400":
          $ref: "#/components/responses/BadRequest"
        "404":
          description: "The link is forged, expired, or its user may no longer read the file; or the file is gone (\`not_found\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [not_found]
              example:
                type: https://tasklane.dev/problems/not_found
                title: Not found
                status: 404
                detail: "No attachment with this id."
                instance: /v1/files/YXR0.pH1w
                code: not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "416":
          description: "\`Range\` starts past the end of the file (\`code\` \`range_not_satisfiable\`); \`Content-Range: bytes */<size>\` gives the size."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Content-Range:
              $ref: "#/components/headers/Content-Range"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [range_not_satisfiable]
              example:
                type: https://tasklane.dev/problems/range_not_satisfiable
                title: Range not satisfiable
                status: 416
                detail: The file has 48213 bytes; the range asked for starts past its end.
                instance: /v1/files/YXR0.pH1w
                code: range_not_satisfiable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          description: "The database or the file store does not answer now (\`service_unavailable\`, \`storage_unavailable\`); retry after \`Retry-After\` seconds."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum: [service_unavailable, storage_unavailable]
              example:
                type: https://tasklane.dev/problems/storage_unavailable
                title: Service unavailable
                status: 503
                detail: "The file store did not answer."
                instance: /v1/files/YXR0.pH1w
                code: storage_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
  /v1/projects/{projectId}/storage:
    get:
      operationId: getProjectStorage
      tags:
        - Attachments
      summary: Get a project's storage use
      description: |-
        How many bytes and files the project's attachments take, against its quota
        (\`PROJECT_STORAGE_QUOTA_BYTES\`) and the largest file allowed (\`ATTACHMENT_MAX_BYTES\`).

        Needs any role. Callers who are not members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "200":
          description: The project's storage use.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ProjectStorage"
              example:
                usedBytes: 48213
                reservedBytes: 0
                fileCount: 1
                quotaBytes: 1073741824
                maxFileBytes: 104857600
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
  /v1/projects/{projectId}/uploads:
    post:
      operationId: createUpload
      tags:
        - Attachments
      summary: Start a resumable upload
      description: |-
        Starts a resumable upload with the [tus 1.0.0 protocol](https://tus.io/protocols/resumable-upload) (core and \`creation\`, \`termination\`, \`expiration\`), as Supabase Storage does: for large files and flaky networks. Any tus client works (the SDK's \`upload\` in \`@tasklane/sdk/uploads\` uses tus-js-client); the body of this request is empty.

        - \`Upload-Length\` (required: a deferred length is refused) is checked against \`ATTACHMENT_MAX_BYTES\` (413 \`file_too_large\`) and reserved against the project's quota at once (413 \`quota_exceeded\`), so uploads running side by side cannot together pass it; \`getProjectStorage\` shows the reservation as \`reservedBytes\` until the upload finishes or expires.
        - \`Upload-Metadata\` (tus's comma-separated \`key base64value\` pairs) carries \`filename\` (required, checked like \`createAttachment\`'s), \`filetype\` (kept as \`claimedContentType\`), one of \`taskId\`, \`noteId\`, \`commentId\`, and \`sha256\`.

        Send the bytes to \`Location\` with \`appendUploadChunk\`; after a cut connection, ask \`getUploadOffset\` where to go on. An upload not finished within \`UPLOAD_EXPIRY_S\` (\`Upload-Expires\`) is removed and its reservation released by the attachment sweep.

        Needs the \`owner\` or \`editor\` role and, for API keys, the \`write\` scope; rate-limited like every \`/v1\` operation. Callers who are not members of the project get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: Tus-Resumable
          in: header
          required: true
          description: The version of the tus protocol the client speaks; the server speaks \`1.0.0\`.
          schema:
            type: string
            enum:
              - 1.0.0
          example: 1.0.0
        - name: Upload-Length
          in: header
          required: true
          description: The size of the whole file in bytes. A length over \`ATTACHMENT_MAX_BYTES\` is 413 \`file_too_large\`, whatever its size.
          schema:
            type: string
            maxLength: 20
            pattern: ^[0-9]+$
          example: "734003200"
        - name: Upload-Metadata
          in: header
          required: false
          description: "Comma-separated \`key base64value\` pairs: \`filename\` (required), \`filetype\`, \`taskId\`, \`noteId\`, \`commentId\`, \`sha256\`."
          schema:
            type: string
            maxLength: 4000
            pattern: ^[A-Za-z0-9]+( [A-Za-z0-9+\\x2F=]*)?(,[ ]*[A-Za-z0-9]+( [A-Za-z0-9+\\x2F=]*)?)*$
          example: filename c2l0ZS1zdXJ2ZXkubXA0,filetype dmlkZW8vbXA0
      responses:
        "201":
          description: The upload exists; send its bytes to \`Location\`.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Location:
              $ref: "#/components/headers/Upload-Location"
            Upload-Expires:
              $ref: "#/components/headers/Upload-Expires"
        "400":
          description: "The request is not acceptable: \`validation_failed\` (a header), \`invalid_metadata\` (\`Upload-Metadata\` is malformed, or lacks \`filename\`), \`invalid_filename\`, \`invalid_target\` (more than one of \`taskId\`, \`noteId\`, \`commentId\`), \`length_required\` (no \`Upload-Length\`, or \`Upload-Defer-Length\`), \`empty_file\` (\`Upload-Length: 0\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - validation_failed
                          - invalid_metadata
                          - invalid_filename
                          - invalid_target
                          - length_required
                          - empty_file
              example:
                type: https://tasklane.dev/problems/invalid_metadata
                title: Bad request
                status: 400
                detail: Upload-Metadata has no filename.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads
                code: invalid_metadata
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: No such project, task, note or comment in it, or one the caller may not see (\`not_found\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - not_found
              example:
                type: https://tasklane.dev/problems/not_found
                title: Not found
                status: 404
                detail: No task with this id in the project.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads
                code: not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "412":
          description: "\`Tus-Resumable\` is missing or names a version other than \`1.0.0\` (\`tus_version_unsupported\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Tus-Version:
              $ref: "#/components/headers/Tus-Version"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - tus_version_unsupported
              example:
                type: https://tasklane.dev/problems/tus_version_unsupported
                title: Precondition failed
                status: 412
                detail: "This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads
                code: tus_version_unsupported
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          description: "\`Upload-Length\` is larger than \`ATTACHMENT_MAX_BYTES\` (\`file_too_large\`, with the limit in \`Tus-Max-Size\`, as tus answers a length over the server's maximum) or than what is left of the project's storage quota (\`quota_exceeded\`); nothing is kept."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Tus-Max-Size:
              $ref: "#/components/headers/Tus-Max-Size"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - file_too_large
                          - quota_exceeded
              example:
                type: https://tasklane.dev/problems/quota_exceeded
                title: Content too large
                status: 413
                detail: The project has 1200 bytes of its storage quota left; the file is larger.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads
                code: quota_exceeded
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          description: The database or the file store does not answer now (\`service_unavailable\`, \`storage_unavailable\`); retry after \`Retry-After\` seconds. The bytes received so far are kept.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - service_unavailable
                          - storage_unavailable
              example:
                type: https://tasklane.dev/problems/storage_unavailable
                title: Service unavailable
                status: 503
                detail: The file store did not answer.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads
                code: storage_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "507":
          description: The server's disk is full (\`insufficient_storage\`); no upload was created and nothing is held against the quota.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - insufficient_storage
              example:
                type: https://tasklane.dev/problems/insufficient_storage
                title: Insufficient storage
                status: 507
                detail: The file store has no room left.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads
                code: insufficient_storage
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
  /v1/projects/{projectId}/uploads/{uploadId}:
    head:
      operationId: getUploadOffset
      tags:
        - Attachments
      summary: Ask where a resumable upload stands
      description: |-
        How many bytes of the upload the server has (\`Upload-Offset\`): after a cut connection, resume with \`appendUploadChunk\` from there. No body.

        Only the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404. Needs, for API keys, the \`write\` scope, as the rest of the upload does.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: uploadId
          in: path
          required: true
          description: The id of the upload, the last segment of the \`Location\` that \`createUpload\` answered.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^upl_[0-9A-Z]{26}$
          example: upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: Tus-Resumable
          in: header
          required: true
          description: The version of the tus protocol the client speaks; the server speaks \`1.0.0\`.
          schema:
            type: string
            enum:
              - 1.0.0
          example: 1.0.0
      responses:
        "200":
          description: Where the upload stands.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Upload-Offset:
              $ref: "#/components/headers/Upload-Offset"
            Upload-Length:
              $ref: "#/components/headers/Upload-Length"
            Upload-Metadata:
              $ref: "#/components/headers/Upload-Metadata"
            Cache-Control:
              $ref: "#/components/headers/Cache-Control"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: No such project or upload, one the caller may not see, or an upload that is finished, cancelled or swept (\`not_found\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - not_found
              example:
                type: https://tasklane.dev/problems/not_found
                title: Not found
                status: 404
                detail: No upload with this id.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "410":
          description: The upload expired (\`UPLOAD_EXPIRY_S\` after it was created) before it finished; its bytes are removed. Start a new one (\`upload_expired\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - upload_expired
              example:
                type: https://tasklane.dev/problems/upload_expired
                title: Gone
                status: 410
                detail: The upload expired before it finished.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: upload_expired
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "412":
          description: "\`Tus-Resumable\` is missing or names a version other than \`1.0.0\` (\`tus_version_unsupported\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Tus-Version:
              $ref: "#/components/headers/Tus-Version"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - tus_version_unsupported
              example:
                type: https://tasklane.dev/problems/tus_version_unsupported
                title: Precondition failed
                status: 412
                detail: "This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: tus_version_unsupported
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "423":
          description: Another request for this upload held it for the whole wait (\`UPLOAD_LOCK_TIMEOUT_MS\`), as the request that completes an upload holds it while it makes the attachment (\`upload_locked\`); nothing was changed. Ask again after \`Retry-After\` seconds; tus clients retry a 423.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - upload_locked
              example:
                type: https://tasklane.dev/problems/upload_locked
                title: Locked
                status: 423
                detail: Another request for this upload holds it; try again shortly.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: upload_locked
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          description: The database or the file store does not answer now (\`service_unavailable\`, \`storage_unavailable\`); retry after \`Retry-After\` seconds. The bytes received so far are kept.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - service_unavailable
                          - storage_unavailable
              example:
                type: https://tasklane.dev/problems/storage_unavailable
                title: Service unavailable
                status: 503
                detail: The file store did not answer.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: storage_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    patch:
      operationId: appendUploadChunk
      tags:
        - Attachments
      summary: Send bytes of a resumable upload
      description: |-
        Appends the body to the upload at \`Upload-Offset\`, which must be the number of bytes the server has (else 409 \`offset_mismatch\`: ask \`getUploadOffset\`). Bytes that arrive before a connection is cut are kept, so a client resumes from the last byte that arrived. Answers 204 with the new \`Upload-Offset\` while bytes are missing.

        The request that completes the upload makes the attachment exactly as \`createAttachment\` does (type read from the bytes and checked against \`ATTACHMENT_TYPES_ALLOW\` / \`ATTACHMENT_TYPES_DENY\`, SHA-256 computed and checked against the \`sha256\` metadata, attached to the task, note or comment named in the metadata, recorded in the change log) and answers 200 with it; the upload is gone afterwards. If that fails, the answer says why and the upload is removed with its reservation.

        Only the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: uploadId
          in: path
          required: true
          description: The id of the upload, the last segment of the \`Location\` that \`createUpload\` answered.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^upl_[0-9A-Z]{26}$
          example: upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: Tus-Resumable
          in: header
          required: true
          description: The version of the tus protocol the client speaks; the server speaks \`1.0.0\`.
          schema:
            type: string
            enum:
              - 1.0.0
          example: 1.0.0
        - name: Upload-Offset
          in: header
          required: true
          description: "Where these bytes go: the offset the server has."
          schema:
            type: string
            maxLength: 16
            pattern: ^[0-9]+$
          example: "5242880"
      requestBody:
        required: true
        description: The next bytes of the file.
        content:
          application/offset+octet-stream:
            schema:
              type: string
              format: binary
              maxLength: 5368709120
      responses:
        "200":
          description: "The last bytes arrived: the attachment, as \`createAttachment\` answers it. \`Location\` is its URL."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Upload-Offset:
              $ref: "#/components/headers/Upload-Offset"
            Location:
              $ref: "#/components/headers/Location"
            ETag:
              $ref: "#/components/headers/ETag"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Attachment"
              example:
                id: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                taskId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                noteId: null
                commentId: null
                filename: site-survey.mp4
                contentType: video/mp4
                claimedContentType: video/mp4
                size: 734003200
                sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                thumbnails: false
                createdBy: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                createdAt: 2026-11-20T09:30:00.000Z
                updatedAt: 2026-11-20T09:30:00.000Z
                version: 1
        "204":
          description: The bytes are stored; more are expected from \`Upload-Offset\` on.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Upload-Offset:
              $ref: "#/components/headers/Upload-Offset"
            Upload-Expires:
              $ref: "#/components/headers/Upload-Expires"
        "400":
          description: "A header fails validation (\`validation_failed\`), the body ended before it was whole, as when the connection is cut (\`incomplete_body\`: the bytes that arrived are kept, resume from \`getUploadOffset\`), or the completed file does not hash to its \`sha256\` metadata (\`checksum_mismatch\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - validation_failed
                          - empty_file
                          - checksum_mismatch
                          - incomplete_body
              example:
                type: https://tasklane.dev/problems/checksum_mismatch
                title: Bad request
                status: 400
                detail: The file's SHA-256 is 2c26b4…, not the one sent.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: checksum_mismatch
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: No such project or upload, one the caller may not see, or one that is finished or cancelled (\`not_found\`); or, as the upload completes, the task, note or comment it names is gone.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - not_found
              example:
                type: https://tasklane.dev/problems/not_found
                title: Not found
                status: 404
                detail: No upload with this id.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "409":
          description: "\`Upload-Offset\` is not where the upload stands (\`offset_mismatch\`); ask \`getUploadOffset\` and resume from there."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - offset_mismatch
              example:
                type: https://tasklane.dev/problems/offset_mismatch
                title: Conflict
                status: 409
                detail: The upload has 5242880 bytes; send from there.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: offset_mismatch
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "410":
          description: The upload expired (\`UPLOAD_EXPIRY_S\` after it was created) before it finished; its bytes are removed. Start a new one (\`upload_expired\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - upload_expired
              example:
                type: https://tasklane.dev/problems/upload_expired
                title: Gone
                status: 410
                detail: The upload expired before it finished.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: upload_expired
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "412":
          description: "\`Tus-Resumable\` is missing or names a version other than \`1.0.0\` (\`tus_version_unsupported\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Tus-Version:
              $ref: "#/components/headers/Tus-Version"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - tus_version_unsupported
              example:
                type: https://tasklane.dev/problems/tus_version_unsupported
                title: Precondition failed
                status: 412
                detail: "This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: tus_version_unsupported
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "413":
          description: The body runs past \`Upload-Length\` (\`file_too_large\`), or, as the upload completes, the quota no longer has room (\`quota_exceeded\`); the bytes past the length are not kept.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - file_too_large
                          - quota_exceeded
              example:
                type: https://tasklane.dev/problems/file_too_large
                title: Content too large
                status: 413
                detail: The body runs past Upload-Length.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: file_too_large
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "415":
          description: The body is not \`application/offset+octet-stream\` (\`unsupported_media_type\`), or the file is of a type the server does not accept (\`file_type_not_allowed\`), read from its first 4100 bytes as soon as they are in (or from the whole of a shorter file); the rest of the body is not taken, and the upload ends with its bytes and its hold on the quota.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - unsupported_media_type
                          - file_type_not_allowed
              example:
                type: https://tasklane.dev/problems/file_type_not_allowed
                title: Unsupported media type
                status: 415
                detail: Files of type application/x-msdownload are not accepted here.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: file_type_not_allowed
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "423":
          description: Another request for this upload held it for the whole wait (\`UPLOAD_LOCK_TIMEOUT_MS\`), as the request that completes an upload holds it while it makes the attachment (\`upload_locked\`); nothing was changed. Ask again after \`Retry-After\` seconds; tus clients retry a 423.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - upload_locked
              example:
                type: https://tasklane.dev/problems/upload_locked
                title: Locked
                status: 423
                detail: Another request for this upload holds it; try again shortly.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: upload_locked
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          description: The database or the file store does not answer now (\`service_unavailable\`, \`storage_unavailable\`); retry after \`Retry-After\` seconds. The bytes received so far are kept.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - service_unavailable
                          - storage_unavailable
              example:
                type: https://tasklane.dev/problems/storage_unavailable
                title: Service unavailable
                status: 503
                detail: The file store did not answer.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: storage_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "507":
          description: The server's disk is full (\`insufficient_storage\`). The bytes that fit are kept; ask where the upload stands (\`getUploadOffset\`) and send the rest once there is room.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - insufficient_storage
              example:
                type: https://tasklane.dev/problems/insufficient_storage
                title: Insufficient storage
                status: 507
                detail: The file store has no room left.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: insufficient_storage
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    delete:
      operationId: deleteUpload
      tags:
        - Attachments
      summary: Cancel a resumable upload
      description: |-
        Stops an unfinished upload (tus \`termination\`): its bytes are removed and its reservation against the quota released.

        Only the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404.
      security:
        - bearerAuth: []
      parameters:
        - name: projectId
          in: path
          required: true
          description: The id of the project.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^prj_[0-9A-Z]{26}$
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: uploadId
          in: path
          required: true
          description: The id of the upload, the last segment of the \`Location\` that \`createUpload\` answered.
          schema:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^upl_[0-9A-Z]{26}$
          example: upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: Tus-Resumable
          in: header
          required: true
          description: The version of the tus protocol the client speaks; the server speaks \`1.0.0\`.
          schema:
            type: string
            enum:
              - 1.0.0
          example: 1.0.0
      responses:
        "204":
          description: Cancelled.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: No such project or upload, one the caller may not see, or an upload that is finished, cancelled or swept (\`not_found\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - not_found
              example:
                type: https://tasklane.dev/problems/not_found
                title: Not found
                status: 404
                detail: No upload with this id.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: not_found
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "410":
          description: The upload expired (\`UPLOAD_EXPIRY_S\` after it was created) before it finished; its bytes are removed. Start a new one (\`upload_expired\`).
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - upload_expired
              example:
                type: https://tasklane.dev/problems/upload_expired
                title: Gone
                status: 410
                detail: The upload expired before it finished.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: upload_expired
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "412":
          description: "\`Tus-Resumable\` is missing or names a version other than \`1.0.0\` (\`tus_version_unsupported\`)."
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Tus-Version:
              $ref: "#/components/headers/Tus-Version"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - tus_version_unsupported
              example:
                type: https://tasklane.dev/problems/tus_version_unsupported
                title: Precondition failed
                status: 412
                detail: "This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0."
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: tus_version_unsupported
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        "429":
          $ref: "#/components/responses/TooManyRequests"
        "500":
          $ref: "#/components/responses/InternalError"
        "503":
          description: The database or the file store does not answer now (\`service_unavailable\`, \`storage_unavailable\`); retry after \`Retry-After\` seconds. The bytes received so far are kept.
          headers:
            X-Request-Id:
              $ref: "#/components/headers/X-Request-Id"
            RateLimit:
              $ref: "#/components/headers/RateLimit"
            RateLimit-Policy:
              $ref: "#/components/headers/RateLimit-Policy"
            Access-Control-Allow-Origin:
              $ref: "#/components/headers/Access-Control-Allow-Origin"
            Tus-Resumable:
              $ref: "#/components/headers/Tus-Resumable"
            Retry-After:
              $ref: "#/components/headers/Retry-After"
          content:
            application/problem+json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Problem"
                  - type: object
                    properties:
                      code:
                        type: string
                        enum:
                          - service_unavailable
                          - storage_unavailable
              example:
                type: https://tasklane.dev/problems/storage_unavailable
                title: Service unavailable
                status: 503
                detail: The file store did not answer.
                instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                code: storage_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
webhooks:
  changeEvent:
    post:
      operationId: changeEvent
      tags:
        - Webhooks
      summary: A change in the project
      description: "Sent to an endpoint for each change it subscribes to: the change as \`listChanges\` answers it, signed per Standard Webhooks (\`verifyWebhook\` in \`@tasklane/sdk\` checks it)."
      security: [{}]
      parameters:
        - name: webhook-id
          in: header
          required: true
          description: The delivery's id, the same on every retry; deduplicate by it.
          schema:
            type: string
            maxLength: 64
            pattern: ^msg_[0-9A-Z]{26}$
          example: msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: webhook-timestamp
          in: header
          required: true
          description: Unix seconds when this attempt was signed; refuse ones far from your clock.
          schema:
            type: string
            maxLength: 20
            pattern: ^[0-9]+$
          example: "1763631000"
        - name: webhook-signature
          in: header
          required: true
          description: Space-separated \`v1,<base64 HMAC-SHA256>\` signatures of \`<webhook-id>.<webhook-timestamp>.<body>\`, one per current secret.
          schema:
            type: string
            maxLength: 1000
            pattern: ^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$
          example: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/WebhookChangeEvent"
            example:
              type: task.updated
              timestamp: 2026-11-20T09:30:00.000Z
              data:
                seq: "42"
                type: task.updated
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                resourceType: task
                resourceId: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                version: 3
                actorId: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                occurredAt: 2026-11-20T09:30:00.000Z
                data:
                  id: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                  title: Ship the launch post
      responses:
        "200":
          description: Any 2xx answer counts as delivered. 408, 409, 425, 429 (with \`Retry-After\`), 5xx, time-outs (10 s) and network errors are retried for up to 3 days with exponential backoff; other answers end the delivery as failed.
  pingEvent:
    post:
      operationId: pingEvent
      tags:
        - Webhooks
      summary: A test event
      description: Sent by \`pingWebhookEndpoint\`.
      security: [{}]
      parameters:
        - name: webhook-id
          in: header
          required: true
          description: The delivery's id, the same on every retry; deduplicate by it.
          schema:
            type: string
            maxLength: 64
            pattern: ^msg_[0-9A-Z]{26}$
          example: msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        - name: webhook-timestamp
          in: header
          required: true
          description: Unix seconds when this attempt was signed; refuse ones far from your clock.
          schema:
            type: string
            maxLength: 20
            pattern: ^[0-9]+$
          example: "1763631000"
        - name: webhook-signature
          in: header
          required: true
          description: Space-separated \`v1,<base64 HMAC-SHA256>\` signatures of \`<webhook-id>.<webhook-timestamp>.<body>\`, one per current secret.
          schema:
            type: string
            maxLength: 1000
            pattern: ^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$
          example: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/WebhookPingEvent"
            example:
              type: webhook.ping
              timestamp: 2026-11-20T09:30:00.000Z
              data:
                endpointId: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
                projectId: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
      responses:
        "200":
          description: Any 2xx answer counts as delivered. 408, 409, 425, 429 (with \`Retry-After\`), 5xx, time-outs (10 s) and network errors are retried for up to 3 days with exponential backoff; other answers end the delivery as failed.
components:
  securitySchemes:
    metricsToken:
      type: http
      scheme: bearer
      description: "\`Authorization: Bearer <METRICS_TOKEN>\`, the operator's setting; only for \`/metrics\`, and only when it is set."
    bearerAuth:
      type: http
      scheme: bearer
      description: |
        \`Authorization: Bearer <token>\` where the token is a short-lived access token (a JWT from \`logIn\`,
        \`signUp\` or \`refreshSession\`) or an API key (\`tl_…\`).
  headers:
    Connection-Close:
      description: "\`close\`: the server closes the connection after this answer; send the next request on a new one."
      schema:
        type: string
        enum: [close]
      example: close
    X-Request-Id:
      description: The id of this request, as sent by the client or generated by the server. Also in every problem body.
      schema:
        type: string
        maxLength: 200
        pattern: ^[A-Za-z0-9._:-]+$
      example: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    RateLimit:
      description: |
        The caller's remaining quota under the policy that is closest to running out (IETF
        draft-ietf-httpapi-ratelimit-headers): \`"<policy>";r=<remaining>;t=<seconds until reset>\`.
      schema:
        type: string
        maxLength: 200
        pattern: ^"[a-z0-9-]+";r=[0-9]+;t=[0-9]+$
      example: '"default";r=97;t=42'
    RateLimit-Policy:
      description: The quota policies that apply to this request, e.g. \`"default";q=100;w=60\` (100 requests a minute).
      schema:
        type: string
        maxLength: 500
        pattern: ^"[a-z0-9-]+";q=[0-9]+;w=[0-9]+(, "[a-z0-9-]+";q=[0-9]+;w=[0-9]+)*$
      example: '"default";q=100;w=60'
    Cache-Control:
      description: "\`no-store\`: the answer carries a secret (a token or an API key) that no cache may keep."
      schema:
        type: string
        enum: [no-store]
      example: no-store
    Retry-After:
      description: Seconds to wait before sending the request again.
      schema:
        type: integer
        format: int32
        minimum: 0
        maximum: 86400
      example: 30
    ETag:
      description: The version of the resource; send it in \`If-Match\` to update only that version, or \`If-None-Match\` to skip an unchanged read.
      schema:
        type: string
        maxLength: 100
        pattern: ^"[0-9]+"$
      example: '"3"'
    Link:
      description: 'RFC 8288 links; \`rel="next"\` points at the next page of a list.'
      schema:
        type: string
        maxLength: 4000
        pattern: ^<[^>]*>; rel="next"$
      example: '</v1/projects?limit=20&cursor=eyJ2IjoxfQ>; rel="next"'
    Location:
      description: The URL of the resource that was created.
      schema:
        type: string
        format: uri-reference
        maxLength: 2000
      example: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    Idempotent-Replayed:
      description: "\`true\` when this response is the stored response of an earlier request with the same \`Idempotency-Key\`."
      schema:
        type: string
        enum: ["true"]
      example: "true"
    Access-Control-Allow-Origin:
      description: "Sent only to a browser's cross-origin request whose \`Origin\` is allowed by the operator (\`CORS_ORIGINS\`): that origin, or \`*\` when any origin is allowed."
      schema:
        type: string
        maxLength: 2000
        pattern: ^(\\*|[A-Za-z][A-Za-z0-9+.-]*:\\S+)$
      example: https://app.example.com
    Content-Disposition:
      description: "\`inline\` for PNG, JPEG, GIF, WebP and AVIF images, \`attachment\` otherwise, with the file name as RFC 6266 \`filename\` (ASCII) and RFC 8187 \`filename*\` (UTF-8)."
      schema:
        type: string
        maxLength: 2000
        pattern: ^(inline|attachment); filename="[\\x20-\\x7E]*"; filename\\*=UTF-8''[A-Za-z0-9%._~-]*$
      example: attachment; filename="report.pdf"; filename*=UTF-8''report.pdf
    X-Content-Type-Options:
      description: Always \`nosniff\`, so browsers keep to the stored type.
      schema:
        type: string
        enum: [nosniff]
      example: nosniff
    Content-Security-Policy:
      description: A sandbox that runs no script and loads nothing, should a file be opened in the browser.
      schema:
        type: string
        enum: ["sandbox; default-src 'none'"]
      example: "sandbox; default-src 'none'"
    Content-ETag:
      description: The SHA-256 of the bytes in quotes; send it in \`If-None-Match\` or \`If-Range\`.
      schema:
        type: string
        maxLength: 100
        pattern: ^"[0-9a-f]{64}(-[0-9]+)?"$
      example: '"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"'
    Accept-Ranges:
      description: Always \`bytes\`.
      schema:
        type: string
        enum: [bytes]
      example: bytes
    Content-Length:
      description: The number of bytes in the body (for HEAD, that a GET would send).
      schema:
        type: integer
        format: int64
        minimum: 0
        maximum: 9007199254740991
      example: 48213
    Content-Range:
      description: "Which bytes a 206 carries (\`bytes 0-1023/48213\`), or the size after a 416 (\`bytes */48213\`)."
      schema:
        type: string
        maxLength: 100
        pattern: ^bytes (\\d+-\\d+|\\*)\\u002F\\d+$
      example: bytes 0-1023/48213
    Cache-Control-Private:
      description: Signed links may be cached by the browser alone, until they expire.
      schema:
        type: string
        maxLength: 100
        pattern: ^private, max-age=\\d+$
      example: private, max-age=300
    Tus-Resumable:
      description: "The tus protocol version of the answer: \`1.0.0\`."
      schema:
        type: string
        enum:
          - 1.0.0
      example: 1.0.0
    Tus-Max-Size:
      description: The largest upload the server takes, in bytes (\`ATTACHMENT_MAX_BYTES\`).
      schema:
        type: integer
        format: int64
        minimum: 1
        maximum: 5368709120
      example: 104857600
    Tus-Version:
      description: The tus protocol versions the server speaks.
      schema:
        type: string
        enum:
          - 1.0.0
      example: 1.0.0
    Upload-Location:
      description: The URL of the upload, to send its bytes to (\`appendUploadChunk\`).
      schema:
        type: string
        format: uri-reference
        maxLength: 2000
      example: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    Upload-Expires:
      description: When the unfinished upload is removed (RFC 9110 HTTP-date).
      schema:
        type: string
        maxLength: 64
        pattern: ^[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$
      example: Sat, 21 Nov 2026 09:30:00 GMT
    Upload-Offset:
      description: How many bytes of the upload the server has.
      schema:
        type: string
        maxLength: 16
        pattern: ^[0-9]+$
      example: "5242880"
    Upload-Length:
      description: The size of the whole file in bytes.
      schema:
        type: string
        maxLength: 16
        pattern: ^[0-9]+$
      example: "734003200"
    Upload-Metadata:
      description: The metadata the upload was created with.
      schema:
        type: string
        maxLength: 4000
        pattern: ^[A-Za-z0-9]+( [A-Za-z0-9+\\x2F=]*)?(,[ ]*[A-Za-z0-9]+( [A-Za-z0-9+\\x2F=]*)?)*$
      example: filename c2l0ZS1zdXJ2ZXkubXA0
  parameters:
    Limit:
      name: limit
      in: query
      required: false
      description: How many items to return, from 1 to 100.
      schema:
        type: integer
        format: int32
        minimum: 1
        maximum: 100
        default: 20
    Cursor:
      name: cursor
      in: query
      required: false
      description: The \`nextCursor\` of the previous page. Opaque and tamper-proof; a cursor of another list is rejected with 400.
      schema:
        type: string
        maxLength: 1000
        pattern: "^[A-Za-z0-9_-]+$"
    IfMatch:
      name: If-Match
      in: header
      required: false
      description: Apply the change only if the resource's current \`ETag\` is this one; otherwise 412.
      schema:
        type: string
        maxLength: 100
        pattern: ^(\\*|(W\\x2F)?"[^"]*"( *, *(W\\x2F)?"[^"]*")*)$
    IfNoneMatch:
      name: If-None-Match
      in: header
      required: false
      description: Answer 304 with no body if the resource's current \`ETag\` is this one.
      schema:
        type: string
        maxLength: 100
        pattern: ^(\\*|(W\\x2F)?"[^"]*"( *, *(W\\x2F)?"[^"]*")*)$
    IdempotencyKey:
      name: Idempotency-Key
      in: header
      required: false
      description: |
        A unique key (e.g. a UUID) that makes retrying this request safe: a repeat with the same key and body
        within 24 hours replays the first response (with \`Idempotent-Replayed: true\`) instead of acting again.
      schema:
        type: string
        minLength: 1
        maxLength: 255
        pattern: '^[\\x21-\\x7E]+$'
  schemas:
    Problem:
      type: object
      description: An RFC 9457 problem details object.
      required: [type, title, status, code, requestId]
      properties:
        type:
          type: string
          format: uri-reference
          maxLength: 500
          description: A URI reference naming the kind of problem; resolves to its documentation.
          example: https://tasklane.dev/problems/validation_failed
        title:
          type: string
          maxLength: 200
          description: A short summary of the kind of problem; the same for every occurrence of a \`code\`.
          example: Validation failed
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
        status:
          type: integer
          format: int32
          minimum: 400
          maximum: 599
          description: The HTTP status code of this response.
          example: 400
        detail:
          type: string
          maxLength: 2000
          description: What went wrong with this request, for a person to read.
          example: The request body does not match the schema.
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
        instance:
          type: string
          format: uri-reference
          maxLength: 2000
          description: The path of the request that failed.
          example: /v1/projects
        code:
          type: string
          maxLength: 100
          pattern: "^[a-z][a-z0-9_]*$"
          description: A stable machine-readable code; switch on this, not on \`title\` or \`detail\`.
          example: validation_failed
        requestId:
          type: string
          maxLength: 200
          description: The request id, as in the \`X-Request-Id\` header; quote it when reporting a problem.
          example: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
          pattern: ^[A-Za-z0-9._:-]*$
        errors:
          type: array
          maxItems: 100
          description: For validation failures, one entry per invalid input.
          items:
            $ref: "#/components/schemas/ValidationIssue"
    ValidationIssue:
      type: object
      additionalProperties: false
      required: [path, message, code]
      properties:
        path:
          type: string
          maxLength: 500
          description: Where the invalid input is, as a JSON Pointer into the request part named first (\`/body/title\`, \`/query/limit\`).
          example: /body/title
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
        message:
          type: string
          maxLength: 1000
          example: "Too small: expected string to have >=1 characters"
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
        code:
          type: string
          maxLength: 100
          description: The kind of failure (\`too_small\`, \`invalid_type\`, \`unrecognized_keys\`, …).
          example: too_small
          pattern: ^[a-z][a-z0-9_]*$
    Health:
      type: object
      additionalProperties: false
      required: [status]
      properties:
        status:
          type: string
          enum: [ok]
    Readiness:
      type: object
      additionalProperties: false
      required: [status, database]
      properties:
        status:
          type: string
          enum: [ok, degraded]
          description: "\`degraded\`: serving, but Redis does not answer and rate limits are counted per instance."
        database:
          type: string
          enum: [sqlite, postgres]
          description: Which database this instance is running on.
        redis:
          type: string
          enum: [ok, unavailable]
          description: Whether Redis answers; present only when \`REDIS_URL\` is set.
    User:
      type: object
      additionalProperties: false
      description: An account.
      required:
        - id
        - email
        - name
        - emailVerified
        - createdAt
        - updatedAt
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        email:
          type: string
          format: email
          maxLength: 254
          description: An email address; compared without regard to case.
          example: ada@example.com
        name:
          type: string
          minLength: 1
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The name shown to other users.
          example: Ada Lovelace
        emailVerified:
          type: boolean
          description: Whether the user has confirmed that they read this address.
        pendingEmail:
          type:
            - string
            - "null"
          format: email
          maxLength: 254
          description: An email address the user asked to change to, waiting for the link mailed to it to be followed (\`confirmEmailChange\`); null when there is none. Until then \`email\` is the account's address.
          example: ada.king@example.com
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the account was created.
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the profile last changed.
    AuthResult:
      type: object
      additionalProperties: false
      description: "A signed-in session: the user and its tokens."
      required:
        - user
        - accessToken
        - refreshToken
        - expiresIn
      properties:
        user:
          $ref: "#/components/schemas/User"
        accessToken:
          type: string
          maxLength: 2000
          pattern: ^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$
          description: "Send as \`Authorization: Bearer <accessToken>\`. A JWT, but treat it as opaque."
          example: eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl
        refreshToken:
          type: string
          maxLength: 200
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass to \`refreshSession\` to get new tokens; single use. Store it securely.
        expiresIn:
          type: integer
          format: int32
          minimum: 1
          maximum: 86400
          description: Seconds until the access token expires.
          example: 900
    SignUpRequest:
      type: object
      additionalProperties: false
      required:
        - email
        - password
        - name
      properties:
        email:
          type: string
          format: email
          maxLength: 254
          description: An email address; compared without regard to case.
          example: ada@example.com
        password:
          type: string
          minLength: 10
          maxLength: 256
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: 10 to 256 characters, not a commonly used password.
          example: correct horse battery staple
        name:
          type: string
          minLength: 1
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The name shown to other users.
          example: Ada Lovelace
    SignUpOptions:
      type: object
      additionalProperties: false
      description: How this server signs people up with a password.
      required:
        - flow
      properties:
        flow:
          type: string
          enum: [verify-first, immediate]
          description: "\`verify-first\`: \`startSignUp\`, then \`completeSignUp\` with the mailed token; \`signUp\` answers 403. \`immediate\`: \`signUp\` also works (and tells whether an address has an account)."
          example: verify-first
    StartSignUpRequest:
      type: object
      additionalProperties: false
      required:
        - email
      properties:
        email:
          type: string
          format: email
          maxLength: 254
          description: The address to sign up with; compared without regard to case.
          example: ada@example.com
    CompleteSignUpRequest:
      type: object
      additionalProperties: false
      required:
        - token
        - password
        - name
      properties:
        token:
          type: string
          minLength: 1
          maxLength: 200
          pattern: ^[A-Za-z0-9_-]+$
          description: The token from the sign-up mail.
          example: su_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd
        password:
          type: string
          minLength: 10
          maxLength: 256
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: 10 to 256 characters, not a commonly used password.
          example: correct horse battery staple
        name:
          type: string
          minLength: 1
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The name shown to other users.
          example: Ada Lovelace
    LogInRequest:
      type: object
      additionalProperties: false
      required:
        - email
        - password
      properties:
        email:
          type: string
          format: email
          maxLength: 254
          description: An email address; compared without regard to case.
          example: ada@example.com
        password:
          type: string
          minLength: 1
          maxLength: 256
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The password.
          example: correct horse battery staple
    RefreshSessionRequest:
      type: object
      additionalProperties: false
      required:
        - refreshToken
      properties:
        refreshToken:
          type: string
          minLength: 1
          maxLength: 200
          pattern: ^[A-Za-z0-9_-]+$
          description: The latest refresh token of the session.
    UpdateMeRequest:
      type: object
      additionalProperties: false
      required: []
      properties:
        name:
          type: string
          minLength: 1
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The name shown to other users.
          example: Ada Lovelace
        email:
          type: string
          format: email
          maxLength: 254
          description: A new email address. Needs \`currentPassword\`; takes effect when the link mailed to it is followed, and shows as \`pendingEmail\` until then. The current address cancels a pending change.
          example: ada.king@example.com
        currentPassword:
          type: string
          minLength: 1
          maxLength: 256
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The current password; required with a new \`email\` (or \`reauthenticationToken\`).
          example: correct horse battery staple
        reauthenticationToken:
          type: string
          maxLength: 200
          pattern: ^ra_[A-Za-z0-9_-]+$
          description: For an account without a password, instead of it, from \`reauthenticate\`.
          example: ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
      minProperties: 1
    ConfirmEmailChangeRequest:
      type: object
      additionalProperties: false
      required:
        - token
      properties:
        token:
          type: string
          minLength: 1
          maxLength: 200
          pattern: ^[A-Za-z0-9_-]+$
          description: The token from the mail sent to the new address.
    DeleteMeRequest:
      type: object
      additionalProperties: false
      description: The current password, or for an account without one a \`reauthenticationToken\`; exactly one.
      minProperties: 1
      properties:
        password:
          type: string
          minLength: 1
          maxLength: 256
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The current password.
          example: correct horse battery staple
        reauthenticationToken:
          type: string
          maxLength: 200
          pattern: ^ra_[A-Za-z0-9_-]+$
          description: For an account without a password, instead of it, from \`reauthenticate\`.
          example: ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
    ChangePasswordRequest:
      type: object
      additionalProperties: false
      required:
        - currentPassword
        - newPassword
      properties:
        currentPassword:
          type: string
          minLength: 1
          maxLength: 256
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The current password.
          example: correct horse battery staple
        newPassword:
          type: string
          minLength: 10
          maxLength: 256
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: 10 to 256 characters, not a commonly used password.
          example: correct horse battery staple
        keepApiKeys:
          type: boolean
          default: false
          description: Keep the account's API keys working; by default they are all revoked with the old password.
    VerifyEmailRequest:
      type: object
      additionalProperties: false
      required:
        - token
      properties:
        token:
          type: string
          minLength: 1
          maxLength: 200
          pattern: ^[A-Za-z0-9_-]+$
          description: The token from the verification email.
    RequestPasswordResetRequest:
      type: object
      additionalProperties: false
      required:
        - email
      properties:
        email:
          type: string
          format: email
          maxLength: 254
          description: An email address; compared without regard to case.
          example: ada@example.com
    ResetPasswordRequest:
      type: object
      additionalProperties: false
      required:
        - token
        - newPassword
      properties:
        token:
          type: string
          minLength: 1
          maxLength: 200
          pattern: ^[A-Za-z0-9_-]+$
          description: The token from the reset email.
        newPassword:
          type: string
          minLength: 10
          maxLength: 256
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: 10 to 256 characters, not a commonly used password.
          example: correct horse battery staple
    AuthProvider:
      type: object
      additionalProperties: false
      description: An outside identity provider people can sign in with.
      required:
        - id
        - name
        - type
      properties:
        id:
          type: string
          maxLength: 32
          pattern: ^[a-z][a-z0-9-]{0,31}$
          description: Pass to \`startProviderSignIn\`.
          example: google
        name:
          type: string
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]+$
          description: What a login button should say, e.g. "Continue with Google".
          example: Google
        type:
          type: string
          enum: [oidc, oauth2]
          description: "\`oidc\` for OpenID Connect, \`oauth2\` for plain OAuth 2 providers such as GitHub."
    AuthProviderList:
      type: object
      additionalProperties: false
      description: The enabled sign-in providers.
      required:
        - data
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/AuthProvider"
    ProviderSignInStart:
      type: object
      additionalProperties: false
      description: Where to send the browser back, and the PKCE challenge of the app's secret verifier.
      required:
        - redirectUri
        - codeChallenge
        - codeChallengeMethod
      properties:
        redirectUri:
          type: string
          format: uri
          maxLength: 2000
          description: "An allowed app URL (\`AUTH_REDIRECT_URLS\`), or \`http://127.0.0.1:<port>/…\` for a command-line app."
          example: https://app.example.com/auth/callback
        codeChallenge:
          type: string
          minLength: 43
          maxLength: 43
          pattern: ^[A-Za-z0-9_-]{43}$
          description: BASE64URL(SHA-256(verifier)) of a random verifier of 43–128 characters that only the app knows.
          example: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
        codeChallengeMethod:
          type: string
          enum: [S256]
          description: Only S256.
        state:
          type: string
          maxLength: 500
          pattern: ^[A-Za-z0-9._~-]+$
          description: Handed back unchanged with the code, for the app's own bookkeeping.
          example: c3RhdGU
    IdentityLinkStart:
      type: object
      additionalProperties: false
      description: Which provider to link, where to send the browser back, and the PKCE challenge of the app's secret verifier.
      required:
        - provider
        - redirectUri
        - codeChallenge
        - codeChallengeMethod
      properties:
        provider:
          type: string
          maxLength: 32
          pattern: ^[a-z][a-z0-9-]{0,31}$
          description: The provider's id, as \`listAuthProviders\` lists it.
          example: github
        redirectUri:
          type: string
          format: uri
          maxLength: 2000
          description: "An allowed app URL (\`AUTH_REDIRECT_URLS\`), or \`http://127.0.0.1:<port>/…\` for a command-line app."
          example: https://app.example.com/settings/identities
        codeChallenge:
          type: string
          minLength: 43
          maxLength: 43
          pattern: ^[A-Za-z0-9_-]{43}$
          description: BASE64URL(SHA-256(verifier)) of a random verifier that only the app knows.
          example: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
        codeChallengeMethod:
          type: string
          enum: [S256]
          description: Only S256.
        state:
          type: string
          maxLength: 500
          pattern: ^[A-Za-z0-9._~-]+$
          description: Handed back unchanged with the code.
          example: c3RhdGU
    ProviderAuthorization:
      type: object
      additionalProperties: false
      description: The provider URL to send the browser to.
      required:
        - authorizationUrl
        - expiresAt
      properties:
        authorizationUrl:
          type: string
          format: uri
          maxLength: 4000
          description: Navigate the browser here (a full-page navigation, not a fetch).
        expiresAt:
          type: string
          format: date-time
          maxLength: 40
          description: The sign-in must be finished by then.
    ProviderCodeExchange:
      type: object
      additionalProperties: false
      description: The one-time code from the redirect back to the app, and the PKCE verifier whose challenge started the sign-in.
      required:
        - code
        - codeVerifier
      properties:
        code:
          type: string
          maxLength: 200
          pattern: ^[A-Za-z0-9_-]+$
          example: pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
        codeVerifier:
          type: string
          minLength: 43
          maxLength: 128
          pattern: ^[A-Za-z0-9._~-]{43,128}$
          example: dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
    Identity:
      type: object
      additionalProperties: false
      description: A provider account that signs in to this account.
      required:
        - id
        - provider
        - providerName
        - email
        - createdAt
        - lastUsedAt
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^idt_[0-9A-Z]{26}$
          example: idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        provider:
          type: string
          maxLength: 32
          pattern: ^[a-z][a-z0-9-]{0,31}$
          example: google
        providerName:
          type: string
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]+$
          example: Google
        email:
          type: [string, "null"]
          maxLength: 320
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The address the provider gave at the last sign-in, if any.
          example: ada@example.com
        createdAt:
          type: string
          format: date-time
          maxLength: 40
        lastUsedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When it last signed in or was linked.
    IdentityList:
      type: object
      additionalProperties: false
      description: A page of identities.
      required:
        - data
        - nextCursor
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Identity"
        nextCursor:
          type: [string, "null"]
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
    Reauthentication:
      type: object
      additionalProperties: false
      description: Proof, for a few minutes, that the signed-in person just signed in again at a linked provider.
      required:
        - reauthenticationToken
        - expiresAt
      properties:
        reauthenticationToken:
          type: string
          maxLength: 200
          pattern: ^ra_[A-Za-z0-9_-]+$
          description: Send as \`reauthenticationToken\` to \`deleteMe\` or \`updateMe\`, instead of the password. Works once.
          example: ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw
        expiresAt:
          type: string
          format: date-time
          maxLength: 40
          description: It works until then (5 minutes).
    Session:
      type: object
      additionalProperties: false
      description: A signed-in device.
      required:
        - id
        - deviceLabel
        - provider
        - createdAt
        - lastUsedAt
        - expiresAt
        - current
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^ses_[0-9A-Z]{26}$
          example: ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        deviceLabel:
          type: string
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: The browser and system the session was started from, from its User-Agent.
          example: Firefox on Linux
        provider:
          type: [string, "null"]
          maxLength: 32
          pattern: ^[a-z][a-z0-9-]{0,31}$
          description: The identity provider (its id, as \`listAuthProviders\` lists it) the session was started with; null for a password sign-in.
          example: github
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the user signed in.
        lastUsedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the session last signed in or refreshed its tokens.
        expiresAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the session ends unless it is refreshed before.
        current:
          type: boolean
          description: Whether this is the session of the request.
    SessionList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Session"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
    ApiKeyCreate:
      type: object
      additionalProperties: false
      required:
        - name
        - scopes
      properties:
        name:
          type: string
          minLength: 1
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: What the key is for.
          example: Nightly export
        scopes:
          type: array
          minItems: 1
          maxItems: 2
          uniqueItems: true
          items:
            type: string
            enum: [read, write]
          description: "\`read\` allows reads only; \`write\` allows changes as well."
          example:
            - read
            - write
        expiresAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the key stops working; in the future. Omit for a key that does not expire.
    ApiKey:
      type: object
      additionalProperties: false
      description: An API key, without its secret.
      required:
        - id
        - name
        - prefix
        - scopes
        - createdAt
        - expiresAt
        - lastUsedAt
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^key_[0-9A-Z]{26}$
          example: key_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        name:
          type: string
          minLength: 1
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: What the key is for.
          example: Nightly export
        prefix:
          type: string
          maxLength: 20
          pattern: ^tl_[A-Za-z0-9_-]+$
          description: The first characters of the key, to tell keys apart.
          example: tl_Xq3v9
        scopes:
          type: array
          minItems: 1
          maxItems: 2
          uniqueItems: true
          items:
            type: string
            enum: [read, write]
          description: "\`read\` allows reads only; \`write\` allows changes as well."
          example:
            - read
            - write
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the key was created.
        expiresAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the key stops working; \`null\` for never.
        lastUsedAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the key last authenticated a request (to the minute); \`null\` if never.
    ApiKeyWithSecret:
      type: object
      additionalProperties: false
      description: A new API key with its secret, shown this once.
      required:
        - id
        - name
        - prefix
        - scopes
        - createdAt
        - expiresAt
        - lastUsedAt
        - key
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^key_[0-9A-Z]{26}$
          example: key_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        name:
          type: string
          minLength: 1
          maxLength: 100
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: What the key is for.
          example: Nightly export
        prefix:
          type: string
          maxLength: 20
          pattern: ^tl_[A-Za-z0-9_-]+$
          description: The first characters of the key, to tell keys apart.
          example: tl_Xq3v9
        scopes:
          type: array
          minItems: 1
          maxItems: 2
          uniqueItems: true
          items:
            type: string
            enum: [read, write]
          description: "\`read\` allows reads only; \`write\` allows changes as well."
          example:
            - read
            - write
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the key was created.
        expiresAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the key stops working; \`null\` for never.
        lastUsedAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the key last authenticated a request (to the minute); \`null\` if never.
        key:
          type: string
          maxLength: 200
          pattern: ^tl_[A-Za-z0-9_-]{43}$
          description: The secret key. Shown only in this answer.
          example: tl_Xq3v9Lr2WmB8cZk1Pq0sTn4Yd7Hf6Gj5Ae3Ku2Ow9Ri
    ApiKeyList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/ApiKey"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
    Project:
      type: object
      additionalProperties: false
      description: "A project: a shared space for tasks and notes."
      required:
        - id
        - name
        - description
        - role
        - createdAt
        - updatedAt
        - version
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project id.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        name:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 200
          description: The project name.
          example: Website relaunch
        description:
          type:
            - string
            - "null"
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 5000
          description: What the project is about.
          example: Everything for the new marketing site.
        role:
          type: string
          enum: [owner, editor, viewer]
          description: The role of the caller in this project.
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the project was created.
          example: 2026-11-20T09:30:00.000Z
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the project last changed.
          example: 2026-11-20T09:30:00.000Z
        version:
          type: integer
          format: int32
          minimum: 1
          maximum: 2147483647
          description: Increases with every change; the \`ETag\` of the resource is this number in quotes.
          example: 3
    ProjectCreate:
      type: object
      additionalProperties: false
      required:
        - name
      description: A new project; the caller becomes its owner.
      properties:
        name:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 200
          description: The project name.
          example: Website relaunch
        description:
          type: string
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 5000
          description: What the project is about.
          example: Everything for the new marketing site.
    ProjectUpdate:
      type: object
      additionalProperties: false
      minProperties: 1
      description: "The fields to change; \`description: null\` removes it."
      properties:
        name:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 200
          description: The project name.
          example: Website relaunch
        description:
          type:
            - string
            - "null"
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 5000
          description: What the project is about.
          example: Everything for the new marketing site.
    ProjectList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      description: A page of projects.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Project"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    Member:
      type: object
      additionalProperties: false
      description: A user’s membership of a project.
      required:
        - projectId
        - userId
        - email
        - role
        - joinedAt
      properties:
        projectId:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        userId:
          type: string
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: The member’s user id.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        email:
          type: string
          format: email
          maxLength: 254
          description: The member’s email address.
          example: ada@example.com
        role:
          type: string
          enum: [owner, editor, viewer]
          description: "\`owner\`: everything, including members and invitations; \`editor\`: reads and writes tasks, notes and comments; \`viewer\`: reads only."
        joinedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the user joined the project.
          example: 2026-11-20T09:30:00.000Z
    MemberUpdate:
      type: object
      additionalProperties: false
      required:
        - role
      description: The member’s new role.
      properties:
        role:
          type: string
          enum: [owner, editor, viewer]
          description: "\`owner\`: everything, including members and invitations; \`editor\`: reads and writes tasks, notes and comments; \`viewer\`: reads only."
    MemberList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      description: A page of members, in the order they joined.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Member"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    Invitation:
      type: object
      additionalProperties: false
      description: A pending invitation. Its token is only ever sent to the invited address.
      required:
        - id
        - projectId
        - email
        - role
        - invitedBy
        - createdAt
        - expiresAt
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^inv_[0-9A-Z]{26}$
          description: The invitation id.
          example: inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        projectId:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        email:
          type: string
          format: email
          maxLength: 254
          description: Where the invitation was sent.
          example: grace@example.com
        role:
          type: string
          enum: [owner, editor, viewer]
          description: The role the invited user gets on accepting.
        invitedBy:
          type: string
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: The user who sent it.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When it was sent.
          example: 2026-11-20T09:30:00.000Z
        expiresAt:
          type: string
          format: date-time
          maxLength: 40
          description: After this the token no longer works (7 days after sending).
          example: 2026-11-20T09:30:00.000Z
    InvitationCreate:
      type: object
      additionalProperties: false
      required:
        - email
        - role
      description: Who to invite, and with which role.
      properties:
        email:
          type: string
          format: email
          maxLength: 254
          description: The address to send the invitation to.
          example: grace@example.com
        role:
          type: string
          enum: [owner, editor, viewer]
          description: The role the invited user gets on accepting.
    InvitationAccept:
      type: object
      additionalProperties: false
      required:
        - token
      description: The token from the invitation email.
      properties:
        token:
          type: string
          minLength: 1
          maxLength: 200
          pattern: ^[A-Za-z0-9_-]+$
          description: The token from the invitation email.
          example: inv_tok_3q2l0Jx8m9QfKc1b5sT7vWzYhN4pR6dE
    InvitationList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      description: A page of pending invitations, oldest first.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Invitation"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    Task:
      type: object
      additionalProperties: false
      description: A task in a project.
      required:
        - id
        - projectId
        - title
        - description
        - status
        - priority
        - dueAt
        - labels
        - assigneeId
        - position
        - completedAt
        - createdBy
        - createdAt
        - updatedAt
        - version
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^tsk_[0-9A-Z]{26}$
          description: The task id.
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        projectId:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project the task belongs to.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        title:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 500
          description: A one-line summary.
          example: Write the launch post
        description:
          type:
            - string
            - "null"
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 50000
          description: Details in Markdown.
          example: Draft in **Markdown**, then ask for review.
        status:
          type: string
          enum: [todo, in_progress, done]
          description: Where the task stands. Moving it to \`done\` sets \`completedAt\`; moving it out clears it.
        priority:
          type: integer
          format: int32
          minimum: 0
          maximum: 3
          description: 0 (none) to 3 (urgent).
          example: 2
        dueAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the task is due (RFC 3339).
          example: 2026-12-01T17:00:00.000Z
        labels:
          type: array
          maxItems: 20
          uniqueItems: true
          items:
            type: string
            minLength: 1
            maxLength: 50
            pattern: ^[^,\\s\\u0000-\\u001F\\u007F][^,\\u0000-\\u001F\\u007F]*$
            description: "A label: no commas, no leading space, no control characters."
            example: launch
          description: Up to 20 distinct labels.
          example:
            - content
            - launch
        assigneeId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: The member the task is assigned to.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        position:
          type: number
          minimum: -1000000000000000
          maximum: 1000000000000000
          description: Manual order within the project (sort by \`position\`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.
          example: 3
        completedAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the task was last moved to \`done\`; \`null\` unless it is done.
          example: null
        createdBy:
          type: string
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: The user who created the task.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the task was created.
          example: 2026-11-20T09:30:00.000Z
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the task last changed.
          example: 2026-11-20T09:30:00.000Z
        version:
          type: integer
          format: int32
          minimum: 1
          maximum: 2147483647
          description: Increases with every change; the \`ETag\` of the resource is this number in quotes.
          example: 3
    TaskCreate:
      type: object
      additionalProperties: false
      required:
        - title
      description: A new task. Only \`title\` is required.
      properties:
        title:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 500
          description: A one-line summary.
          example: Write the launch post
        description:
          type: string
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 50000
          description: Details in Markdown.
          example: Draft in **Markdown**, then ask for review.
        status:
          type: string
          enum: [todo, in_progress, done]
          description: Where the task stands. Moving it to \`done\` sets \`completedAt\`; moving it out clears it.
        priority:
          type: integer
          format: int32
          minimum: 0
          maximum: 3
          description: 0 (none) to 3 (urgent).
          example: 2
        dueAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the task is due (RFC 3339).
          example: 2026-12-01T17:00:00.000Z
        labels:
          type: array
          maxItems: 20
          uniqueItems: true
          items:
            type: string
            minLength: 1
            maxLength: 50
            pattern: ^[^,\\s\\u0000-\\u001F\\u007F][^,\\u0000-\\u001F\\u007F]*$
            description: "A label: no commas, no leading space, no control characters."
            example: launch
          description: Up to 20 distinct labels.
          example:
            - content
            - launch
        assigneeId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: A member of the project to assign the task to.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        position:
          type: number
          minimum: -1000000000000000
          maximum: 1000000000000000
          description: Manual order within the project (sort by \`position\`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.
          example: 3
    TaskUpdate:
      type: object
      additionalProperties: false
      minProperties: 1
      description: The fields to change; \`null\` clears an optional field.
      properties:
        title:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 500
          description: A one-line summary.
          example: Write the launch post
        description:
          type:
            - string
            - "null"
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 50000
          description: Details in Markdown.
          example: Draft in **Markdown**, then ask for review.
        status:
          type: string
          enum: [todo, in_progress, done]
          description: Where the task stands. Moving it to \`done\` sets \`completedAt\`; moving it out clears it.
        priority:
          type: integer
          format: int32
          minimum: 0
          maximum: 3
          description: 0 (none) to 3 (urgent).
          example: 2
        dueAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the task is due (RFC 3339).
          example: 2026-12-01T17:00:00.000Z
        labels:
          type: array
          maxItems: 20
          uniqueItems: true
          items:
            type: string
            minLength: 1
            maxLength: 50
            pattern: ^[^,\\s\\u0000-\\u001F\\u007F][^,\\u0000-\\u001F\\u007F]*$
            description: "A label: no commas, no leading space, no control characters."
            example: launch
          description: Up to 20 distinct labels.
          example:
            - content
            - launch
        assigneeId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: A member of the project, or \`null\` to unassign.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        position:
          type: number
          minimum: -1000000000000000
          maximum: 1000000000000000
          description: Manual order within the project (sort by \`position\`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.
          example: 3
    TaskList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      description: A page of tasks.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Task"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    Note:
      type: object
      additionalProperties: false
      description: A Markdown note in a project.
      required:
        - id
        - projectId
        - title
        - body
        - createdBy
        - createdAt
        - updatedAt
        - version
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^not_[0-9A-Z]{26}$
          description: The note id.
          example: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        projectId:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project the note belongs to.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        title:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 500
          description: The note title.
          example: Meeting notes 2026-11-20
        body:
          type: string
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 100000
          description: The note in Markdown.
          example: |-
            ## Decisions

            - Launch on December 1st
        createdBy:
          type: string
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: The user who created the note.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the note was created.
          example: 2026-11-20T09:30:00.000Z
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the note last changed.
          example: 2026-11-20T09:30:00.000Z
        version:
          type: integer
          format: int32
          minimum: 1
          maximum: 2147483647
          description: Increases with every change; the \`ETag\` of the resource is this number in quotes.
          example: 3
    NoteCreate:
      type: object
      additionalProperties: false
      required:
        - title
      description: A new note.
      properties:
        title:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 500
          description: The note title.
          example: Meeting notes 2026-11-20
        body:
          type: string
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 100000
          description: The note in Markdown.
          example: |-
            ## Decisions

            - Launch on December 1st
    NoteUpdate:
      type: object
      additionalProperties: false
      minProperties: 1
      description: The fields to change.
      properties:
        title:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 500
          description: The note title.
          example: Meeting notes 2026-11-20
        body:
          type: string
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          maxLength: 100000
          description: The note in Markdown.
          example: |-
            ## Decisions

            - Launch on December 1st
    NoteList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      description: A page of notes.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Note"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    Comment:
      type: object
      additionalProperties: false
      description: A comment on a task.
      required:
        - id
        - taskId
        - authorId
        - body
        - createdAt
        - updatedAt
        - version
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^cmt_[0-9A-Z]{26}$
          description: The comment id.
          example: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        taskId:
          type: string
          maxLength: 64
          pattern: ^tsk_[0-9A-Z]{26}$
          description: The task commented on.
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        authorId:
          type: string
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: Who wrote it.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        body:
          type: string
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 10000
          description: The comment in Markdown.
          example: First draft is in the shared folder.
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When it was written.
          example: 2026-11-20T09:30:00.000Z
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When it was last edited.
          example: 2026-11-20T09:30:00.000Z
        version:
          type: integer
          format: int32
          minimum: 1
          maximum: 2147483647
          description: Increases with every change; the \`ETag\` of the resource is this number in quotes.
          example: 3
    CommentCreate:
      type: object
      additionalProperties: false
      required:
        - body
      description: A new comment.
      properties:
        body:
          type: string
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 10000
          description: The comment in Markdown.
          example: First draft is in the shared folder.
    CommentUpdate:
      type: object
      additionalProperties: false
      required:
        - body
      description: The new text of the comment.
      properties:
        body:
          type: string
          pattern: ^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 10000
          description: The comment in Markdown.
          example: First draft is in the shared folder.
    CommentList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      description: A page of comments, oldest first.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Comment"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    WebhookEndpoint:
      type: object
      additionalProperties: false
      description: A URL that is sent a project's changes, signed. Its secret is shown only when created or rotated.
      required:
        [
          id,
          projectId,
          url,
          description,
          eventTypes,
          enabled,
          disabledReason,
          previousSecretExpiresAt,
          createdAt,
          updatedAt,
          version,
        ]
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^whk_[0-9A-Z]{26}$
          description: The webhook endpoint id.
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        projectId:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project whose changes it receives.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        url:
          type: string
          format: uri
          minLength: 1
          maxLength: 2000
          description: Where events are POSTed; \`https\` unless the server allows \`http\` for development.
          example: https://hooks.example.com/tasklane
        description:
          type: string
          maxLength: 500
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: What the endpoint is for.
          example: Post finished tasks to the team chat
        eventTypes:
          type: array
          minItems: 1
          maxItems: 40
          uniqueItems: true
          description: "Which changes to send: change types (\`task.updated\`), a resource's every change (\`task.*\`), or \`*\` for all."
          items:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^(\\*|[a-z]+\\.(\\*|[a-z_]+))$
          example: [task.*, comment.created]
        enabled:
          type: boolean
          description: Whether new changes are delivered to it.
          example: true
        disabledReason:
          type:
            - string
            - "null"
          maxLength: 20
          pattern: ^failing$
          description: "\`failing\` when the server disabled it because every attempt failed for \`WEBHOOK_DISABLE_AFTER_S\`; \`null\` otherwise."
          example: null
        previousSecretExpiresAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: Until when deliveries are also signed with the secret before the last rotation; \`null\` when there is none.
          example: 2026-11-20T09:30:00.000Z
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When it was added.
          example: 2026-11-20T09:30:00.000Z
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When it last changed.
          example: 2026-11-20T09:30:00.000Z
        version:
          type: integer
          format: int32
          minimum: 1
          maximum: 2147483647
          description: Its version, also its \`ETag\`.
          example: 1
    WebhookEndpointCreated:
      type: object
      additionalProperties: false
      description: A new webhook endpoint, with its signing secret (shown only this once).
      required:
        [
          id,
          projectId,
          url,
          description,
          eventTypes,
          enabled,
          disabledReason,
          previousSecretExpiresAt,
          createdAt,
          updatedAt,
          version,
          secret,
        ]
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^whk_[0-9A-Z]{26}$
          description: The webhook endpoint id.
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        projectId:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project whose changes it receives.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        url:
          type: string
          format: uri
          minLength: 1
          maxLength: 2000
          description: Where events are POSTed; \`https\` unless the server allows \`http\` for development.
          example: https://hooks.example.com/tasklane
        description:
          type: string
          maxLength: 500
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: What the endpoint is for.
          example: Post finished tasks to the team chat
        eventTypes:
          type: array
          minItems: 1
          maxItems: 40
          uniqueItems: true
          description: "Which changes to send: change types (\`task.updated\`), a resource's every change (\`task.*\`), or \`*\` for all."
          items:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^(\\*|[a-z]+\\.(\\*|[a-z_]+))$
          example: [task.*, comment.created]
        enabled:
          type: boolean
          description: Whether new changes are delivered to it.
          example: true
        disabledReason:
          type:
            - string
            - "null"
          maxLength: 20
          pattern: ^failing$
          description: "\`failing\` when the server disabled it because every attempt failed for \`WEBHOOK_DISABLE_AFTER_S\`; \`null\` otherwise."
          example: null
        previousSecretExpiresAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: Until when deliveries are also signed with the secret before the last rotation; \`null\` when there is none.
          example: 2026-11-20T09:30:00.000Z
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When it was added.
          example: 2026-11-20T09:30:00.000Z
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When it last changed.
          example: 2026-11-20T09:30:00.000Z
        version:
          type: integer
          format: int32
          minimum: 1
          maximum: 2147483647
          description: Its version, also its \`ETag\`.
          example: 1
        secret:
          type: string
          minLength: 20
          maxLength: 100
          pattern: ^whsec_[!-~]+$
          description: The signing secret (Standard Webhooks \`whsec_\` form). Shown only once.
          example: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    WebhookEndpointCreate:
      type: object
      additionalProperties: false
      required: [url, eventTypes]
      description: A new webhook endpoint.
      properties:
        url:
          type: string
          format: uri
          minLength: 1
          maxLength: 2000
          description: Where events are POSTed; \`https\` unless the server allows \`http\` for development.
          example: https://hooks.example.com/tasklane
        description:
          type: string
          maxLength: 500
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: What the endpoint is for.
          example: Post finished tasks to the team chat
        eventTypes:
          type: array
          minItems: 1
          maxItems: 40
          uniqueItems: true
          description: "Which changes to send: change types (\`task.updated\`), a resource's every change (\`task.*\`), or \`*\` for all."
          items:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^(\\*|[a-z]+\\.(\\*|[a-z_]+))$
          example: [task.*, comment.created]
        enabled:
          type: boolean
          description: Whether to deliver to it at once; \`true\` when left out.
          example: true
    WebhookEndpointUpdate:
      type: object
      additionalProperties: false
      minProperties: 1
      description: The fields to change.
      properties:
        url:
          type: string
          format: uri
          minLength: 1
          maxLength: 2000
          description: Where events are POSTed; \`https\` unless the server allows \`http\` for development.
          example: https://hooks.example.com/tasklane
        description:
          type: string
          maxLength: 500
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: What the endpoint is for.
          example: Post finished tasks to the team chat
        eventTypes:
          type: array
          minItems: 1
          maxItems: 40
          uniqueItems: true
          description: "Which changes to send: change types (\`task.updated\`), a resource's every change (\`task.*\`), or \`*\` for all."
          items:
            type: string
            minLength: 1
            maxLength: 64
            pattern: ^(\\*|[a-z]+\\.(\\*|[a-z_]+))$
          example: [task.*, comment.created]
        enabled:
          type: boolean
          description: "\`false\` stops deliveries of new changes; \`true\` starts them again (and clears \`disabledReason\`)."
          example: false
    WebhookEndpointList:
      type: object
      additionalProperties: false
      required: [data, nextCursor]
      description: A page of webhook endpoints, oldest first.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/WebhookEndpoint"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    WebhookSecret:
      type: object
      additionalProperties: false
      required: [secret, previousSecretExpiresAt]
      description: A new signing secret, shown only this once.
      properties:
        secret:
          type: string
          minLength: 20
          maxLength: 100
          pattern: ^whsec_[!-~]+$
          description: The signing secret (Standard Webhooks \`whsec_\` form). Shown only once.
          example: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
        previousSecretExpiresAt:
          type: string
          format: date-time
          maxLength: 40
          description: Until when deliveries are also signed with the previous secret (24 hours).
          example: 2026-11-20T09:30:00.000Z
    WebhookDelivery:
      type: object
      additionalProperties: false
      description: One event sent (or to be sent) to an endpoint, with the outcome of its last attempt.
      required:
        [
          id,
          endpointId,
          eventType,
          changeSeq,
          status,
          attempts,
          lastAttemptAt,
          durationMs,
          responseStatus,
          responseBody,
          error,
          nextAttemptAt,
          createdAt,
        ]
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^msg_[0-9A-Z]{26}$
          description: The delivery id, sent as \`webhook-id\` on every attempt.
          example: msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        endpointId:
          type: string
          maxLength: 64
          pattern: ^whk_[0-9A-Z]{26}$
          description: The endpoint.
          example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        eventType:
          type: string
          maxLength: 64
          pattern: ^[a-z]+\\.[a-z_]+$
          description: The event's \`type\`, a change type or \`webhook.ping\`.
          example: task.updated
        changeSeq:
          type:
            - string
            - "null"
          pattern: ^[0-9]{1,19}$
          maxLength: 19
          description: The change's seq; \`null\` for a ping.
          example: "42"
        status:
          type: string
          enum: [pending, succeeded, failed]
          description: "\`pending\` until an attempt succeeds (\`succeeded\`) or retries end (\`failed\`)."
          example: pending
        attempts:
          type: integer
          format: int32
          minimum: 0
          maximum: 2147483647
          description: Attempts made so far.
          example: 2
        lastAttemptAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the last attempt started; \`null\` before the first.
          example: 2026-11-20T09:30:00.000Z
        durationMs:
          type:
            - integer
            - "null"
          format: int32
          minimum: 0
          maximum: 2147483647
          description: How long the last attempt took, in milliseconds.
          example: 131
        responseStatus:
          type:
            - integer
            - "null"
          format: int32
          minimum: 100
          maximum: 599
          description: The HTTP status the receiver answered the last attempt with; \`null\` when it did not answer.
          example: 503
        responseBody:
          type:
            - string
            - "null"
          maxLength: 65536
          pattern: ^[^\\u0000]*$
          description: The start of the last response's body (at most 64 KiB of it, as text).
          example: Service Unavailable
        error:
          type:
            - string
            - "null"
          maxLength: 2000
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: Why the last attempt failed when no status tells (a refused address, a time-out, a dropped connection, a redirect).
          example: null
        nextAttemptAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When the next attempt is due; \`null\` when none is.
          example: 2026-11-20T09:30:00.000Z
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the event was queued.
          example: 2026-11-20T09:30:00.000Z
    WebhookDeliveryList:
      type: object
      additionalProperties: false
      required: [data, nextCursor]
      description: A page of deliveries, newest first.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/WebhookDelivery"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    WebhookReplay:
      type: object
      additionalProperties: false
      required: [since]
      description: Where to replay from.
      properties:
        since:
          type: string
          pattern: ^[0-9]{1,19}$
          maxLength: 19
          description: Replay the changes after this seq.
          example: "42"
    WebhookReplayResult:
      type: object
      additionalProperties: false
      required: [queued, throughSeq, hasMore]
      description: What a replay queued.
      properties:
        queued:
          type: integer
          format: int32
          minimum: 0
          maximum: 10000
          description: Deliveries queued.
          example: 37
        throughSeq:
          type: string
          pattern: ^[0-9]{1,19}$
          maxLength: 19
          description: The last seq looked at; pass it as \`since\` to continue when \`hasMore\`.
          example: "42"
        hasMore:
          type: boolean
          description: Whether later changes are left to replay.
          example: false
    WebhookChangeEvent:
      type: object
      additionalProperties: false
      description: The body of a webhook delivery for a change (Standard Webhooks envelope).
      required: [type, timestamp, data]
      properties:
        type:
          type: string
          maxLength: 64
          pattern: ^[a-z]+\\.[a-z_]+$
          description: The change's type, e.g. \`task.updated\`.
          example: task.updated
        timestamp:
          type: string
          format: date-time
          maxLength: 40
          description: When the change happened.
          example: 2026-11-20T09:30:00.000Z
        data:
          $ref: "#/components/schemas/Change"
    WebhookPingEvent:
      type: object
      additionalProperties: false
      description: The body of a test event sent by \`pingWebhookEndpoint\`.
      required: [type, timestamp, data]
      properties:
        type:
          type: string
          enum: [webhook.ping]
          description: Always \`webhook.ping\`.
          example: webhook.ping
        timestamp:
          type: string
          format: date-time
          maxLength: 40
          description: When the ping was asked for.
          example: 2026-11-20T09:30:00.000Z
        data:
          type: object
          additionalProperties: false
          required: [endpointId, projectId]
          description: Which endpoint was pinged.
          properties:
            endpointId:
              type: string
              maxLength: 64
              pattern: ^whk_[0-9A-Z]{26}$
              description: The endpoint.
              example: whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            projectId:
              type: string
              maxLength: 64
              pattern: ^prj_[0-9A-Z]{26}$
              description: Its project.
              example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    Change:
      type: object
      additionalProperties: false
      description: One entry of the change log.
      required:
        - seq
        - type
        - projectId
        - resourceType
        - resourceId
        - version
        - actorId
        - occurredAt
        - data
      properties:
        seq:
          type: string
          pattern: ^[0-9]{1,19}$
          maxLength: 19
          description: Position in the log, a decimal integer (it may exceed 2^53); also the event id on the stream.
          example: "42"
        type:
          type: string
          description: What happened, \`<resourceType>.<verb>\`.
          enum:
            - project.created
            - project.updated
            - project.deleted
            - member.added
            - member.updated
            - member.removed
            - invitation.created
            - invitation.accepted
            - invitation.revoked
            - task.created
            - task.updated
            - task.deleted
            - note.created
            - note.updated
            - note.deleted
            - comment.created
            - comment.updated
            - comment.deleted
            - notification.created
            - notification.updated
            - attachment.created
            - attachment.updated
            - attachment.deleted
            - notification.deleted
          example: task.updated
        projectId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project the change belongs to; \`null\` for changes of the caller's own account.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        resourceType:
          type: string
          enum:
            - project
            - member
            - invitation
            - task
            - note
            - comment
            - notification
            - attachment
          description: The kind of resource in \`data\`.
          example: task
        resourceId:
          type: string
          minLength: 1
          maxLength: 64
          pattern: ^[a-z]{3}_[0-9A-Z]{26}$
          description: The id of the resource (for a membership, the member's user id).
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        version:
          type:
            - integer
            - "null"
          format: int32
          minimum: 1
          maximum: 2147483647
          description: The resource's version after the change (its \`ETag\`); \`null\` for deletions and resources without versions.
          example: 2
        actorId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: Who made the change; \`null\` when no user did (an account that has since been deleted, or the system).
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        occurredAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the change was committed.
          example: 2026-11-20T09:31:00.000Z
        data:
          type: object
          additionalProperties: true
          description: 'The resource as its get operation answers it, as of this change; for deletions and removals a tombstone \`{ "id": "…", "deleted": true }\`.'
          example:
            id: nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            deleted: true
    ChangeList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
        - syncToken
      description: A page of changes.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Change"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` when this page holds every change there is now.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
        syncToken:
          type: string
          pattern: ^[0-9]{1,19}$
          maxLength: 19
          description: Pass as \`since\` on the next poll; the \`seq\` of the last change returned, or the given \`since\` when there is nothing new.
          example: "43"
    Notification:
      type: object
      additionalProperties: false
      description: "Something that happened to you: a thread per task (or project) and reason while unread."
      required:
        - id
        - reason
        - projectId
        - taskId
        - commentId
        - invitationId
        - webhookId
        - actorId
        - title
        - count
        - readAt
        - createdAt
        - updatedAt
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^ntf_[0-9A-Z]{26}$
          description: The notification id.
          example: ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        reason:
          type: string
          enum:
            - assigned
            - mentioned
            - commented
            - invited
            - webhook_disabled
          description: "Why you were notified: \`assigned\` (a task was assigned to you), \`mentioned\` (an @mention of you in a task description or comment), \`commented\` (a comment on a task you created or are assigned), \`invited\` (an invitation to a project), \`webhook_disabled\` (a webhook endpoint of a project you own failed every delivery for \`WEBHOOK_DISABLE_AFTER_S\` and was turned off; its owners are also emailed at once, and there is no preference to turn this one off)."
        projectId:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project it happened in (for \`invited\`, the project you were invited to).
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        taskId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^tsk_[0-9A-Z]{26}$
          description: The task; \`null\` for \`invited\` and \`webhook_disabled\`.
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        commentId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^cmt_[0-9A-Z]{26}$
          description: The latest comment of the thread, when the latest event was a comment; otherwise \`null\`.
          example: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        invitationId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^inv_[0-9A-Z]{26}$
          description: The latest invitation, for \`invited\`; otherwise \`null\`. Accept it with the token from the invitation email.
          example: null
        webhookId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^whk_[0-9A-Z]{26}$
          description: The webhook endpoint, for \`webhook_disabled\`; otherwise \`null\`. Enable it again with \`updateWebhookEndpoint\`, then replay what it missed with \`replayWebhookEvents\`.
          example: null
        actorId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: Who caused the latest event of the thread; \`null\` once their account is deleted.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        title:
          type: string
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          minLength: 1
          maxLength: 500
          description: The task title (or, for \`invited\`, the project name; for \`webhook_disabled\`, the endpoint's URL) at the latest event, so the notification can be shown without another request.
          example: Write the launch post
        count:
          type: integer
          format: int32
          minimum: 1
          maximum: 2147483647
          description: How many events this thread has gathered while unread.
          example: 2
        readAt:
          type:
            - string
            - "null"
          format: date-time
          maxLength: 40
          description: When it was marked read; \`null\` while unread.
          example: null
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the thread started.
          example: 2026-11-20T09:30:00.000Z
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the latest event of the thread happened; lists are newest first by this.
          example: 2026-11-20T10:12:40.000Z
    NotificationList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      description: A page of notifications, most recently updated first.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Notification"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    UnreadNotificationCount:
      type: object
      additionalProperties: false
      required:
        - count
      description: How many notifications are unread.
      properties:
        count:
          type: integer
          format: int32
          minimum: 0
          maximum: 2147483647
          description: The number of unread notifications.
          example: 3
    NotificationsMarkRead:
      type: object
      additionalProperties: false
      required:
        - before
      description: Which notifications to mark read.
      properties:
        before:
          type: string
          format: date-time
          maxLength: 40
          description: Mark read the unread notifications whose \`updatedAt\` is at or before this time.
          example: 2026-11-20T10:12:40.000Z
    NotificationsMarked:
      type: object
      additionalProperties: false
      required:
        - marked
      description: The outcome of marking notifications read.
      properties:
        marked:
          type: integer
          format: int32
          minimum: 0
          maximum: 2147483647
          description: How many notifications were unread and are now read.
          example: 3
    NotificationChannels:
      type: object
      additionalProperties: false
      required:
        - inApp
        - email
      description: Where notifications of one reason go.
      properties:
        inApp:
          type: boolean
          description: Make a notification in the app (and on the event stream). When off, nothing is made, so nothing is emailed either.
          example: true
        email:
          type: boolean
          description: Email it when it is still unread some minutes later (the server's \`NOTIFICATION_EMAIL_DELAY_S\`, 10 minutes by default).
          example: true
    NotificationChannelsUpdate:
      type: object
      additionalProperties: false
      minProperties: 1
      description: The channels to change for one reason; those left out stay as they are.
      properties:
        inApp:
          type: boolean
          description: Make a notification in the app (and on the event stream).
          example: true
        email:
          type: boolean
          description: Email it when it is still unread after the delay.
          example: false
    NotificationPreferences:
      type: object
      additionalProperties: false
      required:
        - assigned
        - mentioned
        - commented
        - invited
      description: For each reason, which channels notify you.
      properties:
        assigned:
          $ref: "#/components/schemas/NotificationChannels"
        mentioned:
          $ref: "#/components/schemas/NotificationChannels"
        commented:
          $ref: "#/components/schemas/NotificationChannels"
        invited:
          $ref: "#/components/schemas/NotificationChannels"
    NotificationPreferencesUpdate:
      type: object
      additionalProperties: false
      description: The reasons and channels to change; anything left out stays as it is.
      properties:
        assigned:
          $ref: "#/components/schemas/NotificationChannelsUpdate"
        mentioned:
          $ref: "#/components/schemas/NotificationChannelsUpdate"
        commented:
          $ref: "#/components/schemas/NotificationChannelsUpdate"
        invited:
          $ref: "#/components/schemas/NotificationChannelsUpdate"
    StreamEvent:
      description: |-
        One event of \`streamEvents\` as an \`EventSource\` parses it: \`id\` (changes and \`ready\` only), \`event\`
        and \`data\` (parsed from JSON). Exactly one of these matches, told apart by \`event\`.
      anyOf:
        - $ref: "#/components/schemas/ReadyEvent"
        - $ref: "#/components/schemas/ChangeEvent"
        - $ref: "#/components/schemas/AccessRevokedEvent"
        - $ref: "#/components/schemas/AuthExpiredEvent"
        - $ref: "#/components/schemas/ReconnectEvent"
    ReadyEvent:
      type: object
      additionalProperties: false
      required: [id, event, data]
      description: |-
        The first event of every stream: where it starts. Its \`id\` (the same as \`data.since\`) is the
        position to resume from until the first change arrives.
      properties:
        id:
          type: string
          maxLength: 19
          pattern: ^[0-9]{1,19}$
          example: "41"
        event:
          type: string
          enum: [ready]
        data:
          type: object
          additionalProperties: false
          required: [since]
          properties:
            since:
              type: string
              maxLength: 19
              pattern: ^[0-9]{1,19}$
              description: The \`seq\` the stream sends changes after (\`0\` for an empty log).
              example: "41"
    ChangeEvent:
      type: object
      additionalProperties: false
      required: [id, event, data]
      description: A change the caller may see. Its \`id\` is the change's \`seq\`, to resume from.
      properties:
        id:
          type: string
          maxLength: 19
          pattern: ^[0-9]{1,19}$
          example: "42"
        event:
          type: string
          maxLength: 64
          pattern: ^[a-z]+\\.[a-z_]+$
          description: The change's \`type\` (as in \`data.type\`).
          example: task.updated
        data:
          $ref: "#/components/schemas/Change"
    AccessRevokedEvent:
      type: object
      additionalProperties: false
      required: [event, data]
      description: The caller lost access to a project (removed from it, or it was deleted); nothing more of it follows.
      properties:
        event:
          type: string
          enum: [access_revoked]
        data:
          type: object
          additionalProperties: false
          required: [projectId]
          properties:
            projectId:
              type: string
              maxLength: 64
              pattern: ^prj_[0-9A-Z]{26}$
              example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    AuthExpiredEvent:
      type: object
      additionalProperties: false
      required: [event, data]
      description: The credentials expired or were revoked; the server closes the stream. Reconnect with fresh credentials.
      properties:
        event:
          type: string
          enum: [auth_expired]
        data:
          type: object
          additionalProperties: false
    ReconnectEvent:
      type: object
      additionalProperties: false
      required: [event, data]
      description: |-
        The server closes the stream: it is shutting down (\`shutdown\`) or the client reads too slowly
        (\`slow_consumer\`). Reconnect (to any instance) from \`since\`.
      properties:
        event:
          type: string
          enum: [reconnect]
        data:
          type: object
          additionalProperties: false
          required: [reason, since]
          properties:
            reason:
              type: string
              enum: [shutdown, slow_consumer]
            since:
              type: string
              maxLength: 19
              pattern: ^[0-9]{1,19}$
              description: The \`seq\` of the last change sent; resume after it.
              example: "42"
    Attachment:
      type: object
      additionalProperties: false
      description: A file stored in a project, optionally attached to one of its tasks, notes or comments.
      required:
        - id
        - projectId
        - taskId
        - noteId
        - commentId
        - filename
        - contentType
        - claimedContentType
        - size
        - sha256
        - thumbnails
        - createdBy
        - createdAt
        - updatedAt
        - version
      properties:
        id:
          type: string
          maxLength: 64
          pattern: ^att_[0-9A-Z]{26}$
          description: The attachment id.
          example: att_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        projectId:
          type: string
          maxLength: 64
          pattern: ^prj_[0-9A-Z]{26}$
          description: The project the file belongs to.
          example: prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        taskId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^tsk_[0-9A-Z]{26}$
          description: The task the file is attached to, if any.
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        noteId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^not_[0-9A-Z]{26}$
          description: The note the file is attached to, if any.
          example: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        commentId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^cmt_[0-9A-Z]{26}$
          description: The comment the file is attached to, if any.
          example: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        filename:
          type: string
          minLength: 1
          maxLength: 255
          pattern: ^[^\\u0000-\\u001F\\u007F\\u002F\\u005C]*$
          description: The file's name as uploaded (or renamed); shown to people, never used as a path.
          example: screenshot 2026-11-20.png
        contentType:
          type: string
          maxLength: 255
          pattern: ^[a-z0-9!#$&^_.+-]+\\u002F[a-z0-9!#$&^_.+-]+$
          description: The media type read from the file's bytes; \`text/plain\` or \`application/octet-stream\` when nothing more is known.
          example: image/png
        claimedContentType:
          type:
            - string
            - "null"
          maxLength: 255
          pattern: ^[\\x20-\\x7E]*$
          description: The media type the client sent with the file, kept for reference only.
          example: image/png
        size:
          type: integer
          format: int64
          minimum: 1
          maximum: 9007199254740991
          description: The file's size in bytes.
          example: 48213
        sha256:
          type: string
          minLength: 64
          maxLength: 64
          pattern: ^[0-9a-f]{64}$
          description: The hex SHA-256 of the file's bytes; also its download \`ETag\`.
          example: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        thumbnails:
          type: boolean
          description: Whether thumbnails can be asked for (the file is a PNG, JPEG, GIF, WebP, AVIF or TIFF image).
          example: true
        createdBy:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^usr_[0-9A-Z]{26}$
          description: Who uploaded the file; \`null\` once their account is deleted.
          example: usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        createdAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the file was stored.
          example: 2026-11-20T09:30:00.000Z
        updatedAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the metadata last changed.
          example: 2026-11-20T09:30:00.000Z
        version:
          type: integer
          format: int32
          minimum: 1
          maximum: 2147483647
          description: Increases with every change of the metadata; the \`ETag\` of the resource is this number in quotes.
          example: 1
    AttachmentUpload:
      type: object
      additionalProperties: false
      required:
        - file
      description: A multipart upload. Send the fields before the file part when you can; they are read as they arrive.
      properties:
        file:
          type: string
          format: binary
          maxLength: 5368709120
          description: The file; its part's \`filename\` is the file's name.
        taskId:
          type: string
          maxLength: 64
          pattern: ^tsk_[0-9A-Z]{26}$
          description: Attach the file to this task of the project.
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        noteId:
          type: string
          maxLength: 64
          pattern: ^not_[0-9A-Z]{26}$
          description: Attach the file to this note of the project.
          example: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        commentId:
          type: string
          maxLength: 64
          pattern: ^cmt_[0-9A-Z]{26}$
          description: Attach the file to this comment on a task of the project.
          example: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        sha256:
          type: string
          minLength: 64
          maxLength: 64
          pattern: ^[0-9a-fA-F]{64}$
          description: The hex SHA-256 the file must have.
          example: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    AttachmentUpdate:
      type: object
      additionalProperties: false
      minProperties: 1
      description: The fields to change. \`null\` detaches the file from a task, note or comment.
      properties:
        filename:
          type: string
          minLength: 1
          maxLength: 1000
          pattern: ^[^\\u0000-\\u001F\\u007F]*$
          description: A new name (at most 255 characters, no path separators).
          example: final report.pdf
        taskId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^tsk_[0-9A-Z]{26}$
          description: Attach the file to this task of its project.
          example: tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        noteId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^not_[0-9A-Z]{26}$
          description: Attach the file to this note of its project.
          example: not_01JD8X3Z7Q2W6V5T4R3P1N0M9K
        commentId:
          type:
            - string
            - "null"
          maxLength: 64
          pattern: ^cmt_[0-9A-Z]{26}$
          description: Attach the file to this comment on a task of its project.
          example: cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    AttachmentList:
      type: object
      additionalProperties: false
      required:
        - data
        - nextCursor
      description: A page of attachments.
      properties:
        data:
          type: array
          maxItems: 100
          items:
            $ref: "#/components/schemas/Attachment"
        nextCursor:
          type:
            - string
            - "null"
          maxLength: 1000
          pattern: ^[A-Za-z0-9_-]+$
          description: Pass as \`cursor\` to get the next page; \`null\` on the last page.
          example: WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA
    AttachmentLink:
      type: object
      additionalProperties: false
      required:
        - url
        - expiresAt
      description: A signed download link.
      properties:
        url:
          type: string
          maxLength: 1000
          pattern: ^\\u002Fv1\\u002Ffiles\\u002F[A-Za-z0-9_.-]+$
          description: The link, relative to the server's base URL.
          example: /v1/files/YXR0XzAx.pH1wJ3rN
        expiresAt:
          type: string
          format: date-time
          maxLength: 40
          description: When the link stops working.
          example: 2026-11-20T09:35:00.000Z
    ProjectStorage:
      type: object
      additionalProperties: false
      required:
        - usedBytes
        - reservedBytes
        - fileCount
        - quotaBytes
        - maxFileBytes
      description: A project's storage use and limits.
      properties:
        usedBytes:
          type: integer
          format: int64
          minimum: 0
          maximum: 9007199254740991
          description: Bytes the project's files take.
          example: 48213
        reservedBytes:
          type: integer
          format: int64
          minimum: 0
          maximum: 9007199254740991
          description: "Bytes held for resumable uploads still under way (their \`Upload-Length\`), counted against the quota with \`usedBytes\` until each finishes, is cancelled or expires."
          example: 0
        fileCount:
          type: integer
          format: int32
          minimum: 0
          maximum: 2147483647
          description: How many files the project has.
          example: 1
        quotaBytes:
          type: integer
          format: int64
          minimum: 0
          maximum: 9007199254740991
          description: The most bytes the project's files may take.
          example: 1073741824
        maxFileBytes:
          type: integer
          format: int64
          minimum: 1
          maximum: 9007199254740991
          description: The largest file accepted.
          example: 104857600
  responses:
    BadRequest:
      description: A parameter or header fails validation (\`code\` \`validation_failed\`; \`errors\` lists each invalid input).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [validation_failed]
          example:
            type: https://tasklane.dev/problems/validation_failed
            title: Validation failed
            status: 400
            detail: The request body does not match the schema.
            instance: /v1/projects
            code: validation_failed
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            errors:
              - path: /body/name
                message: "Too small: expected string to have >=1 characters"
                code: too_small
    Unauthorized:
      description: "The request has no valid credentials. \`code\` says why: \`unauthenticated\`, \`token_expired\`, \`token_invalid\`, \`session_revoked\`, \`api_key_revoked\`."
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [unauthenticated, token_invalid, token_expired, session_revoked, api_key_revoked]
          example:
            type: https://tasklane.dev/problems/unauthenticated
            title: Unauthorized
            status: 401
            detail: 'This operation needs credentials: send "Authorization: Bearer <token>".'
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: unauthenticated
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    Forbidden:
      description: "The credentials may not do this: an API key without the \`write\` scope (\`insufficient_scope\`), or a project role that may not (\`forbidden\`)."
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [insufficient_scope, forbidden]
          example:
            type: https://tasklane.dev/problems/insufficient_scope
            title: Forbidden
            status: 403
            detail: These credentials lack the \`write\` scope this operation needs.
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: insufficient_scope
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    NotFound:
      description: No such resource, or one the caller may not see (the two are indistinguishable).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [not_found]
          example:
            type: https://tasklane.dev/problems/not_found
            title: Not found
            status: 404
            detail: No project with this id.
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: not_found
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    Conflict:
      description: A request with the same \`Idempotency-Key\` is still being processed (\`idempotency_key_in_use\`); retry it later.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [idempotency_key_in_use]
          example:
            type: https://tasklane.dev/problems/idempotency_key_in_use
            title: Conflict
            status: 409
            detail: A request with this Idempotency-Key is still in progress.
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: idempotency_key_in_use
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    PreconditionFailed:
      description: "\`If-Match\` does not match the resource's current version; the current \`ETag\` is in the response."
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        ETag:
          $ref: "#/components/headers/ETag"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [precondition_failed]
          example:
            type: https://tasklane.dev/problems/precondition_failed
            title: Precondition failed
            status: 412
            detail: The resource has changed since it was read; fetch it again.
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: precondition_failed
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    UnprocessableContent:
      description: This \`Idempotency-Key\` was used with a different request (\`idempotency_key_reused\`).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [idempotency_key_reused]
          example:
            type: https://tasklane.dev/problems/idempotency_key_reused
            title: Unprocessable content
            status: 422
            detail: This Idempotency-Key was used with a different request; use a new key for a new request.
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: idempotency_key_reused
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    CursorExpired:
      description: "\`since\` (or \`Last-Event-ID\`) is older than the change log keeps (\`code\` is \`cursor_expired\`): reload the resources, then continue from the latest \`syncToken\`."
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [cursor_expired]
          example:
            type: https://tasklane.dev/problems/cursor_expired
            title: Gone
            status: 410
            detail: Changes before seq 1200 are no longer kept; reload and continue from the latest syncToken.
            instance: /v1/changes
            code: cursor_expired
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    TooManyRequests:
      description: A rate limit was exceeded; wait \`Retry-After\` seconds.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Retry-After:
          $ref: "#/components/headers/Retry-After"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [rate_limited]
          example:
            type: https://tasklane.dev/problems/rate_limited
            title: Too many requests
            status: 429
            detail: Too many requests; retry in 30 seconds.
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: rate_limited
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    TooManyRequestsStreams:
      description: |
        A rate limit was exceeded (\`rate_limited\`), or the caller already holds as many open event streams on
        this instance as it may (\`too_many_streams\`: \`EVENTS_MAX_STREAMS_PER_USER\` per user,
        \`EVENTS_MAX_STREAMS_PER_KEY\` per API key); close one, or wait \`Retry-After\` seconds.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Retry-After:
          $ref: "#/components/headers/Retry-After"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [rate_limited, too_many_streams]
          example:
            type: https://tasklane.dev/problems/too_many_streams
            title: Too many requests
            status: 429
            detail: This account has 20 event streams open on this server, the most it may; close one before opening another.
            instance: /v1/events
            code: too_many_streams
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    StreamsUnavailable:
      description: |
        The server cannot open the stream now; \`code\` says why, and \`Retry-After\` when to try again.
        \`streams_unavailable\`: this instance already serves \`EVENTS_MAX_STREAMS\` open event streams (another
        instance may have room). \`service_unavailable\`: the database does not answer (down, restarting,
        failing over, or slower than the configured time limits).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        Retry-After:
          $ref: "#/components/headers/Retry-After"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [streams_unavailable, service_unavailable]
          example:
            type: https://tasklane.dev/problems/streams_unavailable
            title: Service unavailable
            status: 503
            detail: This server holds as many event streams as it may; retry shortly (another server may have room).
            instance: /v1/events
            code: streams_unavailable
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    InternalError:
      description: An unexpected error. It is logged in full with the request id; the body never carries internals.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [internal_error]
          example:
            type: https://tasklane.dev/problems/internal_error
            title: Internal server error
            status: 500
            detail: An unexpected error occurred. Quote the request id when reporting it.
            instance: /v1/projects
            code: internal_error
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    ServiceUnavailable:
      description: |
        The database does not answer now (down, restarting, failing over, or slower than the configured time
        limits); \`code\` is \`service_unavailable\`. Retry after \`Retry-After\` seconds. A write whose connection was
        lost while committing may have been carried out: retry creates with the same \`Idempotency-Key\`.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        Retry-After:
          $ref: "#/components/headers/Retry-After"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [service_unavailable]
          example:
            type: https://tasklane.dev/problems/service_unavailable
            title: Service unavailable
            status: 503
            detail: The database is not answering.
            instance: /readyz
            code: service_unavailable
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    ServerBusy:
      description: |
        The server cannot take this request now; \`code\` says why, and \`Retry-After\` when to try again.
        \`server_busy\`: too many passwords are being checked at once (the hashing queue is full), refused
        before any work. \`service_unavailable\`: the database does not answer (down, restarting, failing over,
        or slower than the configured time limits). Nothing was changed, except that a write whose connection
        was lost while committing may have been carried out.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        Retry-After:
          $ref: "#/components/headers/Retry-After"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [server_busy, service_unavailable]
          examples:
            serverBusy:
              summary: The hashing queue is full
              value:
                type: https://tasklane.dev/problems/server_busy
                title: Service unavailable
                status: 503
                detail: The server is busy checking passwords; retry in a moment.
                instance: /v1/auth/login
                code: server_busy
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            serviceUnavailable:
              summary: The database does not answer
              value:
                type: https://tasklane.dev/problems/service_unavailable
                title: Service unavailable
                status: 503
                detail: The database is not answering.
                instance: /v1/auth/login
                code: service_unavailable
                requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    RequestHeaderFieldsTooLarge:
      description: |
        The request line and header fields together are longer than 16 KiB (\`code\`
        \`request_header_fields_too_large\`), e.g. a URL over 16 KiB. The request is refused as it is read,
        before any other check (so this answer carries no rate-limit or CORS headers and \`instance\` is \`/\`),
        and the connection closes after it.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        Connection:
          $ref: "#/components/headers/Connection-Close"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [request_header_fields_too_large]
          example:
            type: https://tasklane.dev/problems/request_header_fields_too_large
            title: Request header fields too large
            status: 431
            detail: The request line and headers are longer than 16384 bytes.
            instance: /
            code: request_header_fields_too_large
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    ContentTooLarge:
      description: |
        The request body is larger than this operation takes (\`code\` \`content_too_large\`): the longest body its
        schema allows (compact JSON with every string character written as a \`\\u\` escape, plus 1 KiB for
        whitespace; a few kilobytes for signing in), and never more than \`BODY_LIMIT\` (1 MiB by default). The
        rest of the body is not read, so the connection closes after this answer (\`Connection: close\`).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        Connection:
          $ref: "#/components/headers/Connection-Close"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [content_too_large]
          example:
            type: https://tasklane.dev/problems/content_too_large
            title: Content too large
            status: 413
            detail: The request body is larger than 1048576 bytes.
            instance: /v1/projects
            code: content_too_large
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    UnsupportedMediaType:
      description: The request body is not in a media type this operation takes (\`code\` \`unsupported_media_type\`); \`Accept-Post\` or \`Accept-Patch\` lists the ones it does. JSON bodies are UTF-8, so a \`charset\` other than \`utf-8\` is refused too.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [unsupported_media_type]
          example:
            type: https://tasklane.dev/problems/unsupported_media_type
            title: Unsupported media type
            status: 415
            detail: This operation takes application/json, not text/plain.
            instance: /v1/projects
            code: unsupported_media_type
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    SessionRequired:
      description: "Only a signed-in user may do this: an API key answers 403 with \`code\` \`session_required\`."
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [session_required]
          example:
            type: https://tasklane.dev/problems/session_required
            title: Forbidden
            status: 403
            detail: Managing the account needs a signed-in session, not an API key.
            instance: /v1/me/api-keys
            code: session_required
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    BadRequestBody:
      description: The request fails validation (\`validation_failed\`, with \`errors\` listing each invalid input), its JSON does not parse (\`malformed_json\`), it nests arrays and objects more than 64 deep (\`json_too_deep\`), or an object in it has more keys or an array more items than any in the operation's schema and more than 64 (\`json_too_wide\`); the last two are found before the body is parsed.
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [validation_failed, malformed_json, json_too_deep, json_too_wide]
          example:
            type: https://tasklane.dev/problems/validation_failed
            title: Validation failed
            status: 400
            detail: The request body does not match the schema.
            instance: /v1/projects
            code: validation_failed
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            errors:
              - path: /body/name
                message: "Too small: expected string to have >=1 characters"
                code: too_small
    BadRequestChanges:
      description: |
        A parameter fails validation (\`validation_failed\`, with \`errors\`), \`cursor\` is not one this list issued
        for these filters (\`invalid_cursor\`), or \`since\` is past the newest change (\`since_ahead\`; reload and
        continue from the new \`syncToken\`).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [validation_failed, invalid_cursor, since_ahead]
          example:
            type: https://tasklane.dev/problems/since_ahead
            title: Bad request
            status: 400
            detail: since (900) is past the newest change (42); reload and continue from the latest syncToken.
            instance: /v1/changes
            code: since_ahead
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            errors:
              - path: /query/since
                message: Past the newest change (42)
                code: too_big
    BadRequestEvents:
      description: |
        A parameter or header fails validation (\`validation_failed\`, with \`errors\`), or the position to start
        after (\`Last-Event-ID\` or \`since\`) is past the newest change (\`since_ahead\`; reload and continue from
        the new position).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [validation_failed, since_ahead]
          example:
            type: https://tasklane.dev/problems/since_ahead
            title: Bad request
            status: 400
            detail: Last-Event-ID (900) is past the newest change (42); reload and continue from the latest position.
            instance: /v1/events
            code: since_ahead
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            errors:
              - path: /header/Last-Event-ID
                message: Past the newest change (42)
                code: too_big
    BadRequestList:
      description: A parameter fails validation (\`validation_failed\`, with \`errors\`), or \`cursor\` is not one this list issued for these filters (\`invalid_cursor\`).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [validation_failed, invalid_cursor]
          example:
            type: https://tasklane.dev/problems/validation_failed
            title: Validation failed
            status: 400
            detail: The request body does not match the schema.
            instance: /v1/projects
            code: validation_failed
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            errors:
              - path: /body/name
                message: "Too small: expected string to have >=1 characters"
                code: too_small
    ForbiddenScope:
      description: An API key without the \`write\` scope may not do this (\`insufficient_scope\`).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [insufficient_scope]
          example:
            type: https://tasklane.dev/problems/insufficient_scope
            title: Forbidden
            status: 403
            detail: These credentials lack the \`write\` scope this operation needs.
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: insufficient_scope
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    ForbiddenRole:
      description: The caller's role in the project may not do this (\`forbidden\`).
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [forbidden]
          example:
            type: https://tasklane.dev/problems/forbidden
            title: Forbidden
            status: 403
            detail: A project viewer may not create this task.
            instance: /v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K
            code: forbidden
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
    SessionRequiredForWrite:
      description: "Only a signed-in user may do this: an API key answers 403 with \`code\` \`session_required\` (or \`insufficient_scope\` when it lacks the \`write\` scope)."
      headers:
        X-Request-Id:
          $ref: "#/components/headers/X-Request-Id"
        RateLimit:
          $ref: "#/components/headers/RateLimit"
        RateLimit-Policy:
          $ref: "#/components/headers/RateLimit-Policy"
        Access-Control-Allow-Origin:
          $ref: "#/components/headers/Access-Control-Allow-Origin"
      content:
        application/problem+json:
          schema:
            allOf:
              - $ref: "#/components/schemas/Problem"
              - type: object
                properties:
                  code:
                    type: string
                    enum: [insufficient_scope, session_required]
          example:
            type: https://tasklane.dev/problems/insufficient_scope
            title: Forbidden
            status: 403
            detail: These credentials lack the \`write\` scope this operation needs.
            instance: /v1/me/api-keys
            code: insufficient_scope
            requestId: req_01JD8X3Z7Q2W6V5T4R3P1N0M9K
`

/** openapi.yaml parsed, as JSON text: served (parsed once per app) at /openapi.json. */
export const specJson: string = "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Tasklane API\",\"version\":\"1.0.0\",\"summary\":\"Self-hostable backend for task and note apps.\",\"description\":\"Tasklane stores projects, tasks, notes and comments for task and note apps.\\n\\nConventions that every operation follows:\\n\\n- JSON bodies with camelCase fields; timestamps are RFC 3339 in UTC; ids are opaque, time-sortable strings.\\n- Errors are RFC 9457 `application/problem+json` bodies with a stable machine `code` and the `requestId`\\n  of the request, which is also echoed in the `X-Request-Id` response header.\\n- Lists use cursor pagination: `limit` (1–100, default 20) and `cursor`, answered with\\n  `{ data, nextCursor }` and a `Link: <…>; rel=\\\"next\\\"` header.\\n- Versioning: `info.version` is the contract's semver, answered in the `Tasklane-Api-Version` header of\\n  every response; within `/v1` changes are only additive (a gate compares each change with the last\\n  released contract). Clients name themselves in `Tasklane-Client: <name>/<version>`. A deprecated\\n  operation or parameter answers `Deprecation` (RFC 9745), `Sunset` (RFC 8594) once its removal date is\\n  set, and a `Link` to its docs; the changelog is `docs/api-changelog.md`.\\n\",\"contact\":{\"name\":\"Tasklane maintainers\",\"url\":\"https://github.com/tasklane/tasklane\"},\"license\":{\"name\":\"MIT\",\"identifier\":\"MIT\"}},\"servers\":[{\"url\":\"/\",\"description\":\"The deployment that serves this document at `/openapi.json`: production, staging, or local\\n(`http://localhost:3000` after `npm start`). Tasklane is self-hosted, so it has no fixed public URL.\\n\",\"x-internal\":false}],\"tags\":[{\"name\":\"Operations\",\"description\":\"Health, readiness, metrics and the API description itself.\"},{\"name\":\"Auth\",\"description\":\"Sign up, sign in, tokens, email verification and password reset.\"},{\"name\":\"Account\",\"description\":\"The signed-in user: profile, password, sessions.\"},{\"name\":\"API keys\",\"description\":\"Long-lived keys for scripts and servers, with `read` or `read`+`write` scope.\"},{\"name\":\"Projects\",\"description\":\"Projects group tasks and notes and are shared between members.\"},{\"name\":\"Members\",\"description\":\"Who belongs to a project, with which role.\"},{\"name\":\"Invitations\",\"description\":\"Inviting people to a project by email.\"},{\"name\":\"Tasks\",\"description\":\"Tasks in a project: filter, sort, search.\"},{\"name\":\"Notes\",\"description\":\"Markdown notes in a project.\"},{\"name\":\"Comments\",\"description\":\"Discussion on tasks.\"},{\"name\":\"Notifications\",\"description\":\"What happened to you: assignments, @mentions, comments on your tasks, invitations; read state and preferences.\"},{\"name\":\"Events\",\"description\":\"The change log: every write, as pages to poll and as a live stream.\"},{\"name\":\"Attachments\",\"description\":\"Files on tasks, notes and comments: streamed and resumable uploads, downloads, thumbnails, signed links.\"},{\"name\":\"Webhooks\",\"description\":\"Signed HTTP callbacks (Standard Webhooks) with a project's changes: endpoints, secrets, delivery log, redelivery and replay.\"}],\"paths\":{\"/healthz\":{\"get\":{\"operationId\":\"getHealth\",\"tags\":[\"Operations\"],\"summary\":\"Liveness check\",\"description\":\"Answers 200 while the process is up and serving requests. It does not touch the database.\",\"security\":[{}],\"responses\":{\"200\":{\"description\":\"The process is alive.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Health\"},\"example\":{\"status\":\"ok\"}}}},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"}}}},\"/readyz\":{\"get\":{\"operationId\":\"getReadiness\",\"tags\":[\"Operations\"],\"summary\":\"Readiness check\",\"description\":\"Answers 200 when the server can serve traffic: the database answers a query (within\\n`DATABASE_CONNECT_TIMEOUT_MS`). Answers 503 while it cannot, so that a load balancer takes the instance\\nout of rotation.\\n\\nWhen `REDIS_URL` is set, `redis` reports whether Redis answers. Redis holds only the shared rate-limit\\ncounters; without it each instance counts in its own memory, so the instance still serves traffic:\\nthe answer stays 200, with `status` `degraded` and `redis` `unavailable`, rather than taking every\\ninstance out of rotation at once.\\n\",\"security\":[{}],\"responses\":{\"200\":{\"description\":\"The server is ready.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Readiness\"},\"examples\":{\"embedded\":{\"summary\":\"SQLite, no Redis\",\"value\":{\"status\":\"ok\",\"database\":\"sqlite\"}},\"degraded\":{\"summary\":\"PostgreSQL up, Redis down\",\"value\":{\"status\":\"degraded\",\"database\":\"postgres\",\"redis\":\"unavailable\"}}}}}},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/metrics\":{\"get\":{\"operationId\":\"getMetrics\",\"tags\":[\"Operations\"],\"summary\":\"Prometheus metrics\",\"description\":\"Request counts and latency histograms by route and status, password-hashing queue metrics, plus\\nprocess metrics, in the Prometheus text exposition format.\\n\\nOpen when the operator leaves `METRICS_TOKEN` unset (keep it on a private network then); when it is\\nset, only `Authorization: Bearer <METRICS_TOKEN>` is served and anything else answers 401.\\n\",\"security\":[{},{\"metricsToken\":[]}],\"responses\":{\"200\":{\"description\":\"Metrics in the Prometheus text format.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"text/plain\":{\"schema\":{\"type\":\"string\",\"maxLength\":10000000},\"example\":\"# HELP http_requests_total Requests served, by route and status.\\n# TYPE http_requests_total counter\\nhttp_requests_total{method=\\\"GET\\\",route=\\\"/healthz\\\",status=\\\"200\\\"} 3\\n\"}}},\"401\":{\"description\":\"`METRICS_TOKEN` is set and the request does not carry it (`code` `metrics_token_required`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"metrics_token_required\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/metrics_token_required\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"The metrics need the operator's token: send \\\"Authorization: Bearer <METRICS_TOKEN>\\\".\",\"instance\":\"/metrics\",\"code\":\"metrics_token_required\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"}}}},\"/openapi.json\":{\"get\":{\"operationId\":\"getOpenApiJson\",\"tags\":[\"Operations\"],\"summary\":\"This API description as JSON\",\"description\":\"The reviewed `openapi.yaml` that the server is generated from, converted to JSON.\",\"security\":[{}],\"responses\":{\"200\":{\"description\":\"The OpenAPI document.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\",\"additionalProperties\":true,\"required\":[\"openapi\",\"info\",\"paths\"],\"properties\":{\"openapi\":{\"type\":\"string\",\"maxLength\":20,\"pattern\":\"^3\\\\.1\\\\.[0-9]+$\"},\"info\":{\"type\":\"object\",\"additionalProperties\":true},\"paths\":{\"type\":\"object\",\"additionalProperties\":true}}},\"example\":{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Tasklane API\",\"version\":\"0.1.0\"},\"paths\":{}}}}},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"}}}},\"/openapi.yaml\":{\"get\":{\"operationId\":\"getOpenApiYaml\",\"tags\":[\"Operations\"],\"summary\":\"This API description as YAML\",\"description\":\"The reviewed `openapi.yaml` that the server is generated from, byte for byte.\",\"security\":[{}],\"responses\":{\"200\":{\"description\":\"The OpenAPI document.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/yaml\":{\"schema\":{\"type\":\"string\",\"maxLength\":10000000},\"example\":\"openapi: 3.1.0\\n\"}}},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"}}}},\"/v1/auth/signup\":{\"get\":{\"operationId\":\"getSignUpOptions\",\"tags\":[\"Auth\"],\"summary\":\"How this server signs people up\",\"description\":\"Says which sign-up flow this server uses (`SIGNUP_FLOW`), so that an app can show the right form: `verify-first` signs up only through `startSignUp` and the mailed link (`completeSignUp`); `immediate` also lets the deprecated `signUp` make an account at once. `startSignUp` works under both.\",\"security\":[{}],\"responses\":{\"200\":{\"description\":\"The server's sign-up flow.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/SignUpOptions\"},\"example\":{\"flow\":\"verify-first\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"}}},\"post\":{\"operationId\":\"signUp\",\"tags\":[\"Auth\"],\"summary\":\"Create an account at once (deprecated)\",\"deprecated\":true,\"x-deprecated-at\":\"2026-12-06T00:00:00Z\",\"x-sunset\":\"2027-12-31T00:00:00Z\",\"description\":\"Deprecated: use `startSignUp` and `completeSignUp`, which answer the same for every address. This operation tells whether an address has an account (409 `email_taken`), so it only works where the operator chose the immediate sign-up flow (`SIGNUP_FLOW=immediate`, the default only when the server sends no real mail); a server that signs people up by email answers 403 `signup_requires_verification` to every call, whatever the address.\\n\\nCreates an account and signs it in: the answer carries the new user, an access token (valid `expiresIn` seconds) and a refresh token for `refreshSession`.\\n\\nEmails are unique regardless of case. Passwords must be 10 to 256 characters and not on the list of commonly used passwords; there are no other composition rules. A verification email is sent to the address.\\n\\nRate limited per client IP (policy `signup`).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/SignUpRequest\"},\"example\":{\"email\":\"ada@example.com\",\"password\":\"correct horse battery staple\",\"name\":\"Ada Lovelace\"}}}},\"security\":[{}],\"responses\":{\"201\":{\"description\":\"The account was created and signed in. `Location` is `/v1/me`.\",\"headers\":{\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AuthResult\"},\"example\":{\"user\":{\"id\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\",\"emailVerified\":false,\"createdAt\":\"2026-01-05T10:00:00Z\",\"updatedAt\":\"2026-01-05T10:00:00Z\"},\"accessToken\":\"eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl\",\"refreshToken\":\"rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"expiresIn\":900}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"403\":{\"description\":\"This server signs people up by email (`signup_requires_verification`), answered to every call whatever the address; use `startSignUp`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"signup_requires_verification\"]}}}]},\"examples\":{\"signupRequiresVerification\":{\"value\":{\"type\":\"https://tasklane.dev/problems/signup_requires_verification\",\"title\":\"Forbidden\",\"status\":403,\"detail\":\"This server signs people up by email: send the address to startSignUp (POST /v1/auth/signup-request), then finish with completeSignUp and the token from the mail.\",\"instance\":\"/v1/auth/signup\",\"code\":\"signup_requires_verification\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"409\":{\"description\":\"An account with this email already exists (`email_taken`; only with `SIGNUP_FLOW=immediate`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"email_taken\"]}}}]},\"examples\":{\"emailTaken\":{\"value\":{\"type\":\"https://tasklane.dev/problems/email_taken\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"An account with this email already exists.\",\"instance\":\"/v1/auth/signup\",\"code\":\"email_taken\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The password is on the list of commonly used passwords (`password_too_common`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"password_too_common\"]}}}]},\"examples\":{\"passwordTooCommon\":{\"summary\":\"A common password\",\"value\":{\"type\":\"https://tasklane.dev/problems/password_too_common\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This password is on the list of commonly used passwords; choose another.\",\"instance\":\"/v1/auth/signup\",\"code\":\"password_too_common\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServerBusy\"}}}},\"/v1/auth/signup-request\":{\"post\":{\"operationId\":\"startSignUp\",\"tags\":[\"Auth\"],\"summary\":\"Start signing up by email\",\"description\":\"The first step of signing up: send the email address; the answer is 202 with no body, the same for every address whether or not it has an account, and a mail goes to the address:\\n\\n- an address without an account gets a mail with a link (to `PUBLIC_URL/complete-signup?token=…`) whose single-use token expires after 24 hours; pass it to `completeSignUp` with a password to create the account, its address verified. Asking again sends a new link and ends the earlier ones.\\n- an address that has an account gets a mail telling its owner that someone tried to sign up with it, with where to sign in or reset the password. Nothing is changed.\\n\\nSo the answer cannot be used to learn which addresses have accounts, and only who reads the mailbox can finish. The mail is queued with the request (never lost, sent once). Works whatever `SIGNUP_FLOW` says; it is the only way to sign up with a password where `SIGNUP_FLOW=verify-first`.\\n\\nRate limited per client IP (policy `signup`) and per recipient address from every IP together (policy `email-recipient`, shared with every other mail the API sends on request), counted whether or not an account has the address.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/StartSignUpRequest\"},\"example\":{\"email\":\"ada@example.com\"}}}},\"security\":[{}],\"responses\":{\"202\":{\"description\":\"A mail is on its way to the address; the answer is the same whether or not it has an account.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/signup-request/confirm\":{\"post\":{\"operationId\":\"completeSignUp\",\"tags\":[\"Auth\"],\"summary\":\"Finish signing up with the mailed token\",\"description\":\"The second step of signing up: the token from the mail `startSignUp` sent, the password and the name. Creates the account with its email address verified (the token proves its owner reads it) and signs it in: the answer is the same as `signUp`'s, the new user, an access token (valid `expiresIn` seconds) and a refresh token for `refreshSession`.\\n\\nA token works once, and only until it expires (24 hours); otherwise 422 `invalid_token`. If the address got an account after the mail was sent (the link was followed twice, or the account was made another way meanwhile), the answer is 409 `email_taken`, which tells only the mailbox's reader what the mail could have. Passwords must be 10 to 256 characters and not on the list of commonly used passwords.\\n\\nRate limited per client IP (policy `password-ip`, as every request that hashes a new password).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/CompleteSignUpRequest\"},\"example\":{\"token\":\"su_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd\",\"password\":\"correct horse battery staple\",\"name\":\"Ada Lovelace\"}}}},\"security\":[{}],\"responses\":{\"201\":{\"description\":\"The account was created, its address verified, and signed in. `Location` is `/v1/me`.\",\"headers\":{\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AuthResult\"},\"example\":{\"user\":{\"id\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\",\"emailVerified\":true,\"createdAt\":\"2026-01-05T10:00:00Z\",\"updatedAt\":\"2026-01-05T10:00:00Z\"},\"accessToken\":\"eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl\",\"refreshToken\":\"rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"expiresIn\":900}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"409\":{\"description\":\"The address got an account after the mail was sent (`email_taken`); sign in or reset the password instead.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"email_taken\"]}}}]},\"examples\":{\"emailTaken\":{\"value\":{\"type\":\"https://tasklane.dev/problems/email_taken\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"An account with this email address was made since the link was sent; sign in, or reset the password.\",\"instance\":\"/v1/auth/signup-request/confirm\",\"code\":\"email_taken\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The token is unknown, used or expired (`invalid_token`), or the password is too common (`password_too_common`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_token\",\"password_too_common\"]}}}]},\"examples\":{\"invalidToken\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_token\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This link is invalid or has expired; request a new one.\",\"instance\":\"/v1/auth/signup-request/confirm\",\"code\":\"invalid_token\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"passwordTooCommon\":{\"summary\":\"A common password\",\"value\":{\"type\":\"https://tasklane.dev/problems/password_too_common\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This password is on the list of commonly used passwords; choose another.\",\"instance\":\"/v1/auth/signup-request/confirm\",\"code\":\"password_too_common\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServerBusy\"}}}},\"/v1/auth/login\":{\"post\":{\"operationId\":\"logIn\",\"tags\":[\"Auth\"],\"summary\":\"Sign in with email and password\",\"description\":\"Starts a new session. The answer carries the user, an access token (valid `expiresIn` seconds) and a refresh token.\\n\\nA wrong password and an unknown email get the same answer (401 `invalid_credentials`), in the same time.\\n\\nRate limited per account and client IP together (policy `login-account-ip`), so that someone else guessing cannot lock the owner out; per client IP across accounts (`login-ip`); and by a higher ceiling per account from every address (`login-account`), which does not apply to a client IP that signed up or signed in to the account before (within 90 days), so that strangers guessing from many addresses cannot lock the owner out of a place they use. While the hashing queue is full, password checks from such known clients go first, then those of clients without recent failures. Repeated attempts answer 429 with `Retry-After`. While too many passwords are being checked at once the answer is 503 `server_busy` with `Retry-After`.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/LogInRequest\"},\"example\":{\"email\":\"ada@example.com\",\"password\":\"correct horse battery staple\"}}}},\"security\":[{}],\"responses\":{\"200\":{\"description\":\"Signed in.\",\"headers\":{\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AuthResult\"},\"example\":{\"user\":{\"id\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\",\"emailVerified\":false,\"createdAt\":\"2026-01-05T10:00:00Z\",\"updatedAt\":\"2026-01-05T10:00:00Z\"},\"accessToken\":\"eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl\",\"refreshToken\":\"rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"expiresIn\":900}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"description\":\"The email and password do not match an account (`code` `invalid_credentials`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_credentials\"]}}}]},\"examples\":{\"invalidCredentials\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_credentials\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"The email or password is incorrect.\",\"instance\":\"/v1/auth/login\",\"code\":\"invalid_credentials\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServerBusy\"}}}},\"/v1/auth/refresh\":{\"post\":{\"operationId\":\"refreshSession\",\"tags\":[\"Auth\"],\"summary\":\"Exchange a refresh token for new tokens\",\"description\":\"Rotates the session: the refresh token is used up and a new access token and refresh token are returned. Keep only the newest refresh token.\\n\\nPresenting a refresh token that was already used ends the whole session (401 `session_revoked`), because it means the token was copied. The one exception: within 10 seconds of a rotation, the same token gets the same new pair again, so two tabs refreshing at once both succeed.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/RefreshSessionRequest\"},\"example\":{\"refreshToken\":\"rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\"}}}},\"security\":[{}],\"responses\":{\"200\":{\"description\":\"The session was rotated.\",\"headers\":{\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AuthResult\"},\"example\":{\"user\":{\"id\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\",\"emailVerified\":false,\"createdAt\":\"2026-01-05T10:00:00Z\",\"updatedAt\":\"2026-01-05T10:00:00Z\"},\"accessToken\":\"eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl\",\"refreshToken\":\"rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"expiresIn\":900}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"description\":\"The refresh token is unknown (`token_invalid`), expired (`token_expired`), or its session has ended (`session_revoked`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"token_invalid\",\"token_expired\",\"session_revoked\"]}}}]},\"examples\":{\"sessionRevoked\":{\"value\":{\"type\":\"https://tasklane.dev/problems/session_revoked\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"This session has ended; sign in again.\",\"instance\":\"/v1/auth/refresh\",\"code\":\"session_revoked\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/logout\":{\"post\":{\"operationId\":\"logOut\",\"tags\":[\"Auth\"],\"summary\":\"End the current session\",\"description\":\"Ends the session of the access token: its refresh token stops working and the access token is rejected from now on, on every server instance.\",\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"204\":{\"description\":\"The session has ended.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequired\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/email-verification\":{\"post\":{\"operationId\":\"requestEmailVerification\",\"tags\":[\"Auth\"],\"summary\":\"Send a new verification email\",\"description\":\"Emails the caller a new link to verify their address. Earlier links stop working. The link carries a single-use token that expires after 24 hours; pass it to `verifyEmail`. Rate limited per user and per recipient address (policies `email-user` and `email-recipient`), shared with email changes.\",\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"202\":{\"description\":\"A verification email is on its way.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"409\":{\"description\":\"The email address is already verified (`code` `email_already_verified`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"email_already_verified\"]}}}]},\"examples\":{\"alreadyVerified\":{\"value\":{\"type\":\"https://tasklane.dev/problems/email_already_verified\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"This email address is already verified.\",\"instance\":\"/v1/auth/email-verification\",\"code\":\"email_already_verified\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/email-verification/confirm\":{\"post\":{\"operationId\":\"verifyEmail\",\"tags\":[\"Auth\"],\"summary\":\"Confirm an email address\",\"description\":\"Marks the address as verified with the token from a verification email. A token works once, and only until it expires.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/VerifyEmailRequest\"},\"example\":{\"token\":\"vt_Zy1c9hH2mD0sQe8Pk3Lw7Nf4Ra6Tb5Ux2Vg1Oj0Ik9\"}}}},\"security\":[{}],\"responses\":{\"204\":{\"description\":\"The email address is verified.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The token is unknown, used or expired (`code` `invalid_token`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_token\"]}}}]},\"examples\":{\"invalidToken\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_token\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This link is invalid or has expired; request a new one.\",\"instance\":\"/v1/auth/email-verification/confirm\",\"code\":\"invalid_token\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/email-change/confirm\":{\"post\":{\"operationId\":\"confirmEmailChange\",\"tags\":[\"Account\"],\"summary\":\"Confirm an email change\",\"description\":\"Makes the pending email address (see `updateMe`) the account's, verified, with the token from the mail sent to it, and tells the previous address. A token works once, only until it expires, and only for the latest change requested.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ConfirmEmailChangeRequest\"},\"example\":{\"token\":\"ec_Lm4n5Bv6Cx7Za8Sd9Fg0Hj1Kl2Qw3Er4Ty5Ui6Op7As\"}}}},\"security\":[{}],\"responses\":{\"204\":{\"description\":\"The account's email address is now the new one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"409\":{\"description\":\"Another account took this address since the change was requested (`code` `email_taken`). Nothing was changed.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"email_taken\"]}}}]},\"examples\":{\"emailTaken\":{\"value\":{\"type\":\"https://tasklane.dev/problems/email_taken\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"An account with this email already exists.\",\"instance\":\"/v1/auth/email-change/confirm\",\"code\":\"email_taken\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The token is unknown, used, expired, or for a change that was since replaced or cancelled (`code` `invalid_token`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_token\"]}}}]},\"examples\":{\"invalidToken\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_token\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This link is invalid or has expired; request a new one.\",\"instance\":\"/v1/auth/email-change/confirm\",\"code\":\"invalid_token\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/password-reset\":{\"post\":{\"operationId\":\"requestPasswordReset\",\"tags\":[\"Auth\"],\"summary\":\"Email a password reset link\",\"description\":\"If an account has this email, emails it a link to choose a new password. The answer is the same whether or not the account exists. The link carries a single-use token that expires after 30 minutes; pass it to `resetPassword`.\\n\\nRate limited per client IP (policy `password-reset`) and per recipient address from every IP together (policy `email-recipient`, shared with every other mail the API sends on request), counted whether or not an account has the address.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/RequestPasswordResetRequest\"},\"example\":{\"email\":\"ada@example.com\"}}}},\"security\":[{}],\"responses\":{\"202\":{\"description\":\"If the account exists, a reset email is on its way.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/password-reset/confirm\":{\"post\":{\"operationId\":\"resetPassword\",\"tags\":[\"Auth\"],\"summary\":\"Choose a new password with a reset token\",\"description\":\"Sets a new password with the token from a reset email, ends every session of the account and revokes every API key, so nothing made by whoever had the old password outlives it. Also verifies the email address, since the token proves the user reads it. A token works once, and only until it expires.\\n\\nRate limited per client IP (policy `password-ip`).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ResetPasswordRequest\"},\"example\":{\"token\":\"pr_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd\",\"newPassword\":\"a new and long passphrase\"}}}},\"security\":[{}],\"responses\":{\"204\":{\"description\":\"The password was changed and every session ended.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The token is unknown, used or expired (`invalid_token`), or the new password is too common (`password_too_common`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_token\",\"password_too_common\"]}}}]},\"examples\":{\"invalidToken\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_token\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This link is invalid or has expired; request a new one.\",\"instance\":\"/v1/auth/password-reset/confirm\",\"code\":\"invalid_token\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"passwordTooCommon\":{\"summary\":\"A common password\",\"value\":{\"type\":\"https://tasklane.dev/problems/password_too_common\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This password is on the list of commonly used passwords; choose another.\",\"instance\":\"/v1/auth/signup\",\"code\":\"password_too_common\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServerBusy\"}}}},\"/v1/me\":{\"get\":{\"operationId\":\"getMe\",\"tags\":[\"Account\"],\"summary\":\"Get the signed-in user\",\"description\":\"The user the access token or API key belongs to.\",\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"The user.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/User\"},\"example\":{\"id\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\",\"emailVerified\":false,\"createdAt\":\"2026-01-05T10:00:00Z\",\"updatedAt\":\"2026-01-05T10:00:00Z\"}}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"patch\":{\"operationId\":\"updateMe\",\"tags\":[\"Account\"],\"summary\":\"Update the signed-in user\",\"description\":\"Changes the name at once. Needs a session (not an API key).\\n\\nA new email address also needs `currentPassword` (an account without a password sends a `reauthenticationToken` from `reauthenticate` instead), and does not take effect at once: it shows as `pendingEmail` while a single-use link that expires after 24 hours is mailed to the new address, and a notice to the current one. Following the link (`confirmEmailChange`) makes it the account's address, verified. A newer request replaces the pending one; sending the current address cancels it. The answer is the same whether or not another account has the new address (that address is told so by mail instead of getting a link).\\n\\nAn email change is rate limited per user and per client IP (policies `password-user` and `password-ip`, as it checks the password) and, for the mails, per user and per recipient (`email-user` and `email-recipient`).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/UpdateMeRequest\"},\"examples\":{\"rename\":{\"summary\":\"A new name\",\"value\":{\"name\":\"Ada King\"}},\"changeEmail\":{\"summary\":\"A new email address\",\"value\":{\"email\":\"ada.king@example.com\",\"currentPassword\":\"correct horse battery staple\"}}}}}},\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"The updated user; a requested email change shows as `pendingEmail`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/User\"},\"example\":{\"id\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"name\":\"Ada King\",\"emailVerified\":true,\"pendingEmail\":\"ada.king@example.com\",\"createdAt\":\"2026-01-05T10:00:00Z\",\"updatedAt\":\"2026-01-05T10:00:00Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The current password is wrong (`invalid_password`), or the `reauthenticationToken` is unknown, used, expired or another account's (`reauthentication_invalid`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_password\",\"reauthentication_invalid\"]}}}]},\"examples\":{\"invalidPassword\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_password\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"The password is incorrect.\",\"instance\":\"/v1/me\",\"code\":\"invalid_password\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServerBusy\"}}},\"delete\":{\"operationId\":\"deleteMe\",\"tags\":[\"Account\"],\"summary\":\"Delete the account\",\"description\":\"Deletes the account for good, with its sessions, API keys and data. Needs the current password (an account without one sends a `reauthenticationToken` from `reauthenticate` instead) and a session (not an API key). Rate limited per user and per client IP (policies `password-user` and `password-ip`). Projects the user has to themselves are deleted with the account; the only owner of a project that others belong to must hand it over first.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/DeleteMeRequest\"},\"example\":{\"password\":\"correct horse battery staple\"}}}},\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"204\":{\"description\":\"The account was deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"409\":{\"description\":\"You are the only owner of a project that others belong to (`code` `last_owner`): make another member an owner or delete the project first. Nothing was deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"last_owner\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/last_owner\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"A project must keep an owner: make another member owner first, or delete the project.\",\"instance\":\"/v1/me\",\"code\":\"last_owner\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The password is wrong (`invalid_password`), or the `reauthenticationToken` is unknown, used, expired or another account's (`reauthentication_invalid`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_password\",\"reauthentication_invalid\"]}}}]},\"examples\":{\"invalidPassword\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_password\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"The password is incorrect.\",\"instance\":\"/v1/me\",\"code\":\"invalid_password\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServerBusy\"}}}},\"/v1/me/password\":{\"post\":{\"operationId\":\"changePassword\",\"tags\":[\"Account\"],\"summary\":\"Change the password\",\"description\":\"Sets a new password after checking the current one, and ends every other session of the account; the session that made the change stays signed in. Every API key is revoked too, unless `keepApiKeys` is `true` (for a routine change when the keys are known to be safe). Needs a session (not an API key).\\n\\nRate limited per user and per client IP (policies `password-user` and `password-ip`), whether the current password is right or not.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ChangePasswordRequest\"},\"example\":{\"currentPassword\":\"correct horse battery staple\",\"newPassword\":\"a new and long passphrase\",\"keepApiKeys\":false}}}},\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"204\":{\"description\":\"The password was changed, the other sessions ended and (unless `keepApiKeys`) every API key revoked.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The current password is wrong (`invalid_password`) or the new one is too common (`password_too_common`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_password\",\"password_too_common\"]}}}]},\"examples\":{\"invalidPassword\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_password\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"The password is incorrect.\",\"instance\":\"/v1/me/password\",\"code\":\"invalid_password\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"passwordTooCommon\":{\"summary\":\"A common password\",\"value\":{\"type\":\"https://tasklane.dev/problems/password_too_common\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This password is on the list of commonly used passwords; choose another.\",\"instance\":\"/v1/auth/signup\",\"code\":\"password_too_common\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServerBusy\"}}}},\"/v1/auth/providers\":{\"get\":{\"operationId\":\"listAuthProviders\",\"tags\":[\"Auth\"],\"summary\":\"List the sign-in providers\",\"description\":\"The outside identity providers this server offers sign-in with, in the order a login screen should show them. Empty unless the operator configured some (`AUTH_PROVIDERS`). `type` is `oidc` for OpenID Connect providers and `oauth2` for plain OAuth 2 ones such as GitHub.\",\"security\":[{}],\"responses\":{\"200\":{\"description\":\"The enabled providers.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AuthProviderList\"},\"example\":{\"data\":[{\"id\":\"google\",\"name\":\"Google\",\"type\":\"oidc\"},{\"id\":\"github\",\"name\":\"GitHub\",\"type\":\"oauth2\"}]}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"}}}},\"/v1/auth/providers/{providerId}/authorizations\":{\"post\":{\"operationId\":\"startProviderSignIn\",\"tags\":[\"Auth\"],\"summary\":\"Start signing in with a provider\",\"description\":\"Answers the provider URL to send the browser to. After the person signs in there, the provider sends the browser back to this server (`providerCallback`), which sends it on to `redirectUri` with a one-time `code` (and your `state`); exchange it with `exchangeProviderCode` within 60 seconds.\\n\\n`redirectUri` must be one of the app URLs the operator allowed (`AUTH_REDIRECT_URLS`), or an `http://127.0.0.1:<port>/…` or `http://[::1]:<port>/…` address for a command-line app listening on loopback; otherwise 422 `redirect_uri_not_allowed`. `codeChallenge` is the S256 PKCE challenge of a secret verifier the app keeps (the SDK makes both): only the holder of the verifier can exchange the code, so a code seen in a URL, a log or a browser history is useless to anyone else. The sign-in must finish within 10 minutes.\\n\\nRate limited per client IP together with `exchangeProviderCode` (policy `provider-signin`).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProviderSignInStart\"},\"example\":{\"redirectUri\":\"https://app.example.com/auth/callback\",\"codeChallenge\":\"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\",\"codeChallengeMethod\":\"S256\",\"state\":\"c3RhdGU\"}}}},\"security\":[{}],\"parameters\":[{\"name\":\"providerId\",\"in\":\"path\",\"required\":true,\"description\":\"The provider's id, as `listAuthProviders` lists it.\",\"schema\":{\"type\":\"string\",\"maxLength\":32,\"pattern\":\"^[a-z][a-z0-9-]{0,31}$\"},\"example\":\"google\"}],\"responses\":{\"200\":{\"description\":\"Where to send the browser.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProviderAuthorization\"},\"example\":{\"authorizationUrl\":\"https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256\",\"expiresAt\":\"2026-01-05T10:10:00Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"404\":{\"description\":\"No enabled provider has this id (`provider_not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_not_found\"]}}}]},\"examples\":{\"providerNotFound\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No sign-in provider \\\"example\\\".\",\"instance\":\"/v1/auth/providers/example/authorizations\",\"code\":\"provider_not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"`redirectUri` is not an allowed app URL (`redirect_uri_not_allowed`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"redirect_uri_not_allowed\"]}}}]},\"examples\":{\"redirectUriNotAllowed\":{\"value\":{\"type\":\"https://tasklane.dev/problems/redirect_uri_not_allowed\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS).\",\"instance\":\"/v1/auth/providers/example/authorizations\",\"code\":\"redirect_uri_not_allowed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"502\":{\"description\":\"The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_unavailable\",\"provider_response_invalid\"]}}}]},\"examples\":{\"providerUnavailable\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_unavailable\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID did not answer in time or failed; try again later.\",\"instance\":\"/v1/auth/providers/example/authorizations\",\"code\":\"provider_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerResponseInvalid\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_response_invalid\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID answered with something that failed verification; start the sign-in again.\",\"instance\":\"/v1/auth/providers/example/authorizations\",\"code\":\"provider_response_invalid\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/providers/{providerId}/callback\":{\"get\":{\"operationId\":\"providerCallback\",\"tags\":[\"Auth\"],\"summary\":\"Where the provider sends the browser back\",\"description\":\"Not called by apps: this is the redirect URI registered at the provider, `<server>/v1/auth/providers/<id>/callback` (the server's address is `SERVER_URL`). It redirects (302) the browser to the app's `redirectUri` with `code` (one-time, 60 seconds, exchanged with `exchangeProviderCode` or `linkIdentity`) and the app's `state`; or, when the person declined or the provider reported an error, with `error` `access_denied` or `provider_error` instead of `code`. No token is ever put in a URL.\\n\\nA missing, unknown, expired or already answered `state` answers 400 `invalid_state` here, without redirecting anywhere.\",\"security\":[{}],\"parameters\":[{\"name\":\"providerId\",\"in\":\"path\",\"required\":true,\"description\":\"The provider's id, as `listAuthProviders` lists it.\",\"schema\":{\"type\":\"string\",\"maxLength\":32,\"pattern\":\"^[a-z][a-z0-9-]{0,31}$\"},\"example\":\"google\"},{\"name\":\"code\",\"in\":\"query\",\"required\":false,\"description\":\"The provider's authorization code, e.g. `SplxlOBeZQQYbYS6WxSbIA`.\",\"schema\":{\"type\":\"string\",\"maxLength\":2000,\"pattern\":\"^[\\\\x20-\\\\x7E]+$\"}},{\"name\":\"state\",\"in\":\"query\",\"required\":false,\"description\":\"The state this server sent to the provider, e.g. `af0ifjsldkj`.\",\"schema\":{\"type\":\"string\",\"maxLength\":500,\"pattern\":\"^[\\\\x20-\\\\x7E]+$\"}},{\"name\":\"iss\",\"in\":\"query\",\"required\":false,\"description\":\"The provider's issuer identifier (RFC 9207), e.g. `https://accounts.example.com`.\",\"schema\":{\"type\":\"string\",\"format\":\"uri\",\"maxLength\":2000}},{\"name\":\"error\",\"in\":\"query\",\"required\":false,\"description\":\"An OAuth error the provider reports instead of a code, e.g. `access_denied`.\",\"schema\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^[\\\\x20-\\\\x7E]+$\"}},{\"name\":\"error_description\",\"in\":\"query\",\"required\":false,\"description\":\"The provider's description of `error`, e.g. `The user declined`.\",\"schema\":{\"type\":\"string\",\"maxLength\":2000,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\"}}],\"responses\":{\"302\":{\"description\":\"Sent on to the app: `Location` is its `redirectUri` with `code` and `state`, or `error` and `state`.\",\"headers\":{\"Location\":{\"description\":\"The app's redirect URI with `code` and `state` (or `error` and `state`).\",\"schema\":{\"type\":\"string\",\"format\":\"uri\",\"maxLength\":4000},\"example\":\"https://app.example.com/auth/callback?code=pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw&state=c3RhdGU\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"description\":\"A parameter fails validation (`validation_failed`), or `state` is missing, unknown, expired or already answered (`invalid_state`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"invalid_state\"]}}}]},\"examples\":{\"validationFailed\":{\"value\":{\"type\":\"https://tasklane.dev/problems/validation_failed\",\"title\":\"Validation failed\",\"status\":400,\"detail\":\"The request does not match the schema.\",\"instance\":\"/v1/auth/providers/example/callback\",\"code\":\"validation_failed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"invalidState\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_state\",\"title\":\"Bad request\",\"status\":400,\"detail\":\"This sign-in is unknown, expired or already finished; start it again.\",\"instance\":\"/v1/auth/providers/example/callback\",\"code\":\"invalid_state\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/auth/providers/exchange\":{\"post\":{\"operationId\":\"exchangeProviderCode\",\"tags\":[\"Auth\"],\"summary\":\"Finish signing in with a provider\",\"description\":\"Exchanges the one-time `code` the browser came back with, and the PKCE verifier whose challenge started the sign-in, for an ordinary Tasklane session (the same tokens, rotation and revocation as `logIn`; `listSessions` shows the provider). The code works once, for 60 seconds.\\n\\nWhich account: the one this provider account is linked to. A provider account not linked yet creates a new account, with its email verified, but only when the provider says the address is verified (else 422 `email_not_verified`) and no account has that address yet (else 409 `account_exists`: sign in to that account and link the provider with `linkIdentity`; a provider account is never attached to an existing account just because the addresses match). The new account has no password; it can set one with a password reset.\\n\\nThe provider's code is redeemed and its answer checked here: a replayed or refused code is 422 `provider_rejected`; a provider that is down, slow or answers something that fails verification is 502, and nothing is created.\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProviderCodeExchange\"},\"example\":{\"code\":\"pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"codeVerifier\":\"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\"}}}},\"security\":[{}],\"responses\":{\"200\":{\"description\":\"Signed in.\",\"headers\":{\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AuthResult\"},\"example\":{\"user\":{\"id\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\",\"emailVerified\":true,\"pendingEmail\":null,\"createdAt\":\"2026-01-05T10:00:00Z\",\"updatedAt\":\"2026-01-05T10:00:00Z\"},\"accessToken\":\"eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl\",\"refreshToken\":\"rt_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"expiresIn\":900}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"404\":{\"description\":\"No enabled provider has this id (`provider_not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_not_found\"]}}}]},\"examples\":{\"providerNotFound\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No sign-in provider \\\"example\\\".\",\"instance\":\"/v1/auth/providers/exchange\",\"code\":\"provider_not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"409\":{\"description\":\"An account already has the provider's email address (`account_exists`); its owner links the provider while signed in.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"account_exists\"]}}}]},\"examples\":{\"accountExists\":{\"value\":{\"type\":\"https://tasklane.dev/problems/account_exists\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"An account with this email address already exists. Sign in to it and link Example ID from the account settings.\",\"instance\":\"/v1/auth/providers/exchange\",\"code\":\"account_exists\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The code is unknown, expired, used or does not match `codeVerifier` (`invalid_code`); the provider refused its code (`provider_rejected`); or it did not confirm a verified email address for a new account (`email_not_verified`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_code\",\"provider_rejected\",\"email_not_verified\"]}}}]},\"examples\":{\"invalidCode\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_code\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"The code is unknown, expired, already used or does not match codeVerifier.\",\"instance\":\"/v1/auth/providers/exchange\",\"code\":\"invalid_code\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerRejected\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_rejected\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"Example ID refused the sign-in; start it again.\",\"instance\":\"/v1/auth/providers/exchange\",\"code\":\"provider_rejected\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"emailNotVerified\":{\"value\":{\"type\":\"https://tasklane.dev/problems/email_not_verified\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"Example ID did not confirm a verified email address for this account; verify one there and try again.\",\"instance\":\"/v1/auth/providers/exchange\",\"code\":\"email_not_verified\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"502\":{\"description\":\"The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_unavailable\",\"provider_response_invalid\"]}}}]},\"examples\":{\"providerUnavailable\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_unavailable\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID did not answer in time or failed; try again later.\",\"instance\":\"/v1/auth/providers/exchange\",\"code\":\"provider_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerResponseInvalid\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_response_invalid\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID answered with something that failed verification; start the sign-in again.\",\"instance\":\"/v1/auth/providers/exchange\",\"code\":\"provider_response_invalid\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/identities\":{\"get\":{\"operationId\":\"listIdentities\",\"tags\":[\"Account\"],\"summary\":\"List linked sign-in providers\",\"description\":\"The provider accounts that sign in to this account, newest first. Needs a session (not an API key).\",\"parameters\":[{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"A page of identities.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/IdentityList\"},\"example\":{\"data\":[{\"id\":\"idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"provider\":\"google\",\"providerName\":\"Google\",\"email\":\"ada@example.com\",\"createdAt\":\"2026-01-05T10:00:00Z\",\"lastUsedAt\":\"2026-01-06T08:30:00Z\"}],\"nextCursor\":null}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequired\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"post\":{\"operationId\":\"linkIdentity\",\"tags\":[\"Account\"],\"summary\":\"Link a provider account\",\"description\":\"Finishes what `startIdentityLink` started: exchanges the one-time `code` (with its PKCE verifier) and makes the provider account a way to sign in to this account. The provider's email address need not be the account's: being signed in here and at the provider is the proof. A provider account already linked to another Tasklane account is refused (409 `identity_taken`); one already linked to this account answers 200. Needs the session that started the link.\\n\\nRate limited per client IP with the other provider sign-in steps (policy `provider-signin`).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProviderCodeExchange\"},\"example\":{\"code\":\"pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"codeVerifier\":\"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\"}}}},\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"The provider account was linked to this account already.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Identity\"},\"example\":{\"id\":\"idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"provider\":\"google\",\"providerName\":\"Google\",\"email\":\"ada@example.com\",\"createdAt\":\"2026-01-05T10:00:00Z\",\"lastUsedAt\":\"2026-01-06T08:30:00Z\"}}}},\"201\":{\"description\":\"Linked.\",\"headers\":{\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Identity\"},\"example\":{\"id\":\"idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"provider\":\"google\",\"providerName\":\"Google\",\"email\":\"ada@example.com\",\"createdAt\":\"2026-01-05T10:00:00Z\",\"lastUsedAt\":\"2026-01-06T08:30:00Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"404\":{\"description\":\"No enabled provider has this id (`provider_not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_not_found\"]}}}]},\"examples\":{\"providerNotFound\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No sign-in provider \\\"example\\\".\",\"instance\":\"/v1/me/identities\",\"code\":\"provider_not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"409\":{\"description\":\"The provider account is linked to another Tasklane account (`identity_taken`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"identity_taken\"]}}}]},\"examples\":{\"identityTaken\":{\"value\":{\"type\":\"https://tasklane.dev/problems/identity_taken\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"This provider account is already linked to another Tasklane account.\",\"instance\":\"/v1/me/identities\",\"code\":\"identity_taken\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The code is unknown, expired, used, started by another session's user or does not match `codeVerifier` (`invalid_code`), or the provider refused its code (`provider_rejected`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_code\",\"provider_rejected\"]}}}]},\"examples\":{\"invalidCode\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_code\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"The code is unknown, expired, already used or does not match codeVerifier.\",\"instance\":\"/v1/me/identities\",\"code\":\"invalid_code\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerRejected\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_rejected\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"Example ID refused the sign-in; start it again.\",\"instance\":\"/v1/me/identities\",\"code\":\"provider_rejected\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"502\":{\"description\":\"The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_unavailable\",\"provider_response_invalid\"]}}}]},\"examples\":{\"providerUnavailable\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_unavailable\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID did not answer in time or failed; try again later.\",\"instance\":\"/v1/me/identities\",\"code\":\"provider_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerResponseInvalid\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_response_invalid\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID answered with something that failed verification; start the sign-in again.\",\"instance\":\"/v1/me/identities\",\"code\":\"provider_response_invalid\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/identities/authorizations\":{\"post\":{\"operationId\":\"startIdentityLink\",\"tags\":[\"Account\"],\"summary\":\"Start linking a provider account\",\"description\":\"Like `startProviderSignIn`, for the signed-in user: answers the provider URL to send the browser to; the browser comes back to `redirectUri` with a one-time `code` that `linkIdentity` takes. This is the only way a provider account is attached to an existing account. Needs a session (not an API key).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/IdentityLinkStart\"},\"example\":{\"provider\":\"github\",\"redirectUri\":\"https://app.example.com/settings/identities\",\"codeChallenge\":\"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\",\"codeChallengeMethod\":\"S256\"}}}},\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"Where to send the browser.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProviderAuthorization\"},\"example\":{\"authorizationUrl\":\"https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256\",\"expiresAt\":\"2026-01-05T10:10:00Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"404\":{\"description\":\"No enabled provider has this id (`provider_not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_not_found\"]}}}]},\"examples\":{\"providerNotFound\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No sign-in provider \\\"example\\\".\",\"instance\":\"/v1/me/identities/authorizations\",\"code\":\"provider_not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"`redirectUri` is not an allowed app URL (`redirect_uri_not_allowed`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"redirect_uri_not_allowed\"]}}}]},\"examples\":{\"redirectUriNotAllowed\":{\"value\":{\"type\":\"https://tasklane.dev/problems/redirect_uri_not_allowed\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS).\",\"instance\":\"/v1/me/identities/authorizations\",\"code\":\"redirect_uri_not_allowed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"502\":{\"description\":\"The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_unavailable\",\"provider_response_invalid\"]}}}]},\"examples\":{\"providerUnavailable\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_unavailable\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID did not answer in time or failed; try again later.\",\"instance\":\"/v1/me/identities/authorizations\",\"code\":\"provider_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerResponseInvalid\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_response_invalid\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID answered with something that failed verification; start the sign-in again.\",\"instance\":\"/v1/me/identities/authorizations\",\"code\":\"provider_response_invalid\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/identities/{identityId}\":{\"delete\":{\"operationId\":\"unlinkIdentity\",\"tags\":[\"Account\"],\"summary\":\"Unlink a provider account\",\"description\":\"The provider account no longer signs in to this account, and the sessions started with this provider end. Refused (409 `last_sign_in_method`) when it is the last way to sign in: an account without a password needs another linked provider first (or a password, set with a password reset). Needs a session (not an API key).\",\"parameters\":[{\"name\":\"identityId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the identity.\",\"schema\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^idt_[0-9A-Z]{26}$\"},\"example\":\"idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"204\":{\"description\":\"Unlinked.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"409\":{\"description\":\"This is the account's last way to sign in (`last_sign_in_method`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"last_sign_in_method\"]}}}]},\"examples\":{\"lastSignInMethod\":{\"value\":{\"type\":\"https://tasklane.dev/problems/last_sign_in_method\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"This is the only way to sign in to the account; set a password (reset it by email) or link another provider first.\",\"instance\":\"/v1/me/identities/idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"last_sign_in_method\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/reauthentication\":{\"post\":{\"operationId\":\"reauthenticate\",\"tags\":[\"Account\"],\"summary\":\"Prove it is you again, through a linked provider\",\"description\":\"For accounts that sign in through a provider (and have no password): finishes what `startReauthentication` started and answers a `reauthenticationToken`, valid once for 5 minutes, that `deleteMe` and an email change (`updateMe`) take instead of the password. The provider account must be one linked to this account (else 422 `identity_not_linked`). Needs the session that started it.\\n\\nRate limited per client IP with the other provider sign-in steps (policy `provider-signin`).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProviderCodeExchange\"},\"example\":{\"code\":\"pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"codeVerifier\":\"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\"}}}},\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"201\":{\"description\":\"Re-authenticated.\",\"headers\":{\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Reauthentication\"},\"example\":{\"reauthenticationToken\":\"ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\",\"expiresAt\":\"2026-01-05T10:05:00Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"404\":{\"description\":\"No enabled provider has this id (`provider_not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_not_found\"]}}}]},\"examples\":{\"providerNotFound\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No sign-in provider \\\"example\\\".\",\"instance\":\"/v1/me/reauthentication\",\"code\":\"provider_not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The code is unknown, expired, used, started by another user or does not match `codeVerifier` (`invalid_code`), the provider refused its code (`provider_rejected`), or the provider account is not linked to this account (`identity_not_linked`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_code\",\"provider_rejected\",\"identity_not_linked\"]}}}]},\"examples\":{\"invalidCode\":{\"value\":{\"type\":\"https://tasklane.dev/problems/invalid_code\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"The code is unknown, expired, already used or does not match codeVerifier.\",\"instance\":\"/v1/me/reauthentication\",\"code\":\"invalid_code\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerRejected\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_rejected\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"Example ID refused the sign-in; start it again.\",\"instance\":\"/v1/me/reauthentication\",\"code\":\"provider_rejected\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"identityNotLinked\":{\"value\":{\"type\":\"https://tasklane.dev/problems/identity_not_linked\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This provider account is not linked to your account.\",\"instance\":\"/v1/me/reauthentication\",\"code\":\"identity_not_linked\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"502\":{\"description\":\"The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_unavailable\",\"provider_response_invalid\"]}}}]},\"examples\":{\"providerUnavailable\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_unavailable\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID did not answer in time or failed; try again later.\",\"instance\":\"/v1/me/reauthentication\",\"code\":\"provider_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerResponseInvalid\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_response_invalid\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID answered with something that failed verification; start the sign-in again.\",\"instance\":\"/v1/me/reauthentication\",\"code\":\"provider_response_invalid\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/reauthentication/authorizations\":{\"post\":{\"operationId\":\"startReauthentication\",\"tags\":[\"Account\"],\"summary\":\"Start proving it is you again, through a linked provider\",\"description\":\"Like `startIdentityLink`: answers the provider URL to send the browser to; it comes back to `redirectUri` with a one-time `code` that `reauthenticate` takes. For accounts without a password, before `deleteMe` or an email change. Needs a session (not an API key).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/IdentityLinkStart\"},\"example\":{\"provider\":\"github\",\"redirectUri\":\"https://app.example.com/settings/delete-account\",\"codeChallenge\":\"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\",\"codeChallengeMethod\":\"S256\"}}}},\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"Where to send the browser.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProviderAuthorization\"},\"example\":{\"authorizationUrl\":\"https://accounts.example.com/authorize?client_id=tasklane&response_type=code&redirect_uri=https%3A%2F%2Fapi.example.com%2Fv1%2Fauth%2Fproviders%2Fexample%2Fcallback&scope=openid+email+profile&state=Wm9vbXpvb20&nonce=bm9uY2U&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256\",\"expiresAt\":\"2026-01-05T10:10:00Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"404\":{\"description\":\"No enabled provider has this id (`provider_not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_not_found\"]}}}]},\"examples\":{\"providerNotFound\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No sign-in provider \\\"example\\\".\",\"instance\":\"/v1/me/reauthentication/authorizations\",\"code\":\"provider_not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"`redirectUri` is not an allowed app URL (`redirect_uri_not_allowed`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"redirect_uri_not_allowed\"]}}}]},\"examples\":{\"redirectUriNotAllowed\":{\"value\":{\"type\":\"https://tasklane.dev/problems/redirect_uri_not_allowed\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"redirectUri is not one of the app URLs this server may send a finished sign-in to (AUTH_REDIRECT_URLS).\",\"instance\":\"/v1/me/reauthentication/authorizations\",\"code\":\"redirect_uri_not_allowed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"502\":{\"description\":\"The provider could not be reached in time or failed (`provider_unavailable`), or answered something that failed verification (`provider_response_invalid`: wrong issuer, audience, nonce or signature, an expired or not yet valid ID Token, an unexpected algorithm). Nothing was created; start the sign-in again.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"provider_unavailable\",\"provider_response_invalid\"]}}}]},\"examples\":{\"providerUnavailable\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_unavailable\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID did not answer in time or failed; try again later.\",\"instance\":\"/v1/me/reauthentication/authorizations\",\"code\":\"provider_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"providerResponseInvalid\":{\"value\":{\"type\":\"https://tasklane.dev/problems/provider_response_invalid\",\"title\":\"Bad gateway\",\"status\":502,\"detail\":\"Example ID answered with something that failed verification; start the sign-in again.\",\"instance\":\"/v1/me/reauthentication/authorizations\",\"code\":\"provider_response_invalid\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/sessions\":{\"get\":{\"operationId\":\"listSessions\",\"tags\":[\"Account\"],\"summary\":\"List active sessions\",\"description\":\"The user's signed-in sessions, newest first: the device they were started from, when, and when they were last refreshed. `current` marks the session of this request. Needs a session (not an API key).\",\"parameters\":[{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"A page of sessions.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/SessionList\"},\"example\":{\"data\":[{\"id\":\"ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"deviceLabel\":\"Firefox on Linux\",\"provider\":null,\"createdAt\":\"2026-01-05T10:00:00Z\",\"lastUsedAt\":\"2026-01-06T08:30:00Z\",\"expiresAt\":\"2026-02-05T08:30:00Z\",\"current\":true}],\"nextCursor\":null}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequired\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/sessions/{sessionId}\":{\"delete\":{\"operationId\":\"revokeSession\",\"tags\":[\"Account\"],\"summary\":\"End a session\",\"description\":\"Signs a device out: the session's refresh token stops working and its access tokens are rejected from now on. Needs a session (not an API key).\",\"parameters\":[{\"name\":\"sessionId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the session.\",\"schema\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^ses_[0-9A-Z]{26}$\"},\"example\":\"ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"204\":{\"description\":\"The session has ended.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/api-keys\":{\"post\":{\"operationId\":\"createApiKey\",\"tags\":[\"API keys\"],\"summary\":\"Create an API key\",\"description\":\"Creates a key for scripts and servers, sent as `Authorization: Bearer <key>`. The secret is in `key` in this answer only: it is stored hashed and cannot be shown again. Keys start with `tl_`. A key with only the `read` scope is refused (403 `insufficient_scope`) on anything that changes data. Needs a session (not an API key).\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ApiKeyCreate\"},\"example\":{\"name\":\"Nightly export\",\"scopes\":[\"read\"]}}}},\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"201\":{\"description\":\"The key was created; `Location` is its URL.\",\"headers\":{\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"},\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ApiKeyWithSecret\"},\"example\":{\"id\":\"key_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"name\":\"Nightly export\",\"prefix\":\"tl_Xq3v9\",\"scopes\":[\"read\"],\"createdAt\":\"2026-01-05T10:00:00Z\",\"expiresAt\":null,\"lastUsedAt\":null,\"key\":\"tl_Xq3v9Lr2WmB8cZk1Pq0sTn4Yd7Hf6Gj5Ae3Ku2Ow9Ri\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"get\":{\"operationId\":\"listApiKeys\",\"tags\":[\"API keys\"],\"summary\":\"List API keys\",\"description\":\"The user's API keys that are not revoked, newest first. Secrets are never shown; `prefix` tells keys apart. Needs a session (not an API key).\",\"parameters\":[{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"A page of API keys.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ApiKeyList\"},\"example\":{\"data\":[{\"id\":\"key_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"name\":\"Nightly export\",\"prefix\":\"tl_Xq3v9\",\"scopes\":[\"read\"],\"createdAt\":\"2026-01-05T10:00:00Z\",\"expiresAt\":null,\"lastUsedAt\":null}],\"nextCursor\":null}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequired\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/me/api-keys/{keyId}\":{\"delete\":{\"operationId\":\"revokeApiKey\",\"tags\":[\"API keys\"],\"summary\":\"Revoke an API key\",\"description\":\"Revokes the key at once: requests with it answer 401 `api_key_revoked`. Needs a session (not an API key).\",\"parameters\":[{\"name\":\"keyId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the API key.\",\"schema\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^key_[0-9A-Z]{26}$\"},\"example\":\"key_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"204\":{\"description\":\"The key was revoked.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/SessionRequiredForWrite\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects\":{\"get\":{\"operationId\":\"listProjects\",\"tags\":[\"Projects\"],\"summary\":\"List your projects\",\"description\":\"The projects the caller is a member of, oldest first, with the caller’s role in each.\\n\\nNeeds the `read` scope.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProjectList\"},\"example\":{\"data\":[{\"id\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"name\":\"Website relaunch\",\"description\":\"Everything for the new marketing site.\",\"role\":\"owner\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":3}],\"nextCursor\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"post\":{\"operationId\":\"createProject\",\"tags\":[\"Projects\"],\"summary\":\"Create a project\",\"description\":\"Creates a project with the caller as its owner.\\n\\nNeeds the `write` scope.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"$ref\":\"#/components/parameters/IdempotencyKey\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProjectCreate\"},\"example\":{\"name\":\"Website relaunch\",\"description\":\"Everything for the new marketing site.\"}}}},\"responses\":{\"201\":{\"description\":\"Created. `Location` is its URL and `ETag` its version.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Idempotent-Replayed\":{\"$ref\":\"#/components/headers/Idempotent-Replayed\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Project\"},\"example\":{\"id\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"name\":\"Website relaunch\",\"description\":\"Everything for the new marketing site.\",\"role\":\"owner\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenScope\"},\"409\":{\"$ref\":\"#/components/responses/Conflict\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"$ref\":\"#/components/responses/UnprocessableContent\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}\":{\"get\":{\"operationId\":\"getProject\",\"tags\":[\"Projects\"],\"summary\":\"Get a project\",\"description\":\"One project, with the caller’s role in it.\\n\\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfNoneMatch\"}],\"responses\":{\"200\":{\"description\":\"The resource, with its version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Project\"},\"example\":{\"id\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"name\":\"Website relaunch\",\"description\":\"Everything for the new marketing site.\",\"role\":\"owner\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":3}}}},\"304\":{\"description\":\"`If-None-Match` named the current version: the copy the client has is up to date.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"patch\":{\"operationId\":\"updateProject\",\"tags\":[\"Projects\"],\"summary\":\"Update a project\",\"description\":\"Renames a project or changes its description.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProjectUpdate\"},\"example\":{\"name\":\"Website relaunch 2027\"}}}},\"responses\":{\"200\":{\"description\":\"The changed resource, with its new version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Project\"},\"example\":{\"id\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"name\":\"Website relaunch\",\"description\":\"Everything for the new marketing site.\",\"role\":\"owner\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":3}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"delete\":{\"operationId\":\"deleteProject\",\"tags\":[\"Projects\"],\"summary\":\"Delete a project\",\"description\":\"Deletes a project with all its tasks, notes, comments, members and invitations. This cannot be undone.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"responses\":{\"204\":{\"description\":\"Deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/members\":{\"get\":{\"operationId\":\"listMembers\",\"tags\":[\"Members\"],\"summary\":\"List members\",\"description\":\"The members of a project and their roles, in the order they joined.\\n\\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/MemberList\"},\"example\":{\"data\":[{\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"userId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"role\":\"editor\",\"joinedAt\":\"2026-11-20T09:30:00.000Z\"}],\"nextCursor\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/members/{userId}\":{\"patch\":{\"operationId\":\"updateMember\",\"tags\":[\"Members\"],\"summary\":\"Change a member’s role\",\"description\":\"Gives a member another role. A project always keeps at least one owner: demoting the last owner is refused with 409 `last_owner`. An owner who becomes editor or viewer loses the invitations they sent that are still pending.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"userId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the member (their user id).\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\"},\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/MemberUpdate\"},\"example\":{\"role\":\"editor\"}}}},\"responses\":{\"200\":{\"description\":\"The changed resource.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Member\"},\"example\":{\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"userId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"role\":\"editor\",\"joinedAt\":\"2026-11-20T09:30:00.000Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"409\":{\"description\":\"A project must keep an owner (`last_owner`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"last_owner\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/last_owner\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"A project must keep an owner: make another member owner first, or delete the project.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"last_owner\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"delete\":{\"operationId\":\"removeMember\",\"tags\":[\"Members\"],\"summary\":\"Remove a member, or leave\",\"description\":\"Owners remove any member; any member may remove themselves (leave the project). The last owner cannot leave or be removed (409 `last_owner`): hand ownership to someone else, or delete the project. The invitations a removed member sent that are still pending are revoked with them.\\n\\nNeeds the `owner` role, or being that member. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"userId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the member (their user id).\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\"},\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"204\":{\"description\":\"Deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"409\":{\"description\":\"A project must keep an owner (`last_owner`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"last_owner\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/last_owner\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"A project must keep an owner: make another member owner first, or delete the project.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"last_owner\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/invitations\":{\"get\":{\"operationId\":\"listInvitations\",\"tags\":[\"Invitations\"],\"summary\":\"List pending invitations\",\"description\":\"Invitations of a project that were neither accepted, revoked nor expired, oldest first.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/InvitationList\"},\"example\":{\"data\":[{\"id\":\"inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"grace@example.com\",\"role\":\"viewer\",\"invitedBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"expiresAt\":\"2026-11-27T09:30:00.000Z\"}],\"nextCursor\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenRole\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"post\":{\"operationId\":\"createInvitation\",\"tags\":[\"Invitations\"],\"summary\":\"Invite someone by email\",\"description\":\"Emails a single-use link that lets the recipient join the project with the given role; it expires after 7 days. Inviting an address again replaces its pending invitation. Rate-limited per project, per inviting user across all their projects, and per recipient (policies `invitations-project`, `invitations-user` and `invitations-recipient`; 429). An address that already belongs to a member is refused with 409 `already_member`.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IdempotencyKey\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/InvitationCreate\"},\"example\":{\"email\":\"grace@example.com\",\"role\":\"viewer\"}}}},\"responses\":{\"201\":{\"description\":\"Created. `Location` is its URL and `ETag` its version.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Idempotent-Replayed\":{\"$ref\":\"#/components/headers/Idempotent-Replayed\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Invitation\"},\"example\":{\"id\":\"inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"grace@example.com\",\"role\":\"viewer\",\"invitedBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"expiresAt\":\"2026-11-27T09:30:00.000Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"409\":{\"description\":\"The address belongs to a member already (`already_member`), or a request with the same `Idempotency-Key` is still being processed (`idempotency_key_in_use`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"idempotency_key_in_use\",\"already_member\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/idempotency_key_in_use\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"A request with this Idempotency-Key is still in progress.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"idempotency_key_in_use\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"$ref\":\"#/components/responses/UnprocessableContent\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/invitations/{invitationId}\":{\"delete\":{\"operationId\":\"revokeInvitation\",\"tags\":[\"Invitations\"],\"summary\":\"Revoke an invitation\",\"description\":\"Makes a pending invitation’s token unusable.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"invitationId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the invitation.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^inv_[0-9A-Z]{26}$\"},\"example\":\"inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"204\":{\"description\":\"Deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/invitations/accept\":{\"post\":{\"operationId\":\"acceptInvitation\",\"tags\":[\"Invitations\"],\"summary\":\"Accept an invitation\",\"description\":\"Joins the project of an invitation as the signed-in caller, with the invitation’s role, and uses up the token. A token that is unknown, expired, revoked or already used answers 404. A caller who is already a member keeps their role; the token is used up all the same.\\n\\nNeeds the `write` scope.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"$ref\":\"#/components/parameters/IdempotencyKey\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/InvitationAccept\"},\"example\":{\"token\":\"inv_tok_3q2l0Jx8m9QfKc1b5sT7vWzYhN4pR6dE\"}}}},\"responses\":{\"200\":{\"description\":\"The caller’s membership of the project.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Idempotent-Replayed\":{\"$ref\":\"#/components/headers/Idempotent-Replayed\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Member\"},\"example\":{\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"userId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"email\":\"ada@example.com\",\"role\":\"editor\",\"joinedAt\":\"2026-11-20T09:30:00.000Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenScope\"},\"404\":{\"description\":\"The invitation does not exist, has expired, or was already used (`invitation_not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invitation_not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/invitation_not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"This invitation does not exist, has expired, or was already used.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"invitation_not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"409\":{\"$ref\":\"#/components/responses/Conflict\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"$ref\":\"#/components/responses/UnprocessableContent\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/tasks\":{\"get\":{\"operationId\":\"listTasks\",\"tags\":[\"Tasks\"],\"summary\":\"List tasks\",\"description\":\"The tasks of a project, filtered, sorted and searched. Filters combine with AND.\\n\\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"status\",\"in\":\"query\",\"required\":false,\"description\":\"Only tasks with this status.\",\"schema\":{\"type\":\"string\",\"enum\":[\"todo\",\"in_progress\",\"done\"],\"description\":\"Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.\"}},{\"name\":\"assigneeId\",\"in\":\"query\",\"required\":false,\"description\":\"Only tasks assigned to this member. A user id, e.g. `usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K`.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\"}},{\"name\":\"label\",\"in\":\"query\",\"required\":false,\"description\":\"Only tasks with this label. E.g. `launch`.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":50,\"pattern\":\"^[^,\\\\s\\\\u0000-\\\\u001F\\\\u007F][^,\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"A label: no commas, no leading space, no control characters.\"}},{\"name\":\"dueBefore\",\"in\":\"query\",\"required\":false,\"description\":\"Only tasks due before this instant (exclusive). An RFC 3339 date-time, e.g. `2026-12-31T00:00:00Z`.\",\"schema\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40}},{\"name\":\"dueAfter\",\"in\":\"query\",\"required\":false,\"description\":\"Only tasks due at or after this instant. An RFC 3339 date-time, e.g. `2026-12-01T00:00:00Z`.\",\"schema\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40}},{\"name\":\"sort\",\"in\":\"query\",\"required\":false,\"description\":\"The order: a field, prefixed with `-` for descending. Defaults to `createdAt`, or to relevance when `q` is given: first the tasks with every word of `q` in the title, then the others, the newest first within each. Tasks without a due date come last when sorting by `dueAt`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"createdAt\",\"-createdAt\",\"updatedAt\",\"-updatedAt\",\"dueAt\",\"-dueAt\",\"priority\",\"-priority\",\"position\",\"-position\"]}},{\"name\":\"q\",\"in\":\"query\",\"required\":false,\"description\":\"Full-text search in title and description. Every word must match, as a prefix; case and diacritics are ignored (`creme` finds \\\"Crème\\\"). Title matches rank higher (see `sort`). E.g. `launch post`.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\"}},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/TaskList\"},\"example\":{\"data\":[{\"id\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Write the launch post\",\"description\":\"Draft in **Markdown**, then ask for review.\",\"status\":\"in_progress\",\"priority\":2,\"dueAt\":\"2026-12-01T17:00:00.000Z\",\"labels\":[\"content\",\"launch\"],\"assigneeId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"position\":3,\"completedAt\":null,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":4}],\"nextCursor\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"post\":{\"operationId\":\"createTask\",\"tags\":[\"Tasks\"],\"summary\":\"Create a task\",\"description\":\"Adds a task to a project. The assignee must be a member of the project (422 `invalid_assignee` otherwise).\\n\\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IdempotencyKey\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/TaskCreate\"},\"example\":{\"title\":\"Write the launch post\",\"priority\":2,\"labels\":[\"content\",\"launch\"],\"dueAt\":\"2026-12-01T17:00:00Z\"}}}},\"responses\":{\"201\":{\"description\":\"Created. `Location` is its URL and `ETag` its version.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Idempotent-Replayed\":{\"$ref\":\"#/components/headers/Idempotent-Replayed\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Task\"},\"example\":{\"id\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Write the launch post\",\"description\":\"Draft in **Markdown**, then ask for review.\",\"status\":\"in_progress\",\"priority\":2,\"dueAt\":\"2026-12-01T17:00:00.000Z\",\"labels\":[\"content\",\"launch\"],\"assigneeId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"position\":3,\"completedAt\":null,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":1}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"409\":{\"$ref\":\"#/components/responses/Conflict\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The assignee is not a member of the project (`invalid_assignee`), or the `Idempotency-Key` was used with a different request (`idempotency_key_reused`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"idempotency_key_reused\",\"invalid_assignee\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/idempotency_key_reused\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This Idempotency-Key was used with a different request; use a new key for a new request.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"idempotency_key_reused\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/tasks/{taskId}\":{\"get\":{\"operationId\":\"getTask\",\"tags\":[\"Tasks\"],\"summary\":\"Get a task\",\"description\":\"One task.\\n\\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"taskId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the task.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\"},\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfNoneMatch\"}],\"responses\":{\"200\":{\"description\":\"The resource, with its version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Task\"},\"example\":{\"id\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Write the launch post\",\"description\":\"Draft in **Markdown**, then ask for review.\",\"status\":\"in_progress\",\"priority\":2,\"dueAt\":\"2026-12-01T17:00:00.000Z\",\"labels\":[\"content\",\"launch\"],\"assigneeId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"position\":3,\"completedAt\":null,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":4}}}},\"304\":{\"description\":\"`If-None-Match` named the current version: the copy the client has is up to date.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"patch\":{\"operationId\":\"updateTask\",\"tags\":[\"Tasks\"],\"summary\":\"Update a task\",\"description\":\"Changes some fields of a task. Setting `status` to `done` records `completedAt`; setting it to anything else clears it. The assignee must be a member (422 `invalid_assignee`).\\n\\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"taskId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the task.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\"},\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/TaskUpdate\"},\"example\":{\"status\":\"done\"}}}},\"responses\":{\"200\":{\"description\":\"The changed resource, with its new version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Task\"},\"example\":{\"id\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Write the launch post\",\"description\":\"Draft in **Markdown**, then ask for review.\",\"status\":\"in_progress\",\"priority\":2,\"dueAt\":\"2026-12-01T17:00:00.000Z\",\"labels\":[\"content\",\"launch\"],\"assigneeId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"position\":3,\"completedAt\":null,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":4}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The assignee is not a member of the project (`invalid_assignee`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"invalid_assignee\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/invalid_assignee\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"The assignee must be a member of the project.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"invalid_assignee\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"delete\":{\"operationId\":\"deleteTask\",\"tags\":[\"Tasks\"],\"summary\":\"Delete a task\",\"description\":\"Deletes a task and its comments.\\n\\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"taskId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the task.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\"},\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"responses\":{\"204\":{\"description\":\"Deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/notes\":{\"get\":{\"operationId\":\"listNotes\",\"tags\":[\"Notes\"],\"summary\":\"List notes\",\"description\":\"The notes of a project, sorted or searched.\\n\\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"sort\",\"in\":\"query\",\"required\":false,\"description\":\"The order: `createdAt` or `updatedAt`, prefixed with `-` for descending. Defaults to `createdAt`, or to relevance when `q` is given: first the notes with every word of `q` in the title, then the others, the newest first within each.\",\"schema\":{\"type\":\"string\",\"enum\":[\"createdAt\",\"-createdAt\",\"updatedAt\",\"-updatedAt\"]}},{\"name\":\"q\",\"in\":\"query\",\"required\":false,\"description\":\"Full-text search in title and body, like `q` of listTasks. E.g. `launch post`.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\"}},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NoteList\"},\"example\":{\"data\":[{\"id\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Meeting notes 2026-11-20\",\"body\":\"## Decisions\\n\\n- Launch on December 1st\",\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":2}],\"nextCursor\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"post\":{\"operationId\":\"createNote\",\"tags\":[\"Notes\"],\"summary\":\"Create a note\",\"description\":\"Adds a Markdown note to a project.\\n\\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IdempotencyKey\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NoteCreate\"},\"example\":{\"title\":\"Meeting notes 2026-11-20\",\"body\":\"## Decisions\\n\\n- Launch on December 1st\"}}}},\"responses\":{\"201\":{\"description\":\"Created. `Location` is its URL and `ETag` its version.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Idempotent-Replayed\":{\"$ref\":\"#/components/headers/Idempotent-Replayed\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Note\"},\"example\":{\"id\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Meeting notes 2026-11-20\",\"body\":\"## Decisions\\n\\n- Launch on December 1st\",\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":1}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"409\":{\"$ref\":\"#/components/responses/Conflict\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"$ref\":\"#/components/responses/UnprocessableContent\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/notes/{noteId}\":{\"get\":{\"operationId\":\"getNote\",\"tags\":[\"Notes\"],\"summary\":\"Get a note\",\"description\":\"One note.\\n\\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"noteId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the note.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\"},\"example\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfNoneMatch\"}],\"responses\":{\"200\":{\"description\":\"The resource, with its version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Note\"},\"example\":{\"id\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Meeting notes 2026-11-20\",\"body\":\"## Decisions\\n\\n- Launch on December 1st\",\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":2}}}},\"304\":{\"description\":\"`If-None-Match` named the current version: the copy the client has is up to date.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"patch\":{\"operationId\":\"updateNote\",\"tags\":[\"Notes\"],\"summary\":\"Update a note\",\"description\":\"Changes the title or body of a note.\\n\\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"noteId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the note.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\"},\"example\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NoteUpdate\"},\"example\":{\"body\":\"## Decisions\\n\\n- Launch on December 2nd\"}}}},\"responses\":{\"200\":{\"description\":\"The changed resource, with its new version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Note\"},\"example\":{\"id\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Meeting notes 2026-11-20\",\"body\":\"## Decisions\\n\\n- Launch on December 1st\",\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":2}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"delete\":{\"operationId\":\"deleteNote\",\"tags\":[\"Notes\"],\"summary\":\"Delete a note\",\"description\":\"Deletes a note.\\n\\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"noteId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the note.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\"},\"example\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"responses\":{\"204\":{\"description\":\"Deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/tasks/{taskId}/comments\":{\"get\":{\"operationId\":\"listComments\",\"tags\":[\"Comments\"],\"summary\":\"List comments\",\"description\":\"The comments on a task, oldest first.\\n\\nNeeds any role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"taskId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the task.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\"},\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/CommentList\"},\"example\":{\"data\":[{\"id\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"authorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"body\":\"First draft is in the shared folder.\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}],\"nextCursor\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"post\":{\"operationId\":\"createComment\",\"tags\":[\"Comments\"],\"summary\":\"Comment on a task\",\"description\":\"Adds a comment to a task.\\n\\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"taskId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the task.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\"},\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IdempotencyKey\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/CommentCreate\"},\"example\":{\"body\":\"First draft is in the shared folder.\"}}}},\"responses\":{\"201\":{\"description\":\"Created. `Location` is its URL and `ETag` its version.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Idempotent-Replayed\":{\"$ref\":\"#/components/headers/Idempotent-Replayed\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Comment\"},\"example\":{\"id\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"authorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"body\":\"First draft is in the shared folder.\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"409\":{\"$ref\":\"#/components/responses/Conflict\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"$ref\":\"#/components/responses/UnprocessableContent\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/comments/{commentId}\":{\"patch\":{\"operationId\":\"updateComment\",\"tags\":[\"Comments\"],\"summary\":\"Edit a comment\",\"description\":\"Changes the text of a comment. Only its author may, while they may still write in the project.\\n\\nNeeds being the author, with the `owner` or `editor` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"commentId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the comment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\"},\"example\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/CommentUpdate\"},\"example\":{\"body\":\"Second draft is in the shared folder.\"}}}},\"responses\":{\"200\":{\"description\":\"The changed resource, with its new version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Comment\"},\"example\":{\"id\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"authorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"body\":\"First draft is in the shared folder.\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-21T14:05:12.000Z\",\"version\":2}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"delete\":{\"operationId\":\"deleteComment\",\"tags\":[\"Comments\"],\"summary\":\"Delete a comment\",\"description\":\"Deletes a comment. Its author may (with the `owner` or `editor` role), and so may any owner of the project.\\n\\nNeeds being the author, or the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"commentId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the comment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\"},\"example\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"responses\":{\"204\":{\"description\":\"Deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/webhooks\":{\"get\":{\"operationId\":\"listWebhookEndpoints\",\"tags\":[\"Webhooks\"],\"summary\":\"List a project's webhook endpoints\",\"description\":\"The project's webhook endpoints, oldest first. Secrets are never listed: they are shown once, when created or rotated.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookEndpointList\"},\"example\":{\"data\":[{\"id\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"url\":\"https://hooks.example.com/tasklane\",\"description\":\"Post finished tasks to the team chat\",\"eventTypes\":[\"task.*\",\"comment.created\"],\"enabled\":true,\"disabledReason\":null,\"previousSecretExpiresAt\":null,\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}],\"nextCursor\":null}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenRole\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"post\":{\"operationId\":\"createWebhookEndpoint\",\"tags\":[\"Webhooks\"],\"summary\":\"Add a webhook endpoint\",\"description\":\"Registers a URL that is sent the project's changes whose type matches `eventTypes` (`task.*`, `comment.created`, or `*` for all), signed per the Standard Webhooks specification with the `secret` in the answer — the only time it is shown; store it now.\\n\\nThe URL must be `https` (plain `http` only where the server allows it for development) and must not name a loopback, private, link-local or metadata address (422 `webhook_url_not_allowed`); names that resolve to such addresses are refused at delivery, on every connection. A project has at most 20 endpoints (422 `webhook_limit_reached`). An event type that is no change type answers 422 `unknown_event_type`.\\n\\nEach change is delivered as the body `{ \\\"type\\\", \\\"timestamp\\\", \\\"data\\\" }` with `data` the change as `listChanges` answers it, with headers `webhook-id` (the same on every retry of one delivery, to deduplicate by), `webhook-timestamp` and `webhook-signature`. An endpoint receives only what the project's owners may read. See the `webhooks` section of this document for the payloads.\\n\\nEndpoints are settings only owners see: creating, changing, rotating or deleting one records no change in the change log (`listChanges`, `streamEvents`), which every member of the project reads, and so sends no webhook either.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IdempotencyKey\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookEndpointCreate\"},\"example\":{\"url\":\"https://hooks.example.com/tasklane\",\"description\":\"Post finished tasks to the team chat\",\"eventTypes\":[\"task.*\",\"comment.created\"]}}}},\"responses\":{\"201\":{\"description\":\"Created. `Location` is its URL and `ETag` its version. `secret` is shown only here.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Idempotent-Replayed\":{\"$ref\":\"#/components/headers/Idempotent-Replayed\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookEndpointCreated\"},\"example\":{\"id\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"url\":\"https://hooks.example.com/tasklane\",\"description\":\"Post finished tasks to the team chat\",\"eventTypes\":[\"task.*\",\"comment.created\"],\"enabled\":true,\"disabledReason\":null,\"previousSecretExpiresAt\":null,\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1,\"secret\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"409\":{\"$ref\":\"#/components/responses/Conflict\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The URL may not be used (`webhook_url_not_allowed`), an event type is unknown (`unknown_event_type`), the project has its 20 endpoints already (`webhook_limit_reached`), or this `Idempotency-Key` was used with a different request (`idempotency_key_reused`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"idempotency_key_reused\",\"webhook_url_not_allowed\",\"unknown_event_type\",\"webhook_limit_reached\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/webhook_url_not_allowed\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"Webhook URLs may not point at loopback, private, link-local or metadata addresses.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/webhooks\",\"code\":\"webhook_url_not_allowed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/webhooks/{webhookId}\":{\"get\":{\"operationId\":\"getWebhookEndpoint\",\"tags\":[\"Webhooks\"],\"summary\":\"Get a webhook endpoint\",\"description\":\"One webhook endpoint, without its secret. `disabledReason` is `failing` when the server turned it off because every delivery attempt failed for `WEBHOOK_DISABLE_AFTER_S` (the owners were told).\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"webhookId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the webhook endpoint.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\"},\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"200\":{\"description\":\"The webhook endpoint, with its version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookEndpoint\"},\"example\":{\"id\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"url\":\"https://hooks.example.com/tasklane\",\"description\":\"Post finished tasks to the team chat\",\"eventTypes\":[\"task.*\",\"comment.created\"],\"enabled\":true,\"disabledReason\":null,\"previousSecretExpiresAt\":null,\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenRole\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"patch\":{\"operationId\":\"updateWebhookEndpoint\",\"tags\":[\"Webhooks\"],\"summary\":\"Change a webhook endpoint\",\"description\":\"Changes the URL, description, event types or `enabled`. Enabling an endpoint the server disabled clears `disabledReason` and starts delivering new changes again; use `replayWebhookEvents` for what it missed. The same URL rules as on creation apply.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"webhookId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the webhook endpoint.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\"},\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookEndpointUpdate\"},\"example\":{\"enabled\":false}}}},\"responses\":{\"200\":{\"description\":\"The changed resource, with its new version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookEndpoint\"},\"example\":{\"id\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"url\":\"https://hooks.example.com/tasklane\",\"description\":\"Post finished tasks to the team chat\",\"eventTypes\":[\"task.*\",\"comment.created\"],\"enabled\":true,\"disabledReason\":null,\"previousSecretExpiresAt\":null,\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"422\":{\"description\":\"The URL may not be used (`webhook_url_not_allowed`) or an event type is unknown (`unknown_event_type`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"webhook_url_not_allowed\",\"unknown_event_type\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/unknown_event_type\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"No change type matches tsk.*.\",\"instance\":\"/v1/webhooks/whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"unknown_event_type\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"delete\":{\"operationId\":\"deleteWebhookEndpoint\",\"tags\":[\"Webhooks\"],\"summary\":\"Delete a webhook endpoint\",\"description\":\"Removes the endpoint, its delivery log and every delivery still waiting; an attempt already under way may still arrive.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"webhookId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the webhook endpoint.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\"},\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"204\":{\"description\":\"Deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/webhooks/{webhookId}/secret/rotate\":{\"post\":{\"operationId\":\"rotateWebhookSecret\",\"tags\":[\"Webhooks\"],\"summary\":\"Rotate a webhook endpoint's secret\",\"description\":\"Makes a new signing secret and answers it, the only time it is shown. For 24 hours (`previousSecretExpiresAt`) every delivery carries two signatures in `webhook-signature`, one with each secret, so the receiver can switch at its own pace; attempts already under way are signed with both. Rotating again within the 24 hours drops the oldest secret.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"webhookId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the webhook endpoint.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\"},\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"200\":{\"description\":\"The new secret.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookSecret\"},\"example\":{\"secret\":\"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\",\"previousSecretExpiresAt\":\"2026-11-21T09:30:00.000Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/webhooks/{webhookId}/ping\":{\"post\":{\"operationId\":\"pingWebhookEndpoint\",\"tags\":[\"Webhooks\"],\"summary\":\"Send a test event\",\"description\":\"Queues a `webhook.ping` event to the endpoint at once (also when it is disabled), and answers its delivery; follow it in `listWebhookDeliveries`.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"webhookId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the webhook endpoint.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\"},\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"202\":{\"description\":\"Queued.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookDelivery\"},\"example\":{\"id\":\"msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"endpointId\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"eventType\":\"webhook.ping\",\"changeSeq\":null,\"status\":\"pending\",\"attempts\":2,\"lastAttemptAt\":\"2026-11-20T09:30:05.000Z\",\"durationMs\":131,\"responseStatus\":503,\"responseBody\":\"Service Unavailable\",\"error\":null,\"nextAttemptAt\":\"2026-11-20T09:30:45.000Z\",\"createdAt\":\"2026-11-20T09:30:00.000Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/webhooks/{webhookId}/deliveries\":{\"get\":{\"operationId\":\"listWebhookDeliveries\",\"tags\":[\"Webhooks\"],\"summary\":\"List an endpoint's deliveries\",\"description\":\"The delivery log, newest first: each event sent or to be sent, with its status (`pending` while it is being retried, `succeeded`, `failed` once retries ran out after `WEBHOOK_RETRY_FOR_S` or the receiver answered a 4xx that is not retried), the number of attempts, and the last attempt's duration, response status, first 64 KiB of the response body, or error (e.g. a refused address), and when the next attempt is due.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"webhookId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the webhook endpoint.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\"},\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookDeliveryList\"},\"example\":{\"data\":[{\"id\":\"msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"endpointId\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"eventType\":\"task.updated\",\"changeSeq\":\"42\",\"status\":\"pending\",\"attempts\":2,\"lastAttemptAt\":\"2026-11-20T09:30:05.000Z\",\"durationMs\":131,\"responseStatus\":503,\"responseBody\":\"Service Unavailable\",\"error\":null,\"nextAttemptAt\":\"2026-11-20T09:30:45.000Z\",\"createdAt\":\"2026-11-20T09:30:00.000Z\"}],\"nextCursor\":null}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenRole\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver\":{\"post\":{\"operationId\":\"redeliverWebhookDelivery\",\"tags\":[\"Webhooks\"],\"summary\":\"Send a delivery again\",\"description\":\"Queues the same event again at once, with the same `webhook-id` and body, whatever its status; the attempt count and retry period start afresh.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"webhookId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the webhook endpoint.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\"},\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"deliveryId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the delivery (its `webhook-id` header).\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^msg_[0-9A-Z]{26}$\"},\"example\":\"msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"202\":{\"description\":\"Queued.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookDelivery\"},\"example\":{\"id\":\"msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"endpointId\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"eventType\":\"task.updated\",\"changeSeq\":\"42\",\"status\":\"pending\",\"attempts\":2,\"lastAttemptAt\":\"2026-11-20T09:30:05.000Z\",\"durationMs\":131,\"responseStatus\":503,\"responseBody\":\"Service Unavailable\",\"error\":null,\"nextAttemptAt\":\"2026-11-20T09:30:45.000Z\",\"createdAt\":\"2026-11-20T09:30:00.000Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/webhooks/{webhookId}/replay\":{\"post\":{\"operationId\":\"replayWebhookEvents\",\"tags\":[\"Webhooks\"],\"summary\":\"Send every change since a seq again\",\"description\":\"For a receiver that was down: queues a new delivery of every change after `since` that the endpoint subscribes to and the project's owners may read, in seq order, as far as the change log keeps them (`CHANGES_RETENTION_S`; an older `since` answers 410 `cursor_expired`). At most 10,000 changes per call: when `hasMore` is true, call again with `since` set to `throughSeq`. Replayed deliveries get new `webhook-id`s; the change's `seq` in the body tells a receiver what it has seen already.\\n\\nNeeds the `owner` role. Callers who are not members of the project get 404, as for a project that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"webhookId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the webhook endpoint.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\"},\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookReplay\"},\"example\":{\"since\":\"1200\"}}}},\"responses\":{\"202\":{\"description\":\"Queued.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookReplayResult\"},\"example\":{\"queued\":37,\"throughSeq\":\"1337\",\"hasMore\":false}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"410\":{\"$ref\":\"#/components/responses/CursorExpired\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/changes\":{\"get\":{\"operationId\":\"listChanges\",\"tags\":[\"Events\"],\"summary\":\"List changes since a sync token\",\"description\":\"The change log as JSON pages, for clients that poll: every create, update and delete of a project, task, note, comment, membership or invitation the caller may see, in seq order, each with the resource as its get operation answers it (or a tombstone `{ \\\"id\\\": \\\"…\\\", \\\"deleted\\\": true }`).\\n\\nStart with `since=0` (or the `syncToken` of a full load), then pass each answer's `syncToken` as `since`. A change is never skipped, even one whose transaction commits after a later one started: a change is served once every write that began before it has ended. Visibility is decided when the change is delivered: changes of projects the caller is a member of now, written since they joined, and the caller's own (notifications, their removal from a project, a project of theirs being deleted). A member reads a project's changes from the write that added them on: a `since` before that starts there, so nothing written, edited or deleted before they joined is served to them (load the current state with the get and list operations). `projectId` narrows to one project.\\n\\nChanges are kept for `CHANGES_RETENTION_S` (7 days by default). A `since` older than that answers 410 `cursor_expired`: reload the resources and continue from the latest `syncToken`. A `since` past the newest change (which no answer ever gave: a position from another deployment, or from before a restore) answers 400 `since_ahead` rather than silently skipping what is written up to it: reload, then continue from the new `syncToken`. While a page is full, `nextCursor` (and `Link`) point at the next one.\\n\\nNeeds any role in the projects concerned; a `read` API key is enough.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"since\",\"in\":\"query\",\"required\":false,\"description\":\"The `syncToken` of the previous answer (e.g. `42`); changes after it are returned. `0` (the default) starts from the oldest retained change (for a project, from when the caller joined it). A 64-bit integer that may exceed 2^53; send it as received.\",\"schema\":{\"type\":\"string\",\"pattern\":\"^[0-9]{1,19}$\",\"maxLength\":19,\"default\":\"0\"}},{\"name\":\"projectId\",\"in\":\"query\",\"required\":false,\"description\":\"Only changes of this project (e.g. `prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K`).\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"}},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of changes, oldest first. `Link` points at the next page when this one is full.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ChangeList\"},\"example\":{\"data\":[{\"seq\":\"42\",\"type\":\"task.updated\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"resourceType\":\"task\",\"resourceId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"version\":2,\"actorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"occurredAt\":\"2026-11-20T09:31:00.000Z\",\"data\":{\"id\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Write the launch post\",\"description\":null,\"status\":\"in_progress\",\"priority\":2,\"dueAt\":null,\"labels\":[\"launch\"],\"assigneeId\":null,\"position\":1,\"completedAt\":null,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:31:00.000Z\",\"version\":2}},{\"seq\":\"43\",\"type\":\"note.deleted\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"resourceType\":\"note\",\"resourceId\":\"nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"version\":null,\"actorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"occurredAt\":\"2026-11-20T09:32:00.000Z\",\"data\":{\"id\":\"nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"deleted\":true}}],\"nextCursor\":null,\"syncToken\":\"43\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestChanges\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"410\":{\"$ref\":\"#/components/responses/CursorExpired\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/events\":{\"get\":{\"operationId\":\"streamEvents\",\"tags\":[\"Events\"],\"summary\":\"Stream changes as Server-Sent Events\",\"description\":\"A `text/event-stream` of every change the caller may see, as it happens: the same log that\\n`listChanges` pages through. Each change is one event whose `id` is its `seq` and whose `event` is\\nits `type`; `data` is the `Change` as JSON. What the caller may see is checked when each event is\\ndelivered, so a member who is removed from a project receives `access_revoked` for it and nothing of\\nthat project afterwards; and a project's changes start where the caller joined it, as in\\n`listChanges` (a position before that starts there).\\n\\nWhere to start: the `Last-Event-ID` header (sent by `EventSource` when it reconnects) wins over\\n`since`; with neither, the stream starts at the newest change and sends only what happens next.\\nResuming from the last `id` received delivers every later change once, with no gap. A position older\\nthan the log keeps (see `CHANGES_RETENTION_S`) answers 410 `cursor_expired` before the stream starts:\\nread the current state again, then stream from `syncToken` of `listChanges`. A position past the\\nnewest change answers 400 `since_ahead` (a stream from it would silently skip every change up to it).\\nSeqs are 64-bit: a position may exceed 2^53, so keep it as the string it is sent as.\\n\\nThe first event of every stream (after `retry:`) is `ready` `{ \\\"since\\\" }`, with `id` set to the same\\n`since`: the position the stream starts after (the `Last-Event-ID` or `since` sent, or the newest\\nchange). A client that started without a position thereby has one before any change arrives, so a\\nreconnect (which sends it as `Last-Event-ID`) misses nothing committed while it was away.\\n\\nBesides changes and `ready`, the stream carries (none of these has an `id`, so a reconnect resumes after the last change):\\n- `access_revoked` `{ \\\"projectId\\\": … }` when the caller loses access to a project (removed, or the project deleted);\\n- `auth_expired` `{}` when the credentials expire or are revoked; the server then closes the stream,\\n  and the client reconnects with fresh credentials;\\n- `reconnect` `{ \\\"reason\\\", \\\"since\\\" }` before the server closes the stream because it is shutting down\\n  (`shutdown`) or the client reads too slowly (`slow_consumer`); reconnect with `Last-Event-ID` (or\\n  `since`) set to `since`;\\n- a `: heartbeat` comment at least every 15 seconds, so proxies and clients can tell a quiet stream\\n  from a dead one; and `retry:` (milliseconds to wait before reconnecting) first thing.\\n\\nOn the wire:\\n\\n```\\nretry: 3000\\n\\nid: 41\\nevent: ready\\ndata: {\\\"since\\\":\\\"41\\\"}\\n\\nid: 42\\nevent: task.updated\\ndata: {\\\"seq\\\":\\\"42\\\",\\\"type\\\":\\\"task.updated\\\",\\\"projectId\\\":\\\"prj_…\\\",…}\\n\\n: heartbeat\\n\\nevent: reconnect\\ndata: {\\\"reason\\\":\\\"shutdown\\\",\\\"since\\\":\\\"42\\\"}\\n```\\n\\nThe response is never compressed or cached (`Cache-Control: no-cache, no-transform`), and\\n`X-Accel-Buffering: no` asks nginx-style proxies not to buffer it.\\n\\nNeeds the `read` scope. With `projectId`, only that project's changes; callers who are not members of\\nit get 404, as for a project that does not exist.\\n\\nOpen streams are limited per server instance: at most `EVENTS_MAX_STREAMS_PER_USER` (20 by default)\\nper user, over all their sessions and API keys, and `EVENTS_MAX_STREAMS_PER_KEY` (10) per API key;\\none more answers 429 `too_many_streams` with `Retry-After` (close a stream you no longer read). Past\\n`EVENTS_MAX_STREAMS` (10,000) on the instance, 503 `streams_unavailable` with `Retry-After` (another\\ninstance may have room).\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"since\",\"in\":\"query\",\"required\":false,\"description\":\"Send the changes after this `seq` (the last event `id` the client has, or a `syncToken` of `listChanges`), e.g. `42`.\",\"schema\":{\"type\":\"string\",\"maxLength\":19,\"pattern\":\"^[0-9]{1,19}$\"}},{\"name\":\"projectId\",\"in\":\"query\",\"required\":false,\"description\":\"Only this project's changes (e.g. `prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K`).\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"}},{\"name\":\"Last-Event-ID\",\"in\":\"header\",\"required\":false,\"description\":\"The `id` of the last event received; sent by `EventSource` when it reconnects. Wins over `since`.\",\"schema\":{\"type\":\"string\",\"maxLength\":19,\"pattern\":\"^[0-9]{1,19}$\"},\"example\":\"42\"}],\"responses\":{\"200\":{\"description\":\"The event stream. Each event, as an `EventSource` parses it (`id`, `event`, and `data` parsed\\nas JSON), matches `StreamEvent`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Cache-Control\":{\"description\":\"Never cache or transform (compress) the stream.\",\"schema\":{\"type\":\"string\",\"enum\":[\"no-cache, no-transform\"]},\"example\":\"no-cache, no-transform\"},\"X-Accel-Buffering\":{\"description\":\"Asks a reverse proxy (nginx) to pass events on as they come instead of buffering them.\",\"schema\":{\"type\":\"string\",\"enum\":[\"no\"]},\"example\":\"no\"}},\"content\":{\"text/event-stream\":{\"schema\":{\"$ref\":\"#/components/schemas/StreamEvent\"},\"example\":{\"id\":\"42\",\"event\":\"task.updated\",\"data\":{\"seq\":\"42\",\"type\":\"task.updated\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"resourceType\":\"task\",\"resourceId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"version\":4,\"actorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"occurredAt\":\"2026-11-21T14:05:12.000Z\",\"data\":{}}}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestEvents\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"410\":{\"$ref\":\"#/components/responses/CursorExpired\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequestsStreams\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/StreamsUnavailable\"}}}},\"/v1/notifications\":{\"get\":{\"operationId\":\"listNotifications\",\"tags\":[\"Notifications\"],\"summary\":\"List your notifications\",\"description\":\"The caller's notifications, most recently updated first. A notification is a thread: one per task (or project, for invitations) and reason while it is unread, so a repeat (a second comment, another mention) bumps it to the top with a higher `count` and the latest actor instead of adding a new one. Once read, the next event starts a new thread.\\n\\nReasons: `assigned` (a task was assigned to you), `mentioned` (you were @mentioned in a task description or a comment), `commented` (a comment on a task you created or are assigned), `invited` (you were invited to a project). You are never notified of your own actions, and only of tasks in projects you can still see.\\n\\nNew and bumped notifications are also recorded in the change log as `notification.created` changes (`listChanges`, and the event stream), visible only to their recipient, with the notification as it is now in `data`. An `invited` notification is deleted when its invitation is revoked (`notification.deleted`, a tombstone, for the recipient), so it can no longer be followed to an invitation that is gone.\\n\\nNeeds the `read` scope.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"unread\",\"in\":\"query\",\"required\":false,\"description\":\"`true`: only unread notifications; `false`: only read ones. Leave out for both.\",\"schema\":{\"type\":\"string\",\"enum\":[\"true\",\"false\"]}},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of results. `Link` points at the next page when there is one.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NotificationList\"},\"example\":{\"data\":[{\"id\":\"ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"reason\":\"commented\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"commentId\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"invitationId\":null,\"webhookId\":null,\"actorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Write the launch post\",\"count\":2,\"readAt\":null,\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T10:12:40.000Z\"}],\"nextCursor\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/notifications/unread-count\":{\"get\":{\"operationId\":\"getUnreadNotificationCount\",\"tags\":[\"Notifications\"],\"summary\":\"Count unread notifications\",\"description\":\"How many of the caller's notifications are unread (what `listNotifications?unread=true` would list), for a badge.\\n\\nNeeds the `read` scope.\",\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"The number of unread notifications.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/UnreadNotificationCount\"},\"example\":{\"count\":3}}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/notifications/{notificationId}/read\":{\"post\":{\"operationId\":\"markNotificationRead\",\"tags\":[\"Notifications\"],\"summary\":\"Mark a notification read\",\"description\":\"Marks one notification read; its email, if not sent yet, will not be. The change is recorded as a `notification.updated` change for the caller (`listChanges`, the event stream), so their other devices clear it too. Marking a read notification again changes nothing and answers it as it is.\\n\\nNeeds the `write` scope. Another user's notification answers 404, as for one that does not exist.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"notificationId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the notification.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^ntf_[0-9A-Z]{26}$\"},\"example\":\"ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"200\":{\"description\":\"The notification, now read.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Notification\"},\"example\":{\"id\":\"ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"reason\":\"assigned\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"commentId\":null,\"invitationId\":null,\"webhookId\":null,\"actorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Write the launch post\",\"count\":1,\"readAt\":\"2026-11-20T11:02:00.000Z\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenScope\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/notifications/read\":{\"post\":{\"operationId\":\"markAllNotificationsRead\",\"tags\":[\"Notifications\"],\"summary\":\"Mark notifications read up to a time\",\"description\":\"Marks read every unread notification of the caller whose `updatedAt` is at or before `before`. Pass the `updatedAt` of the newest notification you showed (or the time you showed the list): a notification that arrived or was bumped after that stays unread, so nothing the user has not seen is cleared. Each notification marked is recorded as a `notification.updated` change for the caller.\\n\\nNeeds the `write` scope.\",\"security\":[{\"bearerAuth\":[]}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NotificationsMarkRead\"},\"example\":{\"before\":\"2026-11-20T10:12:40.000Z\"}}}},\"responses\":{\"200\":{\"description\":\"How many notifications were marked read.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NotificationsMarked\"},\"example\":{\"marked\":3}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenScope\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/notifications/preferences\":{\"get\":{\"operationId\":\"getNotificationPreferences\",\"tags\":[\"Notifications\"],\"summary\":\"Get notification preferences\",\"description\":\"For each reason, whether the caller gets an in-app notification (`inApp`) and, if it stays unread, an email (`email`). Everything is on until changed.\\n\\nNeeds the `read` scope.\",\"security\":[{\"bearerAuth\":[]}],\"responses\":{\"200\":{\"description\":\"The caller's preferences.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NotificationPreferences\"},\"example\":{\"assigned\":{\"inApp\":true,\"email\":true},\"mentioned\":{\"inApp\":true,\"email\":true},\"commented\":{\"inApp\":true,\"email\":false},\"invited\":{\"inApp\":true,\"email\":true}}}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"patch\":{\"operationId\":\"updateNotificationPreferences\",\"tags\":[\"Notifications\"],\"summary\":\"Change notification preferences\",\"description\":\"Changes the channels named in the body and leaves the rest as they are. With `inApp` off for a reason, no notification is made for it at all (none in the list, none on the event stream, and so no email either); with `email` off, notifications still appear in the app but are never emailed. The change applies to events from now on, and to emails not sent yet.\\n\\nNeeds the `write` scope.\",\"security\":[{\"bearerAuth\":[]}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NotificationPreferencesUpdate\"},\"example\":{\"commented\":{\"email\":false}}}}},\"responses\":{\"200\":{\"description\":\"The caller's preferences after the change.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/NotificationPreferences\"},\"example\":{\"assigned\":{\"inApp\":true,\"email\":true},\"mentioned\":{\"inApp\":true,\"email\":true},\"commented\":{\"inApp\":true,\"email\":false},\"invited\":{\"inApp\":true,\"email\":true}}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestBody\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/ForbiddenScope\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"431\":{\"$ref\":\"#/components/responses/RequestHeaderFieldsTooLarge\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/attachments\":{\"post\":{\"operationId\":\"createAttachment\",\"tags\":[\"Attachments\"],\"summary\":\"Upload a file\",\"description\":\"Stores a file in the project, optionally attached to a task, note or comment of it. The body is\\nstreamed to storage, never held whole in memory, in either form:\\n\\n- `multipart/form-data` with one part named `file` (its `filename` is the file name) and, as further\\n  fields, `taskId`, `noteId` or `commentId` and `sha256`;\\n- any other media type: the raw bytes of the file, with `filename` (and the other fields) as query\\n  parameters. The `Content-Type` sent is kept as `claimedContentType`.\\n\\nThe stored `contentType` is read from the bytes (magic numbers), never taken from the client. A file\\nover the size limit (`ATTACHMENT_MAX_BYTES`) or over what is left of the project's quota is cut off\\nat the limit while it streams (413) and nothing is kept. With `sha256`, a file whose bytes hash\\ndifferently is refused (400 `checksum_mismatch`); the hash is always returned. For large files and\\nflaky networks use the resumable (tus) upload instead.\\n\\nNeeds the `owner` or `editor` role. Callers who are not members of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"filename\",\"in\":\"query\",\"required\":false,\"description\":\"Raw uploads: the file's name (required there), e.g. `report.pdf`. At most 255 characters, no path separators or control characters.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1000,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\"}},{\"name\":\"taskId\",\"in\":\"query\",\"required\":false,\"description\":\"Raw uploads: attach the file to this task of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\"}},{\"name\":\"noteId\",\"in\":\"query\",\"required\":false,\"description\":\"Raw uploads: attach the file to this note of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\"}},{\"name\":\"commentId\",\"in\":\"query\",\"required\":false,\"description\":\"Raw uploads: attach the file to this comment on a task of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\"}},{\"name\":\"sha256\",\"in\":\"query\",\"required\":false,\"description\":\"Raw uploads: the hex SHA-256 the bytes must have, e.g. `9f86d0…0a08`.\",\"schema\":{\"type\":\"string\",\"minLength\":64,\"maxLength\":64,\"pattern\":\"^[0-9a-fA-F]{64}$\"}}],\"requestBody\":{\"description\":\"The file, as a form or raw. Marked optional only because its two forms are validated apart; a request without a file is refused (415 without `Content-Type`, 400 `missing_file` or `empty_file`).\",\"required\":false,\"content\":{\"multipart/form-data\":{\"schema\":{\"$ref\":\"#/components/schemas/AttachmentUpload\"},\"encoding\":{\"file\":{\"contentType\":\"*/*\"}}},\"*/*\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\",\"maxLength\":5368709120,\"description\":\"The raw bytes of the file.\"}}}},\"responses\":{\"201\":{\"description\":\"Stored. `Location` is the attachment's URL and `ETag` its version.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Attachment\"},\"example\":{\"id\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"noteId\":null,\"commentId\":null,\"filename\":\"screenshot 2026-11-20.png\",\"contentType\":\"image/png\",\"claimedContentType\":\"image/png\",\"size\":48213,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"thumbnails\":true,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}}}},\"400\":{\"description\":\"The upload is not acceptable: `validation_failed` (a parameter or field), `invalid_filename`, `empty_file`, `missing_file` (no part named `file`), `duplicate_file` (two file parts), `duplicate_field`, `unexpected_file` (a file part with another name), `malformed_multipart`, `checksum_mismatch` (the bytes do not hash to `sha256`), `invalid_target` (more than one of `taskId`, `noteId`, `commentId`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"invalid_filename\",\"empty_file\",\"missing_file\",\"duplicate_file\",\"duplicate_field\",\"unexpected_file\",\"malformed_multipart\",\"checksum_mismatch\",\"invalid_target\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/checksum_mismatch\",\"title\":\"Bad request\",\"status\":400,\"detail\":\"The file does not have the SHA-256 sent.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments\",\"code\":\"checksum_mismatch\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"description\":\"No such project, task, note or comment in it, or one the caller may not see (`not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No task with this id in the project.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"408\":{\"description\":\"The client stopped sending the body for longer than `UPLOAD_IDLE_TIMEOUT_MS` (`request_timeout`); nothing was kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"request_timeout\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/request_timeout\",\"title\":\"Request timeout\",\"status\":408,\"detail\":\"No bytes of the body arrived for 30000 ms.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments\",\"code\":\"request_timeout\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"413\":{\"description\":\"The file is larger than `ATTACHMENT_MAX_BYTES` (`file_too_large`) or than what is left of the project's storage quota (`quota_exceeded`). Refused while streaming, at the limit; nothing was kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"file_too_large\",\"quota_exceeded\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/quota_exceeded\",\"title\":\"Content too large\",\"status\":413,\"detail\":\"The project has 1200 bytes of its storage quota left; the file is larger.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments\",\"code\":\"quota_exceeded\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"415\":{\"description\":\"The bytes are of a type the server does not accept (`file_type_not_allowed`, per `ATTACHMENT_TYPES_ALLOW` and `ATTACHMENT_TYPES_DENY`), or the body has no `Content-Type` (`unsupported_media_type`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"file_type_not_allowed\",\"unsupported_media_type\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/file_type_not_allowed\",\"title\":\"Unsupported media type\",\"status\":415,\"detail\":\"Files of type application/x-msdownload are not accepted here.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments\",\"code\":\"file_type_not_allowed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"description\":\"The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); nothing was kept. Retry after `Retry-After` seconds.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\",\"storage_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/storage_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The file store did not answer.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments\",\"code\":\"storage_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"507\":{\"description\":\"The server's disk is full (`insufficient_storage`); nothing was kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"insufficient_storage\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/insufficient_storage\",\"title\":\"Insufficient storage\",\"status\":507,\"detail\":\"The file store has no room left.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/attachments\",\"code\":\"insufficient_storage\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"get\":{\"operationId\":\"listAttachments\",\"tags\":[\"Attachments\"],\"summary\":\"List attachments\",\"description\":\"The project's files, oldest first; with `taskId`, `noteId` or `commentId`, only those attached to it.\\n\\nNeeds any role. Callers who are not members of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"taskId\",\"in\":\"query\",\"required\":false,\"description\":\"Only files attached to this task.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\"}},{\"name\":\"noteId\",\"in\":\"query\",\"required\":false,\"description\":\"Only files attached to this note.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\"}},{\"name\":\"commentId\",\"in\":\"query\",\"required\":false,\"description\":\"Only files attached to this comment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\"}},{\"$ref\":\"#/components/parameters/Limit\"},{\"$ref\":\"#/components/parameters/Cursor\"}],\"responses\":{\"200\":{\"description\":\"A page of attachments.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Link\":{\"$ref\":\"#/components/headers/Link\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AttachmentList\"},\"example\":{\"data\":[{\"id\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"noteId\":null,\"commentId\":null,\"filename\":\"screenshot 2026-11-20.png\",\"contentType\":\"image/png\",\"claimedContentType\":\"image/png\",\"size\":48213,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"thumbnails\":true,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}],\"nextCursor\":null}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequestList\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/attachments/{attachmentId}\":{\"get\":{\"operationId\":\"getAttachment\",\"tags\":[\"Attachments\"],\"summary\":\"Get an attachment\",\"description\":\"One file's metadata; `downloadAttachment` serves its bytes.\\n\\nNeeds any role. Callers who are not members of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"attachmentId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the attachment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^att_[0-9A-Z]{26}$\"},\"example\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfNoneMatch\"}],\"responses\":{\"200\":{\"description\":\"The attachment, with its version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Attachment\"},\"example\":{\"id\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"noteId\":null,\"commentId\":null,\"filename\":\"screenshot 2026-11-20.png\",\"contentType\":\"image/png\",\"claimedContentType\":\"image/png\",\"size\":48213,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"thumbnails\":true,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}}}},\"304\":{\"description\":\"`If-None-Match` named the current version: the copy the client has is up to date.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"patch\":{\"operationId\":\"updateAttachment\",\"tags\":[\"Attachments\"],\"summary\":\"Rename or attach a file\",\"description\":\"Renames the file, or attaches it to a task, note or comment of its project (or to none of them,\\nwith `null`). At most one of `taskId`, `noteId` and `commentId` may be set at a time.\\n\\nNeeds the `owner` role, or the `editor` role for a file the caller uploaded. Callers who are not\\nmembers of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"attachmentId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the attachment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^att_[0-9A-Z]{26}$\"},\"example\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AttachmentUpdate\"},\"example\":{\"noteId\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"responses\":{\"200\":{\"description\":\"The attachment as changed, with its new version in `ETag`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Attachment\"},\"example\":{\"id\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"noteId\":null,\"commentId\":null,\"filename\":\"screenshot 2026-11-20.png\",\"contentType\":\"image/png\",\"claimedContentType\":\"image/png\",\"size\":48213,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"thumbnails\":true,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}}}},\"400\":{\"description\":\"The body is not acceptable: `validation_failed`, `malformed_json`, `json_too_deep`, `invalid_filename`, or `invalid_target` (more than one of `taskId`, `noteId`, `commentId`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"malformed_json\",\"json_too_deep\",\"invalid_filename\",\"invalid_target\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/invalid_target\",\"title\":\"Bad request\",\"status\":400,\"detail\":\"Attach the file to one of a task, a note or a comment.\",\"instance\":\"/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"invalid_target\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"description\":\"No such attachment, or no such task, note or comment in its project, or one the caller may not see (`not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No attachment with this id.\",\"instance\":\"/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"413\":{\"$ref\":\"#/components/responses/ContentTooLarge\"},\"415\":{\"$ref\":\"#/components/responses/UnsupportedMediaType\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}},\"delete\":{\"operationId\":\"deleteAttachment\",\"tags\":[\"Attachments\"],\"summary\":\"Delete an attachment\",\"description\":\"Deletes the file and its thumbnails. Its bytes are removed once the deletion has committed (or, if\\nthat fails, by the orphan sweep); the project's storage usage drops at once.\\n\\nNeeds the `owner` role, or the `editor` role for a file the caller uploaded. Callers who are not\\nmembers of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"attachmentId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the attachment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^att_[0-9A-Z]{26}$\"},\"example\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfMatch\"}],\"responses\":{\"204\":{\"description\":\"Deleted.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"412\":{\"$ref\":\"#/components/responses/PreconditionFailed\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/attachments/{attachmentId}/content\":{\"get\":{\"operationId\":\"downloadAttachment\",\"tags\":[\"Attachments\"],\"summary\":\"Download a file\",\"description\":\"The file's bytes, streamed. Supports `Range` (one range; 206, or 416 past the end), `If-Range`,\\n`If-None-Match` (304) and `HEAD`. The `ETag` is the SHA-256 of the bytes.\\n\\nNeeds any role in the project. Callers who are not members get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"attachmentId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the attachment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^att_[0-9A-Z]{26}$\"},\"example\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"$ref\":\"#/components/parameters/IfNoneMatch\"},{\"name\":\"Range\",\"in\":\"header\",\"required\":false,\"description\":\"One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-512` (the last 512 bytes): answered 206 with that part. A range that starts past the end is 416; a header that does not parse, another unit or several ranges are ignored and the whole file is served (200).\",\"schema\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^[\\\\x20-\\\\x7E]*$\"}},{\"name\":\"If-Range\",\"in\":\"header\",\"required\":false,\"description\":\"Serve `Range` only if the file still has this `ETag`; otherwise the whole file (200).\",\"schema\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^[\\\\x20-\\\\x7E]*$\"}}],\"responses\":{\"200\":{\"description\":\"The whole file, with the type read from its bytes. Served `inline` only for PNG, JPEG, GIF, WebP and AVIF images, as an attachment otherwise; always with `nosniff` and a sandboxing CSP, so an HTML or SVG file cannot run script.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Content-Disposition\":{\"$ref\":\"#/components/headers/Content-Disposition\"},\"X-Content-Type-Options\":{\"$ref\":\"#/components/headers/X-Content-Type-Options\"},\"Content-Security-Policy\":{\"$ref\":\"#/components/headers/Content-Security-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/Content-ETag\"},\"Accept-Ranges\":{\"$ref\":\"#/components/headers/Accept-Ranges\"},\"Content-Length\":{\"$ref\":\"#/components/headers/Content-Length\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"*/*\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\",\"maxLength\":5368709120,\"description\":\"The bytes of the file.\"}}}},\"206\":{\"description\":\"The byte range asked for in `Range`; `Content-Range` says which.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Content-Disposition\":{\"$ref\":\"#/components/headers/Content-Disposition\"},\"X-Content-Type-Options\":{\"$ref\":\"#/components/headers/X-Content-Type-Options\"},\"Content-Security-Policy\":{\"$ref\":\"#/components/headers/Content-Security-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/Content-ETag\"},\"Accept-Ranges\":{\"$ref\":\"#/components/headers/Accept-Ranges\"},\"Content-Length\":{\"$ref\":\"#/components/headers/Content-Length\"},\"Content-Range\":{\"$ref\":\"#/components/headers/Content-Range\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"*/*\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\",\"maxLength\":5368709120,\"description\":\"The bytes of the range.\"}}}},\"304\":{\"description\":\"`If-None-Match` named the file's `ETag`: the copy the client has is current.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/Content-ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"description\":\"No such attachment, or one the caller may not see (`not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No attachment with this id.\",\"instance\":\"/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"416\":{\"description\":\"`Range` starts past the end of the file (`code` `range_not_satisfiable`); `Content-Range: bytes */<size>` gives the size.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Content-Range\":{\"$ref\":\"#/components/headers/Content-Range\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"range_not_satisfiable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/range_not_satisfiable\",\"title\":\"Range not satisfiable\",\"status\":416,\"detail\":\"The file has 48213 bytes; the range asked for starts past its end.\",\"instance\":\"/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content\",\"code\":\"range_not_satisfiable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"description\":\"The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\",\"storage_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/storage_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The file store did not answer.\",\"instance\":\"/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/content\",\"code\":\"storage_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}}},\"/v1/attachments/{attachmentId}/thumbnails/{size}\":{\"get\":{\"operationId\":\"getAttachmentThumbnail\",\"tags\":[\"Attachments\"],\"summary\":\"Get a thumbnail\",\"description\":\"A WebP preview of an image attachment (PNG, JPEG, GIF, WebP, AVIF, TIFF), its longest side at most\\n`size` pixels (64, 256 or 1024; smaller images are not enlarged). Made on first request and kept,\\nso later requests are served from storage. An image that is malformed or too large to decode (a\\ndecompression bomb) answers 422.\\n\\nNeeds any role. Callers who are not members of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"attachmentId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the attachment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^att_[0-9A-Z]{26}$\"},\"example\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"size\",\"in\":\"path\",\"required\":true,\"description\":\"The longest side of the thumbnail, in pixels.\",\"schema\":{\"type\":\"string\",\"enum\":[\"64\",\"256\",\"1024\"]},\"example\":\"256\"},{\"$ref\":\"#/components/parameters/IfNoneMatch\"}],\"responses\":{\"200\":{\"description\":\"The thumbnail, served inline with `nosniff` and a sandboxing CSP.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Content-Disposition\":{\"$ref\":\"#/components/headers/Content-Disposition\"},\"X-Content-Type-Options\":{\"$ref\":\"#/components/headers/X-Content-Type-Options\"},\"Content-Security-Policy\":{\"$ref\":\"#/components/headers/Content-Security-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/Content-ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"image/webp\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\",\"maxLength\":10485760,\"description\":\"A WebP image.\"}}}},\"304\":{\"description\":\"`If-None-Match` named the thumbnail's `ETag`: the copy the client has is current.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/Content-ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"422\":{\"description\":\"No thumbnail can be made of this file: it is not an image type thumbnails are made of (`not_an_image`), or the image is malformed or too large to decode (`thumbnail_unavailable`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_an_image\",\"thumbnail_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/thumbnail_unavailable\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"No thumbnail can be made of this file: the image is malformed or too large to decode.\",\"instance\":\"/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/thumbnails/256\",\"code\":\"thumbnail_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"description\":\"The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\",\"storage_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/storage_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The file store did not answer.\",\"instance\":\"/v1/attachments/att_01JD8X3Z7Q2W6V5T4R3P1N0M9K/thumbnails/256\",\"code\":\"storage_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}}},\"/v1/attachments/{attachmentId}/link\":{\"get\":{\"operationId\":\"createAttachmentLink\",\"tags\":[\"Attachments\"],\"summary\":\"Get a signed download link\",\"description\":\"A short-lived URL (`ATTACHMENT_LINK_TTL_S`, 5 minutes by default) that serves the file, or one of\\nits thumbnails with `thumbnail`, without an `Authorization` header: for `<img src>` and download\\nlinks. The link is signed (HMAC-SHA256 with a key derived from the server's secret) and names the\\ncaller: it stops working when it expires and as soon as the caller may no longer read the file.\\n\\nNeeds any role. Callers who are not members of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"attachmentId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the attachment.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^att_[0-9A-Z]{26}$\"},\"example\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"thumbnail\",\"in\":\"query\",\"required\":false,\"description\":\"A link to the thumbnail of this size instead of the file, e.g. `256`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"64\",\"256\",\"1024\"]}}],\"responses\":{\"200\":{\"description\":\"The link and when it expires.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/AttachmentLink\"},\"example\":{\"url\":\"/v1/files/YXR0XzAxSkQ4WDNaN1EyVzZWNVQ0UjNQMU4wTTlLLnVzcl8wMUpEOFgzWjdRMlc2VjVUNFIzUDFOME05Sy5vcmlnaW5hbC4xNzk1NjAwMDAw.pH1wJ3rN0Qz8b1m2X4c5v6B7n8M9a0s1D2f3G4h5J6k\",\"expiresAt\":\"2026-11-20T09:35:00.000Z\"}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/files/{link}\":{\"get\":{\"operationId\":\"downloadSignedFile\",\"tags\":[\"Attachments\"],\"summary\":\"Download through a signed link\",\"description\":\"A file (or one of its thumbnails) through a link made by `createAttachmentLink`: no `Authorization`\\nheader, so it works as an `<img src>` or a download link. The link is refused (404) once it has expired, and\\nas soon as the user it was made for may no longer read the file (removed from the project, file deleted).\\n\\nSupports `Range`, `If-Range`, `If-None-Match` and `HEAD` like `downloadAttachment`.\",\"security\":[{}],\"parameters\":[{\"name\":\"link\",\"in\":\"path\",\"required\":true,\"description\":\"The signed token of the link, as `createAttachmentLink` made it.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":500,\"pattern\":\"^[A-Za-z0-9_-]+\\\\.[A-Za-z0-9_-]+$\"},\"example\":\"YXR0XzAxSkQ4WDNaN1EyVzZWNVQ0UjNQMU4wTTlLLnVzcl8wMUpEOFgzWjdRMlc2VjVUNFIzUDFOME05Sy5vcmlnaW5hbC4xNzk1NjAwMDAw.pH1wJ3rN0Qz8b1m2X4c5v6B7n8M9a0s1D2f3G4h5J6k\"},{\"$ref\":\"#/components/parameters/IfNoneMatch\"},{\"name\":\"Range\",\"in\":\"header\",\"required\":false,\"description\":\"One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-512` (the last 512 bytes): answered 206 with that part. A range that starts past the end is 416; a header that does not parse, another unit or several ranges are ignored and the whole file is served (200).\",\"schema\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^[\\\\x20-\\\\x7E]*$\"}},{\"name\":\"If-Range\",\"in\":\"header\",\"required\":false,\"description\":\"Serve `Range` only if the file still has this `ETag`; otherwise the whole file (200).\",\"schema\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^[\\\\x20-\\\\x7E]*$\"}}],\"responses\":{\"200\":{\"description\":\"The whole file, with the type read from its bytes. Served `inline` only for PNG, JPEG, GIF, WebP and AVIF images, as an attachment otherwise; always with `nosniff` and a sandboxing CSP, so an HTML or SVG file cannot run script.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Content-Disposition\":{\"$ref\":\"#/components/headers/Content-Disposition\"},\"X-Content-Type-Options\":{\"$ref\":\"#/components/headers/X-Content-Type-Options\"},\"Content-Security-Policy\":{\"$ref\":\"#/components/headers/Content-Security-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/Content-ETag\"},\"Accept-Ranges\":{\"$ref\":\"#/components/headers/Accept-Ranges\"},\"Content-Length\":{\"$ref\":\"#/components/headers/Content-Length\"},\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control-Private\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"*/*\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\",\"maxLength\":5368709120,\"description\":\"The bytes of the file.\"}}}},\"206\":{\"description\":\"The byte range asked for in `Range`; `Content-Range` says which.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Content-Disposition\":{\"$ref\":\"#/components/headers/Content-Disposition\"},\"X-Content-Type-Options\":{\"$ref\":\"#/components/headers/X-Content-Type-Options\"},\"Content-Security-Policy\":{\"$ref\":\"#/components/headers/Content-Security-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/Content-ETag\"},\"Accept-Ranges\":{\"$ref\":\"#/components/headers/Accept-Ranges\"},\"Content-Length\":{\"$ref\":\"#/components/headers/Content-Length\"},\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control-Private\"},\"Content-Range\":{\"$ref\":\"#/components/headers/Content-Range\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"*/*\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\",\"maxLength\":5368709120,\"description\":\"The bytes of the range.\"}}}},\"304\":{\"description\":\"`If-None-Match` named the file's `ETag`: the copy the client has is current.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/Content-ETag\"},\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control-Private\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"404\":{\"description\":\"The link is forged, expired, or its user may no longer read the file; or the file is gone (`not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No attachment with this id.\",\"instance\":\"/v1/files/YXR0.pH1w\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"416\":{\"description\":\"`Range` starts past the end of the file (`code` `range_not_satisfiable`); `Content-Range: bytes */<size>` gives the size.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Content-Range\":{\"$ref\":\"#/components/headers/Content-Range\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"range_not_satisfiable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/range_not_satisfiable\",\"title\":\"Range not satisfiable\",\"status\":416,\"detail\":\"The file has 48213 bytes; the range asked for starts past its end.\",\"instance\":\"/v1/files/YXR0.pH1w\",\"code\":\"range_not_satisfiable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"description\":\"The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\",\"storage_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/storage_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The file store did not answer.\",\"instance\":\"/v1/files/YXR0.pH1w\",\"code\":\"storage_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}}},\"/v1/projects/{projectId}/storage\":{\"get\":{\"operationId\":\"getProjectStorage\",\"tags\":[\"Attachments\"],\"summary\":\"Get a project's storage use\",\"description\":\"How many bytes and files the project's attachments take, against its quota\\n(`PROJECT_STORAGE_QUOTA_BYTES`) and the largest file allowed (`ATTACHMENT_MAX_BYTES`).\\n\\nNeeds any role. Callers who are not members of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}],\"responses\":{\"200\":{\"description\":\"The project's storage use.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/ProjectStorage\"},\"example\":{\"usedBytes\":48213,\"reservedBytes\":0,\"fileCount\":1,\"quotaBytes\":1073741824,\"maxFileBytes\":104857600}}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"404\":{\"$ref\":\"#/components/responses/NotFound\"},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"$ref\":\"#/components/responses/ServiceUnavailable\"}}}},\"/v1/projects/{projectId}/uploads\":{\"post\":{\"operationId\":\"createUpload\",\"tags\":[\"Attachments\"],\"summary\":\"Start a resumable upload\",\"description\":\"Starts a resumable upload with the [tus 1.0.0 protocol](https://tus.io/protocols/resumable-upload) (core and `creation`, `termination`, `expiration`), as Supabase Storage does: for large files and flaky networks. Any tus client works (the SDK's `upload` in `@tasklane/sdk/uploads` uses tus-js-client); the body of this request is empty.\\n\\n- `Upload-Length` (required: a deferred length is refused) is checked against `ATTACHMENT_MAX_BYTES` (413 `file_too_large`) and reserved against the project's quota at once (413 `quota_exceeded`), so uploads running side by side cannot together pass it; `getProjectStorage` shows the reservation as `reservedBytes` until the upload finishes or expires.\\n- `Upload-Metadata` (tus's comma-separated `key base64value` pairs) carries `filename` (required, checked like `createAttachment`'s), `filetype` (kept as `claimedContentType`), one of `taskId`, `noteId`, `commentId`, and `sha256`.\\n\\nSend the bytes to `Location` with `appendUploadChunk`; after a cut connection, ask `getUploadOffset` where to go on. An upload not finished within `UPLOAD_EXPIRY_S` (`Upload-Expires`) is removed and its reservation released by the attachment sweep.\\n\\nNeeds the `owner` or `editor` role and, for API keys, the `write` scope; rate-limited like every `/v1` operation. Callers who are not members of the project get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"Tus-Resumable\",\"in\":\"header\",\"required\":true,\"description\":\"The version of the tus protocol the client speaks; the server speaks `1.0.0`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"1.0.0\"]},\"example\":\"1.0.0\"},{\"name\":\"Upload-Length\",\"in\":\"header\",\"required\":true,\"description\":\"The size of the whole file in bytes. A length over `ATTACHMENT_MAX_BYTES` is 413 `file_too_large`, whatever its size.\",\"schema\":{\"type\":\"string\",\"maxLength\":20,\"pattern\":\"^[0-9]+$\"},\"example\":\"734003200\"},{\"name\":\"Upload-Metadata\",\"in\":\"header\",\"required\":false,\"description\":\"Comma-separated `key base64value` pairs: `filename` (required), `filetype`, `taskId`, `noteId`, `commentId`, `sha256`.\",\"schema\":{\"type\":\"string\",\"maxLength\":4000,\"pattern\":\"^[A-Za-z0-9]+( [A-Za-z0-9+\\\\x2F=]*)?(,[ ]*[A-Za-z0-9]+( [A-Za-z0-9+\\\\x2F=]*)?)*$\"},\"example\":\"filename c2l0ZS1zdXJ2ZXkubXA0,filetype dmlkZW8vbXA0\"}],\"responses\":{\"201\":{\"description\":\"The upload exists; send its bytes to `Location`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Location\":{\"$ref\":\"#/components/headers/Upload-Location\"},\"Upload-Expires\":{\"$ref\":\"#/components/headers/Upload-Expires\"}}},\"400\":{\"description\":\"The request is not acceptable: `validation_failed` (a header), `invalid_metadata` (`Upload-Metadata` is malformed, or lacks `filename`), `invalid_filename`, `invalid_target` (more than one of `taskId`, `noteId`, `commentId`), `length_required` (no `Upload-Length`, or `Upload-Defer-Length`), `empty_file` (`Upload-Length: 0`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"invalid_metadata\",\"invalid_filename\",\"invalid_target\",\"length_required\",\"empty_file\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/invalid_metadata\",\"title\":\"Bad request\",\"status\":400,\"detail\":\"Upload-Metadata has no filename.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads\",\"code\":\"invalid_metadata\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"description\":\"No such project, task, note or comment in it, or one the caller may not see (`not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No task with this id in the project.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"412\":{\"description\":\"`Tus-Resumable` is missing or names a version other than `1.0.0` (`tus_version_unsupported`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Tus-Version\":{\"$ref\":\"#/components/headers/Tus-Version\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"tus_version_unsupported\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/tus_version_unsupported\",\"title\":\"Precondition failed\",\"status\":412,\"detail\":\"This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads\",\"code\":\"tus_version_unsupported\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"413\":{\"description\":\"`Upload-Length` is larger than `ATTACHMENT_MAX_BYTES` (`file_too_large`, with the limit in `Tus-Max-Size`, as tus answers a length over the server's maximum) or than what is left of the project's storage quota (`quota_exceeded`); nothing is kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Tus-Max-Size\":{\"$ref\":\"#/components/headers/Tus-Max-Size\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"file_too_large\",\"quota_exceeded\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/quota_exceeded\",\"title\":\"Content too large\",\"status\":413,\"detail\":\"The project has 1200 bytes of its storage quota left; the file is larger.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads\",\"code\":\"quota_exceeded\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"description\":\"The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds. The bytes received so far are kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\",\"storage_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/storage_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The file store did not answer.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads\",\"code\":\"storage_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"507\":{\"description\":\"The server's disk is full (`insufficient_storage`); no upload was created and nothing is held against the quota.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"insufficient_storage\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/insufficient_storage\",\"title\":\"Insufficient storage\",\"status\":507,\"detail\":\"The file store has no room left.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads\",\"code\":\"insufficient_storage\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}}},\"/v1/projects/{projectId}/uploads/{uploadId}\":{\"head\":{\"operationId\":\"getUploadOffset\",\"tags\":[\"Attachments\"],\"summary\":\"Ask where a resumable upload stands\",\"description\":\"How many bytes of the upload the server has (`Upload-Offset`): after a cut connection, resume with `appendUploadChunk` from there. No body.\\n\\nOnly the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404. Needs, for API keys, the `write` scope, as the rest of the upload does.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"uploadId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the upload, the last segment of the `Location` that `createUpload` answered.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^upl_[0-9A-Z]{26}$\"},\"example\":\"upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"Tus-Resumable\",\"in\":\"header\",\"required\":true,\"description\":\"The version of the tus protocol the client speaks; the server speaks `1.0.0`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"1.0.0\"]},\"example\":\"1.0.0\"}],\"responses\":{\"200\":{\"description\":\"Where the upload stands.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Upload-Offset\":{\"$ref\":\"#/components/headers/Upload-Offset\"},\"Upload-Length\":{\"$ref\":\"#/components/headers/Upload-Length\"},\"Upload-Metadata\":{\"$ref\":\"#/components/headers/Upload-Metadata\"},\"Cache-Control\":{\"$ref\":\"#/components/headers/Cache-Control\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"description\":\"No such project or upload, one the caller may not see, or an upload that is finished, cancelled or swept (`not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No upload with this id.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"410\":{\"description\":\"The upload expired (`UPLOAD_EXPIRY_S` after it was created) before it finished; its bytes are removed. Start a new one (`upload_expired`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"upload_expired\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/upload_expired\",\"title\":\"Gone\",\"status\":410,\"detail\":\"The upload expired before it finished.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"upload_expired\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"412\":{\"description\":\"`Tus-Resumable` is missing or names a version other than `1.0.0` (`tus_version_unsupported`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Tus-Version\":{\"$ref\":\"#/components/headers/Tus-Version\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"tus_version_unsupported\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/tus_version_unsupported\",\"title\":\"Precondition failed\",\"status\":412,\"detail\":\"This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"tus_version_unsupported\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"423\":{\"description\":\"Another request for this upload held it for the whole wait (`UPLOAD_LOCK_TIMEOUT_MS`), as the request that completes an upload holds it while it makes the attachment (`upload_locked`); nothing was changed. Ask again after `Retry-After` seconds; tus clients retry a 423.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"upload_locked\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/upload_locked\",\"title\":\"Locked\",\"status\":423,\"detail\":\"Another request for this upload holds it; try again shortly.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"upload_locked\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"description\":\"The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds. The bytes received so far are kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\",\"storage_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/storage_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The file store did not answer.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"storage_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"patch\":{\"operationId\":\"appendUploadChunk\",\"tags\":[\"Attachments\"],\"summary\":\"Send bytes of a resumable upload\",\"description\":\"Appends the body to the upload at `Upload-Offset`, which must be the number of bytes the server has (else 409 `offset_mismatch`: ask `getUploadOffset`). Bytes that arrive before a connection is cut are kept, so a client resumes from the last byte that arrived. Answers 204 with the new `Upload-Offset` while bytes are missing.\\n\\nThe request that completes the upload makes the attachment exactly as `createAttachment` does (type read from the bytes and checked against `ATTACHMENT_TYPES_ALLOW` / `ATTACHMENT_TYPES_DENY`, SHA-256 computed and checked against the `sha256` metadata, attached to the task, note or comment named in the metadata, recorded in the change log) and answers 200 with it; the upload is gone afterwards. If that fails, the answer says why and the upload is removed with its reservation.\\n\\nOnly the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"uploadId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the upload, the last segment of the `Location` that `createUpload` answered.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^upl_[0-9A-Z]{26}$\"},\"example\":\"upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"Tus-Resumable\",\"in\":\"header\",\"required\":true,\"description\":\"The version of the tus protocol the client speaks; the server speaks `1.0.0`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"1.0.0\"]},\"example\":\"1.0.0\"},{\"name\":\"Upload-Offset\",\"in\":\"header\",\"required\":true,\"description\":\"Where these bytes go: the offset the server has.\",\"schema\":{\"type\":\"string\",\"maxLength\":16,\"pattern\":\"^[0-9]+$\"},\"example\":\"5242880\"}],\"requestBody\":{\"required\":true,\"description\":\"The next bytes of the file.\",\"content\":{\"application/offset+octet-stream\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\",\"maxLength\":5368709120}}}},\"responses\":{\"200\":{\"description\":\"The last bytes arrived: the attachment, as `createAttachment` answers it. `Location` is its URL.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Upload-Offset\":{\"$ref\":\"#/components/headers/Upload-Offset\"},\"Location\":{\"$ref\":\"#/components/headers/Location\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"}},\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Attachment\"},\"example\":{\"id\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"taskId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"noteId\":null,\"commentId\":null,\"filename\":\"site-survey.mp4\",\"contentType\":\"video/mp4\",\"claimedContentType\":\"video/mp4\",\"size\":734003200,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"thumbnails\":false,\"createdBy\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"createdAt\":\"2026-11-20T09:30:00.000Z\",\"updatedAt\":\"2026-11-20T09:30:00.000Z\",\"version\":1}}}},\"204\":{\"description\":\"The bytes are stored; more are expected from `Upload-Offset` on.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Upload-Offset\":{\"$ref\":\"#/components/headers/Upload-Offset\"},\"Upload-Expires\":{\"$ref\":\"#/components/headers/Upload-Expires\"}}},\"400\":{\"description\":\"A header fails validation (`validation_failed`), the body ended before it was whole, as when the connection is cut (`incomplete_body`: the bytes that arrived are kept, resume from `getUploadOffset`), or the completed file does not hash to its `sha256` metadata (`checksum_mismatch`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"empty_file\",\"checksum_mismatch\",\"incomplete_body\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/checksum_mismatch\",\"title\":\"Bad request\",\"status\":400,\"detail\":\"The file's SHA-256 is 2c26b4…, not the one sent.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"checksum_mismatch\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"description\":\"No such project or upload, one the caller may not see, or one that is finished or cancelled (`not_found`); or, as the upload completes, the task, note or comment it names is gone.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No upload with this id.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"409\":{\"description\":\"`Upload-Offset` is not where the upload stands (`offset_mismatch`); ask `getUploadOffset` and resume from there.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"offset_mismatch\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/offset_mismatch\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"The upload has 5242880 bytes; send from there.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"offset_mismatch\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"410\":{\"description\":\"The upload expired (`UPLOAD_EXPIRY_S` after it was created) before it finished; its bytes are removed. Start a new one (`upload_expired`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"upload_expired\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/upload_expired\",\"title\":\"Gone\",\"status\":410,\"detail\":\"The upload expired before it finished.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"upload_expired\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"412\":{\"description\":\"`Tus-Resumable` is missing or names a version other than `1.0.0` (`tus_version_unsupported`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Tus-Version\":{\"$ref\":\"#/components/headers/Tus-Version\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"tus_version_unsupported\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/tus_version_unsupported\",\"title\":\"Precondition failed\",\"status\":412,\"detail\":\"This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"tus_version_unsupported\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"413\":{\"description\":\"The body runs past `Upload-Length` (`file_too_large`), or, as the upload completes, the quota no longer has room (`quota_exceeded`); the bytes past the length are not kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"file_too_large\",\"quota_exceeded\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/file_too_large\",\"title\":\"Content too large\",\"status\":413,\"detail\":\"The body runs past Upload-Length.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"file_too_large\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"415\":{\"description\":\"The body is not `application/offset+octet-stream` (`unsupported_media_type`), or the file is of a type the server does not accept (`file_type_not_allowed`), read from its first 4100 bytes as soon as they are in (or from the whole of a shorter file); the rest of the body is not taken, and the upload ends with its bytes and its hold on the quota.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"unsupported_media_type\",\"file_type_not_allowed\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/file_type_not_allowed\",\"title\":\"Unsupported media type\",\"status\":415,\"detail\":\"Files of type application/x-msdownload are not accepted here.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"file_type_not_allowed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"423\":{\"description\":\"Another request for this upload held it for the whole wait (`UPLOAD_LOCK_TIMEOUT_MS`), as the request that completes an upload holds it while it makes the attachment (`upload_locked`); nothing was changed. Ask again after `Retry-After` seconds; tus clients retry a 423.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"upload_locked\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/upload_locked\",\"title\":\"Locked\",\"status\":423,\"detail\":\"Another request for this upload holds it; try again shortly.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"upload_locked\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"description\":\"The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds. The bytes received so far are kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\",\"storage_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/storage_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The file store did not answer.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"storage_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"507\":{\"description\":\"The server's disk is full (`insufficient_storage`). The bytes that fit are kept; ask where the upload stands (`getUploadOffset`) and send the rest once there is room.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"insufficient_storage\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/insufficient_storage\",\"title\":\"Insufficient storage\",\"status\":507,\"detail\":\"The file store has no room left.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"insufficient_storage\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"delete\":{\"operationId\":\"deleteUpload\",\"tags\":[\"Attachments\"],\"summary\":\"Cancel a resumable upload\",\"description\":\"Stops an unfinished upload (tus `termination`): its bytes are removed and its reservation against the quota released.\\n\\nOnly the user who created an upload may continue, inspect or cancel it, while they may still upload to the project (else 403); anyone else, and callers who are not members, get 404.\",\"security\":[{\"bearerAuth\":[]}],\"parameters\":[{\"name\":\"projectId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the project.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\"},\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"uploadId\",\"in\":\"path\",\"required\":true,\"description\":\"The id of the upload, the last segment of the `Location` that `createUpload` answered.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^upl_[0-9A-Z]{26}$\"},\"example\":\"upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"Tus-Resumable\",\"in\":\"header\",\"required\":true,\"description\":\"The version of the tus protocol the client speaks; the server speaks `1.0.0`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"1.0.0\"]},\"example\":\"1.0.0\"}],\"responses\":{\"204\":{\"description\":\"Cancelled.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}}},\"400\":{\"$ref\":\"#/components/responses/BadRequest\"},\"401\":{\"$ref\":\"#/components/responses/Unauthorized\"},\"403\":{\"$ref\":\"#/components/responses/Forbidden\"},\"404\":{\"description\":\"No such project or upload, one the caller may not see, or an upload that is finished, cancelled or swept (`not_found`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No upload with this id.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"410\":{\"description\":\"The upload expired (`UPLOAD_EXPIRY_S` after it was created) before it finished; its bytes are removed. Start a new one (`upload_expired`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"upload_expired\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/upload_expired\",\"title\":\"Gone\",\"status\":410,\"detail\":\"The upload expired before it finished.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"upload_expired\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"412\":{\"description\":\"`Tus-Resumable` is missing or names a version other than `1.0.0` (`tus_version_unsupported`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Tus-Version\":{\"$ref\":\"#/components/headers/Tus-Version\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"tus_version_unsupported\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/tus_version_unsupported\",\"title\":\"Precondition failed\",\"status\":412,\"detail\":\"This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"tus_version_unsupported\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"429\":{\"$ref\":\"#/components/responses/TooManyRequests\"},\"500\":{\"$ref\":\"#/components/responses/InternalError\"},\"503\":{\"description\":\"The database or the file store does not answer now (`service_unavailable`, `storage_unavailable`); retry after `Retry-After` seconds. The bytes received so far are kept.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"},\"Tus-Resumable\":{\"$ref\":\"#/components/headers/Tus-Resumable\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\",\"storage_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/storage_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The file store did not answer.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"storage_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}}}},\"webhooks\":{\"changeEvent\":{\"post\":{\"operationId\":\"changeEvent\",\"tags\":[\"Webhooks\"],\"summary\":\"A change in the project\",\"description\":\"Sent to an endpoint for each change it subscribes to: the change as `listChanges` answers it, signed per Standard Webhooks (`verifyWebhook` in `@tasklane/sdk` checks it).\",\"security\":[{}],\"parameters\":[{\"name\":\"webhook-id\",\"in\":\"header\",\"required\":true,\"description\":\"The delivery's id, the same on every retry; deduplicate by it.\",\"schema\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^msg_[0-9A-Z]{26}$\"},\"example\":\"msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"webhook-timestamp\",\"in\":\"header\",\"required\":true,\"description\":\"Unix seconds when this attempt was signed; refuse ones far from your clock.\",\"schema\":{\"type\":\"string\",\"maxLength\":20,\"pattern\":\"^[0-9]+$\"},\"example\":\"1763631000\"},{\"name\":\"webhook-signature\",\"in\":\"header\",\"required\":true,\"description\":\"Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<webhook-id>.<webhook-timestamp>.<body>`, one per current secret.\",\"schema\":{\"type\":\"string\",\"maxLength\":1000,\"pattern\":\"^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$\"},\"example\":\"v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookChangeEvent\"},\"example\":{\"type\":\"task.updated\",\"timestamp\":\"2026-11-20T09:30:00.000Z\",\"data\":{\"seq\":\"42\",\"type\":\"task.updated\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"resourceType\":\"task\",\"resourceId\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"version\":3,\"actorId\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"occurredAt\":\"2026-11-20T09:30:00.000Z\",\"data\":{\"id\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"title\":\"Ship the launch post\"}}}}}},\"responses\":{\"200\":{\"description\":\"Any 2xx answer counts as delivered. 408, 409, 425, 429 (with `Retry-After`), 5xx, time-outs (10 s) and network errors are retried for up to 3 days with exponential backoff; other answers end the delivery as failed.\"}}}},\"pingEvent\":{\"post\":{\"operationId\":\"pingEvent\",\"tags\":[\"Webhooks\"],\"summary\":\"A test event\",\"description\":\"Sent by `pingWebhookEndpoint`.\",\"security\":[{}],\"parameters\":[{\"name\":\"webhook-id\",\"in\":\"header\",\"required\":true,\"description\":\"The delivery's id, the same on every retry; deduplicate by it.\",\"schema\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^msg_[0-9A-Z]{26}$\"},\"example\":\"msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},{\"name\":\"webhook-timestamp\",\"in\":\"header\",\"required\":true,\"description\":\"Unix seconds when this attempt was signed; refuse ones far from your clock.\",\"schema\":{\"type\":\"string\",\"maxLength\":20,\"pattern\":\"^[0-9]+$\"},\"example\":\"1763631000\"},{\"name\":\"webhook-signature\",\"in\":\"header\",\"required\":true,\"description\":\"Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<webhook-id>.<webhook-timestamp>.<body>`, one per current secret.\",\"schema\":{\"type\":\"string\",\"maxLength\":1000,\"pattern\":\"^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$\"},\"example\":\"v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\"}],\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/WebhookPingEvent\"},\"example\":{\"type\":\"webhook.ping\",\"timestamp\":\"2026-11-20T09:30:00.000Z\",\"data\":{\"endpointId\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"projectId\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}},\"responses\":{\"200\":{\"description\":\"Any 2xx answer counts as delivered. 408, 409, 425, 429 (with `Retry-After`), 5xx, time-outs (10 s) and network errors are retried for up to 3 days with exponential backoff; other answers end the delivery as failed.\"}}}}},\"components\":{\"securitySchemes\":{\"metricsToken\":{\"type\":\"http\",\"scheme\":\"bearer\",\"description\":\"`Authorization: Bearer <METRICS_TOKEN>`, the operator's setting; only for `/metrics`, and only when it is set.\"},\"bearerAuth\":{\"type\":\"http\",\"scheme\":\"bearer\",\"description\":\"`Authorization: Bearer <token>` where the token is a short-lived access token (a JWT from `logIn`,\\n`signUp` or `refreshSession`) or an API key (`tl_…`).\\n\"}},\"headers\":{\"Connection-Close\":{\"description\":\"`close`: the server closes the connection after this answer; send the next request on a new one.\",\"schema\":{\"type\":\"string\",\"enum\":[\"close\"]},\"example\":\"close\"},\"X-Request-Id\":{\"description\":\"The id of this request, as sent by the client or generated by the server. Also in every problem body.\",\"schema\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9._:-]+$\"},\"example\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"RateLimit\":{\"description\":\"The caller's remaining quota under the policy that is closest to running out (IETF\\ndraft-ietf-httpapi-ratelimit-headers): `\\\"<policy>\\\";r=<remaining>;t=<seconds until reset>`.\\n\",\"schema\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^\\\"[a-z0-9-]+\\\";r=[0-9]+;t=[0-9]+$\"},\"example\":\"\\\"default\\\";r=97;t=42\"},\"RateLimit-Policy\":{\"description\":\"The quota policies that apply to this request, e.g. `\\\"default\\\";q=100;w=60` (100 requests a minute).\",\"schema\":{\"type\":\"string\",\"maxLength\":500,\"pattern\":\"^\\\"[a-z0-9-]+\\\";q=[0-9]+;w=[0-9]+(, \\\"[a-z0-9-]+\\\";q=[0-9]+;w=[0-9]+)*$\"},\"example\":\"\\\"default\\\";q=100;w=60\"},\"Cache-Control\":{\"description\":\"`no-store`: the answer carries a secret (a token or an API key) that no cache may keep.\",\"schema\":{\"type\":\"string\",\"enum\":[\"no-store\"]},\"example\":\"no-store\"},\"Retry-After\":{\"description\":\"Seconds to wait before sending the request again.\",\"schema\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":86400},\"example\":30},\"ETag\":{\"description\":\"The version of the resource; send it in `If-Match` to update only that version, or `If-None-Match` to skip an unchanged read.\",\"schema\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^\\\"[0-9]+\\\"$\"},\"example\":\"\\\"3\\\"\"},\"Link\":{\"description\":\"RFC 8288 links; `rel=\\\"next\\\"` points at the next page of a list.\",\"schema\":{\"type\":\"string\",\"maxLength\":4000,\"pattern\":\"^<[^>]*>; rel=\\\"next\\\"$\"},\"example\":\"</v1/projects?limit=20&cursor=eyJ2IjoxfQ>; rel=\\\"next\\\"\"},\"Location\":{\"description\":\"The URL of the resource that was created.\",\"schema\":{\"type\":\"string\",\"format\":\"uri-reference\",\"maxLength\":2000},\"example\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"Idempotent-Replayed\":{\"description\":\"`true` when this response is the stored response of an earlier request with the same `Idempotency-Key`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"true\"]},\"example\":\"true\"},\"Access-Control-Allow-Origin\":{\"description\":\"Sent only to a browser's cross-origin request whose `Origin` is allowed by the operator (`CORS_ORIGINS`): that origin, or `*` when any origin is allowed.\",\"schema\":{\"type\":\"string\",\"maxLength\":2000,\"pattern\":\"^(\\\\*|[A-Za-z][A-Za-z0-9+.-]*:\\\\S+)$\"},\"example\":\"https://app.example.com\"},\"Content-Disposition\":{\"description\":\"`inline` for PNG, JPEG, GIF, WebP and AVIF images, `attachment` otherwise, with the file name as RFC 6266 `filename` (ASCII) and RFC 8187 `filename*` (UTF-8).\",\"schema\":{\"type\":\"string\",\"maxLength\":2000,\"pattern\":\"^(inline|attachment); filename=\\\"[\\\\x20-\\\\x7E]*\\\"; filename\\\\*=UTF-8''[A-Za-z0-9%._~-]*$\"},\"example\":\"attachment; filename=\\\"report.pdf\\\"; filename*=UTF-8''report.pdf\"},\"X-Content-Type-Options\":{\"description\":\"Always `nosniff`, so browsers keep to the stored type.\",\"schema\":{\"type\":\"string\",\"enum\":[\"nosniff\"]},\"example\":\"nosniff\"},\"Content-Security-Policy\":{\"description\":\"A sandbox that runs no script and loads nothing, should a file be opened in the browser.\",\"schema\":{\"type\":\"string\",\"enum\":[\"sandbox; default-src 'none'\"]},\"example\":\"sandbox; default-src 'none'\"},\"Content-ETag\":{\"description\":\"The SHA-256 of the bytes in quotes; send it in `If-None-Match` or `If-Range`.\",\"schema\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^\\\"[0-9a-f]{64}(-[0-9]+)?\\\"$\"},\"example\":\"\\\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\\\"\"},\"Accept-Ranges\":{\"description\":\"Always `bytes`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"bytes\"]},\"example\":\"bytes\"},\"Content-Length\":{\"description\":\"The number of bytes in the body (for HEAD, that a GET would send).\",\"schema\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":0,\"maximum\":9007199254740991},\"example\":48213},\"Content-Range\":{\"description\":\"Which bytes a 206 carries (`bytes 0-1023/48213`), or the size after a 416 (`bytes */48213`).\",\"schema\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^bytes (\\\\d+-\\\\d+|\\\\*)\\\\u002F\\\\d+$\"},\"example\":\"bytes 0-1023/48213\"},\"Cache-Control-Private\":{\"description\":\"Signed links may be cached by the browser alone, until they expire.\",\"schema\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^private, max-age=\\\\d+$\"},\"example\":\"private, max-age=300\"},\"Tus-Resumable\":{\"description\":\"The tus protocol version of the answer: `1.0.0`.\",\"schema\":{\"type\":\"string\",\"enum\":[\"1.0.0\"]},\"example\":\"1.0.0\"},\"Tus-Max-Size\":{\"description\":\"The largest upload the server takes, in bytes (`ATTACHMENT_MAX_BYTES`).\",\"schema\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":1,\"maximum\":5368709120},\"example\":104857600},\"Tus-Version\":{\"description\":\"The tus protocol versions the server speaks.\",\"schema\":{\"type\":\"string\",\"enum\":[\"1.0.0\"]},\"example\":\"1.0.0\"},\"Upload-Location\":{\"description\":\"The URL of the upload, to send its bytes to (`appendUploadChunk`).\",\"schema\":{\"type\":\"string\",\"format\":\"uri-reference\",\"maxLength\":2000},\"example\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K/uploads/upl_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"Upload-Expires\":{\"description\":\"When the unfinished upload is removed (RFC 9110 HTTP-date).\",\"schema\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^[A-Z][a-z]{2}, \\\\d{2} [A-Z][a-z]{2} \\\\d{4} \\\\d{2}:\\\\d{2}:\\\\d{2} GMT$\"},\"example\":\"Sat, 21 Nov 2026 09:30:00 GMT\"},\"Upload-Offset\":{\"description\":\"How many bytes of the upload the server has.\",\"schema\":{\"type\":\"string\",\"maxLength\":16,\"pattern\":\"^[0-9]+$\"},\"example\":\"5242880\"},\"Upload-Length\":{\"description\":\"The size of the whole file in bytes.\",\"schema\":{\"type\":\"string\",\"maxLength\":16,\"pattern\":\"^[0-9]+$\"},\"example\":\"734003200\"},\"Upload-Metadata\":{\"description\":\"The metadata the upload was created with.\",\"schema\":{\"type\":\"string\",\"maxLength\":4000,\"pattern\":\"^[A-Za-z0-9]+( [A-Za-z0-9+\\\\x2F=]*)?(,[ ]*[A-Za-z0-9]+( [A-Za-z0-9+\\\\x2F=]*)?)*$\"},\"example\":\"filename c2l0ZS1zdXJ2ZXkubXA0\"}},\"parameters\":{\"Limit\":{\"name\":\"limit\",\"in\":\"query\",\"required\":false,\"description\":\"How many items to return, from 1 to 100.\",\"schema\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":100,\"default\":20}},\"Cursor\":{\"name\":\"cursor\",\"in\":\"query\",\"required\":false,\"description\":\"The `nextCursor` of the previous page. Opaque and tamper-proof; a cursor of another list is rejected with 400.\",\"schema\":{\"type\":\"string\",\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\"}},\"IfMatch\":{\"name\":\"If-Match\",\"in\":\"header\",\"required\":false,\"description\":\"Apply the change only if the resource's current `ETag` is this one; otherwise 412.\",\"schema\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^(\\\\*|(W\\\\x2F)?\\\"[^\\\"]*\\\"( *, *(W\\\\x2F)?\\\"[^\\\"]*\\\")*)$\"}},\"IfNoneMatch\":{\"name\":\"If-None-Match\",\"in\":\"header\",\"required\":false,\"description\":\"Answer 304 with no body if the resource's current `ETag` is this one.\",\"schema\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^(\\\\*|(W\\\\x2F)?\\\"[^\\\"]*\\\"( *, *(W\\\\x2F)?\\\"[^\\\"]*\\\")*)$\"}},\"IdempotencyKey\":{\"name\":\"Idempotency-Key\",\"in\":\"header\",\"required\":false,\"description\":\"A unique key (e.g. a UUID) that makes retrying this request safe: a repeat with the same key and body\\nwithin 24 hours replays the first response (with `Idempotent-Replayed: true`) instead of acting again.\\n\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,\"pattern\":\"^[\\\\x21-\\\\x7E]+$\"}}},\"schemas\":{\"Problem\":{\"type\":\"object\",\"description\":\"An RFC 9457 problem details object.\",\"required\":[\"type\",\"title\",\"status\",\"code\",\"requestId\"],\"properties\":{\"type\":{\"type\":\"string\",\"format\":\"uri-reference\",\"maxLength\":500,\"description\":\"A URI reference naming the kind of problem; resolves to its documentation.\",\"example\":\"https://tasklane.dev/problems/validation_failed\"},\"title\":{\"type\":\"string\",\"maxLength\":200,\"description\":\"A short summary of the kind of problem; the same for every occurrence of a `code`.\",\"example\":\"Validation failed\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\"},\"status\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":400,\"maximum\":599,\"description\":\"The HTTP status code of this response.\",\"example\":400},\"detail\":{\"type\":\"string\",\"maxLength\":2000,\"description\":\"What went wrong with this request, for a person to read.\",\"example\":\"The request body does not match the schema.\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\"},\"instance\":{\"type\":\"string\",\"format\":\"uri-reference\",\"maxLength\":2000,\"description\":\"The path of the request that failed.\",\"example\":\"/v1/projects\"},\"code\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^[a-z][a-z0-9_]*$\",\"description\":\"A stable machine-readable code; switch on this, not on `title` or `detail`.\",\"example\":\"validation_failed\"},\"requestId\":{\"type\":\"string\",\"maxLength\":200,\"description\":\"The request id, as in the `X-Request-Id` header; quote it when reporting a problem.\",\"example\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"pattern\":\"^[A-Za-z0-9._:-]*$\"},\"errors\":{\"type\":\"array\",\"maxItems\":100,\"description\":\"For validation failures, one entry per invalid input.\",\"items\":{\"$ref\":\"#/components/schemas/ValidationIssue\"}}}},\"ValidationIssue\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"path\",\"message\",\"code\"],\"properties\":{\"path\":{\"type\":\"string\",\"maxLength\":500,\"description\":\"Where the invalid input is, as a JSON Pointer into the request part named first (`/body/title`, `/query/limit`).\",\"example\":\"/body/title\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\"},\"message\":{\"type\":\"string\",\"maxLength\":1000,\"example\":\"Too small: expected string to have >=1 characters\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\"},\"code\":{\"type\":\"string\",\"maxLength\":100,\"description\":\"The kind of failure (`too_small`, `invalid_type`, `unrecognized_keys`, …).\",\"example\":\"too_small\",\"pattern\":\"^[a-z][a-z0-9_]*$\"}}},\"Health\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"status\"],\"properties\":{\"status\":{\"type\":\"string\",\"enum\":[\"ok\"]}}},\"Readiness\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"status\",\"database\"],\"properties\":{\"status\":{\"type\":\"string\",\"enum\":[\"ok\",\"degraded\"],\"description\":\"`degraded`: serving, but Redis does not answer and rate limits are counted per instance.\"},\"database\":{\"type\":\"string\",\"enum\":[\"sqlite\",\"postgres\"],\"description\":\"Which database this instance is running on.\"},\"redis\":{\"type\":\"string\",\"enum\":[\"ok\",\"unavailable\"],\"description\":\"Whether Redis answers; present only when `REDIS_URL` is set.\"}}},\"User\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"An account.\",\"required\":[\"id\",\"email\",\"name\",\"emailVerified\",\"createdAt\",\"updatedAt\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"An email address; compared without regard to case.\",\"example\":\"ada@example.com\"},\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The name shown to other users.\",\"example\":\"Ada Lovelace\"},\"emailVerified\":{\"type\":\"boolean\",\"description\":\"Whether the user has confirmed that they read this address.\"},\"pendingEmail\":{\"type\":[\"string\",\"null\"],\"format\":\"email\",\"maxLength\":254,\"description\":\"An email address the user asked to change to, waiting for the link mailed to it to be followed (`confirmEmailChange`); null when there is none. Until then `email` is the account's address.\",\"example\":\"ada.king@example.com\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the account was created.\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the profile last changed.\"}}},\"AuthResult\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A signed-in session: the user and its tokens.\",\"required\":[\"user\",\"accessToken\",\"refreshToken\",\"expiresIn\"],\"properties\":{\"user\":{\"$ref\":\"#/components/schemas/User\"},\"accessToken\":{\"type\":\"string\",\"maxLength\":2000,\"pattern\":\"^[A-Za-z0-9_-]+\\\\.[A-Za-z0-9_-]+\\\\.[A-Za-z0-9_-]+$\",\"description\":\"Send as `Authorization: Bearer <accessToken>`. A JWT, but treat it as opaque.\",\"example\":\"eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFKRDhYM1o3UTJXNlY1VDRSM1AxTjBNOUsifQ.c2lnbmF0dXJl\"},\"refreshToken\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass to `refreshSession` to get new tokens; single use. Store it securely.\"},\"expiresIn\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":86400,\"description\":\"Seconds until the access token expires.\",\"example\":900}}},\"SignUpRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"email\",\"password\",\"name\"],\"properties\":{\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"An email address; compared without regard to case.\",\"example\":\"ada@example.com\"},\"password\":{\"type\":\"string\",\"minLength\":10,\"maxLength\":256,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"10 to 256 characters, not a commonly used password.\",\"example\":\"correct horse battery staple\"},\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The name shown to other users.\",\"example\":\"Ada Lovelace\"}}},\"SignUpOptions\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"How this server signs people up with a password.\",\"required\":[\"flow\"],\"properties\":{\"flow\":{\"type\":\"string\",\"enum\":[\"verify-first\",\"immediate\"],\"description\":\"`verify-first`: `startSignUp`, then `completeSignUp` with the mailed token; `signUp` answers 403. `immediate`: `signUp` also works (and tells whether an address has an account).\",\"example\":\"verify-first\"}}},\"StartSignUpRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"email\"],\"properties\":{\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"The address to sign up with; compared without regard to case.\",\"example\":\"ada@example.com\"}}},\"CompleteSignUpRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"token\",\"password\",\"name\"],\"properties\":{\"token\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"The token from the sign-up mail.\",\"example\":\"su_Qw2e3Rt4Yu5Io6Pa7Sd8Fg9Hj0Kl1Zx2Cv3Bn4Mq5Wd\"},\"password\":{\"type\":\"string\",\"minLength\":10,\"maxLength\":256,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"10 to 256 characters, not a commonly used password.\",\"example\":\"correct horse battery staple\"},\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The name shown to other users.\",\"example\":\"Ada Lovelace\"}}},\"LogInRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"email\",\"password\"],\"properties\":{\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"An email address; compared without regard to case.\",\"example\":\"ada@example.com\"},\"password\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":256,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The password.\",\"example\":\"correct horse battery staple\"}}},\"RefreshSessionRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"refreshToken\"],\"properties\":{\"refreshToken\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"The latest refresh token of the session.\"}}},\"UpdateMeRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[],\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The name shown to other users.\",\"example\":\"Ada Lovelace\"},\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"A new email address. Needs `currentPassword`; takes effect when the link mailed to it is followed, and shows as `pendingEmail` until then. The current address cancels a pending change.\",\"example\":\"ada.king@example.com\"},\"currentPassword\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":256,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The current password; required with a new `email` (or `reauthenticationToken`).\",\"example\":\"correct horse battery staple\"},\"reauthenticationToken\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^ra_[A-Za-z0-9_-]+$\",\"description\":\"For an account without a password, instead of it, from `reauthenticate`.\",\"example\":\"ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\"}},\"minProperties\":1},\"ConfirmEmailChangeRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"token\"],\"properties\":{\"token\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"The token from the mail sent to the new address.\"}}},\"DeleteMeRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"The current password, or for an account without one a `reauthenticationToken`; exactly one.\",\"minProperties\":1,\"properties\":{\"password\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":256,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The current password.\",\"example\":\"correct horse battery staple\"},\"reauthenticationToken\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^ra_[A-Za-z0-9_-]+$\",\"description\":\"For an account without a password, instead of it, from `reauthenticate`.\",\"example\":\"ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\"}}},\"ChangePasswordRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"currentPassword\",\"newPassword\"],\"properties\":{\"currentPassword\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":256,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The current password.\",\"example\":\"correct horse battery staple\"},\"newPassword\":{\"type\":\"string\",\"minLength\":10,\"maxLength\":256,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"10 to 256 characters, not a commonly used password.\",\"example\":\"correct horse battery staple\"},\"keepApiKeys\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Keep the account's API keys working; by default they are all revoked with the old password.\"}}},\"VerifyEmailRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"token\"],\"properties\":{\"token\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"The token from the verification email.\"}}},\"RequestPasswordResetRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"email\"],\"properties\":{\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"An email address; compared without regard to case.\",\"example\":\"ada@example.com\"}}},\"ResetPasswordRequest\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"token\",\"newPassword\"],\"properties\":{\"token\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"The token from the reset email.\"},\"newPassword\":{\"type\":\"string\",\"minLength\":10,\"maxLength\":256,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"10 to 256 characters, not a commonly used password.\",\"example\":\"correct horse battery staple\"}}},\"AuthProvider\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"An outside identity provider people can sign in with.\",\"required\":[\"id\",\"name\",\"type\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":32,\"pattern\":\"^[a-z][a-z0-9-]{0,31}$\",\"description\":\"Pass to `startProviderSignIn`.\",\"example\":\"google\"},\"name\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]+$\",\"description\":\"What a login button should say, e.g. \\\"Continue with Google\\\".\",\"example\":\"Google\"},\"type\":{\"type\":\"string\",\"enum\":[\"oidc\",\"oauth2\"],\"description\":\"`oidc` for OpenID Connect, `oauth2` for plain OAuth 2 providers such as GitHub.\"}}},\"AuthProviderList\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"The enabled sign-in providers.\",\"required\":[\"data\"],\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/AuthProvider\"}}}},\"ProviderSignInStart\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"Where to send the browser back, and the PKCE challenge of the app's secret verifier.\",\"required\":[\"redirectUri\",\"codeChallenge\",\"codeChallengeMethod\"],\"properties\":{\"redirectUri\":{\"type\":\"string\",\"format\":\"uri\",\"maxLength\":2000,\"description\":\"An allowed app URL (`AUTH_REDIRECT_URLS`), or `http://127.0.0.1:<port>/…` for a command-line app.\",\"example\":\"https://app.example.com/auth/callback\"},\"codeChallenge\":{\"type\":\"string\",\"minLength\":43,\"maxLength\":43,\"pattern\":\"^[A-Za-z0-9_-]{43}$\",\"description\":\"BASE64URL(SHA-256(verifier)) of a random verifier of 43–128 characters that only the app knows.\",\"example\":\"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\"},\"codeChallengeMethod\":{\"type\":\"string\",\"enum\":[\"S256\"],\"description\":\"Only S256.\"},\"state\":{\"type\":\"string\",\"maxLength\":500,\"pattern\":\"^[A-Za-z0-9._~-]+$\",\"description\":\"Handed back unchanged with the code, for the app's own bookkeeping.\",\"example\":\"c3RhdGU\"}}},\"IdentityLinkStart\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"Which provider to link, where to send the browser back, and the PKCE challenge of the app's secret verifier.\",\"required\":[\"provider\",\"redirectUri\",\"codeChallenge\",\"codeChallengeMethod\"],\"properties\":{\"provider\":{\"type\":\"string\",\"maxLength\":32,\"pattern\":\"^[a-z][a-z0-9-]{0,31}$\",\"description\":\"The provider's id, as `listAuthProviders` lists it.\",\"example\":\"github\"},\"redirectUri\":{\"type\":\"string\",\"format\":\"uri\",\"maxLength\":2000,\"description\":\"An allowed app URL (`AUTH_REDIRECT_URLS`), or `http://127.0.0.1:<port>/…` for a command-line app.\",\"example\":\"https://app.example.com/settings/identities\"},\"codeChallenge\":{\"type\":\"string\",\"minLength\":43,\"maxLength\":43,\"pattern\":\"^[A-Za-z0-9_-]{43}$\",\"description\":\"BASE64URL(SHA-256(verifier)) of a random verifier that only the app knows.\",\"example\":\"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\"},\"codeChallengeMethod\":{\"type\":\"string\",\"enum\":[\"S256\"],\"description\":\"Only S256.\"},\"state\":{\"type\":\"string\",\"maxLength\":500,\"pattern\":\"^[A-Za-z0-9._~-]+$\",\"description\":\"Handed back unchanged with the code.\",\"example\":\"c3RhdGU\"}}},\"ProviderAuthorization\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"The provider URL to send the browser to.\",\"required\":[\"authorizationUrl\",\"expiresAt\"],\"properties\":{\"authorizationUrl\":{\"type\":\"string\",\"format\":\"uri\",\"maxLength\":4000,\"description\":\"Navigate the browser here (a full-page navigation, not a fetch).\"},\"expiresAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"The sign-in must be finished by then.\"}}},\"ProviderCodeExchange\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"The one-time code from the redirect back to the app, and the PKCE verifier whose challenge started the sign-in.\",\"required\":[\"code\",\"codeVerifier\"],\"properties\":{\"code\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"example\":\"pc_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\"},\"codeVerifier\":{\"type\":\"string\",\"minLength\":43,\"maxLength\":128,\"pattern\":\"^[A-Za-z0-9._~-]{43,128}$\",\"example\":\"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\"}}},\"Identity\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A provider account that signs in to this account.\",\"required\":[\"id\",\"provider\",\"providerName\",\"email\",\"createdAt\",\"lastUsedAt\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^idt_[0-9A-Z]{26}$\",\"example\":\"idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"provider\":{\"type\":\"string\",\"maxLength\":32,\"pattern\":\"^[a-z][a-z0-9-]{0,31}$\",\"example\":\"google\"},\"providerName\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]+$\",\"example\":\"Google\"},\"email\":{\"type\":[\"string\",\"null\"],\"maxLength\":320,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The address the provider gave at the last sign-in, if any.\",\"example\":\"ada@example.com\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40},\"lastUsedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it last signed in or was linked.\"}}},\"IdentityList\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A page of identities.\",\"required\":[\"data\",\"nextCursor\"],\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Identity\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\"}}},\"Reauthentication\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"Proof, for a few minutes, that the signed-in person just signed in again at a linked provider.\",\"required\":[\"reauthenticationToken\",\"expiresAt\"],\"properties\":{\"reauthenticationToken\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^ra_[A-Za-z0-9_-]+$\",\"description\":\"Send as `reauthenticationToken` to `deleteMe` or `updateMe`, instead of the password. Works once.\",\"example\":\"ra_yLd2m2mS0n3QhJYm1ZyS8y3C2a8kQ8zj1x8p0rUu6Vw\"},\"expiresAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"It works until then (5 minutes).\"}}},\"Session\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A signed-in device.\",\"required\":[\"id\",\"deviceLabel\",\"provider\",\"createdAt\",\"lastUsedAt\",\"expiresAt\",\"current\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^ses_[0-9A-Z]{26}$\",\"example\":\"ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"deviceLabel\":{\"type\":\"string\",\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"The browser and system the session was started from, from its User-Agent.\",\"example\":\"Firefox on Linux\"},\"provider\":{\"type\":[\"string\",\"null\"],\"maxLength\":32,\"pattern\":\"^[a-z][a-z0-9-]{0,31}$\",\"description\":\"The identity provider (its id, as `listAuthProviders` lists it) the session was started with; null for a password sign-in.\",\"example\":\"github\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the user signed in.\"},\"lastUsedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the session last signed in or refreshed its tokens.\"},\"expiresAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the session ends unless it is refreshed before.\"},\"current\":{\"type\":\"boolean\",\"description\":\"Whether this is the session of the request.\"}}},\"SessionList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Session\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\"}}},\"ApiKeyCreate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\",\"scopes\"],\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"What the key is for.\",\"example\":\"Nightly export\"},\"scopes\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":2,\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"enum\":[\"read\",\"write\"]},\"description\":\"`read` allows reads only; `write` allows changes as well.\",\"example\":[\"read\",\"write\"]},\"expiresAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the key stops working; in the future. Omit for a key that does not expire.\"}}},\"ApiKey\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"An API key, without its secret.\",\"required\":[\"id\",\"name\",\"prefix\",\"scopes\",\"createdAt\",\"expiresAt\",\"lastUsedAt\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^key_[0-9A-Z]{26}$\",\"example\":\"key_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"What the key is for.\",\"example\":\"Nightly export\"},\"prefix\":{\"type\":\"string\",\"maxLength\":20,\"pattern\":\"^tl_[A-Za-z0-9_-]+$\",\"description\":\"The first characters of the key, to tell keys apart.\",\"example\":\"tl_Xq3v9\"},\"scopes\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":2,\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"enum\":[\"read\",\"write\"]},\"description\":\"`read` allows reads only; `write` allows changes as well.\",\"example\":[\"read\",\"write\"]},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the key was created.\"},\"expiresAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the key stops working; `null` for never.\"},\"lastUsedAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the key last authenticated a request (to the minute); `null` if never.\"}}},\"ApiKeyWithSecret\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A new API key with its secret, shown this once.\",\"required\":[\"id\",\"name\",\"prefix\",\"scopes\",\"createdAt\",\"expiresAt\",\"lastUsedAt\",\"key\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^key_[0-9A-Z]{26}$\",\"example\":\"key_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"What the key is for.\",\"example\":\"Nightly export\"},\"prefix\":{\"type\":\"string\",\"maxLength\":20,\"pattern\":\"^tl_[A-Za-z0-9_-]+$\",\"description\":\"The first characters of the key, to tell keys apart.\",\"example\":\"tl_Xq3v9\"},\"scopes\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":2,\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"enum\":[\"read\",\"write\"]},\"description\":\"`read` allows reads only; `write` allows changes as well.\",\"example\":[\"read\",\"write\"]},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the key was created.\"},\"expiresAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the key stops working; `null` for never.\"},\"lastUsedAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the key last authenticated a request (to the minute); `null` if never.\"},\"key\":{\"type\":\"string\",\"maxLength\":200,\"pattern\":\"^tl_[A-Za-z0-9_-]{43}$\",\"description\":\"The secret key. Shown only in this answer.\",\"example\":\"tl_Xq3v9Lr2WmB8cZk1Pq0sTn4Yd7Hf6Gj5Ae3Ku2Ow9Ri\"}}},\"ApiKeyList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/ApiKey\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\"}}},\"Project\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A project: a shared space for tasks and notes.\",\"required\":[\"id\",\"name\",\"description\",\"role\",\"createdAt\",\"updatedAt\",\"version\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project id.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"name\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":200,\"description\":\"The project name.\",\"example\":\"Website relaunch\"},\"description\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":5000,\"description\":\"What the project is about.\",\"example\":\"Everything for the new marketing site.\"},\"role\":{\"type\":\"string\",\"enum\":[\"owner\",\"editor\",\"viewer\"],\"description\":\"The role of the caller in this project.\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the project was created.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the project last changed.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"version\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"Increases with every change; the `ETag` of the resource is this number in quotes.\",\"example\":3}}},\"ProjectCreate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],\"description\":\"A new project; the caller becomes its owner.\",\"properties\":{\"name\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":200,\"description\":\"The project name.\",\"example\":\"Website relaunch\"},\"description\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":5000,\"description\":\"What the project is about.\",\"example\":\"Everything for the new marketing site.\"}}},\"ProjectUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"description\":\"The fields to change; `description: null` removes it.\",\"properties\":{\"name\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":200,\"description\":\"The project name.\",\"example\":\"Website relaunch\"},\"description\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":5000,\"description\":\"What the project is about.\",\"example\":\"Everything for the new marketing site.\"}}},\"ProjectList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of projects.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Project\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"Member\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A user’s membership of a project.\",\"required\":[\"projectId\",\"userId\",\"email\",\"role\",\"joinedAt\"],\"properties\":{\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"userId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"The member’s user id.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"The member’s email address.\",\"example\":\"ada@example.com\"},\"role\":{\"type\":\"string\",\"enum\":[\"owner\",\"editor\",\"viewer\"],\"description\":\"`owner`: everything, including members and invitations; `editor`: reads and writes tasks, notes and comments; `viewer`: reads only.\"},\"joinedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the user joined the project.\",\"example\":\"2026-11-20T09:30:00.000Z\"}}},\"MemberUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"role\"],\"description\":\"The member’s new role.\",\"properties\":{\"role\":{\"type\":\"string\",\"enum\":[\"owner\",\"editor\",\"viewer\"],\"description\":\"`owner`: everything, including members and invitations; `editor`: reads and writes tasks, notes and comments; `viewer`: reads only.\"}}},\"MemberList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of members, in the order they joined.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Member\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"Invitation\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A pending invitation. Its token is only ever sent to the invited address.\",\"required\":[\"id\",\"projectId\",\"email\",\"role\",\"invitedBy\",\"createdAt\",\"expiresAt\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^inv_[0-9A-Z]{26}$\",\"description\":\"The invitation id.\",\"example\":\"inv_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"Where the invitation was sent.\",\"example\":\"grace@example.com\"},\"role\":{\"type\":\"string\",\"enum\":[\"owner\",\"editor\",\"viewer\"],\"description\":\"The role the invited user gets on accepting.\"},\"invitedBy\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"The user who sent it.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it was sent.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"expiresAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"After this the token no longer works (7 days after sending).\",\"example\":\"2026-11-20T09:30:00.000Z\"}}},\"InvitationCreate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"email\",\"role\"],\"description\":\"Who to invite, and with which role.\",\"properties\":{\"email\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,\"description\":\"The address to send the invitation to.\",\"example\":\"grace@example.com\"},\"role\":{\"type\":\"string\",\"enum\":[\"owner\",\"editor\",\"viewer\"],\"description\":\"The role the invited user gets on accepting.\"}}},\"InvitationAccept\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"token\"],\"description\":\"The token from the invitation email.\",\"properties\":{\"token\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"The token from the invitation email.\",\"example\":\"inv_tok_3q2l0Jx8m9QfKc1b5sT7vWzYhN4pR6dE\"}}},\"InvitationList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of pending invitations, oldest first.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Invitation\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"Task\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A task in a project.\",\"required\":[\"id\",\"projectId\",\"title\",\"description\",\"status\",\"priority\",\"dueAt\",\"labels\",\"assigneeId\",\"position\",\"completedAt\",\"createdBy\",\"createdAt\",\"updatedAt\",\"version\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\",\"description\":\"The task id.\",\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project the task belongs to.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"title\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":500,\"description\":\"A one-line summary.\",\"example\":\"Write the launch post\"},\"description\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":50000,\"description\":\"Details in Markdown.\",\"example\":\"Draft in **Markdown**, then ask for review.\"},\"status\":{\"type\":\"string\",\"enum\":[\"todo\",\"in_progress\",\"done\"],\"description\":\"Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.\"},\"priority\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":3,\"description\":\"0 (none) to 3 (urgent).\",\"example\":2},\"dueAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the task is due (RFC 3339).\",\"example\":\"2026-12-01T17:00:00.000Z\"},\"labels\":{\"type\":\"array\",\"maxItems\":20,\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":50,\"pattern\":\"^[^,\\\\s\\\\u0000-\\\\u001F\\\\u007F][^,\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"A label: no commas, no leading space, no control characters.\",\"example\":\"launch\"},\"description\":\"Up to 20 distinct labels.\",\"example\":[\"content\",\"launch\"]},\"assigneeId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"The member the task is assigned to.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"position\":{\"type\":\"number\",\"minimum\":-1000000000000000,\"maximum\":1000000000000000,\"description\":\"Manual order within the project (sort by `position`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.\",\"example\":3},\"completedAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the task was last moved to `done`; `null` unless it is done.\",\"example\":null},\"createdBy\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"The user who created the task.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the task was created.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the task last changed.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"version\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"Increases with every change; the `ETag` of the resource is this number in quotes.\",\"example\":3}}},\"TaskCreate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"title\"],\"description\":\"A new task. Only `title` is required.\",\"properties\":{\"title\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":500,\"description\":\"A one-line summary.\",\"example\":\"Write the launch post\"},\"description\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":50000,\"description\":\"Details in Markdown.\",\"example\":\"Draft in **Markdown**, then ask for review.\"},\"status\":{\"type\":\"string\",\"enum\":[\"todo\",\"in_progress\",\"done\"],\"description\":\"Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.\"},\"priority\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":3,\"description\":\"0 (none) to 3 (urgent).\",\"example\":2},\"dueAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the task is due (RFC 3339).\",\"example\":\"2026-12-01T17:00:00.000Z\"},\"labels\":{\"type\":\"array\",\"maxItems\":20,\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":50,\"pattern\":\"^[^,\\\\s\\\\u0000-\\\\u001F\\\\u007F][^,\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"A label: no commas, no leading space, no control characters.\",\"example\":\"launch\"},\"description\":\"Up to 20 distinct labels.\",\"example\":[\"content\",\"launch\"]},\"assigneeId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"A member of the project to assign the task to.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"position\":{\"type\":\"number\",\"minimum\":-1000000000000000,\"maximum\":1000000000000000,\"description\":\"Manual order within the project (sort by `position`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.\",\"example\":3}}},\"TaskUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"description\":\"The fields to change; `null` clears an optional field.\",\"properties\":{\"title\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":500,\"description\":\"A one-line summary.\",\"example\":\"Write the launch post\"},\"description\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":50000,\"description\":\"Details in Markdown.\",\"example\":\"Draft in **Markdown**, then ask for review.\"},\"status\":{\"type\":\"string\",\"enum\":[\"todo\",\"in_progress\",\"done\"],\"description\":\"Where the task stands. Moving it to `done` sets `completedAt`; moving it out clears it.\"},\"priority\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":3,\"description\":\"0 (none) to 3 (urgent).\",\"example\":2},\"dueAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the task is due (RFC 3339).\",\"example\":\"2026-12-01T17:00:00.000Z\"},\"labels\":{\"type\":\"array\",\"maxItems\":20,\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":50,\"pattern\":\"^[^,\\\\s\\\\u0000-\\\\u001F\\\\u007F][^,\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"A label: no commas, no leading space, no control characters.\",\"example\":\"launch\"},\"description\":\"Up to 20 distinct labels.\",\"example\":[\"content\",\"launch\"]},\"assigneeId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"A member of the project, or `null` to unassign.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"position\":{\"type\":\"number\",\"minimum\":-1000000000000000,\"maximum\":1000000000000000,\"description\":\"Manual order within the project (sort by `position`); a new task without one goes last, one above the highest position (at most 10^15, where later tasks share it and follow in creation order). Any number in range, so an item can be placed between two others.\",\"example\":3}}},\"TaskList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of tasks.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Task\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"Note\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A Markdown note in a project.\",\"required\":[\"id\",\"projectId\",\"title\",\"body\",\"createdBy\",\"createdAt\",\"updatedAt\",\"version\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\",\"description\":\"The note id.\",\"example\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project the note belongs to.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"title\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":500,\"description\":\"The note title.\",\"example\":\"Meeting notes 2026-11-20\"},\"body\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":100000,\"description\":\"The note in Markdown.\",\"example\":\"## Decisions\\n\\n- Launch on December 1st\"},\"createdBy\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"The user who created the note.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the note was created.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the note last changed.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"version\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"Increases with every change; the `ETag` of the resource is this number in quotes.\",\"example\":3}}},\"NoteCreate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"title\"],\"description\":\"A new note.\",\"properties\":{\"title\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":500,\"description\":\"The note title.\",\"example\":\"Meeting notes 2026-11-20\"},\"body\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":100000,\"description\":\"The note in Markdown.\",\"example\":\"## Decisions\\n\\n- Launch on December 1st\"}}},\"NoteUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"description\":\"The fields to change.\",\"properties\":{\"title\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":500,\"description\":\"The note title.\",\"example\":\"Meeting notes 2026-11-20\"},\"body\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"maxLength\":100000,\"description\":\"The note in Markdown.\",\"example\":\"## Decisions\\n\\n- Launch on December 1st\"}}},\"NoteList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of notes.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Note\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"Comment\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A comment on a task.\",\"required\":[\"id\",\"taskId\",\"authorId\",\"body\",\"createdAt\",\"updatedAt\",\"version\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\",\"description\":\"The comment id.\",\"example\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"taskId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\",\"description\":\"The task commented on.\",\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"authorId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"Who wrote it.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"body\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":10000,\"description\":\"The comment in Markdown.\",\"example\":\"First draft is in the shared folder.\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it was written.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it was last edited.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"version\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"Increases with every change; the `ETag` of the resource is this number in quotes.\",\"example\":3}}},\"CommentCreate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"body\"],\"description\":\"A new comment.\",\"properties\":{\"body\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":10000,\"description\":\"The comment in Markdown.\",\"example\":\"First draft is in the shared folder.\"}}},\"CommentUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"body\"],\"description\":\"The new text of the comment.\",\"properties\":{\"body\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u0008\\\\u000B\\\\u000C\\\\u000E-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":10000,\"description\":\"The comment in Markdown.\",\"example\":\"First draft is in the shared folder.\"}}},\"CommentList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of comments, oldest first.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Comment\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"WebhookEndpoint\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A URL that is sent a project's changes, signed. Its secret is shown only when created or rotated.\",\"required\":[\"id\",\"projectId\",\"url\",\"description\",\"eventTypes\",\"enabled\",\"disabledReason\",\"previousSecretExpiresAt\",\"createdAt\",\"updatedAt\",\"version\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\",\"description\":\"The webhook endpoint id.\",\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project whose changes it receives.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"url\":{\"type\":\"string\",\"format\":\"uri\",\"minLength\":1,\"maxLength\":2000,\"description\":\"Where events are POSTed; `https` unless the server allows `http` for development.\",\"example\":\"https://hooks.example.com/tasklane\"},\"description\":{\"type\":\"string\",\"maxLength\":500,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"What the endpoint is for.\",\"example\":\"Post finished tasks to the team chat\"},\"eventTypes\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":40,\"uniqueItems\":true,\"description\":\"Which changes to send: change types (`task.updated`), a resource's every change (`task.*`), or `*` for all.\",\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^(\\\\*|[a-z]+\\\\.(\\\\*|[a-z_]+))$\"},\"example\":[\"task.*\",\"comment.created\"]},\"enabled\":{\"type\":\"boolean\",\"description\":\"Whether new changes are delivered to it.\",\"example\":true},\"disabledReason\":{\"type\":[\"string\",\"null\"],\"maxLength\":20,\"pattern\":\"^failing$\",\"description\":\"`failing` when the server disabled it because every attempt failed for `WEBHOOK_DISABLE_AFTER_S`; `null` otherwise.\",\"example\":null},\"previousSecretExpiresAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"Until when deliveries are also signed with the secret before the last rotation; `null` when there is none.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it was added.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it last changed.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"version\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"Its version, also its `ETag`.\",\"example\":1}}},\"WebhookEndpointCreated\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A new webhook endpoint, with its signing secret (shown only this once).\",\"required\":[\"id\",\"projectId\",\"url\",\"description\",\"eventTypes\",\"enabled\",\"disabledReason\",\"previousSecretExpiresAt\",\"createdAt\",\"updatedAt\",\"version\",\"secret\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\",\"description\":\"The webhook endpoint id.\",\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project whose changes it receives.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"url\":{\"type\":\"string\",\"format\":\"uri\",\"minLength\":1,\"maxLength\":2000,\"description\":\"Where events are POSTed; `https` unless the server allows `http` for development.\",\"example\":\"https://hooks.example.com/tasklane\"},\"description\":{\"type\":\"string\",\"maxLength\":500,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"What the endpoint is for.\",\"example\":\"Post finished tasks to the team chat\"},\"eventTypes\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":40,\"uniqueItems\":true,\"description\":\"Which changes to send: change types (`task.updated`), a resource's every change (`task.*`), or `*` for all.\",\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^(\\\\*|[a-z]+\\\\.(\\\\*|[a-z_]+))$\"},\"example\":[\"task.*\",\"comment.created\"]},\"enabled\":{\"type\":\"boolean\",\"description\":\"Whether new changes are delivered to it.\",\"example\":true},\"disabledReason\":{\"type\":[\"string\",\"null\"],\"maxLength\":20,\"pattern\":\"^failing$\",\"description\":\"`failing` when the server disabled it because every attempt failed for `WEBHOOK_DISABLE_AFTER_S`; `null` otherwise.\",\"example\":null},\"previousSecretExpiresAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"Until when deliveries are also signed with the secret before the last rotation; `null` when there is none.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it was added.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it last changed.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"version\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"Its version, also its `ETag`.\",\"example\":1},\"secret\":{\"type\":\"string\",\"minLength\":20,\"maxLength\":100,\"pattern\":\"^whsec_[!-~]+$\",\"description\":\"The signing secret (Standard Webhooks `whsec_` form). Shown only once.\",\"example\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}}},\"WebhookEndpointCreate\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"url\",\"eventTypes\"],\"description\":\"A new webhook endpoint.\",\"properties\":{\"url\":{\"type\":\"string\",\"format\":\"uri\",\"minLength\":1,\"maxLength\":2000,\"description\":\"Where events are POSTed; `https` unless the server allows `http` for development.\",\"example\":\"https://hooks.example.com/tasklane\"},\"description\":{\"type\":\"string\",\"maxLength\":500,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"What the endpoint is for.\",\"example\":\"Post finished tasks to the team chat\"},\"eventTypes\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":40,\"uniqueItems\":true,\"description\":\"Which changes to send: change types (`task.updated`), a resource's every change (`task.*`), or `*` for all.\",\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^(\\\\*|[a-z]+\\\\.(\\\\*|[a-z_]+))$\"},\"example\":[\"task.*\",\"comment.created\"]},\"enabled\":{\"type\":\"boolean\",\"description\":\"Whether to deliver to it at once; `true` when left out.\",\"example\":true}}},\"WebhookEndpointUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"description\":\"The fields to change.\",\"properties\":{\"url\":{\"type\":\"string\",\"format\":\"uri\",\"minLength\":1,\"maxLength\":2000,\"description\":\"Where events are POSTed; `https` unless the server allows `http` for development.\",\"example\":\"https://hooks.example.com/tasklane\"},\"description\":{\"type\":\"string\",\"maxLength\":500,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"What the endpoint is for.\",\"example\":\"Post finished tasks to the team chat\"},\"eventTypes\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":40,\"uniqueItems\":true,\"description\":\"Which changes to send: change types (`task.updated`), a resource's every change (`task.*`), or `*` for all.\",\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^(\\\\*|[a-z]+\\\\.(\\\\*|[a-z_]+))$\"},\"example\":[\"task.*\",\"comment.created\"]},\"enabled\":{\"type\":\"boolean\",\"description\":\"`false` stops deliveries of new changes; `true` starts them again (and clears `disabledReason`).\",\"example\":false}}},\"WebhookEndpointList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of webhook endpoints, oldest first.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/WebhookEndpoint\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"WebhookSecret\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"secret\",\"previousSecretExpiresAt\"],\"description\":\"A new signing secret, shown only this once.\",\"properties\":{\"secret\":{\"type\":\"string\",\"minLength\":20,\"maxLength\":100,\"pattern\":\"^whsec_[!-~]+$\",\"description\":\"The signing secret (Standard Webhooks `whsec_` form). Shown only once.\",\"example\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"},\"previousSecretExpiresAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"Until when deliveries are also signed with the previous secret (24 hours).\",\"example\":\"2026-11-20T09:30:00.000Z\"}}},\"WebhookDelivery\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"One event sent (or to be sent) to an endpoint, with the outcome of its last attempt.\",\"required\":[\"id\",\"endpointId\",\"eventType\",\"changeSeq\",\"status\",\"attempts\",\"lastAttemptAt\",\"durationMs\",\"responseStatus\",\"responseBody\",\"error\",\"nextAttemptAt\",\"createdAt\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^msg_[0-9A-Z]{26}$\",\"description\":\"The delivery id, sent as `webhook-id` on every attempt.\",\"example\":\"msg_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"endpointId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\",\"description\":\"The endpoint.\",\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"eventType\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^[a-z]+\\\\.[a-z_]+$\",\"description\":\"The event's `type`, a change type or `webhook.ping`.\",\"example\":\"task.updated\"},\"changeSeq\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{1,19}$\",\"maxLength\":19,\"description\":\"The change's seq; `null` for a ping.\",\"example\":\"42\"},\"status\":{\"type\":\"string\",\"enum\":[\"pending\",\"succeeded\",\"failed\"],\"description\":\"`pending` until an attempt succeeds (`succeeded`) or retries end (`failed`).\",\"example\":\"pending\"},\"attempts\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":2147483647,\"description\":\"Attempts made so far.\",\"example\":2},\"lastAttemptAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the last attempt started; `null` before the first.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"durationMs\":{\"type\":[\"integer\",\"null\"],\"format\":\"int32\",\"minimum\":0,\"maximum\":2147483647,\"description\":\"How long the last attempt took, in milliseconds.\",\"example\":131},\"responseStatus\":{\"type\":[\"integer\",\"null\"],\"format\":\"int32\",\"minimum\":100,\"maximum\":599,\"description\":\"The HTTP status the receiver answered the last attempt with; `null` when it did not answer.\",\"example\":503},\"responseBody\":{\"type\":[\"string\",\"null\"],\"maxLength\":65536,\"pattern\":\"^[^\\\\u0000]*$\",\"description\":\"The start of the last response's body (at most 64 KiB of it, as text).\",\"example\":\"Service Unavailable\"},\"error\":{\"type\":[\"string\",\"null\"],\"maxLength\":2000,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"Why the last attempt failed when no status tells (a refused address, a time-out, a dropped connection, a redirect).\",\"example\":null},\"nextAttemptAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the next attempt is due; `null` when none is.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the event was queued.\",\"example\":\"2026-11-20T09:30:00.000Z\"}}},\"WebhookDeliveryList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of deliveries, newest first.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/WebhookDelivery\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"WebhookReplay\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"since\"],\"description\":\"Where to replay from.\",\"properties\":{\"since\":{\"type\":\"string\",\"pattern\":\"^[0-9]{1,19}$\",\"maxLength\":19,\"description\":\"Replay the changes after this seq.\",\"example\":\"42\"}}},\"WebhookReplayResult\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"queued\",\"throughSeq\",\"hasMore\"],\"description\":\"What a replay queued.\",\"properties\":{\"queued\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":10000,\"description\":\"Deliveries queued.\",\"example\":37},\"throughSeq\":{\"type\":\"string\",\"pattern\":\"^[0-9]{1,19}$\",\"maxLength\":19,\"description\":\"The last seq looked at; pass it as `since` to continue when `hasMore`.\",\"example\":\"42\"},\"hasMore\":{\"type\":\"boolean\",\"description\":\"Whether later changes are left to replay.\",\"example\":false}}},\"WebhookChangeEvent\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"The body of a webhook delivery for a change (Standard Webhooks envelope).\",\"required\":[\"type\",\"timestamp\",\"data\"],\"properties\":{\"type\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^[a-z]+\\\\.[a-z_]+$\",\"description\":\"The change's type, e.g. `task.updated`.\",\"example\":\"task.updated\"},\"timestamp\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the change happened.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"data\":{\"$ref\":\"#/components/schemas/Change\"}}},\"WebhookPingEvent\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"The body of a test event sent by `pingWebhookEndpoint`.\",\"required\":[\"type\",\"timestamp\",\"data\"],\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"webhook.ping\"],\"description\":\"Always `webhook.ping`.\",\"example\":\"webhook.ping\"},\"timestamp\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the ping was asked for.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"data\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"endpointId\",\"projectId\"],\"description\":\"Which endpoint was pinged.\",\"properties\":{\"endpointId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\",\"description\":\"The endpoint.\",\"example\":\"whk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"Its project.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}},\"Change\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"One entry of the change log.\",\"required\":[\"seq\",\"type\",\"projectId\",\"resourceType\",\"resourceId\",\"version\",\"actorId\",\"occurredAt\",\"data\"],\"properties\":{\"seq\":{\"type\":\"string\",\"pattern\":\"^[0-9]{1,19}$\",\"maxLength\":19,\"description\":\"Position in the log, a decimal integer (it may exceed 2^53); also the event id on the stream.\",\"example\":\"42\"},\"type\":{\"type\":\"string\",\"description\":\"What happened, `<resourceType>.<verb>`.\",\"enum\":[\"project.created\",\"project.updated\",\"project.deleted\",\"member.added\",\"member.updated\",\"member.removed\",\"invitation.created\",\"invitation.accepted\",\"invitation.revoked\",\"task.created\",\"task.updated\",\"task.deleted\",\"note.created\",\"note.updated\",\"note.deleted\",\"comment.created\",\"comment.updated\",\"comment.deleted\",\"notification.created\",\"notification.updated\",\"attachment.created\",\"attachment.updated\",\"attachment.deleted\",\"notification.deleted\"],\"example\":\"task.updated\"},\"projectId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project the change belongs to; `null` for changes of the caller's own account.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"resourceType\":{\"type\":\"string\",\"enum\":[\"project\",\"member\",\"invitation\",\"task\",\"note\",\"comment\",\"notification\",\"attachment\"],\"description\":\"The kind of resource in `data`.\",\"example\":\"task\"},\"resourceId\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"pattern\":\"^[a-z]{3}_[0-9A-Z]{26}$\",\"description\":\"The id of the resource (for a membership, the member's user id).\",\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"version\":{\"type\":[\"integer\",\"null\"],\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"The resource's version after the change (its `ETag`); `null` for deletions and resources without versions.\",\"example\":2},\"actorId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"Who made the change; `null` when no user did (an account that has since been deleted, or the system).\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"occurredAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the change was committed.\",\"example\":\"2026-11-20T09:31:00.000Z\"},\"data\":{\"type\":\"object\",\"additionalProperties\":true,\"description\":\"The resource as its get operation answers it, as of this change; for deletions and removals a tombstone `{ \\\"id\\\": \\\"…\\\", \\\"deleted\\\": true }`.\",\"example\":{\"id\":\"nte_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"deleted\":true}}}},\"ChangeList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\",\"syncToken\"],\"description\":\"A page of changes.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Change\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` when this page holds every change there is now.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"},\"syncToken\":{\"type\":\"string\",\"pattern\":\"^[0-9]{1,19}$\",\"maxLength\":19,\"description\":\"Pass as `since` on the next poll; the `seq` of the last change returned, or the given `since` when there is nothing new.\",\"example\":\"43\"}}},\"Notification\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"Something that happened to you: a thread per task (or project) and reason while unread.\",\"required\":[\"id\",\"reason\",\"projectId\",\"taskId\",\"commentId\",\"invitationId\",\"webhookId\",\"actorId\",\"title\",\"count\",\"readAt\",\"createdAt\",\"updatedAt\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^ntf_[0-9A-Z]{26}$\",\"description\":\"The notification id.\",\"example\":\"ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"reason\":{\"type\":\"string\",\"enum\":[\"assigned\",\"mentioned\",\"commented\",\"invited\",\"webhook_disabled\"],\"description\":\"Why you were notified: `assigned` (a task was assigned to you), `mentioned` (an @mention of you in a task description or comment), `commented` (a comment on a task you created or are assigned), `invited` (an invitation to a project), `webhook_disabled` (a webhook endpoint of a project you own failed every delivery for `WEBHOOK_DISABLE_AFTER_S` and was turned off; its owners are also emailed at once, and there is no preference to turn this one off).\"},\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project it happened in (for `invited`, the project you were invited to).\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"taskId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\",\"description\":\"The task; `null` for `invited` and `webhook_disabled`.\",\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"commentId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\",\"description\":\"The latest comment of the thread, when the latest event was a comment; otherwise `null`.\",\"example\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"invitationId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^inv_[0-9A-Z]{26}$\",\"description\":\"The latest invitation, for `invited`; otherwise `null`. Accept it with the token from the invitation email.\",\"example\":null},\"webhookId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^whk_[0-9A-Z]{26}$\",\"description\":\"The webhook endpoint, for `webhook_disabled`; otherwise `null`. Enable it again with `updateWebhookEndpoint`, then replay what it missed with `replayWebhookEvents`.\",\"example\":null},\"actorId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"Who caused the latest event of the thread; `null` once their account is deleted.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"title\":{\"type\":\"string\",\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"minLength\":1,\"maxLength\":500,\"description\":\"The task title (or, for `invited`, the project name; for `webhook_disabled`, the endpoint's URL) at the latest event, so the notification can be shown without another request.\",\"example\":\"Write the launch post\"},\"count\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"How many events this thread has gathered while unread.\",\"example\":2},\"readAt\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When it was marked read; `null` while unread.\",\"example\":null},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the thread started.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the latest event of the thread happened; lists are newest first by this.\",\"example\":\"2026-11-20T10:12:40.000Z\"}}},\"NotificationList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of notifications, most recently updated first.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Notification\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"UnreadNotificationCount\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"count\"],\"description\":\"How many notifications are unread.\",\"properties\":{\"count\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":2147483647,\"description\":\"The number of unread notifications.\",\"example\":3}}},\"NotificationsMarkRead\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"before\"],\"description\":\"Which notifications to mark read.\",\"properties\":{\"before\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"Mark read the unread notifications whose `updatedAt` is at or before this time.\",\"example\":\"2026-11-20T10:12:40.000Z\"}}},\"NotificationsMarked\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"marked\"],\"description\":\"The outcome of marking notifications read.\",\"properties\":{\"marked\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":2147483647,\"description\":\"How many notifications were unread and are now read.\",\"example\":3}}},\"NotificationChannels\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"inApp\",\"email\"],\"description\":\"Where notifications of one reason go.\",\"properties\":{\"inApp\":{\"type\":\"boolean\",\"description\":\"Make a notification in the app (and on the event stream). When off, nothing is made, so nothing is emailed either.\",\"example\":true},\"email\":{\"type\":\"boolean\",\"description\":\"Email it when it is still unread some minutes later (the server's `NOTIFICATION_EMAIL_DELAY_S`, 10 minutes by default).\",\"example\":true}}},\"NotificationChannelsUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"description\":\"The channels to change for one reason; those left out stay as they are.\",\"properties\":{\"inApp\":{\"type\":\"boolean\",\"description\":\"Make a notification in the app (and on the event stream).\",\"example\":true},\"email\":{\"type\":\"boolean\",\"description\":\"Email it when it is still unread after the delay.\",\"example\":false}}},\"NotificationPreferences\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"assigned\",\"mentioned\",\"commented\",\"invited\"],\"description\":\"For each reason, which channels notify you.\",\"properties\":{\"assigned\":{\"$ref\":\"#/components/schemas/NotificationChannels\"},\"mentioned\":{\"$ref\":\"#/components/schemas/NotificationChannels\"},\"commented\":{\"$ref\":\"#/components/schemas/NotificationChannels\"},\"invited\":{\"$ref\":\"#/components/schemas/NotificationChannels\"}}},\"NotificationPreferencesUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"The reasons and channels to change; anything left out stays as it is.\",\"properties\":{\"assigned\":{\"$ref\":\"#/components/schemas/NotificationChannelsUpdate\"},\"mentioned\":{\"$ref\":\"#/components/schemas/NotificationChannelsUpdate\"},\"commented\":{\"$ref\":\"#/components/schemas/NotificationChannelsUpdate\"},\"invited\":{\"$ref\":\"#/components/schemas/NotificationChannelsUpdate\"}}},\"StreamEvent\":{\"description\":\"One event of `streamEvents` as an `EventSource` parses it: `id` (changes and `ready` only), `event`\\nand `data` (parsed from JSON). Exactly one of these matches, told apart by `event`.\",\"anyOf\":[{\"$ref\":\"#/components/schemas/ReadyEvent\"},{\"$ref\":\"#/components/schemas/ChangeEvent\"},{\"$ref\":\"#/components/schemas/AccessRevokedEvent\"},{\"$ref\":\"#/components/schemas/AuthExpiredEvent\"},{\"$ref\":\"#/components/schemas/ReconnectEvent\"}]},\"ReadyEvent\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"event\",\"data\"],\"description\":\"The first event of every stream: where it starts. Its `id` (the same as `data.since`) is the\\nposition to resume from until the first change arrives.\",\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":19,\"pattern\":\"^[0-9]{1,19}$\",\"example\":\"41\"},\"event\":{\"type\":\"string\",\"enum\":[\"ready\"]},\"data\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"since\"],\"properties\":{\"since\":{\"type\":\"string\",\"maxLength\":19,\"pattern\":\"^[0-9]{1,19}$\",\"description\":\"The `seq` the stream sends changes after (`0` for an empty log).\",\"example\":\"41\"}}}}},\"ChangeEvent\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"event\",\"data\"],\"description\":\"A change the caller may see. Its `id` is the change's `seq`, to resume from.\",\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":19,\"pattern\":\"^[0-9]{1,19}$\",\"example\":\"42\"},\"event\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^[a-z]+\\\\.[a-z_]+$\",\"description\":\"The change's `type` (as in `data.type`).\",\"example\":\"task.updated\"},\"data\":{\"$ref\":\"#/components/schemas/Change\"}}},\"AccessRevokedEvent\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"event\",\"data\"],\"description\":\"The caller lost access to a project (removed from it, or it was deleted); nothing more of it follows.\",\"properties\":{\"event\":{\"type\":\"string\",\"enum\":[\"access_revoked\"]},\"data\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"projectId\"],\"properties\":{\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}},\"AuthExpiredEvent\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"event\",\"data\"],\"description\":\"The credentials expired or were revoked; the server closes the stream. Reconnect with fresh credentials.\",\"properties\":{\"event\":{\"type\":\"string\",\"enum\":[\"auth_expired\"]},\"data\":{\"type\":\"object\",\"additionalProperties\":false}}},\"ReconnectEvent\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"event\",\"data\"],\"description\":\"The server closes the stream: it is shutting down (`shutdown`) or the client reads too slowly\\n(`slow_consumer`). Reconnect (to any instance) from `since`.\",\"properties\":{\"event\":{\"type\":\"string\",\"enum\":[\"reconnect\"]},\"data\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"reason\",\"since\"],\"properties\":{\"reason\":{\"type\":\"string\",\"enum\":[\"shutdown\",\"slow_consumer\"]},\"since\":{\"type\":\"string\",\"maxLength\":19,\"pattern\":\"^[0-9]{1,19}$\",\"description\":\"The `seq` of the last change sent; resume after it.\",\"example\":\"42\"}}}}},\"Attachment\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"A file stored in a project, optionally attached to one of its tasks, notes or comments.\",\"required\":[\"id\",\"projectId\",\"taskId\",\"noteId\",\"commentId\",\"filename\",\"contentType\",\"claimedContentType\",\"size\",\"sha256\",\"thumbnails\",\"createdBy\",\"createdAt\",\"updatedAt\",\"version\"],\"properties\":{\"id\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^att_[0-9A-Z]{26}$\",\"description\":\"The attachment id.\",\"example\":\"att_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"projectId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^prj_[0-9A-Z]{26}$\",\"description\":\"The project the file belongs to.\",\"example\":\"prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"taskId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\",\"description\":\"The task the file is attached to, if any.\",\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"noteId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\",\"description\":\"The note the file is attached to, if any.\",\"example\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"commentId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\",\"description\":\"The comment the file is attached to, if any.\",\"example\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"filename\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F\\\\u002F\\\\u005C]*$\",\"description\":\"The file's name as uploaded (or renamed); shown to people, never used as a path.\",\"example\":\"screenshot 2026-11-20.png\"},\"contentType\":{\"type\":\"string\",\"maxLength\":255,\"pattern\":\"^[a-z0-9!#$&^_.+-]+\\\\u002F[a-z0-9!#$&^_.+-]+$\",\"description\":\"The media type read from the file's bytes; `text/plain` or `application/octet-stream` when nothing more is known.\",\"example\":\"image/png\"},\"claimedContentType\":{\"type\":[\"string\",\"null\"],\"maxLength\":255,\"pattern\":\"^[\\\\x20-\\\\x7E]*$\",\"description\":\"The media type the client sent with the file, kept for reference only.\",\"example\":\"image/png\"},\"size\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":1,\"maximum\":9007199254740991,\"description\":\"The file's size in bytes.\",\"example\":48213},\"sha256\":{\"type\":\"string\",\"minLength\":64,\"maxLength\":64,\"pattern\":\"^[0-9a-f]{64}$\",\"description\":\"The hex SHA-256 of the file's bytes; also its download `ETag`.\",\"example\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"},\"thumbnails\":{\"type\":\"boolean\",\"description\":\"Whether thumbnails can be asked for (the file is a PNG, JPEG, GIF, WebP, AVIF or TIFF image).\",\"example\":true},\"createdBy\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^usr_[0-9A-Z]{26}$\",\"description\":\"Who uploaded the file; `null` once their account is deleted.\",\"example\":\"usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the file was stored.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the metadata last changed.\",\"example\":\"2026-11-20T09:30:00.000Z\"},\"version\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":1,\"maximum\":2147483647,\"description\":\"Increases with every change of the metadata; the `ETag` of the resource is this number in quotes.\",\"example\":1}}},\"AttachmentUpload\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"file\"],\"description\":\"A multipart upload. Send the fields before the file part when you can; they are read as they arrive.\",\"properties\":{\"file\":{\"type\":\"string\",\"format\":\"binary\",\"maxLength\":5368709120,\"description\":\"The file; its part's `filename` is the file's name.\"},\"taskId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\",\"description\":\"Attach the file to this task of the project.\",\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"noteId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\",\"description\":\"Attach the file to this note of the project.\",\"example\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"commentId\":{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\",\"description\":\"Attach the file to this comment on a task of the project.\",\"example\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"sha256\":{\"type\":\"string\",\"minLength\":64,\"maxLength\":64,\"pattern\":\"^[0-9a-fA-F]{64}$\",\"description\":\"The hex SHA-256 the file must have.\",\"example\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}}},\"AttachmentUpdate\":{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"description\":\"The fields to change. `null` detaches the file from a task, note or comment.\",\"properties\":{\"filename\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1000,\"pattern\":\"^[^\\\\u0000-\\\\u001F\\\\u007F]*$\",\"description\":\"A new name (at most 255 characters, no path separators).\",\"example\":\"final report.pdf\"},\"taskId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^tsk_[0-9A-Z]{26}$\",\"description\":\"Attach the file to this task of its project.\",\"example\":\"tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"noteId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^not_[0-9A-Z]{26}$\",\"description\":\"Attach the file to this note of its project.\",\"example\":\"not_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"},\"commentId\":{\"type\":[\"string\",\"null\"],\"maxLength\":64,\"pattern\":\"^cmt_[0-9A-Z]{26}$\",\"description\":\"Attach the file to this comment on a task of its project.\",\"example\":\"cmt_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}},\"AttachmentList\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"data\",\"nextCursor\"],\"description\":\"A page of attachments.\",\"properties\":{\"data\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"$ref\":\"#/components/schemas/Attachment\"}},\"nextCursor\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Pass as `cursor` to get the next page; `null` on the last page.\",\"example\":\"WyIyMDI2LTExLTIwVDA5OjMwOjAwLjAwMFoiLCJ0c2tfMDFKRDhYIl0aZ3kXb4c2mPq0r9TnV1wA\"}}},\"AttachmentLink\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"url\",\"expiresAt\"],\"description\":\"A signed download link.\",\"properties\":{\"url\":{\"type\":\"string\",\"maxLength\":1000,\"pattern\":\"^\\\\u002Fv1\\\\u002Ffiles\\\\u002F[A-Za-z0-9_.-]+$\",\"description\":\"The link, relative to the server's base URL.\",\"example\":\"/v1/files/YXR0XzAx.pH1wJ3rN\"},\"expiresAt\":{\"type\":\"string\",\"format\":\"date-time\",\"maxLength\":40,\"description\":\"When the link stops working.\",\"example\":\"2026-11-20T09:35:00.000Z\"}}},\"ProjectStorage\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"usedBytes\",\"reservedBytes\",\"fileCount\",\"quotaBytes\",\"maxFileBytes\"],\"description\":\"A project's storage use and limits.\",\"properties\":{\"usedBytes\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":0,\"maximum\":9007199254740991,\"description\":\"Bytes the project's files take.\",\"example\":48213},\"reservedBytes\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":0,\"maximum\":9007199254740991,\"description\":\"Bytes held for resumable uploads still under way (their `Upload-Length`), counted against the quota with `usedBytes` until each finishes, is cancelled or expires.\",\"example\":0},\"fileCount\":{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0,\"maximum\":2147483647,\"description\":\"How many files the project has.\",\"example\":1},\"quotaBytes\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":0,\"maximum\":9007199254740991,\"description\":\"The most bytes the project's files may take.\",\"example\":1073741824},\"maxFileBytes\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":1,\"maximum\":9007199254740991,\"description\":\"The largest file accepted.\",\"example\":104857600}}}},\"responses\":{\"BadRequest\":{\"description\":\"A parameter or header fails validation (`code` `validation_failed`; `errors` lists each invalid input).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/validation_failed\",\"title\":\"Validation failed\",\"status\":400,\"detail\":\"The request body does not match the schema.\",\"instance\":\"/v1/projects\",\"code\":\"validation_failed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"errors\":[{\"path\":\"/body/name\",\"message\":\"Too small: expected string to have >=1 characters\",\"code\":\"too_small\"}]}}}},\"Unauthorized\":{\"description\":\"The request has no valid credentials. `code` says why: `unauthenticated`, `token_expired`, `token_invalid`, `session_revoked`, `api_key_revoked`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"unauthenticated\",\"token_invalid\",\"token_expired\",\"session_revoked\",\"api_key_revoked\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/unauthenticated\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"This operation needs credentials: send \\\"Authorization: Bearer <token>\\\".\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"unauthenticated\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"Forbidden\":{\"description\":\"The credentials may not do this: an API key without the `write` scope (`insufficient_scope`), or a project role that may not (`forbidden`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"insufficient_scope\",\"forbidden\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/insufficient_scope\",\"title\":\"Forbidden\",\"status\":403,\"detail\":\"These credentials lack the `write` scope this operation needs.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"insufficient_scope\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"NotFound\":{\"description\":\"No such resource, or one the caller may not see (the two are indistinguishable).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"not_found\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/not_found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"No project with this id.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"not_found\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"Conflict\":{\"description\":\"A request with the same `Idempotency-Key` is still being processed (`idempotency_key_in_use`); retry it later.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"idempotency_key_in_use\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/idempotency_key_in_use\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"A request with this Idempotency-Key is still in progress.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"idempotency_key_in_use\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"PreconditionFailed\":{\"description\":\"`If-Match` does not match the resource's current version; the current `ETag` is in the response.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"precondition_failed\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/precondition_failed\",\"title\":\"Precondition failed\",\"status\":412,\"detail\":\"The resource has changed since it was read; fetch it again.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"precondition_failed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"UnprocessableContent\":{\"description\":\"This `Idempotency-Key` was used with a different request (`idempotency_key_reused`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"idempotency_key_reused\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/idempotency_key_reused\",\"title\":\"Unprocessable content\",\"status\":422,\"detail\":\"This Idempotency-Key was used with a different request; use a new key for a new request.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"idempotency_key_reused\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"CursorExpired\":{\"description\":\"`since` (or `Last-Event-ID`) is older than the change log keeps (`code` is `cursor_expired`): reload the resources, then continue from the latest `syncToken`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"cursor_expired\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/cursor_expired\",\"title\":\"Gone\",\"status\":410,\"detail\":\"Changes before seq 1200 are no longer kept; reload and continue from the latest syncToken.\",\"instance\":\"/v1/changes\",\"code\":\"cursor_expired\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"TooManyRequests\":{\"description\":\"A rate limit was exceeded; wait `Retry-After` seconds.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"rate_limited\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/rate_limited\",\"title\":\"Too many requests\",\"status\":429,\"detail\":\"Too many requests; retry in 30 seconds.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"rate_limited\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"TooManyRequestsStreams\":{\"description\":\"A rate limit was exceeded (`rate_limited`), or the caller already holds as many open event streams on\\nthis instance as it may (`too_many_streams`: `EVENTS_MAX_STREAMS_PER_USER` per user,\\n`EVENTS_MAX_STREAMS_PER_KEY` per API key); close one, or wait `Retry-After` seconds.\\n\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"rate_limited\",\"too_many_streams\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/too_many_streams\",\"title\":\"Too many requests\",\"status\":429,\"detail\":\"This account has 20 event streams open on this server, the most it may; close one before opening another.\",\"instance\":\"/v1/events\",\"code\":\"too_many_streams\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"StreamsUnavailable\":{\"description\":\"The server cannot open the stream now; `code` says why, and `Retry-After` when to try again.\\n`streams_unavailable`: this instance already serves `EVENTS_MAX_STREAMS` open event streams (another\\ninstance may have room). `service_unavailable`: the database does not answer (down, restarting,\\nfailing over, or slower than the configured time limits).\\n\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"streams_unavailable\",\"service_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/streams_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"This server holds as many event streams as it may; retry shortly (another server may have room).\",\"instance\":\"/v1/events\",\"code\":\"streams_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"InternalError\":{\"description\":\"An unexpected error. It is logged in full with the request id; the body never carries internals.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"internal_error\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/internal_error\",\"title\":\"Internal server error\",\"status\":500,\"detail\":\"An unexpected error occurred. Quote the request id when reporting it.\",\"instance\":\"/v1/projects\",\"code\":\"internal_error\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"ServiceUnavailable\":{\"description\":\"The database does not answer now (down, restarting, failing over, or slower than the configured time\\nlimits); `code` is `service_unavailable`. Retry after `Retry-After` seconds. A write whose connection was\\nlost while committing may have been carried out: retry creates with the same `Idempotency-Key`.\\n\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"service_unavailable\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/service_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The database is not answering.\",\"instance\":\"/readyz\",\"code\":\"service_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"ServerBusy\":{\"description\":\"The server cannot take this request now; `code` says why, and `Retry-After` when to try again.\\n`server_busy`: too many passwords are being checked at once (the hashing queue is full), refused\\nbefore any work. `service_unavailable`: the database does not answer (down, restarting, failing over,\\nor slower than the configured time limits). Nothing was changed, except that a write whose connection\\nwas lost while committing may have been carried out.\\n\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"server_busy\",\"service_unavailable\"]}}}]},\"examples\":{\"serverBusy\":{\"summary\":\"The hashing queue is full\",\"value\":{\"type\":\"https://tasklane.dev/problems/server_busy\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The server is busy checking passwords; retry in a moment.\",\"instance\":\"/v1/auth/login\",\"code\":\"server_busy\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}},\"serviceUnavailable\":{\"summary\":\"The database does not answer\",\"value\":{\"type\":\"https://tasklane.dev/problems/service_unavailable\",\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"The database is not answering.\",\"instance\":\"/v1/auth/login\",\"code\":\"service_unavailable\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}},\"RequestHeaderFieldsTooLarge\":{\"description\":\"The request line and header fields together are longer than 16 KiB (`code`\\n`request_header_fields_too_large`), e.g. a URL over 16 KiB. The request is refused as it is read,\\nbefore any other check (so this answer carries no rate-limit or CORS headers and `instance` is `/`),\\nand the connection closes after it.\\n\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Connection\":{\"$ref\":\"#/components/headers/Connection-Close\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"request_header_fields_too_large\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/request_header_fields_too_large\",\"title\":\"Request header fields too large\",\"status\":431,\"detail\":\"The request line and headers are longer than 16384 bytes.\",\"instance\":\"/\",\"code\":\"request_header_fields_too_large\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"ContentTooLarge\":{\"description\":\"The request body is larger than this operation takes (`code` `content_too_large`): the longest body its\\nschema allows (compact JSON with every string character written as a `\\\\u` escape, plus 1 KiB for\\nwhitespace; a few kilobytes for signing in), and never more than `BODY_LIMIT` (1 MiB by default). The\\nrest of the body is not read, so the connection closes after this answer (`Connection: close`).\\n\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"Connection\":{\"$ref\":\"#/components/headers/Connection-Close\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"content_too_large\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/content_too_large\",\"title\":\"Content too large\",\"status\":413,\"detail\":\"The request body is larger than 1048576 bytes.\",\"instance\":\"/v1/projects\",\"code\":\"content_too_large\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"UnsupportedMediaType\":{\"description\":\"The request body is not in a media type this operation takes (`code` `unsupported_media_type`); `Accept-Post` or `Accept-Patch` lists the ones it does. JSON bodies are UTF-8, so a `charset` other than `utf-8` is refused too.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"unsupported_media_type\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/unsupported_media_type\",\"title\":\"Unsupported media type\",\"status\":415,\"detail\":\"This operation takes application/json, not text/plain.\",\"instance\":\"/v1/projects\",\"code\":\"unsupported_media_type\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"SessionRequired\":{\"description\":\"Only a signed-in user may do this: an API key answers 403 with `code` `session_required`.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"session_required\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/session_required\",\"title\":\"Forbidden\",\"status\":403,\"detail\":\"Managing the account needs a signed-in session, not an API key.\",\"instance\":\"/v1/me/api-keys\",\"code\":\"session_required\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"BadRequestBody\":{\"description\":\"The request fails validation (`validation_failed`, with `errors` listing each invalid input), its JSON does not parse (`malformed_json`), it nests arrays and objects more than 64 deep (`json_too_deep`), or an object in it has more keys or an array more items than any in the operation's schema and more than 64 (`json_too_wide`); the last two are found before the body is parsed.\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"malformed_json\",\"json_too_deep\",\"json_too_wide\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/validation_failed\",\"title\":\"Validation failed\",\"status\":400,\"detail\":\"The request body does not match the schema.\",\"instance\":\"/v1/projects\",\"code\":\"validation_failed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"errors\":[{\"path\":\"/body/name\",\"message\":\"Too small: expected string to have >=1 characters\",\"code\":\"too_small\"}]}}}},\"BadRequestChanges\":{\"description\":\"A parameter fails validation (`validation_failed`, with `errors`), `cursor` is not one this list issued\\nfor these filters (`invalid_cursor`), or `since` is past the newest change (`since_ahead`; reload and\\ncontinue from the new `syncToken`).\\n\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"invalid_cursor\",\"since_ahead\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/since_ahead\",\"title\":\"Bad request\",\"status\":400,\"detail\":\"since (900) is past the newest change (42); reload and continue from the latest syncToken.\",\"instance\":\"/v1/changes\",\"code\":\"since_ahead\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"errors\":[{\"path\":\"/query/since\",\"message\":\"Past the newest change (42)\",\"code\":\"too_big\"}]}}}},\"BadRequestEvents\":{\"description\":\"A parameter or header fails validation (`validation_failed`, with `errors`), or the position to start\\nafter (`Last-Event-ID` or `since`) is past the newest change (`since_ahead`; reload and continue from\\nthe new position).\\n\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"since_ahead\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/since_ahead\",\"title\":\"Bad request\",\"status\":400,\"detail\":\"Last-Event-ID (900) is past the newest change (42); reload and continue from the latest position.\",\"instance\":\"/v1/events\",\"code\":\"since_ahead\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"errors\":[{\"path\":\"/header/Last-Event-ID\",\"message\":\"Past the newest change (42)\",\"code\":\"too_big\"}]}}}},\"BadRequestList\":{\"description\":\"A parameter fails validation (`validation_failed`, with `errors`), or `cursor` is not one this list issued for these filters (`invalid_cursor`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"validation_failed\",\"invalid_cursor\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/validation_failed\",\"title\":\"Validation failed\",\"status\":400,\"detail\":\"The request body does not match the schema.\",\"instance\":\"/v1/projects\",\"code\":\"validation_failed\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"errors\":[{\"path\":\"/body/name\",\"message\":\"Too small: expected string to have >=1 characters\",\"code\":\"too_small\"}]}}}},\"ForbiddenScope\":{\"description\":\"An API key without the `write` scope may not do this (`insufficient_scope`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"insufficient_scope\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/insufficient_scope\",\"title\":\"Forbidden\",\"status\":403,\"detail\":\"These credentials lack the `write` scope this operation needs.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"insufficient_scope\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"ForbiddenRole\":{\"description\":\"The caller's role in the project may not do this (`forbidden`).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"forbidden\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/forbidden\",\"title\":\"Forbidden\",\"status\":403,\"detail\":\"A project viewer may not create this task.\",\"instance\":\"/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K\",\"code\":\"forbidden\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}},\"SessionRequiredForWrite\":{\"description\":\"Only a signed-in user may do this: an API key answers 403 with `code` `session_required` (or `insufficient_scope` when it lacks the `write` scope).\",\"headers\":{\"X-Request-Id\":{\"$ref\":\"#/components/headers/X-Request-Id\"},\"RateLimit\":{\"$ref\":\"#/components/headers/RateLimit\"},\"RateLimit-Policy\":{\"$ref\":\"#/components/headers/RateLimit-Policy\"},\"Access-Control-Allow-Origin\":{\"$ref\":\"#/components/headers/Access-Control-Allow-Origin\"}},\"content\":{\"application/problem+json\":{\"schema\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Problem\"},{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"enum\":[\"insufficient_scope\",\"session_required\"]}}}]},\"example\":{\"type\":\"https://tasklane.dev/problems/insufficient_scope\",\"title\":\"Forbidden\",\"status\":403,\"detail\":\"These credentials lack the `write` scope this operation needs.\",\"instance\":\"/v1/me/api-keys\",\"code\":\"insufficient_scope\",\"requestId\":\"req_01JD8X3Z7Q2W6V5T4R3P1N0M9K\"}}}}}}}"
