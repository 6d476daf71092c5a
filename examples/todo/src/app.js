// tasklane-todo: the commands. Everything goes through @tasklane/sdk; this file only parses arguments,
// asks questions and prints.
import { parseArgs } from 'node:util'
import * as prompts from '@clack/prompts'
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  callbackTokenStorage,
  createTasklane,
  NotFoundError,
  PreconditionFailedError,
  RateLimitError,
  SessionExpiredError,
  TasklaneError,
  unwrap,
} from '@tasklane/sdk'
import { events } from '@tasklane/sdk/events'
import { createColors } from 'picocolors'
import { configPath, loadConfig, saveConfig } from './config.js'
import { describeDue, parseDue } from './dates.js'

/** @typedef {import('./config.js').TodoConfig} TodoConfig */
/** @typedef {import('@tasklane/sdk').components['schemas']['Task']} Task */
/** @typedef {import('@tasklane/sdk').TasklaneClient} Client */

/**
 * What a command gets: the parsed options, the I/O it may use and a client on the stored session.
 * @typedef {object} Run
 * @property {Record<string, string | boolean | string[] | undefined>} values
 * @property {string[]} positionals
 * @property {Io} io
 * @property {TodoConfig} config
 * @property {() => Client} client
 * @property {(config: TodoConfig) => Promise<void>} save
 */

/**
 * @typedef {object} Io
 * @property {(text: string) => void} out
 * @property {(text: string) => void} err
 * @property {boolean} interactive Whether a person is at a terminal to answer questions.
 * @property {boolean} json
 * @property {ReturnType<typeof createColors>} c
 * @property {NodeJS.ProcessEnv} env
 * @property {() => Promise<string>} readStdin
 * @property {string} [serverUrl] The server the command talks to, for error messages.
 */

/** Exit codes, documented in `--help`. */
const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, loggedOut: 4 }

class UsageError extends Error {}
class LoggedOutError extends Error {}

/** @type {NonNullable<import('node:util').ParseArgsConfig['options']>} */
const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
}

/**
 * @typedef {object} Command
 * @property {string} summary
 * @property {string} usage
 * @property {string} details
 * @property {NonNullable<import('node:util').ParseArgsConfig['options']>} options
 * @property {(run: Run) => Promise<void>} run
 */

/** @type {Record<string, Command>} */
const COMMANDS = {
  login: {
    summary: 'log in (or sign up) and choose the project your tasks go to',
    usage: 'login [--url URL] [--email EMAIL] [--signup [--token TOKEN] --name NAME] [--project ID]',
    details:
      'The password is asked for at the terminal; a script can pipe it on stdin or set TASKLANE_PASSWORD.\n' +
      'Where the server signs people up by email, --signup mails a link to EMAIL; finish with\n' +
      '--signup --token TOKEN (the token, or the whole link) --name NAME.\n' +
      'Without --project, tasks go to your project named "To-do", which is made if you have none.',
    options: {
      url: { type: 'string' },
      email: { type: 'string' },
      signup: { type: 'boolean' },
      token: { type: 'string' },
      name: { type: 'string' },
      project: { type: 'string' },
    },
    run: login,
  },
  logout: {
    summary: 'end the session and forget it',
    usage: 'logout',
    details: 'The server ends the session, so the stored refresh token stops working everywhere.',
    options: {},
    run: logout,
  },
  whoami: {
    summary: 'show the server, the account and the project in use',
    usage: 'whoami',
    details: '',
    options: {},
    run: whoami,
  },
  add: {
    summary: 'add a task',
    usage: 'add "TITLE" [--due WHEN] [--label NAME]... [--priority 0-3] [--note TEXT]',
    details:
      'WHEN is today, tomorrow, a weekday (fri), +3d, +2w or YYYY-MM-DD; the task is due at the end of that day.',
    options: {
      due: { type: 'string' },
      label: { type: 'string', multiple: true, short: 'l' },
      priority: { type: 'string', short: 'p' },
      note: { type: 'string' },
    },
    run: add,
  },
  ls: {
    summary: 'list open tasks (soonest due first)',
    usage: 'ls [--all] [--search WORDS] [--label NAME]',
    details: 'Each task shows its short id: the last characters of its id, which every command accepts.',
    options: {
      all: { type: 'boolean', short: 'a' },
      search: { type: 'string', short: 's' },
      label: { type: 'string', short: 'l' },
    },
    run: list,
  },
  done: {
    summary: 'mark tasks done',
    usage: 'done ID...',
    details: '',
    options: {},
    run: (run) => setStatus(run, 'done'),
  },
  undo: {
    summary: 'reopen tasks marked done',
    usage: 'undo ID...',
    details: '',
    options: {},
    run: (run) => setStatus(run, 'todo'),
  },
  edit: {
    summary: 'change a task',
    usage: 'edit ID [--title TITLE] [--due WHEN|none] [--label NAME]... [--priority 0-3] [--note TEXT]',
    details:
      'At a terminal without options, asks for the title and due date. --label replaces the labels.\n' +
      'If someone else changed the task since it was read, nothing is overwritten: read it again and retry.',
    options: {
      title: { type: 'string' },
      due: { type: 'string' },
      label: { type: 'string', multiple: true, short: 'l' },
      priority: { type: 'string', short: 'p' },
      note: { type: 'string' },
    },
    run: edit,
  },
  rm: {
    summary: 'delete tasks',
    usage: 'rm ID... [--yes]',
    details: 'At a terminal, asks first unless --yes.',
    options: { yes: { type: 'boolean', short: 'y' } },
    run: remove,
  },
  watch: {
    summary: 'print changes to the project as they happen, until Ctrl-C',
    usage: 'watch [--max-events N]',
    details: 'Reconnects by itself and misses nothing while it runs.',
    options: { 'max-events': { type: 'string' } },
    run: watch,
  },
}

