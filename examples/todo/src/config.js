// Where tasklane-todo keeps the server URL, the chosen project and the session. The session's refresh token
// is a credential, so the file is created 0600 in a 0700 directory and rewritten atomically.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * @typedef {object} TodoConfig
 * @property {string} url Where the Tasklane server is.
 * @property {string} [projectId] The project tasks go to.
 * @property {string} [email] Who logged in, to prefill the next login.
 * @property {import('@tasklane/sdk').StoredTokens | null} [tokens] The session, kept fresh by the SDK.
 */

const DEFAULT_URL = 'http://localhost:3000'

/** `TASKLANE_TODO_CONFIG`, else `$XDG_CONFIG_HOME/tasklane-todo/config.json`, else under ~/.config. */
export function configPath(env = process.env) {
  if (env.TASKLANE_TODO_CONFIG) return env.TASKLANE_TODO_CONFIG
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'tasklane-todo', 'config.json')
}

/** @returns {Promise<TodoConfig>} */
export async function loadConfig(path = configPath()) {
  let text
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return { url: DEFAULT_URL }
    throw err
  }
  try {
    const parsed = JSON.parse(text)
    return { url: DEFAULT_URL, ...parsed }
  } catch {
    throw new Error(`${path} is not valid JSON; fix it or delete it and log in again`)
  }
}

/** @param {TodoConfig} config */
export async function saveConfig(config, path = configPath()) {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const temp = `${path}.${process.pid}.tmp`
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  // The mode of writeFile applies only to a new file; a leftover temp file keeps its own.
  await chmod(temp, 0o600)
  await rename(temp, path)
}
