#!/usr/bin/env node
// `npm run bench:suite [-- <vitest args>]`: runs the test suite (`vitest run`, or the projects and files
// given) and prints what it cost: wall time, CPU time (user + system of every process the run started,
// which is what a shared or CI machine pays and moves less with load than wall time does), the load average
// around it, and the tests counted by outcome and by project, so that a change to the test loop can be
// measured before and after. `--json <file>` also writes the numbers there; `--from <vitest json>` reports on
// an earlier run's JSON report (counts only) instead of running.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** CPU seconds of this process's finished, waited-for descendants (Linux /proc; null elsewhere). */
function childrenCpu() {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces.
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // cutime and cstime are fields 16 and 17 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
    return { user: Number(fields[13]) / 100, system: Number(fields[14]) / 100 }
  } catch {
    return null
  }
}

/** Tests by outcome, in total and per group of projects, from vitest's JSON report. */
function count(report) {
  const projects = {}
  const totals = { tests: 0, passed: 0, failed: 0, skipped: 0, todo: 0, files: 0, fileSeconds: 0 }
  for (const file of report.testResults ?? []) {
    const project = groupOf(file.name)
    projects[project] ??= { tests: 0, passed: 0, failed: 0, skipped: 0, todo: 0, files: 0, fileSeconds: 0 }
    const p = projects[project]
    for (const target of [p, totals]) {
      target.files += 1
      target.fileSeconds += Math.max(0, (file.endTime ?? 0) - (file.startTime ?? 0)) / 1000
    }
    for (const test of file.assertionResults ?? []) {
      const outcome = { passed: 'passed', failed: 'failed', pending: 'skipped', skipped: 'skipped', todo: 'todo' }[
        test.status
      ]
      for (const target of [p, totals]) {
        target.tests += 1
        if (outcome) target[outcome] += 1
      }
    }
  }
  return {
    reported: {
      numTotalTests: report.numTotalTests,
      numPassedTests: report.numPassedTests,
      numFailedTests: report.numFailedTests,
      numPendingTests: report.numPendingTests,
      numTodoTests: report.numTodoTests,
    },
    totals,
    projects,
  }
}

/**
 * The JSON report does not name a file's project, and the server's files run in two (SQLite and PostgreSQL)
 * under the same name; the file's place says which group it belongs to.
 */
function groupOf(file) {
  if (file.includes('/server/test/')) return 'system'
  if (file.includes('/sdk/')) return 'sdk'
  return 'server:sqlite+postgres'
}

function print(result) {
  const lines = []
  if (result.wallSeconds !== undefined) {
    lines.push(`wall ${result.wallSeconds.toFixed(1)} s`)
    if (result.cpu) {
      const { user, system } = result.cpu
      lines.push(`CPU ${(user + system).toFixed(1)} s (user ${user.toFixed(1)} s, system ${system.toFixed(1)} s)`)
    }
    lines.push(`load average before ${result.loadBefore.join(' ')}, after ${result.loadAfter.join(' ')}`)
    lines.push(`exit code ${result.exitCode}`)
  }
  const { reported, totals, projects } = result.counts
  lines.push(
    `tests ${reported.numTotalTests}: ${reported.numPassedTests} passed, ${reported.numFailedTests} failed, ` +
      `${reported.numPendingTests} skipped, ${reported.numTodoTests} todo`,
  )
  for (const [name, p] of Object.entries(projects).sort()) {
    lines.push(
      `  ${name.padEnd(24)} ${String(p.tests).padStart(5)} tests (${p.passed} passed, ${p.failed} failed, ${p.skipped} skipped) ` +
        `in ${p.files} files; ${p.fileSeconds.toFixed(1)} s summed over files`,
    )
  }
  lines.push(`  ${'all'.padEnd(24)} ${String(totals.tests).padStart(5)} tests in ${totals.files} files`)
  console.log(lines.join('\n'))
}

const args = process.argv.slice(2)
const option = (name) => {
  const i = args.indexOf(name)
  if (i === -1) return undefined
  const [, value] = args.splice(i, 2)
  return value
}
const jsonOut = option('--json')
const from = option('--from')

if (from) {
  print({ counts: count(JSON.parse(readFileSync(from, 'utf8'))) })
} else {
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-suite-time-'))
  const report = join(dir, 'report.json')
  const loadBefore = loadavg().map((n) => n.toFixed(2))
  const cpuBefore = childrenCpu()
  const started = performance.now()
  const exitCode = await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${report}`,
        ...args,
      ],
      { cwd: root, stdio: 'inherit' },
    )
    child.once('error', reject)
    child.once('exit', (code, signal) => resolve(code ?? signal))
  })
  const wallSeconds = (performance.now() - started) / 1000
  const cpuAfter = childrenCpu()
  const result = {
    args,
    wallSeconds,
    cpu: cpuBefore && cpuAfter && { user: cpuAfter.user - cpuBefore.user, system: cpuAfter.system - cpuBefore.system },
    loadBefore,
    loadAfter: loadavg().map((n) => n.toFixed(2)),
    exitCode,
    counts: count(JSON.parse(readFileSync(report, 'utf8'))),
  }
  rmSync(dir, { recursive: true, force: true })
  console.log('\n[suite-time]')
  print(result)
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(result, null, 2)}\n`)
  process.exitCode = typeof exitCode === 'number' ? exitCode : 1
}
