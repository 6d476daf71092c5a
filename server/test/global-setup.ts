import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Builds the SDK once before the system tests: examples run with plain `node` and import `@tasklane/sdk`
 * from its built `dist/`, which must match the sources under test.
 */
export default function buildSdk(): void {
  try {
    execFileSync('npm', ['run', 'build', '-w', '@tasklane/sdk'], { cwd: root, stdio: 'pipe' })
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`building the SDK failed:\n${stdout}${stderr}`)
  }
}
