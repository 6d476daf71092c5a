import { unwrap } from '@tasklane/sdk'
import { beginProviderSignIn, completeProviderSignIn } from '@tasklane/sdk/providers'
import { describe, tl, type User } from '../api.js'
import { field, fields, h, replace } from '../dom.js'

interface AuthOptions {
  notice: string
  signal: AbortSignal
  onSignedIn(user: User): void
}

/** Login and sign-up, on one screen with a switch between them, plus any configured identity providers. */
export async function authView({ notice, onSignedIn }: AuthOptions): Promise<HTMLElement> {
  let mode: 'login' | 'signup' = new URL(location.href).pathname === '/accept-invitation' ? 'signup' : 'login'
  const providers = await unwrap(tl.GET('/v1/auth/providers'))
    .then((list) => list.data)
    .catch(() => [])
  const main = h('main', { id: 'main', class: 'auth', tabindex: '-1' })

  function draw(): void {
    const error = h('p', { class: 'error', role: 'alert' })
    const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true })
    const password = h('input', {
      name: 'password',
      type: 'password',
      required: true,
      minlength: 10,
      autocomplete: mode === 'login' ? 'current-password' : 'new-password',
    })
    const name = h('input', { name: 'name', autocomplete: 'name', required: true, maxlength: 100 })
    const submit = h('button', { type: 'submit' }, mode === 'login' ? 'Log in' : 'Create account')
    const form = h(
      'form',
      {
        class: 'card',
        'aria-labelledby': 'auth-title',
        onsubmit: async (event: SubmitEvent) => {
          event.preventDefault()
          submit.disabled = true
          error.textContent = ''
          const values = fields(form)
          try {
            const auth =
              mode === 'login'
                ? await unwrap(
                    tl.POST('/v1/auth/login', { body: { email: values.email ?? '', password: values.password ?? '' } }),
                  )
                : await unwrap(
                    tl.POST('/v1/auth/signup', {
                      body: { email: values.email ?? '', password: values.password ?? '', name: values.name ?? '' },
                    }),
                  )
            await tl.session.set(auth)
            onSignedIn(auth.user)
          } catch (err) {
            error.textContent = describe(err)
            submit.disabled = false
            ;(mode === 'login' ? password : email).focus()
          }
        },
      },
      h('h1', { id: 'auth-title' }, mode === 'login' ? 'Log in to Tasklane' : 'Create your Tasklane account'),
      notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
      new URL(location.href).pathname === '/accept-invitation'
        ? h('p', { class: 'notice' }, 'You have been invited to a project. Log in or create an account to accept.')
        : null,
      mode === 'signup' ? field('Name', name) : null,
      field('Email', email),
      field('Password', password),
      mode === 'signup' ? h('p', { class: 'hint' }, 'At least 10 characters; a few unrelated words work well.') : null,
      error,
      submit,
      providers.length
        ? h(
            'div',
            { class: 'providers' },
            h('p', { class: 'or' }, 'or'),
            providers.map((p) =>
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: async () => {
                    try {
                      sessionStorage.setItem('tasklane.return', location.pathname + location.search)
                      const { url } = await beginProviderSignIn(tl, p.id, {
                        redirectUri: `${location.origin}/auth/callback`,
                      })
                      location.assign(url)
                    } catch (err) {
                      error.textContent = describe(err)
                    }
                  },
                },
                `Continue with ${p.name}`,
              ),
            ),
          )
        : null,
      h(
        'p',
        { class: 'switch' },
        mode === 'login' ? 'New here? ' : 'Already have an account? ',
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              mode = mode === 'login' ? 'signup' : 'login'
              draw()
              ;(main.querySelector('input') as HTMLInputElement).focus()
            },
          },
          mode === 'login' ? 'Create an account' : 'Log in instead',
        ),
      ),
    )
    replace(main, form)
  }
  draw()
  return main
}

/** The browser came back from an identity provider: trade its code for a session. */
export async function finishProviderSignIn(url: URL): Promise<void> {
  try {
    await completeProviderSignIn(tl, url)
  } catch (err) {
    sessionStorage.setItem('tasklane.providerError', describe(err))
  }
}
