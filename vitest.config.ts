import { Socket } from 'node:net'
import { defineConfig } from 'vitest/config'

const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Whether PostgreSQL answers on its port; the PostgreSQL run of the suite needs it. */
function postgresReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(Number(port || 5432), hostname, () => done(true))
  })
}

export default defineConfig(async () => {
  const withPostgres = await postgresReachable(POSTGRES_URL)
  if (!withPostgres) {
    if (process.env.REQUIRE_POSTGRES === '1') {
      throw new Error(`REQUIRE_POSTGRES=1 but PostgreSQL does not answer at ${POSTGRES_URL}`)
    }
    console.warn(
      `\n[tasklane] PostgreSQL does not answer at ${POSTGRES_URL}: the PostgreSQL run of the server suite is skipped.` +
        '\n[tasklane] Start PostgreSQL (or set TEST_POSTGRES_URL) to run it; CI sets REQUIRE_POSTGRES=1 so it cannot be skipped there.\n',
    )
  }
  const serverTests = ['server/src/**/*.test.ts']
  // The server's tests import the same large module graph (the app, its generated routes, the contract
  // checker) and build everything they use per test (createTestApp), keeping nothing in modules: one module
  // registry per worker instead of one per file saves most of their import time. Helpers that are costly to
  // make (the parsed contract, a migrated template database) are then made once per worker too.
  const shared = { isolate: false, setupFiles: ['server/src/test/setup-file.ts'], exclude: ['**/*.memory.test.ts'] }
  // Tests that measure the process's own memory (RSS) run isolated, in a process of their own: in a worker
  // shared with other files, what those left behind moves RSS as much as what is measured. With V8's young
  // generation held small: on Node 24 it grows by tens of megabytes under a test's garbage (heapTotal 140 →
  // 208 MB with heapUsed flat), which RSS counts though nothing is kept.
  const measured = {
    include: ['server/src/**/*.memory.test.ts'],
    isolate: true,
    execArgv: ['--max-semi-space-size=1'],
    setupFiles: ['server/src/test/setup-file.ts'],
  }
  return {
    // Workspaces resolve each other's TypeScript sources, so tests never run against a stale build.
    resolve: { conditions: ['@tasklane/source'] },
    ssr: { resolve: { conditions: ['@tasklane/source'] } },
    test: {
      testTimeout: 20_000,
      hookTimeout: 30_000,
      projects: [
        {
          extends: true,
          test: { name: 'server:sqlite', include: serverTests, ...shared, env: { TEST_DATABASE: 'sqlite' } },
        },
        { extends: true, test: { name: 'server:sqlite:measured', ...measured, env: { TEST_DATABASE: 'sqlite' } } },
        ...(withPostgres
          ? [
              {
                extends: true,
                test: {
                  name: 'server:postgres',
                  include: serverTests,
                  ...shared,
                  // Names (and at the end drops) the migrated schemas the test processes pool.
                  globalSetup: ['server/src/test/global-setup.ts'],
                  env: { TEST_DATABASE: 'postgres', TEST_POSTGRES_URL: POSTGRES_URL },
                },
              },
              {
                extends: true,
                test: {
                  name: 'server:postgres:measured',
                  ...measured,
                  globalSetup: ['server/src/test/global-setup.ts'],
                  env: { TEST_DATABASE: 'postgres', TEST_POSTGRES_URL: POSTGRES_URL },
                },
              },
            ]
          : []),
        {
          extends: true,
          test: {
            name: 'system',
            include: ['server/test/**/*.test.ts'],
            globalSetup: ['server/test/global-setup.ts'],
            testTimeout: 60_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'sdk',
            include: ['sdk/src/**/*.test.ts', 'sdk/test/**/*.test.ts'],
            globalSetup: ['sdk/test/global-setup.ts'],
            // The SDK's type tests (*.test-d.ts) fail the run when its types loosen.
            typecheck: { enabled: true, include: ['sdk/test/**/*.test-d.ts'], tsconfig: 'sdk/test/tsconfig.json' },
          },
        },
      ],
    },
  }
})
