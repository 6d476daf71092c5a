/**
 * hono-takibi's output with its known gaps fixed; throws when a rule whose construct the spec uses edits
 * nothing (the generator's output changed shape).
 */
export declare function fixTakibiOutput(source: string, specPath: string): string
