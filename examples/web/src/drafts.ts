/**
 * Keeps what is typed in a field in sessionStorage until it is sent, so that a session that expires (and the
 * trip through the login screen), a reload or a conflict loses nothing being written.
 */
export function draft(key: string, input: HTMLInputElement | HTMLTextAreaElement): { clear(): void } {
  const storageKey = `tasklane.draft.${key}`
  const saved = sessionStorage.getItem(storageKey)
  if (saved !== null && input.value === '') input.value = saved
  input.addEventListener('input', () => {
    if (input.value) sessionStorage.setItem(storageKey, input.value)
    else sessionStorage.removeItem(storageKey)
  })
  return { clear: () => sessionStorage.removeItem(storageKey) }
}
