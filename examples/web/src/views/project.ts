import { subscribe, tl } from '../api.js'
import { h, replace } from '../dom.js'
import type { View } from '../view.js'
import { boardPanel } from './board.js'
import { membersPanel } from './members.js'
import { notesPanel } from './notes.js'
import { tasksPanel } from './tasks.js'

export type Tab = 'tasks' | 'board' | 'notes' | 'members'
const TABS: [Tab, string][] = [
  ['tasks', 'Tasks'],
  ['board', 'Board'],
  ['notes', 'Notes'],
  ['members', 'Members'],
]

/** A project: its name, tabs for its task list, board, notes and members. */
export async function projectView(main: HTMLElement, view: View, projectId: string, tab: Tab): Promise<void> {
  const project = await tl.projects.get(projectId)
  const title = h('h1', {}, project.name)
  const panel = h('section', { class: 'panel', 'aria-labelledby': `tab-${tab}` })
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '/', 'data-link': true }, 'Projects'), ' / '),
    title,
    h(
      'nav',
      { class: 'tabs', 'aria-label': 'Project sections' },
      TABS.map(([id, label]) =>
        h(
          'a',
          {
            id: `tab-${id}`,
            href: `/p/${projectId}${id === 'tasks' ? '' : `/${id}`}`,
            'data-link': true,
            'aria-current': id === tab ? 'page' : false,
          },
          label,
        ),
      ),
    ),
    panel,
  )
  subscribe((event) => {
    if (event.type === 'project.updated' && event.resourceId === projectId) {
      title.textContent = (event.data as { name: string }).name
    }
    if (event.type === 'access_revoked' && event.projectId === projectId) view.navigate('/')
  }, view.signal)
  if (tab === 'notes') await notesPanel(panel, view, project)
  else if (tab === 'members') await membersPanel(panel, view, project)
  else if (tab === 'board') await boardPanel(panel, view, project)
  else await tasksPanel(panel, view, project)
}
