import type { AppContext } from '../../context.js'
import { createRouter } from '../../http/router.js'
import { authHandlers } from './auth.handlers.js'

export function createAuthRouter(ctx: AppContext) {
  const h = authHandlers(ctx)
  return createRouter()
    .operation('getSignUpOptions', h.getSignUpOptions)
    .operation('signUp', h.signUp)
    .operation('startSignUp', h.startSignUp)
    .operation('completeSignUp', h.completeSignUp)
    .operation('logIn', h.logIn)
    .operation('refreshSession', h.refreshSession)
    .operation('logOut', h.logOut)
    .operation('getMe', h.getMe)
    .operation('updateMe', h.updateMe)
    .operation('confirmEmailChange', h.confirmEmailChange)
    .operation('deleteMe', h.deleteMe)
    .operation('changePassword', h.changePassword)
    .operation('requestEmailVerification', h.requestEmailVerification)
    .operation('verifyEmail', h.verifyEmail)
    .operation('requestPasswordReset', h.requestPasswordReset)
    .operation('resetPassword', h.resetPassword)
    .operation('listSessions', h.listSessions)
    .operation('revokeSession', h.revokeSession)
    .operation('createApiKey', h.createApiKey)
    .operation('listApiKeys', h.listApiKeys)
    .operation('revokeApiKey', h.revokeApiKey)
}
