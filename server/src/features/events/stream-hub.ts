import type { Logger } from 'pino'
import { readableResources } from '../../authorization/permissions.js'
import type { MemberView } from '../../db/memberships.repository.js'
import { type ApiChange, type ChangeRow, isProjectState, toApiChange } from '../changes/change-log.js'
import type { ChangeSignal } from './change-signal.js'

/** A change as the hub hands it to a stream: read and encoded once, shared by every stream that sees it. */
export interface HubChange {
  seq: bigint
  change: ApiChange
  /** The change as one `text/event-stream` event (`id`, `event`, `data`). */
  bytes: Uint8Array
}

/** A stream as the hub knows it: whose it is, and where its changes go. */
export interface HubMember {
  userId: string
  /** Only this project's changes. */
  projectId?: string
  /** Called, synchronously and in seq order, with each change after joining that the stream may see now. */
  deliver(change: HubChange): void
  /**
   * Called when the user was just added to a project: what the hub handed before may lack that project's
   * changes from where the user's view of it starts, so the stream reads the log again through `through`
   * (final) and takes the hub's changes after it.
   */
  resync(through: bigint): void
}

/** A stream's place in the hub (see `StreamHub.join`). */
export interface HubJoin {
  /** The seq after which the hub hands over changes; the log is final through it. */
  position: bigint
  leave(): void
}

/** What the hub reads: the whole log, and who belongs where. */
export interface HubSource {
  /** Every change after `since` in seq order, as far as final (PostgreSQL: below the horizon). */
  readAfter(since: bigint, limit: number): Promise<ChangeRow[]>
  /** Where a reader that starts now starts. */
  readableSeq(): Promise<bigint>
  /** Members' views of projects: of these users, or every member of one project. */
  views(where: { userIds: string[] } | { projectId: string }): Promise<MemberView[]>
}

export interface StreamHubOptions {
  source: HubSource
  signal: ChangeSignal
  logger: Logger
  /**
   * How often the hub reads even without a wake-up: a wake-up lost on the way (a dropped LISTEN
   * connection) costs at most this.
   */
  safetyMs: number
}

/** Changes read from the log at a time. */
const BATCH = 500

interface View {
  role: MemberView['role']
  joinedAfter: bigint
}

interface UserState {
  members: Set<HubMember>
  /** Projects the user belongs to, as of the change last handed out. */
  views: Map<string, View>
}

const encoder = new TextEncoder()

/** A change of a project's members (the one all members see, not a member's own copy) of these types. */
const isMemberChange = (row: ChangeRow, ...types: string[]) =>
  row.user_id === null && row.resource_type === 'member' && types.includes(row.type)

/**
 * The event streams of one instance, fed by one reader: each batch of new changes is read from the log
 * once (on PostgreSQL, with the horizon looked up once), and handed in memory to the streams that may see
 * each change, instead of every stream re-reading the log on every commit. Who may see what is the change
 * log's rule (`changesRepository.readVisible`): changes a user owns, and those of projects the user belongs
 * to, written after they joined (`joined_after`), of a resource type their role may read. Membership is
 * kept in memory for users with open streams: loaded when their first stream joins; for members added or
 * changed in a batch, read again before the batch is handed out (their role and where their view starts,
 * as the log's readers see them now); removals and deleted projects take effect at their place in the log,
 * so a removed member is handed what came before the removal and nothing after.
 *
 * A stream joins with `join`; from then on it is handed every change it may see after the hub's position
 * at that moment. It catches up from the log itself (see `openEventStream`): anything it reads from a read
 * begun after joining reaches at least that position.
 *
 * @example
 * const hub = createStreamHub({ source, signal, logger, safetyMs: 15_000 })
 * const leave = await hub.join({ userId, deliver: (c) => queue.push(c) })
 */
