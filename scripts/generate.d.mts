/** Runs hono-takibi on a spec with the project's options; `fixed` is what `npm run generate` writes. */
export declare function generateRoutes(specPath: string): { raw: string; fixed: string }
