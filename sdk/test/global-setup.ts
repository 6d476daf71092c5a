import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The type tests check sdk/test against the SDK's project reference, whose declarations `tsc -b` writes;
 * a fresh clone has none, so they are built (incrementally) before the run.
 */
export default function buildSdkDeclarations(): void {
  try {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', 'sdk'], {
      cwd: root,
      stdio: 'pipe',
    })
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`building the SDK's declarations failed:\n${stdout}${stderr}`)
  }
}
