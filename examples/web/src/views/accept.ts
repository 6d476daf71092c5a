import { unwrap } from '@tasklane/sdk'
import { describe, tl } from '../api.js'
import { h, replace } from '../dom.js'
import type { View } from '../view.js'

/** The page the invitation email links to: `/accept-invitation?token=…` (the server's PUBLIC_URL is this app). */
export async function acceptView(main: HTMLElement, view: View, token: string): Promise<void> {
  const message = h('p', { class: 'error', role: 'alert' })
  const accept = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        accept.disabled = true
        try {
          const membership = await unwrap(tl.POST('/v1/invitations/accept', { body: { token } }))
          view.navigate(`/p/${membership.projectId}`)
        } catch (err) {
          message.textContent = describe(err)
          accept.disabled = false
        }
      },
    },
    'Accept invitation',
  )
  replace(
    main,
    h('h1', {}, 'Join a project'),
    h('p', {}, `You were invited to a Tasklane project. Accept to join it as ${view.me.email}.`),
    token ? accept : h('p', { class: 'error' }, 'This link has no invitation token.'),
    message,
  )
}
