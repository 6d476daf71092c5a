import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('has a default for every variable but DATABASE_URL', () => {
    expect(loadConfig({})).toEqual({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATA_DIR: './data',
      DATABASE_CONNECT_TIMEOUT_MS: 5000,
      DATABASE_STATEMENT_TIMEOUT_MS: 15_000,
      LOG_LEVEL: 'info',
      CORS_ORIGINS: [],
      BODY_LIMIT: 1024 * 1024,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      MAIL_FROM: 'Tasklane <no-reply@localhost>',
      REDIS_TIMEOUT_MS: 1000,
      TRUST_PROXY: false,
      ACCESS_TOKEN_TTL_S: 900,
      SESSION_TTL_S: 30 * 86_400,
      REFRESH_GRACE_S: 10,
      REVOCATION_POLL_MS: 1000,
      CHANGES_RETENTION_S: 604800,
      RATE_LIMITS_ENABLED: true,
      RATE_LIMIT_DEFAULT: { limit: 600, windowS: 60 },
      RATE_LIMIT_LOGIN_ACCOUNT: { limit: 10, windowS: 900 },
      RATE_LIMIT_LOGIN_IP: { limit: 50, windowS: 900 },
      RATE_LIMIT_SIGNUP_IP: { limit: 20, windowS: 3600 },
      RATE_LIMIT_PASSWORD_RESET_IP: { limit: 10, windowS: 900 },
      RATE_LIMIT_INVITATIONS_PROJECT: { limit: 50, windowS: 3600 },
      RATE_LIMIT_INVITATIONS_RECIPIENT: { limit: 5, windowS: 3600 },
    })
  })

  it('reads every variable, and treats an empty one as unset', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/tasklane',
      DATABASE_URL: 'postgresql://tasklane@db/tasklane',
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
      DATABASE_STATEMENT_TIMEOUT_MS: '60000',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: ' https://a.example , https://b.example,, ',
      BODY_LIMIT: '2048',
      SHUTDOWN_TIMEOUT_MS: '0',
      SECRET_KEY: 's'.repeat(32),
      PUBLIC_URL: 'https://tasks.example',
      SMTP_URL: 'smtp://mailer:secret@mail.example:587',
      MAIL_FROM: 'Tasks <tasks@example.com>',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_TIMEOUT_MS: '250',
      TRUST_PROXY: 'true',
      ACCESS_TOKEN_TTL_S: '300',
      SESSION_TTL_S: '86400',
      REFRESH_GRACE_S: '5',
      REVOCATION_POLL_MS: '250',
      CHANGES_RETENTION_S: '3600',
      RATE_LIMITS_ENABLED: 'false',
      RATE_LIMIT_DEFAULT: '100/10',
      RATE_LIMIT_LOGIN_ACCOUNT: '5/60',
      RATE_LIMIT_LOGIN_IP: '20/60',
      RATE_LIMIT_SIGNUP_IP: '3/3600',
      RATE_LIMIT_PASSWORD_RESET_IP: '2/600',
      RATE_LIMIT_INVITATIONS_PROJECT: '10/60',
      RATE_LIMIT_INVITATIONS_RECIPIENT: '1/60',
    })
    expect(config).toEqual({
      PORT: 0,
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/tasklane',
      DATABASE_URL: 'postgresql://tasklane@db/tasklane',
      DATABASE_CONNECT_TIMEOUT_MS: 2000,
      DATABASE_STATEMENT_TIMEOUT_MS: 60_000,
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: ['https://a.example', 'https://b.example'],
      BODY_LIMIT: 2048,
      SHUTDOWN_TIMEOUT_MS: 0,
      SECRET_KEY: 's'.repeat(32),
      PUBLIC_URL: 'https://tasks.example',
      SMTP_URL: 'smtp://mailer:secret@mail.example:587',
      MAIL_FROM: 'Tasks <tasks@example.com>',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_TIMEOUT_MS: 250,
      TRUST_PROXY: true,
      ACCESS_TOKEN_TTL_S: 300,
      SESSION_TTL_S: 86_400,
      REFRESH_GRACE_S: 5,
      REVOCATION_POLL_MS: 250,
      CHANGES_RETENTION_S: 3600,
      RATE_LIMITS_ENABLED: false,
      RATE_LIMIT_DEFAULT: { limit: 100, windowS: 10 },
      RATE_LIMIT_LOGIN_ACCOUNT: { limit: 5, windowS: 60 },
      RATE_LIMIT_LOGIN_IP: { limit: 20, windowS: 60 },
      RATE_LIMIT_SIGNUP_IP: { limit: 3, windowS: 3600 },
      RATE_LIMIT_PASSWORD_RESET_IP: { limit: 2, windowS: 600 },
      RATE_LIMIT_INVITATIONS_PROJECT: { limit: 10, windowS: 60 },
      RATE_LIMIT_INVITATIONS_RECIPIENT: { limit: 1, windowS: 60 },
    })
    const unset = loadConfig({ PORT: '', DATABASE_URL: '' })
    expect(unset.PORT).toBe(3000)
    expect(unset.DATABASE_URL).toBeUndefined()
  })

  it.each([
    ['PORT', 'abc'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://localhost/tasklane'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT', '100'],
    ['BODY_LIMIT', 'lots'],
    ['SHUTDOWN_TIMEOUT_MS', '-1'],
    ['SHUTDOWN_TIMEOUT_MS', '600001'],
    ['SECRET_KEY', 'too-short'],
    ['PUBLIC_URL', 'ftp://tasks.example'],
    ['SMTP_URL', 'http://mail.example'],
    ['REDIS_URL', 'localhost:6379'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '0'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', 'forever'],
    ['REDIS_TIMEOUT_MS', '10'],
    ['TRUST_PROXY', 'yes'],
    ['ACCESS_TOKEN_TTL_S', '10'],
    ['RATE_LIMIT_DEFAULT', '100 per minute'],
    ['RATE_LIMIT_LOGIN_IP', '0/60'],
  ])('rejects %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration:\\n  ${name}: `))
  })

  it('names every invalid variable at once', () => {
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(/PORT: [^\n]+\n {2}LOG_LEVEL: /)
  })
})
