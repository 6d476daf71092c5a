import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('has a default for every variable but DATABASE_URL', () => {
    expect(loadConfig({})).toEqual({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATA_DIR: './data',
      LOG_LEVEL: 'info',
      CORS_ORIGINS: [],
      BODY_LIMIT: 1024 * 1024,
      SHUTDOWN_TIMEOUT_MS: 10_000,
    })
  })

  it('reads every variable, and treats an empty one as unset', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/tasklane',
      DATABASE_URL: 'postgresql://tasklane@db/tasklane',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: ' https://a.example , https://b.example,, ',
      BODY_LIMIT: '2048',
      SHUTDOWN_TIMEOUT_MS: '0',
    })
    expect(config).toEqual({
      PORT: 0,
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/tasklane',
      DATABASE_URL: 'postgresql://tasklane@db/tasklane',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: ['https://a.example', 'https://b.example'],
      BODY_LIMIT: 2048,
      SHUTDOWN_TIMEOUT_MS: 0,
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
  ])('rejects %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration:\\n  ${name}: `))
  })

  it('names every invalid variable at once', () => {
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(/PORT: [^\n]+\n {2}LOG_LEVEL: /)
  })
})
