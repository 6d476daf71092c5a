import { unwrap } from '@tasklane/sdk'
import { describe, type Project, subscribe, tl } from '../api.js'
import { field, fields, h, replace } from '../dom.js'
import type { View } from '../view.js'

/** The user's projects and a form to start one. */
export async function projectsView(main: HTMLElement, view: View): Promise<void> {
  const projects = new Map<string, Project>()
  const list = h('ul', { class: 'projects', 'aria-label': 'Projects' })
  const empty = h('p', { class: 'empty' }, 'No projects yet. Start one below.')

  function draw(): void {
    const sorted = [...projects.values()].sort((a, b) => a.name.localeCompare(b.name))
    empty.hidden = sorted.length > 0
    replace(
      list,
      sorted.map((p) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `/p/${p.id}`, 'data-link': true, class: 'project-card' },
            h('strong', {}, p.name),
            p.description ? h('span', { class: 'muted' }, p.description) : null,
            h('span', { class: `role role-${p.role}` }, p.role),
          ),
        ),
      ),
    )
  }

  const error = h('p', { class: 'error', role: 'alert' })
  const name = h('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off' })
  const form = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault()
        error.textContent = ''
        try {
          const project = await unwrap(tl.POST('/v1/projects', { body: { name: fields(form).name ?? '' } }))
          projects.set(project.id, project)
          view.navigate(`/p/${project.id}`)
        } catch (err) {
          error.textContent = describe(err)
        }
      },
    },
    field('New project name', name),
    h('button', { type: 'submit' }, 'Create project'),
  )

  replace(main, h('h1', {}, 'Your projects'), list, empty, h('h2', {}, 'Start a project'), form, error)
  for await (const p of tl.paginate('/v1/projects', { params: { query: { limit: 100 } }, signal: view.signal })) {
    projects.set(p.id, p)
  }
  draw()
  subscribe((event) => {
    if (event.type === 'access_revoked') projects.delete(event.projectId)
    else if (event.type === 'project.deleted') projects.delete(event.resourceId)
    else if (event.type === 'project.created' || event.type === 'project.updated') {
      const old = projects.get(event.resourceId)
      projects.set(event.resourceId, { ...(event.data as Project), role: old?.role ?? (event.data as Project).role })
    } else if (event.type === 'member.added') {
      // A project the user just joined: fetch it, since the change is about the membership.
      void tl
        .GET('/v1/projects/{projectId}', { params: { path: { projectId: event.projectId ?? '' } } })
        .then(({ data }) => {
          if (data) {
            projects.set(data.id, data)
            draw()
          }
        })
      return
    } else return
    draw()
  }, view.signal)
}