function helpText() {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length))
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
  return [
    'tasklane-todo: your to-do list on a Tasklane server',
    '',
    'usage: tasklane-todo <command> [options]      (no command at a terminal: interactive mode)',
    '',
    ...lines,
    '',
    'options for every command:',
    '  --json      print JSON for scripts instead of text',
    '  -h, --help  help for a command (tasklane-todo add --help)',
    '',
    `settings and session: ${configPath()} (TASKLANE_TODO_CONFIG overrides; NO_COLOR turns colours off)`,
    'exit codes: 0 ok, 1 failed, 2 usage, 3 server unreachable, 4 not logged in',
  ].join('\n')
}

/** @param {string} name @returns {Command} */
function commandNamed(name) {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!command) throw new UsageError(`unknown command "${name}"; see tasklane-todo --help`)
  return command
}

/** @param {string} name */
function commandHelp(name) {
  const command = commandNamed(name)
  return [`usage: tasklane-todo ${command.usage}`, '', command.summary, command.details].filter(Boolean).join('\n')
}

/**
 * Runs tasklane-todo with `argv` (without node and the script) and returns the exit code.
 *
 * @param {string[]} argv
 * @param {{ stdout?: NodeJS.WriteStream, stderr?: NodeJS.WriteStream, stdin?: NodeJS.ReadStream, env?: NodeJS.ProcessEnv }} [streams]
 */
export async function main(argv, streams = {}) {
  const stdout = streams.stdout ?? process.stdout
  const stderr = streams.stderr ?? process.stderr
  const stdin = streams.stdin ?? process.stdin
  const env = streams.env ?? process.env
  const json = argv.includes('--json')
  const colour = !json && !env.NO_COLOR && (env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : Boolean(stdout.isTTY))
  /** @type {Io} */
  const io = {
    out: (text) => stdout.write(`${text}\n`),
    err: (text) => stderr.write(`${text}\n`),
    interactive: Boolean(stdin.isTTY && stdout.isTTY) && !json,
    json,
    c: createColors(colour),
    env,
    readStdin: () => readAll(stdin),
  }
  const [name, ...rest] = argv
  try {
    if (name === undefined || name === '--json') {
      if (io.interactive) return await interactive(io)
      io.err(helpText())
      return EXIT.usage
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      io.out(rest[0] && Object.hasOwn(COMMANDS, rest[0]) ? commandHelp(rest[0]) : helpText())
      return EXIT.ok
    }
    if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}"; see tasklane-todo --help`)
    return await runCommand(name, rest, io)
  } catch (err) {
    return report(err, io)
  }
}

