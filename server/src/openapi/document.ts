import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** Where the contract lives: the repository root, two folders above server/src/openapi. */
export const SPEC_PATH = fileURLToPath(new URL('../../../openapi.yaml', import.meta.url))

export interface ApiDocument {
  yaml: string
  json: Record<string, unknown>
}

/** The reviewed openapi.yaml as served by /openapi.yaml and /openapi.json: read once, never rebuilt. */
export function loadApiDocument(path = SPEC_PATH): ApiDocument {
  const yaml = readFileSync(path, 'utf8')
  return { yaml, json: parse(yaml) as Record<string, unknown> }
}
