/** Just enough of an OpenAPI 3.1 document's shape for the mocks and fixtures to walk it. */
export interface SchemaObject {
  $ref?: string
  type?: string | string[]
  format?: string
  enum?: unknown[]
  const?: unknown
  example?: unknown
  examples?: unknown[]
  default?: unknown
  properties?: Record<string, SchemaObject>
  required?: string[]
  items?: SchemaObject
  allOf?: SchemaObject[]
  oneOf?: SchemaObject[]
  anyOf?: SchemaObject[]
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  [key: string]: unknown
}

export interface MediaObject {
  schema?: SchemaObject
  example?: unknown
  examples?: Record<string, { value?: unknown; $ref?: string }>
}

export interface ResponseObject {
  $ref?: string
  description?: string
  headers?: Record<string, { $ref?: string; schema?: SchemaObject; example?: unknown }>
  content?: Record<string, MediaObject>
}

export interface OperationObject {
  operationId?: string
  responses?: Record<string, ResponseObject>
  [key: string]: unknown
}

/**
 * An OpenAPI document, loosely typed, for `createMockHandlers` and `createFixtureFactory`.
 *
 * @example
 * const doc: OpenApiDocument = JSON.parse(await readFile('openapi.json', 'utf8'))
 */
export interface OpenApiDocument {
  paths?: Record<string, Record<string, OperationObject | unknown>>
  components?: {
    schemas?: Record<string, SchemaObject>
    responses?: Record<string, ResponseObject>
    headers?: Record<string, { schema?: SchemaObject; example?: unknown }>
    [key: string]: unknown
  }
  [key: string]: unknown
}