/**
 * @param {string} name
 * @param {string[]} args
 * @param {Io} io
 */
async function runCommand(name, args, io) {
  const command = commandNamed(name)
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...GLOBAL_OPTIONS, ...command.options },
    })
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${commandHelp(name)}`)
  }
  if (parsed.values.help) {
    io.out(commandHelp(name))
    return EXIT.ok
  }
  let config = await loadConfig()
  io.serverUrl = config.url
  const run = {
    values: /** @type {Run['values']} */ (parsed.values),
    positionals: parsed.positionals,
    io,
    get config() {
      return config
    },
    client: () => clientFor(config, (next) => save(next)),
    /** @param {TodoConfig} next */
    async save(next) {
      config = next
      await saveConfig(next)
    },
  }
  const save = run.save
  try {
    await command.run(run)
  } catch (err) {
    // An ended session at a terminal: log in again and carry on with the same command.
    if (name === 'login' || !io.interactive || !(sessionEnded(err) || err instanceof LoggedOutError)) throw err
    io.err(io.c.yellow('Your session has ended; log in again to continue.'))
    await login({ ...run, values: {}, positionals: [] })
    await command.run(run)
  }
  return EXIT.ok
}

/**
 * A client on the stored session; token refreshes are written back to the config file.
 *
 * @param {TodoConfig} config
 * @param {(config: TodoConfig) => Promise<void>} save
 */
function clientFor(config, save) {
  let current = config
  return createTasklane({
    baseUrl: config.url,
    maxRetries: 1,
    session: {
      storage: callbackTokenStorage(config.tokens ?? null, async (tokens) => {
        current = { ...current, tokens }
        await save(current)
      }),
    },
  })
}

/**
 * A refused refresh, or a token the server no longer takes: logged out elsewhere, or the session expired.
 * @param {unknown} err
 */
const sessionEnded = (err) =>
  err instanceof SessionExpiredError || (err instanceof AuthenticationError && err.code !== 'invalid_credentials')

/** @param {Run} run */
function requireProject(run) {
  if (!run.config.tokens) throw new LoggedOutError('You are not logged in: run tasklane-todo login')
  if (!run.config.projectId) throw new LoggedOutError('No project chosen: run tasklane-todo login')
  return run.config.projectId
}

// ---- commands ----

/** @param {Run} run */
async function login(run) {
  const { values, io } = run
  const url = typeof values.url === 'string' ? values.url.replace(/\/+$/, '') : run.config.url
  io.serverUrl = url
  const tl = createTasklane({ baseUrl: url, maxRetries: 1 })
  /** The name a sign-up needs, from --name or asked for at a terminal. */
  const nameFor = async () => {
    let name = typeof values.name === 'string' ? values.name : undefined
    if (!name && io.interactive) name = await ask(prompts.text({ message: 'Your name' }))
    if (!name) throw new UsageError('signing up needs --name')
    return name
  }
  let result
  if (values.signup && typeof values.token === 'string') {
    // The second step of signing up by email: the mailed link's token (or the link itself).
    const token = /[?&]token=([\w-]+)/.exec(values.token)?.[1] ?? values.token
    const password = await readPassword(io, true)
    result = await tl.auth.completeSignUp({ token, password, name: await nameFor() })
  } else {
    let email = typeof values.email === 'string' ? values.email : undefined
    if (!email && io.interactive)
      email = await ask(prompts.text({ message: 'Email', initialValue: run.config.email ?? '' }))
    email ??= run.config.email
    if (!email) throw new UsageError('login needs --email (or run it at a terminal)')
    if (values.signup && (await tl.auth.getSignUpOptions()).flow === 'verify-first') {
      // This server signs people up by email: the answer is the same whether or not the address has an account.
      await tl.auth.startSignUp({ email })
      if (io.json) io.out(JSON.stringify({ signUp: 'mailed', email }))
      else
        io.out(
          `${io.c.green('✓')} Sent a link to ${email}. Finish with: tasklane-todo login --url ${url} --signup --token TOKEN --name NAME`,
        )
      return
    }
    const password = await readPassword(io, values.signup === true)
    result = values.signup
      ? await unwrap(tl.POST('/v1/auth/signup', { body: { email, password, name: await nameFor() } }))
      : await unwrap(tl.POST('/v1/auth/login', { body: { email, password } }))
  }
  const email = result.user.email
  const previousProject = run.config.projectId
  // What was last saved: the session's storage writes the tokens through this as it receives them.
  /** @type {TodoConfig} */
  let saved = { ...run.config, url, email, tokens: null }
  /** @param {TodoConfig} config */
  const save = async (config) => {
    saved = config
    await run.save(config)
  }
  await save(saved)
  const client = clientFor(saved, save)
  await client.session.set(result)
  const wanted = typeof values.project === 'string' ? values.project : previousProject
  const project = await chooseProject(client, wanted, io)
  await save({ ...saved, projectId: project.id })
  if (io.json) io.out(JSON.stringify({ user: result.user, project: { id: project.id, name: project.name } }))
  else io.out(`${io.c.green('✓')} Logged in to ${url} as ${result.user.email}; tasks go to "${project.name}".`)
}

/**
 * The project named by `wanted` if the user may see it, else their "To-do" project (made when missing).
 *
 * @param {Client} tl
 * @param {string | undefined} wanted
 * @param {Io} io
 */
async function chooseProject(tl, wanted, io) {
  if (wanted) {
    const { data } = await tl.GET('/v1/projects/{projectId}', { params: { path: { projectId: wanted } } })
    if (data) return data
  }
  const projects = await tl.paginate('/v1/projects', { params: { query: { limit: 100 } } }).toArray({ maxItems: 500 })
  if (io.interactive && projects.length > 1) {
    const id = await ask(
      prompts.select({
        message: 'Which project should your tasks go to?',
        options: projects.map((p) => ({ value: p.id, label: p.name })),
      }),
    )
    const chosen = projects.find((p) => p.id === id)
    if (chosen) return chosen
  }
  const todo = projects.find((p) => p.name === 'To-do') ?? (projects.length === 1 ? projects[0] : undefined)
  if (todo) return todo
  return unwrap(tl.POST('/v1/projects', { body: { name: 'To-do' } }))
}

/** @param {Run} run */
async function logout(run) {
  if (run.config.tokens) {
    const tl = run.client()
    // Already ended elsewhere: nothing left to end on the server.
    await unwrap(tl.POST('/v1/auth/logout')).catch((err) => {
      if (!(err instanceof AuthenticationError)) throw err
    })
  }
  await run.save({ ...run.config, tokens: null })
  if (run.io.json) run.io.out(JSON.stringify({ loggedOut: true }))
  else run.io.out('Logged out.')
}

/** @param {Run} run */
async function whoami(run) {
  const projectId = requireProject(run)
  const tl = run.client()
  const [me, project] = await Promise.all([tl.account.getMe(), tl.projects.get(projectId)])
  if (run.io.json) run.io.out(JSON.stringify({ url: run.config.url, user: me, project }))
  else run.io.out(`${me.name} <${me.email}> on ${run.config.url}, project "${project.name}" (${project.id})`)
}

/** @param {Run} run */
async function add(run) {
  const projectId = requireProject(run)
  const title = run.positionals.join(' ').trim()
  if (!title) throw new UsageError(`add needs a title\n\n${commandHelp('add')}`)
  const { values } = run
  const body = {
    title,
    ...(typeof values.due === 'string' ? { dueAt: dueFrom(values.due) } : {}),
    ...(Array.isArray(values.label) ? { labels: [...new Set(values.label)] } : {}),
    ...(typeof values.priority === 'string' ? { priority: parsePriority(values.priority) } : {}),
    ...(typeof values.note === 'string' ? { description: values.note } : {}),
  }
  const task = await unwrap(
    run.client().POST('/v1/projects/{projectId}/tasks', { params: { path: { projectId } }, body }),
  )
  if (run.io.json) run.io.out(JSON.stringify(task))
  else run.io.out(`${run.io.c.green('+')} ${formatTask(task, run.io)}`)
}

/** @param {Run} run */
async function list(run) {
  const projectId = requireProject(run)
  const tl = run.client()
  const { values } = run
  const query = {
    limit: 100,
    ...(typeof values.search === 'string' ? { q: values.search } : {}),
    ...(typeof values.label === 'string' ? { label: values.label } : {}),
  }
  /** @param {'todo' | 'in_progress' | undefined} status */
  const fetch = (status) =>
    tl
      .paginate('/v1/projects/{projectId}/tasks', {
        params: { path: { projectId }, query: status ? { ...query, status } : query },
      })
      .toArray({ maxItems: 10_000 })
  const tasks = values.all ? await fetch(undefined) : (await Promise.all([fetch('todo'), fetch('in_progress')])).flat()
  // A search keeps the server's ranking; otherwise soonest due first, then the list's own order.
  if (values.search === undefined) tasks.sort(byDueThenPosition)
  if (run.io.json) {
    run.io.out(JSON.stringify(tasks))
    return
  }
  if (tasks.length === 0) {
    run.io.out(
      values.all || values.search || values.label
        ? 'No tasks match.'
        : 'Nothing to do. Add a task with: tasklane-todo add "…"',
    )
    return
  }
  for (const task of tasks) run.io.out(formatTask(task, run.io))
}

/**
 * @param {Run} run
 * @param {'done' | 'todo'} status
 */
async function setStatus(run, status) {
  const projectId = requireProject(run)
  if (run.positionals.length === 0)
    throw new UsageError(`which task? ${commandHelp(status === 'done' ? 'done' : 'undo')}`)
  const tl = run.client()
  const tasks = await resolveTasks(tl, projectId, run.positionals)
  const updated = []
  for (const task of tasks) {
    updated.push(
      await unwrap(tl.PATCH('/v1/tasks/{taskId}', { params: { path: { taskId: task.id } }, body: { status } })),
    )
  }
  if (run.io.json) run.io.out(JSON.stringify(updated))
  else for (const task of updated) run.io.out(formatTask(task, run.io))
}

/** @param {Run} run */
async function edit(run) {
  const projectId = requireProject(run)
  if (run.positionals.length !== 1) throw new UsageError(`edit takes one task\n\n${commandHelp('edit')}`)
  const tl = run.client()
  const [task] = await resolveTasks(tl, projectId, run.positionals)
  if (!task) throw new UsageError(`edit takes one task\n\n${commandHelp('edit')}`)
  const { values, io } = run
  /** @type {import('@tasklane/sdk').components['schemas']['TaskUpdate']} */
  const patch = {}
  if (typeof values.title === 'string') patch.title = values.title
  if (typeof values.due === 'string') patch.dueAt = dueFrom(values.due)
  if (Array.isArray(values.label)) patch.labels = [...new Set(values.label)]
  if (typeof values.priority === 'string') patch.priority = parsePriority(values.priority)
  if (typeof values.note === 'string') patch.description = values.note
  if (Object.keys(patch).length === 0) {
    if (!io.interactive) throw new UsageError(`nothing to change\n\n${commandHelp('edit')}`)
    const title = await ask(prompts.text({ message: 'Title', initialValue: task.title }))
    if (title.trim() && title !== task.title) patch.title = title.trim()
    const due = await ask(
      prompts.text({
        message: 'Due (today, fri, +3d, YYYY-MM-DD, none)',
        initialValue: task.dueAt ? task.dueAt.slice(0, 10) : '',
        validate: (text) => {
          try {
            parseDue(text ?? '')
          } catch (err) {
            return err instanceof Error ? err.message : String(err)
          }
        },
      }),
    )
    const dueAt = parseDue(due)
    if ((dueAt?.slice(0, 10) ?? null) !== (task.dueAt?.slice(0, 10) ?? null)) patch.dueAt = dueAt
  }
  const updated = await unwrap(
    tl.PATCH('/v1/tasks/{taskId}', {
      params: { path: { taskId: task.id } },
      body: patch,
      ifMatch: `"${task.version}"`,
    }),
  )
  if (io.json) io.out(JSON.stringify(updated))
  else io.out(formatTask(updated, io))
}

/** @param {Run} run */
async function remove(run) {
  const projectId = requireProject(run)
  if (run.positionals.length === 0) throw new UsageError(`which task? ${commandHelp('rm')}`)
  const tl = run.client()
  const tasks = await resolveTasks(tl, projectId, run.positionals)
  if (run.io.interactive && !run.values.yes) {
    const names = tasks.map((t) => `"${t.title}"`).join(', ')
    if (!(await ask(prompts.confirm({ message: `Delete ${names}?`, initialValue: false })))) {
      run.io.out('Nothing deleted.')
      return
    }
  }
  for (const task of tasks) await unwrap(tl.DELETE('/v1/tasks/{taskId}', { params: { path: { taskId: task.id } } }))
  if (run.io.json) run.io.out(JSON.stringify(tasks.map((t) => ({ id: t.id, deleted: true }))))
  else for (const task of tasks) run.io.out(`${run.io.c.red('-')} ${task.title}`)
}

/** @param {Run} run */
async function watch(run) {
  const projectId = requireProject(run)
  const max = run.values['max-events'] === undefined ? Number.POSITIVE_INFINITY : Number(run.values['max-events'])
  if (!(max > 0)) throw new UsageError('--max-events takes a positive number')
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  const { io } = run
  const tl = run.client()
  // Where the log stands now, so that what happens from here on is shown even before the stream connects.
  let since = '0'
  for await (const page of tl
    .paginate('/v1/changes', { params: { query: { projectId, since, limit: 100 } } })
    .pages()) {
    since = page.body.syncToken
  }
  io.err(io.c.dim('Watching for changes (Ctrl-C to stop)…'))
  let seen = 0
  try {
    for await (const event of events(tl, { projectId, since, signal: stop.signal })) {
      if (event.type === 'access_revoked') {
        io.err('You no longer have access to this project.')
        break
      }
      if (event.resourceType !== 'task') continue
      if (io.json) io.out(JSON.stringify(event))
      else io.out(describeChange(event, io))
      if (++seen >= max) break
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err
  } finally {
    process.off('SIGINT', onSignal)
  }
}

// ---- interactive mode ----

/** @param {Io} io */
async function interactive(io) {
  prompts.intro(io.c.bold('tasklane-todo'))
  let config = await loadConfig()
  /** @param {string} name @param {string[]} args */
  const runIt = async (name, args) => {
    const code = await runCommand(name, args, io).catch((err) => report(err, io))
    config = await loadConfig()
    return code
  }
  if (!config.tokens || !config.projectId) {
    if ((await runIt('login', [])) !== EXIT.ok) return EXIT.loggedOut
  }
  for (;;) {
    const action = await prompts.select({
      message: 'What next?',
      options: [
        { value: 'ls', label: 'List open tasks' },
        { value: 'add', label: 'Add a task' },
        { value: 'done', label: 'Mark tasks done' },
        { value: 'quit', label: 'Quit' },
      ],
    })
    if (prompts.isCancel(action) || action === 'quit') break
    if (action === 'ls') await runIt('ls', [])
    if (action === 'add') {
      const title = await prompts.text({
        message: 'Title',
        validate: (t) => (t?.trim() ? undefined : 'A task needs a title'),
      })
      if (prompts.isCancel(title)) continue
      const due = await prompts.text({ message: 'Due (optional: today, fri, +3d, YYYY-MM-DD)', defaultValue: '' })
      if (prompts.isCancel(due)) continue
      await runIt('add', [title, ...(due.trim() ? ['--due', due] : [])])
    }
    if (action === 'done') {
      const open = await openTasks(clientFor(config, saveConfig), config.projectId ?? '')
      if (open.length === 0) {
        io.out('Nothing to do.')
        continue
      }
      const ids = await prompts.multiselect({
        message: 'Which are done? (space to pick, enter to confirm)',
        options: open.map((t) => ({ value: t.id, label: t.title })),
        required: false,
      })
      if (prompts.isCancel(ids) || ids.length === 0) continue
      await runIt('done', ids)
    }
  }
  prompts.outro('Bye.')
  return EXIT.ok
}

// ---- helpers ----

/**
 * @param {Client} tl
 * @param {string} projectId
 */
async function openTasks(tl, projectId) {
  const page = (/** @type {'todo' | 'in_progress'} */ status) =>
    tl
      .paginate('/v1/projects/{projectId}/tasks', { params: { path: { projectId }, query: { status, limit: 100 } } })
      .toArray({ maxItems: 10_000 })
  return (await Promise.all([page('todo'), page('in_progress')])).flat().sort(byDueThenPosition)
}

/**
 * Finds tasks by id or by the short id `ls` shows (any unique ending of the id, 4 characters or more).
 *
 * @param {Client} tl
 * @param {string} projectId
 * @param {string[]} refs
 * @returns {Promise<Task[]>}
 */
async function resolveTasks(tl, projectId, refs) {
  /** @type {Task[] | undefined} */
  let all
  const found = []
  for (const ref of refs) {
    const wanted = ref.trim().toUpperCase()
    if (/^TSK_[0-9A-Z]{26}$/.test(wanted)) {
      const taskId = `tsk_${wanted.slice(4)}`
      const { data } = await tl.GET('/v1/tasks/{taskId}', { params: { path: { taskId } } })
      if (!data || data.projectId !== projectId)
        throw new NotFoundError(404, undefined, new Headers(), `No task ${ref}`)
      found.push(data)
      continue
    }
    if (wanted.length < 4) throw new UsageError(`"${ref}" is too short to name a task: use the id ls shows`)
    all ??= await tl
      .paginate('/v1/projects/{projectId}/tasks', { params: { path: { projectId }, query: { limit: 100 } } })
      .toArray({ maxItems: 10_000 })
    const matches = all.filter((t) => t.id.endsWith(wanted))
    const [match, ...others] = matches
    if (!match) throw new NotFoundError(404, undefined, new Headers(), `No task ${ref}`)
    if (others.length > 0) throw new UsageError(`"${ref}" names ${matches.length} tasks; give more of the id`)
    found.push(match)
  }
  return found
}

/** @param {Task} a @param {Task} b */
function byDueThenPosition(a, b) {
  if (a.dueAt && b.dueAt && a.dueAt !== b.dueAt) return a.dueAt < b.dueAt ? -1 : 1
  if (a.dueAt && !b.dueAt) return -1
  if (!a.dueAt && b.dueAt) return 1
  return a.position - b.position
}

/** The short id ls prints and commands accept. @param {string} id */
const shortId = (id) => id.slice(-6)

/**
 * @param {Task} task
 * @param {Io} io
 */
function formatTask(task, io) {
  const { c } = io
  const done = task.status === 'done'
  const mark = done ? c.green('✓') : task.status === 'in_progress' ? c.yellow('◐') : '○'
  const parts = [`${mark} ${c.dim(shortId(task.id))}  ${done ? c.dim(task.title) : task.title}`]
  if (task.priority > 0) parts.push(c.red('!'.repeat(task.priority)))
  if (task.dueAt && !done) {
    const due = describeDue(task.dueAt)
    parts.push(due.startsWith('overdue') ? c.red(due) : c.cyan(due))
  }
  if (task.labels.length > 0) parts.push(c.magenta(task.labels.map((l) => `#${l}`).join(' ')))
  return parts.join('  ')
}

