import { unwrap } from '@tasklane/sdk'
import { beginProviderSignIn, completeProviderSignIn } from '@tasklane/sdk/providers'
import { describe, tl, type User } from '../api.js'
import { field, fields, h, replace } from '../dom.js'

interface AuthOptions {
  notice: string
  signal: AbortSignal
  onSignedIn(user: User): void
}

/** Where to go once a sign-up finished from the mailed link (which may open in another tab). */
const AFTER_SIGNUP_KEY = 'tasklane.afterSignUp'

/**
 * Login and sign-up, on one screen with a switch between them, plus any configured identity providers.
 * Where the server signs people up by email (`verify-first`), sign-up asks for the address only and says to
 * follow the mailed link, which opens `/complete-signup?token=…`: there the name and password finish it.
 */
export async function authView({ notice, onSignedIn }: AuthOptions): Promise<HTMLElement> {
  const url = new URL(location.href)
  const completing = url.pathname === '/complete-signup' ? (url.searchParams.get('token') ?? '') : null
  let mode: 'login' | 'signup' = url.pathname === '/accept-invitation' || completing !== null ? 'signup' : 'login'
  const [providers, flow] = await Promise.all([
    unwrap(tl.GET('/v1/auth/providers'))
      .then((list) => list.data)
      .catch(() => []),
    unwrap(tl.GET('/v1/auth/signup'))
      .then((options) => options.flow)
      .catch(() => 'immediate' as const),
  ])
  const main = h('main', { id: 'main', class: 'auth', tabindex: '-1' })
  /** Signing up by email: the first step asks only for the address; the link's page asks the rest. */
  const byMail = () => mode === 'signup' && flow === 'verify-first' && completing === null

  function mailed(address: string): void {
    replace(
      main,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'auth-title' },
        h('h1', { id: 'auth-title' }, 'Check your email'),
        h(
          'p',
          { class: 'notice', role: 'status' },
          `We sent a link to ${address}. Open it to choose your password and finish creating your account.`,
        ),
      ),
    )
    ;(main.querySelector('h1') as HTMLElement).focus()
  }

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
    const submit = h(
      'button',
      { type: 'submit' },
      mode === 'login' ? 'Log in' : byMail() ? 'Email me a link' : 'Create account',
    )
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
            if (byMail()) {
              const address = values.email ?? ''
              await tl.auth.startSignUp({ email: address })
              if (location.pathname === '/accept-invitation')
                localStorage.setItem(AFTER_SIGNUP_KEY, location.pathname + location.search)
              mailed(address)
              return
            }
            const auth =
              mode === 'login'
                ? await unwrap(
                    tl.POST('/v1/auth/login', { body: { email: values.email ?? '', password: values.password ?? '' } }),
                  )
                : completing !== null
                  ? await tl.auth.completeSignUp({
                      token: completing,
                      password: values.password ?? '',
                      name: values.name ?? '',
                    })
                  : await unwrap(
                      tl.POST('/v1/auth/signup', {
                        body: { email: values.email ?? '', password: values.password ?? '', name: values.name ?? '' },
                      }),
                    )
            await tl.session.set(auth)
            if (completing !== null) {
              history.replaceState(null, '', localStorage.getItem(AFTER_SIGNUP_KEY) ?? '/')
              localStorage.removeItem(AFTER_SIGNUP_KEY)
            }
            onSignedIn(auth.user)
          } catch (err) {
            error.textContent = describe(err)
            submit.disabled = false
            ;(mode === 'login' || completing !== null ? password : email).focus()
          }
        },
      },
      h(
        'h1',
        { id: 'auth-title' },
        mode === 'login'
          ? 'Log in to Tasklane'
          : completing !== null
            ? 'Finish creating your account'
            : 'Create your Tasklane account',
      ),
      notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
      new URL(location.href).pathname === '/accept-invitation'
        ? h('p', { class: 'notice' }, 'You have been invited to a project. Log in or create an account to accept.')
        : null,
      mode === 'signup' && !byMail() ? field('Name', name) : null,
      completing === null ? field('Email', email) : null,
      byMail() ? null : field('Password', password),
      mode === 'signup' && !byMail()
        ? h('p', { class: 'hint' }, 'At least 10 characters; a few unrelated words work well.')
        : null,
      byMail() ? h('p', { class: 'hint' }, 'We will email you a link to choose your password.') : null,
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
      completing !== null
        ? null
        : h(
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
