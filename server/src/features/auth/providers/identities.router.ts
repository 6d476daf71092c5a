import type { AppContext } from '../../../context.js'
import { createRouter } from '../../../http/router.js'
import { identitiesHandlers } from './identities.handlers.js'

export function createIdentitiesRouter(ctx: AppContext) {
  const h = identitiesHandlers(ctx)
  return createRouter()
    .operation('listAuthProviders', h.listAuthProviders)
    .operation('startProviderSignIn', h.startProviderSignIn)
    .operation('providerCallback', h.providerCallback)
    .operation('exchangeProviderCode', h.exchangeProviderCode)
    .operation('listIdentities', h.listIdentities)
    .operation('startIdentityLink', h.startIdentityLink)
    .operation('linkIdentity', h.linkIdentity)
    .operation('unlinkIdentity', h.unlinkIdentity)
    .operation('startReauthentication', h.startReauthentication)
    .operation('reauthenticate', h.reauthenticate)
}
