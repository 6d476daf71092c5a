import { fileURLToPath } from 'node:url'
import { specJson, specYaml } from '../generated/document.js'

/** Where the contract lives: the repository root, two folders above server/src/openapi. */
export const SPEC_PATH = fileURLToPath(new URL('../../../openapi.yaml', import.meta.url))

export interface ApiDocument {
  yaml: string
  json: Record<string, unknown>
}

/**
 * The reviewed openapi.yaml as served by /openapi.yaml and /openapi.json, from the copy `npm run generate`
 * keeps beside the routes (parsing the YAML itself at start-up cost more CPU than the rest of it). The JSON
 * is parsed when first asked for, and each app gets its own copy, so no app can change another's. Both are
 * read when first asked for: the built server keeps them in files beside the bundle (scripts/build.mjs).
 */
export function loadApiDocument(): ApiDocument {
  let json: Record<string, unknown> | undefined
  return {
    get yaml() {
      return specYaml
    },
    get json() {
      json ??= JSON.parse(specJson) as Record<string, unknown>
      return json
    },
  }
}
