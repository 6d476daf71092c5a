type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, unknown>

/**
 * Builds an element. `on*` attributes become listeners; `value`/`checked` are set as properties; `true`
 * sets an empty attribute and `false`/`null`/`undefined` leave it out. Text children are text nodes, never
 * HTML, so nothing a user typed is ever parsed as markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener)
    } else if (name === 'value' || name === 'checked') {
      ;(el as unknown as Record<string, unknown>)[name] = value
    } else {
      el.setAttribute(name, value === true ? '' : String(value))
    }
  }
  append(el, children)
  return el
}

function append(el: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren()
  append(el, children)
}

/** A form's fields as strings. */
export function fields(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of new FormData(form)) out[k] = typeof v === 'string' ? v : v.name
  return out
}

/** A labelled input: the label wraps nothing, it points at the input by id. */
export function field(label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): HTMLElement {
  if (!input.id) input.id = `f-${Math.random().toString(36).slice(2, 9)}`
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input)
}

/** Short relative date, e.g. "3 min ago". */
export function ago(iso: string): string {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000)
  if (s < 45) return 'just now'
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`
  return new Date(iso).toLocaleDateString()
}
