/**
 * The JSON Schemas tools/list serves, from a tool's zod shapes. zod writes a few things no agent
 * needs, and tools/list is context every conversation pays for, so they are left out here:
 * - `$schema` on every input and output schema (MCP says a schema without it is JSON Schema
 *   2020-12; ours are also valid draft-07, which is what zod is asked for);
 * - `minimum: -(2^53-1)` / `maximum: 2^53-1` on every `z.number().int()` (the safe-integer
 *   range; real bounds such as `minimum: 0` stay);
 * - `propertyNames: {type: "string"}` on records (JSON object keys are always strings);
 * - `additionalProperties: false` (input schemas: an unknown argument is still refused, with an
 *   error naming it; output schemas: the server writes the output), and `additionalProperties:
 *   true` in output schemas (the JSON Schema default);
 * - `required` in output schemas: every result shows which fields it has, and the server checks
 *   its own results against the whole schema ({@link checkedOutputSchema}) before sending them;
 * - what a schema marked with {@link listedAs} replaces, e.g. the duration pattern (the field's
 *   description gives the format instead).
 * Validation is unaffected: arguments are checked with the zod objects themselves, results with
 * Ajv against zod's whole conversion (tool-calls.ts).
 */
import { z } from 'zod';
import type { Tool as ListedTool } from '@modelcontextprotocol/sdk/types.js';
import type { Tool, ToolAnnotations } from './tool.js';

/** The two schemas of one tools/list entry. */
export interface ListedSchemas {
  readonly inputSchema: ListedTool['inputSchema'];
  readonly outputSchema: NonNullable<ListedTool['outputSchema']>;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** zod schemas listed with another shape (see listedAs). */
const LISTED_AS = new WeakMap<object, Record<string, unknown>>();

/**
 * Mark `schema` to be listed in tools/list as `shape` (its description and default kept) instead
 * of zod's conversion: for a long structure whose facts the description already carries, e.g. a
 * duration's regular expression. Validation still uses `schema` itself. Returns `schema`.
 */
export function listedAs<T extends z.ZodType>(schema: T, shape: Record<string, unknown>): T {
  LISTED_AS.set(schema, shape);
  return schema;
}

/** Keywords whose value maps names to schemas: the names there are data, never keywords. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions']);
/** Keywords whose value is an instance (data), copied as it is. */
const DATA = new Set(['default', 'const', 'enum', 'examples']);

/** Whether keyword `key` with `value` is one the module comment says is left out. */
function dropped(key: string, value: unknown, output: boolean): boolean {
  if (key === '$schema') return true;
  if ((key === 'minimum' && value === -SAFE) || (key === 'maximum' && value === SAFE)) return true;
  if (key === 'propertyNames' && isBareString(value)) return true;
  if (key === 'additionalProperties') return output ? typeof value === 'boolean' : value === false;
  return output && key === 'required' && Array.isArray(value);
}

/**
 * The schema `node` without the keywords listed in the module comment (a copy; `node` is not
 * changed). Only keywords are dropped: a property named `required` or `$schema`, and a default
 * that holds such a key, stay as they are.
 */
function compact(node: unknown, output: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => compact(item, output));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DATA.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && value && typeof value === 'object')
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [name, compact(schema, output)]),
      );
    else if (!dropped(key, value, output)) out[key] = compact(value, output);
  }
  return out;
}

function isBareString(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    (value as { type?: unknown }).type === 'string'
  );
}

/**
 * A zod object as the JSON Schema (draft-07) tools/list shows: `io: 'input'` for arguments (what a
 * caller may send: defaults make fields optional), `'output'` for structured results.
 */
export function listedJsonSchema(
  schema: z.ZodObject,
  io: 'input' | 'output',
): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    target: 'draft-7',
    io,
    override: ({ zodSchema, jsonSchema }) => {
      const shape = LISTED_AS.get(zodSchema);
      if (!shape) return;
      for (const key of Object.keys(jsonSchema))
        if (key !== 'description' && key !== 'default') delete jsonSchema[key];
      Object.assign(jsonSchema, shape);
    },
  });
  return compact(json, io === 'output') as Record<string, unknown>;
}

