import { unwrap } from '@tasklane/sdk'
import { describe, type Invitation, type Member, type Project, subscribe, tl } from '../api.js'
import { ago, field, fields, h, replace } from '../dom.js'
import type { View } from '../view.js'

/** Who is in the project, and (for owners) inviting people by email and the invitations still open. */
export async function membersPanel(panel: HTMLElement, view: View, project: Project): Promise<void> {
  const owner = project.role === 'owner'
  const members = new Map<string, Member>()
  const invitations = new Map<string, Invitation>()
  const memberList = h('ul', { class: 'members', 'aria-label': 'Members' })
  const inviteList = h('ul', { class: 'members', 'aria-label': 'Open invitations' })
  const message = h('p', { class: 'error', role: 'alert' })

  function draw(): void {
    replace(
      memberList,
      [...members.values()].map((m) =>
        h(
          'li',
          {},
          h('span', {}, m.email, m.userId === view.me.id ? ' (you)' : ''),
          h('span', { class: `role role-${m.role}` }, m.role),
        ),
      ),
    )
    replace(
      inviteList,
      [...invitations.values()].map((i) =>
        h(
          'li',
          {},
          h('span', {}, i.email, h('span', { class: 'muted' }, ` invited ${ago(i.createdAt)}`)),
          h('span', { class: `role role-${i.role}` }, i.role),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              'aria-label': `Revoke the invitation of ${i.email}`,
              onclick: async () => {
                try {
                  await unwrap(
                    tl.DELETE('/v1/projects/{projectId}/invitations/{invitationId}', {
                      params: { path: { projectId: project.id, invitationId: i.id } },
                    }),
                  )
                  invitations.delete(i.id)
                  draw()
                } catch (err) {
                  message.textContent = describe(err)
                }
              },
            },
            'Revoke',
          ),
        ),
      ),
    )
    if (invitations.size === 0) inviteList.append(h('li', { class: 'empty' }, 'No open invitations.'))
  }

  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' })
  const role = h(
    'select',
    { name: 'role' },
    h('option', { value: 'editor' }, 'Editor'),
    h('option', { value: 'viewer' }, 'Viewer'),
    h('option', { value: 'owner' }, 'Owner'),
  )
  const invite = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault()
        message.textContent = ''
        const values = fields(invite)
        try {
          const created = await unwrap(
            tl.POST('/v1/projects/{projectId}/invitations', {
              params: { path: { projectId: project.id } },
              body: { email: values.email ?? '', role: (values.role ?? 'editor') as Invitation['role'] },
            }),
          )
          invitations.set(created.id, created)
          email.value = ''
          draw()
          view.announce(`Invitation sent to ${created.email}`)
        } catch (err) {
          message.textContent = describe(err)
        }
      },
    },
    field('Invite by email', email),
    field('Role', role),
    h('button', { type: 'submit' }, 'Send invitation'),
  )

  for await (const m of tl.paginate('/v1/projects/{projectId}/members', {
    params: { path: { projectId: project.id }, query: { limit: 100 } },
    signal: view.signal,
  }))
    members.set(m.userId, m)
  if (owner) {
    for await (const i of tl.paginate('/v1/projects/{projectId}/invitations', {
      params: { path: { projectId: project.id }, query: { limit: 100 } },
      signal: view.signal,
    }))
      invitations.set(i.id, i)
  }
  replace(
    panel,
    h('h2', {}, 'Members'),
    memberList,
    owner ? [h('h2', {}, 'Invite someone'), invite, message, h('h2', {}, 'Open invitations'), inviteList] : message,
  )
  draw()
  subscribe((event) => {
    if (event.projectId !== project.id) return
    if (event.type === 'member.added' || event.type === 'member.updated')
      members.set(event.resourceId, event.data as Member)
    else if (event.type === 'member.removed') members.delete(event.resourceId)
    else if (event.type === 'invitation.accepted' || event.type === 'invitation.revoked')
      invitations.delete(event.resourceId)
    else if (event.type === 'invitation.created' && owner) invitations.set(event.resourceId, event.data as Invitation)
    else return
    draw()
  }, view.signal)
}
