/**
 * The slice of OpenAPI 3.0 that Vault's document uses (measured in ../shared/SPEC-NOTES.md §3.9:
 * no oneOf/allOf/nullable, `$ref` only at the top of request/response bodies). Loose on purpose:
 * unknown keys pass through untouched.
 */

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  anyOf?: Schema[];
  pattern?: string;
  deprecated?: boolean;
  $ref?: string;
  [extension: string]: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  description?: string;
  required?: boolean;
  deprecated?: boolean;
  schema?: Schema;
  [extension: string]: unknown;
}

export interface MediaType {
  schema?: Schema;
}

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  deprecated?: boolean;
  [extension: string]: unknown;
}

export interface PathItem {
  description?: string;
  parameters?: Parameter[];
  get?: Operation;
  post?: Operation;
  put?: Operation;
  patch?: Operation;
  delete?: Operation;
  [extension: string]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title?: string; version?: string; [key: string]: unknown };
  paths: Record<string, PathItem>;
  components?: { schemas?: Record<string, Schema>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Resolve a local `#/components/schemas/X` reference; other schemas are returned as they are. */
export function resolveSchema(
  doc: OpenApiDocument,
  schema: Schema | undefined,
): Schema | undefined {
  if (!schema?.$ref) return schema;
  const prefix = '#/components/schemas/';
  if (!schema.$ref.startsWith(prefix)) throw new Error(`unsupported $ref ${schema.$ref}`);
  const name = schema.$ref.slice(prefix.length);
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`dangling $ref ${schema.$ref}`);
  return target;
}

/** Operations of a path item in HTTP_METHODS order. */
export function operationsOf(item: PathItem): Array<[HttpMethod, Operation]> {
  const out: Array<[HttpMethod, Operation]> = [];
  for (const method of HTTP_METHODS) {
    const op = item[method];
    if (op) out.push([method, op]);
  }
  return out;
}
