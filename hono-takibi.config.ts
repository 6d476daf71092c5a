// Read by `npm run generate` (scripts/generate.mjs); the output is post-processed there.
import { defineConfig } from 'hono-takibi/config'

export default defineConfig({
  input: 'openapi.yaml',
  'zod-openapi': {
    output: './server/src/generated/routes.ts',
    exportSchemas: true,
    exportSchemasTypes: true,
    exportResponses: true,
    exportHeaders: true,
    exportSecuritySchemes: true,
  },
})
