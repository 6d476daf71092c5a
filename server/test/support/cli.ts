import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

/** The real entry point operators run: `tasklane` from the server package. */
export const CLI = fileURLToPath(new URL('../../bin/tasklane.js', import.meta.url))
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

// Variables the server reads: the test's own environment must not leak into the process under test.
const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'LOG_LEVEL',
  'LOG_FLUSH_MS',
  'CORS_ORIGINS',
  'BODY_LIMIT',
  'SHUTDOWN_TIMEOUT_MS',
  'DATABASE_CONNECT_TIMEOUT_MS',
  'DATABASE_STATEMENT_TIMEOUT_MS',
  'REDIS_URL',
  'REDIS_TIMEOUT_MS',
  'RATE_LIMITS_ENABLED',
  'RATE_LIMIT_DEFAULT',
]

/** A process environment with only the given Tasklane variables set. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env }
  for (const name of CONFIG_VARIABLES) delete base[name]
  return { ...base, ...env }
}

/** A temporary data directory, removed when the test ends. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-system-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs a one-shot CLI command (`migrate`, `backup`) to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  return collect(child)
}

function collect(child: ChildProcess): Promise<CliResult> & { output: () => { stdout: string; stderr: string } } {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s
  })
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s
  })
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return Object.assign(done, { output: () => ({ stdout, stderr }) })
}

export interface RunningCli {
  url: string
  child: ChildProcess
  /** Resolves when the process has exited, with everything it wrote. */
  exited: Promise<CliResult>
  output: () => { stdout: string; stderr: string }
}

/**
 * Starts `tasklane serve` on a free port (PORT=0) and resolves once `/readyz` answers 200. The process is
 * killed when the test ends if the test has not stopped it.
 */
export async function startCli(env: Record<string, string>): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: cliEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = collect(child)
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const deadline = Date.now() + 20_000
  let url: string | undefined
  while (!url) {
    if (child.exitCode !== null) {
      const { stdout, stderr } = exited.output()
      throw new Error(`tasklane serve exited with ${child.exitCode} before listening:\n${stdout}\n${stderr}`)
    }
    if (Date.now() > deadline) throw new Error(`tasklane serve did not start:\n${exited.output().stdout}`)
    url = /Tasklane is running at (http:\/\/\S+)/.exec(exited.output().stdout)?.[1]
    if (!url) await sleep(50)
  }
  while ((await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline) throw new Error('tasklane serve never became ready')
    await sleep(50)
  }
  return { url, child, exited, output: exited.output }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
