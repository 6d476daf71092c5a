import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: the build script is plain JavaScript, without declarations
import { buildOptions, startClosure } from '../scripts/build.mjs'

// Every start of the built server parses what dist/cli.js loads and keeps it in memory; these packages
// are for features that are configured or used later, and are loaded (from chunks or node_modules) then.
const LOADED_WHEN_USED = [
  /node_modules\/@aws-sdk\//,
  /node_modules\/@smithy\//,
  /node_modules\/nodemailer\//,
  /node_modules\/file-type\//,
  /node_modules\/zod\/v4\/locales\/(?!en\.js)/,
  /src\/generated\/document\.ts$/,
  // The routes' zod schemas: loaded (and each built) with the first request that needs them.
  /src\/generated\/routes\.ts$/,
]
const EXTERNAL_WHEN_USED = [
  'sharp',
  'pg',
  'ioredis',
  'swagger-ui-dist',
  '@zxcvbn-ts/language-common',
  '@node-rs/argon2',
]

describe('the built server', () => {
  it('loads at start neither the S3 client, nor mail, image or database drivers it is not using, nor the contract text or the routes', async () => {
    const result = await build({ ...buildOptions, write: false, logLevel: 'silent' })
    const start = startClosure(result.metafile) as { inputs: string[]; external: string[] }
    // Modules the build script writes in their place are named `<plugin>:<path>`.
    const files = start.inputs.filter((input) => !/^[\w-]+:\//.test(input))
    for (const pattern of LOADED_WHEN_USED) {
      expect(
        files.filter((input) => pattern.test(input)),
        String(pattern),
      ).toEqual([])
    }
    expect(start.external.filter((name) => EXTERNAL_WHEN_USED.includes(name))).toEqual([])
    // What it does load: what the app needs of every operation at start, and the database driver.
    expect(files.filter((input) => input.endsWith('src/generated/operation-info.ts'))).toHaveLength(1)
    expect(start.external).toContain('better-sqlite3')
  })
})
