import './style.css'
import { createTasklane, unwrap } from '@tasklane/sdk'
import { onConnectionChange, onSessionExpired, startLive, stopLive, TOKENS_KEY, tl, type User } from './api.js'
import { h, replace } from './dom.js'
import type { View } from './view.js'
import { acceptView } from './views/accept.js'
import { authView, finishProviderSignIn } from './views/auth.js'
import { bell } from './views/notifications.js'
import { projectView, type Tab } from './views/project.js'
import { projectsView } from './views/projects.js'
import { taskView } from './views/task.js'

const root = document.getElementById('app') as HTMLElement
let me: User | null = null
let current: AbortController | null = null
let notice = ''

const status = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' })
const banner = h(
  'div',
  { class: 'banner', role: 'alert', hidden: true },
  'Connection lost: reconnecting… Changes will appear once it is back.',
)
onConnectionChange((connected) => {
  banner.hidden = connected
})

function announce(text: string): void {
  status.textContent = ''
  requestAnimationFrame(() => {
    status.textContent = text
  })
}

export function navigate(path: string, replaceState = false): void {
  if (replaceState) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  void render()
}

function signedOut(message: string): void {
  me = null
  liveFor = null
  stopLive()
  notice = message
  void render()
}

// A refused refresh (expired or revoked session): back to the login screen, staying on the same address so
// that logging in again returns there. Forms keep their drafts (see drafts.ts).
onSessionExpired(() => signedOut('Your session has expired. Log in again to carry on.'))
// Logged out (or in) in another tab: the tokens in localStorage changed under this one.
window.addEventListener('storage', (event) => {
  if (event.key !== TOKENS_KEY) return
  if (event.newValue === null && me) {
    // The client keeps the tokens it last read in memory: forget them here too.
    stopLive()
    void tl.session.clear().then(() => signedOut('You logged out in another tab.'))
  } else if (event.newValue !== null && !me) void render()
})
window.addEventListener('popstate', () => void render())
document.addEventListener('click', (event) => {
  // Same-app links navigate without a reload.
  const link = (event.target as Element).closest?.('a[data-link]') as HTMLAnchorElement | null
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return
  event.preventDefault()
  navigate(link.getAttribute('href') ?? '/')
})

async function loadMe(): Promise<User | null> {
  if (!(await tl.session.get())) return null
  try {
    return await unwrap(tl.GET('/v1/me'))
  } catch {
    return null
  }
}

async function logOut(): Promise<void> {
  const tokens = await tl.session.get()
  // Forget the session here first: other tabs see the tokens go and stop using them, rather than trying to
  // refresh a session the server is about to end. Then end it on the server, with the token just forgotten.
  stopLive()
  await tl.session.clear()
  if (tokens?.accessToken) {
    await createTasklane({ baseUrl: __TASKLANE_URL__, accessToken: tokens.accessToken })
      .POST('/v1/auth/logout')
      .catch(() => {})
  }
  signedOut('You are logged out.')
  navigate('/', true)
}

function shell(user: User, main: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'topbar' },
      h('a', { href: '/', 'data-link': true, class: 'brand' }, h('img', { src: '/favicon.svg', alt: '' }), 'Tasklane'),
      h(
        'nav',
        { 'aria-label': 'Account', class: 'account' },
        bell({ signal: (current as AbortController).signal, navigate, announce }),
        h('span', { class: 'who', title: user.email }, user.name),
        h('button', { type: 'button', class: 'secondary', onclick: () => void logOut() }, 'Log out'),
      ),
    ),
    banner,
    main,
  )
}

async function render(): Promise<void> {
  current?.abort()
  const controller = new AbortController()
  current = controller
  const url = new URL(location.href)
  if (url.pathname === '/auth/callback') {
    await finishProviderSignIn(url)
    notice = sessionStorage.getItem('tasklane.providerError') ?? notice
    sessionStorage.removeItem('tasklane.providerError')
    history.replaceState(null, '', sessionStorage.getItem('tasklane.return') ?? '/')
    sessionStorage.removeItem('tasklane.return')
    if (controller.signal.aborted) return
  }
  if (!me) me = await loadMe()
  if (controller.signal.aborted) return
  if (!me) {
    const view = await authView({
      notice,
      signal: controller.signal,
      onSignedIn: (user) => {
        me = user
        notice = ''
        void render()
      },
    })
    replace(root, status, view)
    ;(root.querySelector('h1') as HTMLElement | null)?.focus()
    return
  }
  startLiveOnce()
  const main = h('main', { id: 'main', tabindex: '-1' })
  replace(root, status, shell(me, main))
  const view: View = { signal: controller.signal, me, navigate, announce }
  const path = url.pathname
  const task = path.match(/^\/p\/([^/]+)\/t\/([^/]+)$/)
  const project = path.match(/^\/p\/([^/]+)(?:\/(tasks|board|notes|members))?$/)
  try {
    if (path === '/accept-invitation') await acceptView(main, view, url.searchParams.get('token') ?? '')
    else if (task) await taskView(main, view, task[1] ?? '', task[2] ?? '')
    else if (project) await projectView(main, view, project[1] ?? '', (project[2] as Tab | undefined) ?? 'tasks')
    else await projectsView(main, view)
  } catch (err) {
    if (controller.signal.aborted) return
    replace(main, h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err)))
  }
  if (controller.signal.aborted) return
  // After a navigation, focus moves to the new screen's heading so keyboard and screen reader users start there.
  const heading = main.querySelector('h1') as HTMLElement | null
  if (heading) {
    heading.tabIndex = -1
    heading.focus()
  }
}

let liveFor: string | null = null
function startLiveOnce(): void {
  if (liveFor === me?.id) return
  liveFor = me?.id ?? null
  startLive()
}

void render()
