import type { AppContext } from '../../context.js'
import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import { authHandlers } from './auth.handlers.js'

export function createAuthRouter(ctx: AppContext) {
  const h = authHandlers(ctx)
  return createRouter()
    .openapi(operations.getSignUpOptions, h.getSignUpOptions)
    .openapi(operations.signUp, h.signUp)
    .openapi(operations.startSignUp, h.startSignUp)
    .openapi(operations.completeSignUp, h.completeSignUp)
    .openapi(operations.logIn, h.logIn)
    .openapi(operations.refreshSession, h.refreshSession)
    .openapi(operations.logOut, h.logOut)
    .openapi(operations.getMe, h.getMe)
    .openapi(operations.updateMe, h.updateMe)
    .openapi(operations.confirmEmailChange, h.confirmEmailChange)
    .openapi(operations.deleteMe, h.deleteMe)
    .openapi(operations.changePassword, h.changePassword)
    .openapi(operations.requestEmailVerification, h.requestEmailVerification)
    .openapi(operations.verifyEmail, h.verifyEmail)
    .openapi(operations.requestPasswordReset, h.requestPasswordReset)
    .openapi(operations.resetPassword, h.resetPassword)
    .openapi(operations.listSessions, h.listSessions)
    .openapi(operations.revokeSession, h.revokeSession)
    .openapi(operations.createApiKey, h.createApiKey)
    .openapi(operations.listApiKeys, h.listApiKeys)
    .openapi(operations.revokeApiKey, h.revokeApiKey)
}
