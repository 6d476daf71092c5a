import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix } from 'node:path'
import { DockerfileParser, type ImageTemplate } from 'dockerfile-ast'
import { validate } from 'dockerfile-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { cliEnv, REPO_ROOT, tempDataDir } from './support/cli.js'

// No Docker engine runs here: the Dockerfile is linted, the properties users rely on are read from it, and
// the runtime stage's own command runs outside Docker on exactly the files that stage copies in.
const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
const dockerfile = DockerfileParser.parse(text)
const stages = dockerfile.getFROMs()
const last = stages.at(-1)
const runtime = last ? (dockerfile.getContainingImage(last.getRange().start) as ImageTemplate) : undefined

function runtimeStage(): ImageTemplate {
  if (!runtime) throw new Error('the Dockerfile has no FROM')
  return runtime
}

/** A JSON-form instruction's strings (ENTRYPOINT ["node", …]). */
function execForm(instruction: { getJSONStrings(): { getJSONValue(): string }[] } | undefined): string[] {
  return instruction?.getJSONStrings().map((s) => s.getJSONValue()) ?? []
}

/** The runtime stage's ENV, as the container's environment has it. */
function runtimeEnv(): Record<string, string> {
  return Object.fromEntries(
    runtimeStage()
      .getENVs()
      .flatMap((env) => env.getProperties().map((p) => [p.getName(), p.getValue() ?? '']) as [string, string][]),
  )
}

/** The HEALTHCHECK's command, in exec form. */
function healthcheckCommand(): string[] {
  const [healthcheck] = runtimeStage().getHEALTHCHECKs()
  const raw = healthcheck?.getRawArgumentsContent() ?? ''
  const json = raw.slice(raw.indexOf('CMD') + 'CMD'.length).replace(/\\\n/g, '')
  return JSON.parse(json) as string[]
}

function run(command: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const [file = '', ...args] = command
  const child = spawn(file === 'node' ? process.execPath : file, args, {
    ...options,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s
  })
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

describe('Dockerfile', () => {
  it('passes the Dockerfile linter with no findings', () => {
    expect(validate(text, {})).toEqual([])
  })

  it('builds in one stage and runs in a slimmer one, as a user other than root', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    const build = stages[0]?.getBuildStage()
    expect(build).toBeTruthy()
    expect(last?.getImage()).toMatch(/^node:.*-slim$/)
    // The runtime stage takes only build output from the build stage: no sources, no dev dependencies.
    const copies = runtimeStage().getCOPYs()
    expect(copies.length).toBeGreaterThan(0)
    for (const copy of copies) expect(copy.getFromFlag()?.getValue()).toBe(build)
    const users = runtimeStage()
      .getInstructions()
      .filter((i) => i.getKeyword() === 'USER')
      .map((i) => i.getArgumentsContent())
    expect(users.length).toBeGreaterThan(0)
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/)
  })

  it('keeps the data directory on a volume, exposes the port it listens on and checks /readyz', () => {
    const env = runtimeEnv()
    const volumes = runtimeStage()
      .getInstructions()
      .filter((i) => i.getKeyword() === 'VOLUME')
      .flatMap((i) => JSON.parse(i.getArgumentsContent() ?? '[]') as string[])
    expect(env.DATA_DIR).toBeTruthy()
    expect(volumes).toContain(env.DATA_DIR)
    const exposed = runtimeStage()
      .getInstructions()
      .filter((i) => i.getKeyword() === 'EXPOSE')
      .map((i) => i.getArgumentsContent())
    expect(exposed).toContain(env.PORT)
    expect(healthcheckCommand().join(' ')).toContain('/readyz')
  })

  it("runs the runtime stage's command on the files it copies in, and its health check passes", async () => {
    // The runtime stage's file layout: each COPY --from=build of the repository (built as in the build
    // stage by the system tests' setup), except node_modules, which is linked rather than copied.
    const workdir = mkdtempSync(join(tmpdir(), 'tasklane-image-'))
    onTestFinished(() => rmSync(workdir, { recursive: true, force: true }))
    const [appDir] = runtimeStage()
      .getInstructions()
      .filter((i) => i.getKeyword() === 'WORKDIR')
      .map((i) => i.getArgumentsContent() ?? '')
    expect(appDir).toBeTruthy()
    for (const copy of runtimeStage().getCOPYs()) {
      const [from = '', to = ''] = copy.getArguments().map((a) => a.getValue())
      const source = join(REPO_ROOT, posix.relative(appDir ?? '/', from))
      const target = join(workdir, to.endsWith('/') ? join(to, posix.basename(from)) : to)
      mkdirSync(dirname(target), { recursive: true })
      if (posix.basename(from) === 'node_modules') symlinkSync(source, target)
      else cpSync(source, target, { recursive: true })
    }

    const env = { ...runtimeEnv(), DATA_DIR: tempDataDir(), PORT: '0', HOST: '127.0.0.1' }
    const server = run([...execForm(runtimeStage().getENTRYPOINTs()[0]), ...execForm(runtimeStage().getCMDs()[0])], {
      cwd: workdir,
      env: cliEnv(env),
    })
    onTestFinished(() => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL')
    })
    let url: string | undefined
    const deadline = Date.now() + 20_000
    while (!url && Date.now() < deadline && server.child.exitCode === null) {
      url = /Tasklane is running at (http:\/\/\S+)/.exec(server.output().stdout)?.[1]
      if (!url) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(url, `${server.output().stdout}${server.output().stderr}`).toBeTruthy()
    const port = new URL(url ?? '').port

    // The health check, as Docker runs it in the container (whose environment has PORT).
    let healthy: number | null = null
    while (healthy !== 0 && Date.now() < deadline) {
      healthy = await run(healthcheckCommand(), { cwd: workdir, env: cliEnv({ ...env, PORT: port }) }).exited
    }
    expect(healthy).toBe(0)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })
})