/**
 * @param {Exclude<import('@tasklane/sdk').TasklaneEvent, { type: 'access_revoked' }>} event
 * @param {Io} io
 */
function describeChange(event, io) {
  const data = /** @type {Partial<Task> & { deleted?: boolean }} */ (event.data)
  const id = shortId(event.resourceId)
  if (event.type === 'task.created') return `${io.c.green('+')} ${id}  added "${data.title}"`
  if (event.type === 'task.deleted') return `${io.c.red('-')} ${id}  deleted`
  if (data.status === 'done') return `${io.c.green('✓')} ${id}  done "${data.title}"`
  return `${io.c.yellow('~')} ${id}  changed "${data.title}"`
}

/**
 * A due date from the command line; a date it does not understand is a usage error.
 * @param {string} text
 */
function dueFrom(text) {
  try {
    return parseDue(text)
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
}

/** @param {string} text */
function parsePriority(text) {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > 3) throw new UsageError('--priority is 0 (none) to 3 (urgent)')
  return n
}

/**
 * The password: asked at a terminal, else TASKLANE_PASSWORD, else the first line of stdin.
 *
 * @param {Io} io
 * @param {boolean} confirmTwice
 */
async function readPassword(io, confirmTwice) {
  if (io.env.TASKLANE_PASSWORD) return io.env.TASKLANE_PASSWORD
  if (io.interactive) {
    const password = await ask(prompts.password({ message: 'Password' }))
    if (confirmTwice) {
      const again = await ask(prompts.password({ message: 'Password again' }))
      if (again !== password) throw new UsageError('the passwords differ')
    }
    return password
  }
  const line = (await io.readStdin()).split(/\r?\n/)[0] ?? ''
  if (!line) throw new UsageError('no password: pipe it on stdin or set TASKLANE_PASSWORD')
  return line
}

