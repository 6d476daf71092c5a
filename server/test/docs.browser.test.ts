import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../src/config.js'
import { type RunningServer, startServer } from '../src/server.js'
import { chromiumFor, openOfflineBrowser } from './support/browser.js'
import { REPO_ROOT } from './support/cli.js'

const hasChromium = chromiumFor('the browser test of /docs')

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']
const spec = parse(readFileSync(join(REPO_ROOT, 'openapi.yaml'), 'utf8'))
const operations: { method: string; path: string; operationId: string }[] = Object.entries(
  spec.paths as Record<string, Record<string, { operationId: string }>>,
).flatMap(([path, item]) =>
  METHODS.flatMap((method) => {
    const operation = item[method]
    return operation ? [{ method, path, operationId: operation.operationId }] : []
  }),
)

describe.skipIf(!hasChromium)('/docs in a browser', () => {
  let server: RunningServer
  let dataDir: string

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tasklane-docs-'))
    server = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }))
  })

  afterAll(async () => {
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('lists every operation and runs GET /healthz with "Try it out", all without leaving the server', async () => {
    const browser = await openOfflineBrowser(new URL(server.url).origin)
    const { page, outside, pageErrors } = browser
    // The page runs under its Content-Security-Policy: anything it refuses would break part of the UI.
    const refused: string[] = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text())
    })
    try {
      await page.goto(`${server.url}/docs`)
      await page.locator('.opblock').first().waitFor()
      expect(await page.locator('.info .title').textContent()).toContain(spec.info.title)

      for (const op of operations) {
        // Swagger UI's deep-link ids write a tag's whitespace as underscores ("API keys" → API_keys).
        const operation = spec.paths[op.path][op.method]
        const tag = operation.tags[0].replace(/\s/g, '_')
        const block = page.locator(`#operations-${tag}-${op.operationId}`)
        expect(await block.count(), `${op.operationId} is listed`).toBe(1)
        expect(await block.locator('.opblock-summary-method').textContent()).toBe(op.method.toUpperCase())
        // A deprecated operation's path is drawn struck through, under a class of its own.
        const pathClass = operation.deprecated ? '.opblock-summary-path__deprecated' : '.opblock-summary-path'
        expect(await block.locator(pathClass).getAttribute('data-path'), op.operationId).toBe(op.path)
      }

      const health = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/healthz"]') })
      await health.locator('.opblock-summary-control').click()
      await health.getByRole('button', { name: 'Try it out' }).click()
      await health.getByRole('button', { name: 'Execute' }).click()
      const liveBody = health.locator('.live-responses-table tbody .response-col_description pre')
      await liveBody.first().waitFor()
      expect(JSON.parse((await liveBody.first().textContent()) ?? '')).toEqual({ status: 'ok' })
      expect(await health.locator('.live-responses-table tbody .response-col_status').first().textContent()).toBe('200')

      if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: true })
      expect(outside).toEqual([])
      expect(pageErrors).toEqual([])
      expect(refused).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
