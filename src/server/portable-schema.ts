/**
 * zod fields whose JSON Schema every MCP client can read. Clients with a reduced JSON Schema
 * dialect (Gemini-style function declarations, the MCP Inspector's strict listing) reject two
 * spellings zod writes by default: a `type` array (zod folds `z.union([z.string(), z.number()])`
 * and `z.string().nullable()` into `type: ["string", "number"]`) and the empty schema `{}` as
 * `additionalProperties` (`z.record(z.string(), z.unknown())`). The helpers here accept the same
 * values and spell them as `anyOf` and `additionalProperties: true`; the registry test checks the
 * tools/list of every toolset for both.
 */
import { z } from 'zod';

/**
 * A JSON object with any keys and values. On the wire `{type: "object", additionalProperties:
 * true}`: the same meaning as zod's `{}`, in a spelling strict clients accept.
 */
export function anyObject(): z.ZodRecord<z.ZodString, z.ZodUnknown> {
  return z.record(z.string(), z.unknown()).meta({ additionalProperties: true });
}

/**
 * A string, number or boolean, as `anyOf` with one described branch each: zod keeps a union as
 * `anyOf` only when its branches carry more than a bare `type`.
 */
export function scalar(): z.ZodUnion<[z.ZodString, z.ZodNumber, z.ZodBoolean]> {
  return z.union([
    z.string().describe('A string.'),
    z.number().describe('A number.'),
    z.boolean().describe('A boolean.'),
  ]);
}

/**
 * `schema` or null, as `anyOf: [schema, {type: "null"}]` (not `type: [..., "null"]`).
 * @param description what a non-null value is (kept on the branch, which keeps the `anyOf`).
 */
export function nullable<T extends z.ZodType>(schema: T, description: string): z.ZodNullable<T> {
  return schema.describe(description).nullable();
}
