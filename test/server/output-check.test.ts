/**
 * Structured output is checked with Ajv (as the SDK's client checks it) against the whole JSON
 * Schema of the zod output shapes, `required` included, instead of a zod parse per call (stop 22:
 * the parse took 51 µs on a cold read_secret result).
 */
import { describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { loadApiTools } from '../../src/server/api-tools.js';
import { outputProblem } from '../../src/server/tool-calls.js';
import { checkedOutputSchema } from '../../src/server/listed-schema.js';

const readSecret = TOOLS.find((t) => t.name === 'read_secret');
if (!readSecret) throw new Error('no read_secret');
const valid = {
  mount: 'secret',
  path: 'app/db',
  kv_version: 2,
  keys: ['password'],
  version: 3,
  destroyed: false,
  custom_metadata: null,
  deleted: false,
  values_withheld: true,
};

describe('the output check', () => {
  it('passes a read_secret result and names what is wrong in a bad one', () => {
    expect(outputProblem(readSecret, valid)).toBeUndefined();
    expect(outputProblem(readSecret, { ...valid, keys: 'password' })).toBe(
      'MCP error -32602: Output validation error: Invalid structured content for tool read_secret: data/keys must be array',
    );
    expect(outputProblem(readSecret, { ...valid, kv_version: 2.5 })).toBe(
      'MCP error -32602: Output validation error: Invalid structured content for tool read_secret: data/kv_version must be integer',
    );
    // An extra key passes, as with the zod parse before (the listing does not close objects).
    expect(outputProblem(readSecret, { ...valid, extra: 1 })).toBeUndefined();
    const { values_withheld: _, ...missing } = valid;
    expect(outputProblem(readSecret, missing)).toBe(
      "MCP error -32602: Output validation error: Invalid structured content for tool read_secret: data must have required property 'values_withheld'",
    );
  });

  it("compiles every tool's listed outputSchema, hand-written and raw", async () => {
    const tools = [...TOOLS, ...(await loadApiTools())];
    expect(tools.length).toBeGreaterThan(100);
    for (const tool of tools) {
      // An empty result lacks every required field: the check names each (Ajv's allErrors), or
      // passes when the shape requires none.
      const required = (checkedOutputSchema(tool)['required'] ?? []) as string[];
      expect(outputProblem(tool, {})).toBe(
        required.length
          ? `MCP error -32602: Output validation error: Invalid structured content for tool ${tool.name}: ${required.map((name) => `data must have required property '${name}'`).join(', ')}`
          : undefined,
      );
      expect(outputProblem(tool, null)).toBe(
        `MCP error -32602: Output validation error: Invalid structured content for tool ${tool.name}: data must be object`,
      );
    }
  });
});
