import type { AppContext } from '../../../context.js'
import { operations } from '../../../generated/routes.js'
import { createRouter } from '../../../http/router.js'
import { identitiesHandlers } from './identities.handlers.js'

export function createIdentitiesRouter(ctx: AppContext) {
  const h = identitiesHandlers(ctx)
  return createRouter()
    .openapi(operations.listAuthProviders, h.listAuthProviders)
    .openapi(operations.startProviderSignIn, h.startProviderSignIn)
    .openapi(operations.providerCallback, h.providerCallback)
    .openapi(operations.exchangeProviderCode, h.exchangeProviderCode)
    .openapi(operations.listIdentities, h.listIdentities)
    .openapi(operations.startIdentityLink, h.startIdentityLink)
    .openapi(operations.linkIdentity, h.linkIdentity)
    .openapi(operations.unlinkIdentity, h.unlinkIdentity)
    .openapi(operations.startReauthentication, h.startReauthentication)
    .openapi(operations.reauthenticate, h.reauthenticate)
}