/**
 * The JSON Schema (draft-07) a call's structured output is checked against: zod's whole
 * conversion of `tool.output`, with `required` and the patterns the listing leaves out (see the
 * module comment), so the check is as strict as the zod shapes. About 1 ms a tool.
 */
export function checkedOutputSchema(tool: Pick<Tool, 'output'>): Record<string, unknown> {
  return z.toJSONSchema(z.object(tool.output), {
    target: 'draft-7',
    io: 'output',
    // zod closes every object of an output (its parse strips unknown keys); the check, like the
    // zod parse it replaces, lets an extra key through, as the listing says.
    override: ({ jsonSchema }) => {
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
}

/**
 * The input and output schemas of `tool` as tools/list serves them (calls are checked strictly:
 * unknown arguments are refused, though the listing no longer says so). Costs about 1 ms a tool (zod's conversion); the binary ships them precomputed
 * (see prebuiltSchemas).
 */
export function listedSchemas(tool: Pick<Tool, 'input' | 'output'>): ListedSchemas {
  return {
    inputSchema: listedJsonSchema(
      z.object(tool.input).strict(),
      'input',
    ) as ListedTool['inputSchema'],
    outputSchema: listedJsonSchema(z.object(tool.output), 'output') as NonNullable<
      ListedTool['outputSchema']
    >,
  };
}

/**
 * Set by the bundle step (scripts/bundle.mjs, esbuild `define`): the listedSchemas of every
 * hand-written tool, computed from the same source at build time, as a JSON string. Absent when
 * running from source (tests, the library entry), where they are converted on first use.
 */
declare const __VAULT_MCP_LISTED_SCHEMAS__: string | undefined;

let prebuilt: Record<string, ListedSchemas> | undefined | null = null;

/**
 * The precomputed schemas of the tool named `name`, or undefined (not a bundled build, or a tool
 * the bundle step did not see, such as the generated `api` tools).
 */
function prebuiltSchemas(name: string): ListedSchemas | undefined {
  if (prebuilt === null)
    prebuilt =
      typeof __VAULT_MCP_LISTED_SCHEMAS__ === 'string'
        ? (JSON.parse(__VAULT_MCP_LISTED_SCHEMAS__) as Record<string, ListedSchemas>)
        : undefined;
  return prebuilt?.[name];
}

/** The schemas tools/list shows for `tool`: precomputed in the binary, else converted now. */
export function toolListSchemas(tool: Tool): ListedSchemas {
  return prebuiltSchemas(tool.name) ?? listedSchemas(tool);
}

/** The MCP spec's value for a hint a tool does not list. */
const HINT_DEFAULTS: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};

/**
 * The annotations tools/list shows: only the hints that say something. A hint equal to the MCP
 * spec's default is left out (a client reads it as that default), except destructiveHint of a
 * write tool, which is always listed; destructiveHint and idempotentHint of a read-only tool are
 * left out (the spec gives them meaning only when readOnlyHint is false). E.g. a read tool lists
 * `{readOnlyHint: true, openWorldHint: false}`, delete_mount `{destructiveHint: true,
 * idempotentHint: true, openWorldHint: false}`. The tool's own
 * `annotations` (all four) are what the confirmation gate and read-only mode read.
 */
export function listedAnnotations(annotations: ToolAnnotations): Partial<ToolAnnotations> {
  const listed: Partial<Record<keyof ToolAnnotations, boolean>> = {};
  for (const hint of Object.keys(HINT_DEFAULTS) as Array<keyof ToolAnnotations>) {
    if (annotations.readOnlyHint && (hint === 'destructiveHint' || hint === 'idempotentHint'))
      continue;
    // A write tool always says whether it destroys: a client that tests `destructiveHint === true`
    // instead of applying the default must still see the warning.
    const said = hint === 'destructiveHint' && !annotations.readOnlyHint;
    if (said || annotations[hint] !== HINT_DEFAULTS[hint]) listed[hint] = annotations[hint];
  }
  return listed;
}
