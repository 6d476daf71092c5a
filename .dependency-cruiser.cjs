// The module boundaries of the README's "Project layout", checked by `npm run boundaries` (part of `npm run check`).
const TESTS = '(\\.test\\.ts$|/test-support\\.ts$|\\.test-d\\.ts$|^server/src/test/|^sdk/src/test/|^sdk/test/)'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules form no cycles: each can be read, tested and loaded on its own. Types shared both ways (the request env and its log) are erased at build time and load nothing.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'kysely-only-in-db-and-repositories',
      severity: 'error',
      comment: 'SQL lives in server/src/db and *.repository.ts only; services and handlers call repositories.',
      from: { path: '^server/src/', pathNot: ['^server/src/db/', '\\.repository\\.ts$', TESTS] },
      to: { path: 'node_modules/kysely/' },
    },
    {
      name: 'services-and-repositories-know-no-http',
      severity: 'error',
      comment: 'Rules and SQL stay independent of the web framework.',
      from: { path: '\\.(service|repository)\\.ts$' },
      to: { path: 'node_modules/(hono|@hono/)' },
    },
    {
      name: 'features-meet-through-services',
      severity: 'error',
      comment: 'A feature uses another only through its service, never its router, handlers or repository.',
      from: { path: '^server/src/features/([^/]+)/', pathNot: TESTS },
      // The change log and its position checks, which the event stream reads as /v1/changes does.
      to: {
        path: '^server/src/features/[^/]+/',
        pathNot: [
          '^server/src/features/$1/',
          '\\.service\\.ts$',
          '^server/src/features/changes/change-log\\.ts$',
          '^server/src/features/changes/positions\\.ts$',
        ],
      },
    },
    {
      name: 'core-sits-below-http-and-services',
      severity: 'error',
      comment:
        'server/src/core (ApiError, Principal, ETags) is what handlers, services and middleware share; it reaches none of them, nor the web framework at run time.',
      from: { path: '^server/src/core/', pathNot: TESTS },
      to: {
        path: [
          '^server/src/(http|features|idempotency|authorization)/',
          '^server/src/app\\.ts$',
          'node_modules/(hono|@hono/)',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'sdk-stands-alone',
      severity: 'error',
      comment: 'The SDK is published on its own; it cannot reach into the server.',
      from: { path: '^sdk/' },
      to: { path: '^server/' },
    },
    {
      name: 'server-code-does-not-use-the-sdk',
      severity: 'error',
      comment: 'The server and the SDK share only openapi.yaml; server tests may call it through the SDK.',
      from: { path: '^server/src/', pathNot: TESTS },
      to: { path: '^sdk/' },
    },
    {
      name: 'sdk-generated-types-stay-in-the-sdk',
      severity: 'error',
      comment: 'Others import the SDK by its public entry points, not its generated files.',
      from: { pathNot: '^sdk/' },
      to: { path: '^sdk/src/generated/' },
    },
    {
      name: 'server-generated-routes-stay-in-the-server',
      severity: 'error',
      from: { pathNot: '^server/' },
      to: { path: '^server/src/generated/' },
    },
    {
      name: 'examples-use-only-the-public-sdk',
      severity: 'error',
      comment:
        'Examples are what SDK users copy: their own files, node builtins and the public entries of @tasklane/sdk (and Hono to receive webhooks), nothing else.',
      from: { path: '^examples/([^/]+)/', pathNot: '^examples/web/' },
      to: {
        pathNot: [
          '^examples/$1/',
          '^sdk/src/(index|events|webhooks)\\.ts$',
          '^sdk/dist/(index|events|webhooks)\\.(js|d\\.ts)$',
          // A web framework, for examples that receive requests (the webhook receiver).
          'node_modules/(hono|@hono/node-server)/',
          // Prompts and colours, for the terminal app (examples/todo).
          'node_modules/(@clack/prompts|@clack/core|picocolors)/',
        ],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'the-web-example-uses-only-the-public-sdk-and-its-page-libraries',
      severity: 'error',
      comment:
        "The web app is built by Vite and renders Markdown with marked and DOMPurify; of Tasklane it uses the SDK's public entry only.",
      from: { path: '^examples/web/' },
      to: {
        pathNot: [
          '^examples/web/',
          // The SDK's public entries: the main one, the event stream and provider sign-in.
          '^sdk/src/(index|events|providers)\\.ts$',
          '^sdk/dist/(index|events|providers)\\.(js|d\\.ts)$',
          '^node_modules/(marked|dompurify|vite)/',
        ],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      comment: 'Test helpers and test-only routes never ship.',
      from: { path: '^(server/src|sdk/src)/', pathNot: TESTS },
      to: { path: [TESTS, 'node_modules/(vitest|@vitest)/'] },
    },
    {
      name: 'no-unresolvable-imports',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(sdk|server|examples/[^/]+)/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@tasklane/source', 'import', 'types', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
  },
}