/**
 * A prompt's answer; Ctrl-C (clack's cancel symbol) ends the command.
 *
 * @template T
 * @param {Promise<T>} prompt
 * @returns {Promise<Exclude<T, symbol>>}
 */
async function ask(prompt) {
  const answer = await prompt
  if (prompts.isCancel(answer)) throw new CancelledError()
  return /** @type {Exclude<T, symbol>} */ (answer)
}

class CancelledError extends Error {}

/** @param {NodeJS.ReadStream} stream */
async function readAll(stream) {
  if (stream.isTTY) return ''
  let text = ''
  for await (const chunk of stream) text += chunk
  return text
}

/**
 * Prints an error the way a person (or, with --json, a script) can act on, and picks the exit code.
 *
 * @param {unknown} err
 * @param {Io} io
 */
function report(err, io) {
  /** @type {[number, string, string]} */
  const [code, kind, message] = classify(err, io)
  if (io.json) io.err(JSON.stringify({ error: { code: kind, message } }))
  else io.err(`${io.c.red('✗')} ${message}`)
  return code
}

/**
 * @param {unknown} err
 * @param {Io} io
 * @returns {[number, string, string]}
 */
function classify(err, io) {
  if (err instanceof CancelledError) return [EXIT.failed, 'cancelled', 'Cancelled.']
  if (err instanceof UsageError) return [EXIT.usage, 'usage', err.message]
  if (err instanceof LoggedOutError) return [EXIT.loggedOut, 'logged_out', err.message]
  if (sessionEnded(err)) {
    return [
      EXIT.loggedOut,
      'session_expired',
      'Your session has ended (logged out elsewhere, or expired): run tasklane-todo login',
    ]
  }
  if (err instanceof ConnectionError) {
    return [
      EXIT.unreachable,
      'unreachable',
      `Cannot reach the Tasklane server at ${io.serverUrl ?? 'its URL'} (${err.message}). Is it running? Point at another with: tasklane-todo login --url URL`,
    ]
  }
  if (err instanceof TasklaneError) {
    if (err.code === 'invalid_credentials') return [EXIT.failed, err.code, 'Wrong email or password.']
    if (err instanceof RateLimitError) {
      return [EXIT.failed, err.code ?? 'rate_limited', `Too many attempts; try again in ${err.retryAfter ?? 60} s.`]
    }
    if (err instanceof PreconditionFailedError) {
      return [
        EXIT.failed,
        'conflict',
        'The task changed since it was read; nothing was overwritten. Run the command again.',
      ]
    }
    if (err instanceof NotFoundError)
      return [EXIT.failed, 'not_found', err.message.startsWith('No task') ? err.message : 'Not found.']
    if (err instanceof BadRequestError || err.status === 422 || err.status === 409) {
      const details = (err.body?.errors ?? []).map((e) => `  ${e.path.split('/').pop()}: ${e.message}`)
      return [EXIT.failed, err.code ?? 'invalid', [err.body?.detail ?? err.message, ...details].join('\n')]
    }
    return [
      EXIT.failed,
      err.code ?? 'error',
      `${err.message}${err.requestId ? io.c.dim(` (request ${err.requestId})`) : ''}`,
    ]
  }
  if (err instanceof Error && !(err instanceof TypeError) && !(err instanceof ReferenceError)) {
    return [EXIT.failed, 'error', err.message]
  }
  throw err
}
