import { describe, type Notification, subscribe, tl } from '../api.js'
import { ago, h, replace } from '../dom.js'

const REASON: Record<Notification['reason'], string> = {
  assigned: 'assigned you',
  mentioned: 'mentioned you',
  commented: 'commented',
  invited: 'invited you',
  webhook_disabled: 'webhook turned off after failing',
}

interface BellOptions {
  signal: AbortSignal
  navigate(path: string): void
  announce(text: string): void
}

/** The bell: unread count from the server, kept live; opens a list of notifications. */
export function bell({ signal, navigate, announce }: BellOptions): HTMLElement {
  const count = h('span', { class: 'count', hidden: true })
  const button = h(
    'button',
    {
      type: 'button',
      class: 'bell',
      'aria-expanded': 'false',
      'aria-controls': 'notifications',
      'aria-label': 'Notifications',
    },
    bellIcon(),
    count,
  )
  const list = h('ul', {})
  const panel = h(
    'div',
    { id: 'notifications', class: 'popover', hidden: true, role: 'region', 'aria-label': 'Notifications' },
    h(
      'div',
      { class: 'popover-head' },
      h('h2', {}, 'Notifications'),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: async () => {
            await tl.POST('/v1/notifications/read', { body: { before: new Date().toISOString() } }).catch(() => {})
            await refresh()
            await open()
          },
        },
        'Mark all read',
      ),
    ),
    list,
  )

  function show(n: number): void {
    count.hidden = n === 0
    count.textContent = n > 99 ? '99+' : String(n)
    button.setAttribute('aria-label', n ? `Notifications, ${n} unread` : 'Notifications')
  }

  async function refresh(): Promise<void> {
    const { data } = await tl.GET('/v1/notifications/unread-count')
    if (data) show(data.count)
  }

  async function open(): Promise<void> {
    try {
      const items = await tl
        .paginate('/v1/notifications', { params: { query: { limit: 20 } } })
        .toArray({ maxItems: 20 })
      replace(
        list,
        items.map((n) =>
          h(
            'li',
            { class: n.readAt ? 'read' : 'unread' },
            h(
              'button',
              {
                type: 'button',
                class: 'notification',
                onclick: async () => {
                  if (!n.readAt)
                    await tl
                      .POST('/v1/notifications/{notificationId}/read', { params: { path: { notificationId: n.id } } })
                      .catch(() => {})
                  close()
                  void refresh()
                  navigate(n.taskId ? `/p/${n.projectId}/t/${n.taskId}` : `/p/${n.projectId}`)
                },
              },
              h('span', {}, `${REASON[n.reason]}${n.count > 1 ? ` (${n.count}×)` : ''}: `, h('strong', {}, n.title)),
              h('time', { datetime: n.updatedAt }, ago(n.updatedAt)),
            ),
          ),
        ),
      )
      if (items.length === 0) list.append(h('li', { class: 'empty' }, 'Nothing yet.'))
    } catch (err) {
      replace(list, h('li', { class: 'error' }, describe(err)))
    }
    panel.hidden = false
    button.setAttribute('aria-expanded', 'true')
    ;(panel.querySelector('button') as HTMLElement).focus()
  }

  function close(): void {
    panel.hidden = true
    button.setAttribute('aria-expanded', 'false')
  }

  button.addEventListener('click', () => (panel.hidden ? void open() : close()))
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      close()
      button.focus()
    }
  })

  void refresh()
  subscribe((event) => {
    if (event.type === 'notification.created') {
      void refresh()
      announce(`New notification: ${(event.data as Notification).title}`)
    } else if (event.type === 'notification.updated') void refresh()
  }, signal)
  return h('div', { class: 'bell-wrap' }, button, panel)
}

/** An outline bell, drawn inline so that no icon font or emoji font is needed. */
function bellIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('width', '20')
  svg.setAttribute('height', '20')
  svg.setAttribute('aria-hidden', 'true')
  const path = document.createElementNS(ns, 'path')
  path.setAttribute('d', 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4l2-2zM10 20a2 2 0 0 0 4 0')
  path.setAttribute('fill', 'none')
  path.setAttribute('stroke', 'currentColor')
  path.setAttribute('stroke-width', '1.8')
  path.setAttribute('stroke-linejoin', 'round')
  svg.append(path)
  return svg
}
