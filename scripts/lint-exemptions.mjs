#!/usr/bin/env node
// Part of `npm run lint:spec`: fails when a lint exemption no longer exempts anything. Each Spectral override
// (a path in openapi.yaml × a rule turned off there) and each entry of .redocly.lint-ignore.yaml must match at
// least one finding that its linter reports when the exemption is left out; otherwise the exemption is stale
// (the operation changed, or the rule stopped firing there) and would silently cover a future mistake.
// Both linters run once more without their exemptions, on a copy of the contract in a temporary directory.
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'

const root = join(import.meta.dirname, '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const run = promisify(execFile)

/**
 * `openapi.yaml#/paths/~1healthz` or `#/paths/~1healthz` → ['paths', '/healthz']. Overrides name files as
 * URIs, so a path template's braces come percent-encoded (`%7BproviderId%7D`).
 */
const segments = (pointer) =>
  pointer
    .slice(pointer.indexOf('#') + 2)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'))
const within = (path, prefix) => prefix.every((segment, i) => String(path[i]) === segment)

// Runs a linter that exits non-zero when it finds something; its JSON report is what matters.
async function report(file, args, options) {
  try {
    return (await run(bin(file), args, { maxBuffer: 64 * 1024 * 1024, ...options })).stdout
  } catch (err) {
    if (typeof err.stdout === 'string' && err.stdout.trim() !== '') return err.stdout
    throw err
  }
}

const work = mkdtempSync(join(tmpdir(), 'tasklane-lint-exemptions-'))
const stale = []
try {
  copyFileSync(join(root, 'openapi.yaml'), join(work, 'openapi.yaml'))

  const spectral = parse(readFileSync(join(root, '.spectral.yaml'), 'utf8'))
  const extendsResolved = spectral.extends.map((e) => (e.startsWith('./') ? join(root, e) : e))
  writeFileSync(join(work, 'ruleset.yaml'), JSON.stringify({ extends: extendsResolved }))
  const spectralFindings = JSON.parse(
    (await report('spectral', ['lint', 'openapi.yaml', '--ruleset', 'ruleset.yaml', '--format', 'json', '--quiet'], {
      cwd: work,
    })) || '[]',
  )
  for (const override of spectral.overrides ?? []) {
    for (const file of override.files) {
      for (const [rule, setting] of Object.entries(override.rules)) {
        if (setting !== 'off') continue
        const prefix = segments(file)
        if (!spectralFindings.some((f) => f.code === rule && within(f.path, prefix))) {
          stale.push(`.spectral.yaml: ${rule} off for ${file}`)
        }
      }
    }
  }

  const ignorePath = join(root, '.redocly.lint-ignore.yaml')
  const ignored = existsSync(ignorePath) ? (parse(readFileSync(ignorePath, 'utf8'))?.['openapi.yaml'] ?? {}) : {}
  if (Object.keys(ignored).length > 0) {
    copyFileSync(join(root, 'redocly.yaml'), join(work, 'redocly.yaml'))
    const redocly = JSON.parse(await report('redocly', ['lint', 'openapi.yaml', '--format=json'], { cwd: work }))
    for (const [rule, pointers] of Object.entries(ignored)) {
      for (const pointer of pointers) {
        const found = redocly.problems.some((p) => p.ruleId === rule && p.location.some((l) => l.pointer === pointer))
        if (!found) stale.push(`.redocly.lint-ignore.yaml: ${rule} at ${pointer}`)
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

if (stale.length > 0) {
  console.error('Lint exemptions that exempt nothing (remove them):')
  for (const line of stale) console.error(`  ${line}`)
  process.exit(1)
}
console.log('lint exemptions: each one still exempts a finding')