export function createStreamHub({ source, signal, logger, safetyMs }: StreamHubOptions) {
  const readable = readableResources() as Record<string, readonly string[]>
  const users = new Map<string, UserState>()
  /** For each project, the users with open streams who belong to it. */
  const projectUsers = new Map<string, Set<string>>()
  let members = 0
  /** The seq through which changes were handed out; undefined while no stream is open. */
  let position: bigint | undefined
  let unsubscribe: (() => void) | undefined
  let timer: NodeJS.Timeout | undefined
  /** Joins waiting for the next turn, done together (one membership query for all of them). */
  let joining: { member: HubMember; done: (err: unknown, position?: bigint) => void }[] = []
  /** One turn at a time: reading and handing out a batch, or joining. */
  let turn: Promise<void> = Promise.resolve()
  let draining = false
  let again = false
  /** Joins under way: the hub does not stop meanwhile. */
  let joinsUnderWay = 0
  /** Counts stops: work begun before one (a read in flight) is dropped after it. */
  let generation = 0

  const setView = (userId: string, projectId: string, view: View | undefined) => {
    const state = users.get(userId)
    if (!state) return
    const inProject = projectUsers.get(projectId)
    if (view) {
      state.views.set(projectId, view)
      if (inProject) inProject.add(userId)
      else projectUsers.set(projectId, new Set([userId]))
    } else {
      state.views.delete(projectId)
      inProject?.delete(userId)
      if (inProject?.size === 0) projectUsers.delete(projectId)
    }
  }
  /** Ends `userId`'s view of a project at `seq`, unless their view began after it (a later join). */
  const removeView = (userId: string, projectId: string, seq: bigint) => {
    const view = users.get(userId)?.views.get(projectId)
    if (view && view.joinedAfter < seq) setView(userId, projectId, undefined)
  }
  const toView = (row: MemberView): View => ({ role: row.role, joinedAfter: BigInt(row.joined_after) })

  /** A project's members as they are now, for the users with open streams. */
  const membersNow = async (projectId: string): Promise<Map<string, View>> => {
    const rows = await source.views({ projectId })
    return new Map(rows.filter((row) => users.has(row.user_id)).map((row) => [row.user_id, toView(row)]))
  }

  const enqueue = (task: () => Promise<void>) => {
    const next = turn.then(task)
    turn = next.catch(() => {})
    return next
  }

  const frame = (change: ApiChange) =>
    encoder.encode(`id: ${change.seq}\nevent: ${change.type}\ndata: ${JSON.stringify(change)}\n\n`)

  /** Hands one change to every stream that may see it. */
  const dispatch = (row: ChangeRow) => {
    const seq = BigInt(row.seq)
    // A project's state carries the reader's role: one encoding per role, made when first needed.
    const encoded = new Map<string, HubChange>()
    const prepared = (role: string | undefined): HubChange => {
      const key = isProjectState(row) ? (role ?? '') : ''
      let hubChange = encoded.get(key)
      if (!hubChange) {
        const change = toApiChange(row, key ? new Map([[row.resource_id, key]]) : new Map())
        hubChange = { seq, change, bytes: frame(change) }
        encoded.set(key, hubChange)
      }
      return hubChange
    }
    const handTo = (state: UserState, role: string | undefined) => {
      for (const member of state.members) {
        if (member.projectId !== undefined && member.projectId !== row.project_id) continue
        member.deliver(prepared(role))
      }
    }
    if (row.user_id !== null) {
      const state = users.get(row.user_id)
      if (state) handTo(state, row.project_id ? state.views.get(row.project_id)?.role : undefined)
      return
    }
    if (row.project_id === null) return
    for (const userId of projectUsers.get(row.project_id) ?? []) {
      const state = users.get(userId)
      const view = state?.views.get(row.project_id)
      if (!state || !view || seq <= view.joinedAfter) continue
      if (!readable[view.role]?.includes(row.resource_type)) continue
      handTo(state, view.role)
    }
  }

  /** Reads what is new since `position` and hands it out, batch by batch. */
  const drainOnce = async () => {
    const began = generation
    for (;;) {
      if (position === undefined || members === 0) return
      const rows = await source.readAfter(position, BATCH)
      if (rows.length === 0 || generation !== began) return
      // Members added or changed in this batch, as they are now (their role, and where their view starts).
      const now = new Map<string, Map<string, View>>()
      for (const row of rows) {
        if (row.project_id && isMemberChange(row, 'member.added', 'member.updated') && users.has(row.resource_id)) {
          if (!now.has(row.project_id)) now.set(row.project_id, await membersNow(row.project_id))
        }
      }
      if (generation !== began) return
      for (const [projectId, members] of now) {
        for (const [userId, view] of members) setView(userId, projectId, view)
      }
      for (const row of rows) {
        const seq = BigInt(row.seq)
        const projectId = row.project_id
        // Removals count from their place in the log: the member sees what came before, not the removal
        // addressed to the remaining members, nor anything after (they get their own copy of it).
        if (projectId && isMemberChange(row, 'member.removed')) removeView(row.resource_id, projectId, seq)
        if (projectId && isMemberChange(row, 'member.added')) {
          const state = users.get(row.resource_id)
          // Added back after a removal in the same batch: the view starts at this write (as now, if it is).
          if (state && !state.views.has(projectId)) {
            const current = now.get(projectId)?.get(row.resource_id)
            const role = (JSON.parse(row.data) as { role?: View['role'] }).role
            const view =
              current && current.joinedAfter < seq ? current : role ? { role, joinedAfter: seq - 1n } : undefined
            if (view) setView(row.resource_id, projectId, view)
          }
          // The view may start before this change (the write that added them recorded others first, maybe
          // read in an earlier batch): the user's streams read the log through here again.
          for (const member of state?.members ?? []) member.resync(seq - 1n)
        }
        dispatch(row)
        if (projectId && row.user_id && row.type === 'project.deleted') removeView(row.user_id, projectId, seq)
      }
      position = BigInt(rows[rows.length - 1]?.seq ?? position)
      if (rows.length < BATCH) return
    }
  }

  const drain = () => {
    again = true
    if (draining) return
    draining = true
    void enqueue(async () => {
      try {
        while (again) {
          again = false
          await drainOnce()
        }
      } catch (err) {
        // The next wake-up or the safety timer reads again from the same position: nothing is skipped.
        logger.warn({ err }, 'reading changes for event streams failed')
      } finally {
        draining = false
      }
    })
  }

  const joinWaiting = async () => {
    const batch = joining
    joining = []
    if (batch.length === 0) return
    joinsUnderWay++
    try {
      if (position === undefined) {
        listen()
        position = await source.readableSeq()
      }
      const fresh = [...new Set(batch.map((j) => j.member.userId))].filter((id) => !users.has(id))
      const rows: MemberView[] = []
      for (let i = 0; i < fresh.length; i += 500)
        rows.push(...(await source.views({ userIds: fresh.slice(i, i + 500) })))
      for (const userId of fresh) users.set(userId, { members: new Set(), views: new Map() })
      for (const row of rows) setView(row.user_id, row.project_id, toView(row))
      for (const { member, done } of batch) {
        present(users.get(member.userId)).members.add(member)
        members++
        done(undefined, position)
      }
    } catch (err) {
      for (const { done } of batch) done(err ?? new Error('joining the stream hub failed'))
    } finally {
      joinsUnderWay--
      stopIfIdle()
    }
  }

  /** Starts listening for commits (the change signal) and the safety timer, if not yet. */
  const listen = () => {
    if (unsubscribe) return
    unsubscribe = signal.subscribe(drain)
    timer = setInterval(drain, safetyMs)
    timer.unref()
  }

  const stopIfIdle = () => {
    if (members > 0 || joinsUnderWay > 0 || joining.length > 0) return
    generation++
    unsubscribe?.()
    unsubscribe = undefined
    clearInterval(timer)
    timer = undefined
    position = undefined
    users.clear()
    projectUsers.clear()
  }

  const leave = (member: HubMember) => {
    const state = users.get(member.userId)
    if (!state?.members.delete(member)) return
    members--
    if (state.members.size === 0) {
      for (const projectId of state.views.keys()) setView(member.userId, projectId, undefined)
      users.delete(member.userId)
    }
    stopIfIdle()
  }

  return {
    /**
     * Joins a stream. Resolves to the hub's `position` at that moment, a seq through which the log is final,
     * and the function that makes the stream leave: from then on, the stream is handed every change after
     * `position` that it may see.
     */
    join(member: HubMember): Promise<HubJoin> {
      return new Promise((resolve, reject) => {
        joining.push({
          member,
          done: (err, position) => {
            if (err !== undefined || position === undefined) reject(err)
            else resolve({ position, leave: () => leave(member) })
          },
        })
        listen()
        if (joining.length === 1) void enqueue(joinWaiting)
      })
    },

    /** Streams joined now. */
    get size() {
      return members
    },
  }
}

function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('a joined stream has no user state')
  return value
}
