import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

function run(what: string, command: string, args: string[]): void {
  try {
    execFileSync(command, args, { cwd: root, stdio: 'pipe' })
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`building ${what} failed:\n${stdout}${stderr}`)
  }
}

/**
 * Builds what the system tests run as users do, once before them: the server that the `tasklane` CLI
 * starts (server/dist, bundled from the sources under test in well under a second), and the SDK, whose
 * built `dist/` the examples import when they run with plain `node`.
 */
export default function buildServerAndSdk(): void {
  run('the server', process.execPath, ['server/scripts/build.mjs'])
  run('the SDK', 'npm', ['run', 'build', '-w', '@tasklane/sdk'])
}
