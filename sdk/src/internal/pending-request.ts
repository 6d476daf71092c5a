/**
 * What openapi-fetch builds, in place of a Request, while no middleware needs a real one: the URL and the
 * init as they are. The platform's fetch then builds the attempt's only Request; a Request built here and
 * copied again inside fetch was a sizeable share of a fast call.
 */
export class PendingRequest {
  readonly headers: Headers
  readonly method: string

  constructor(
    readonly url: string,
    readonly init: RequestInit = {},
  ) {
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers)
    this.method = (init.method ?? 'GET').toUpperCase()
  }

  /** A real Request, for a fetch that takes one (an injected fetch, a test server). */
  toRequest(): Request {
    return new Request(this.url, { ...this.init, headers: this.headers })
  }
}
