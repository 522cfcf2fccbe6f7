/** tools/list schemas: only JSON Schema keywords are left out, never a field or a default by its name. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listedJsonSchema } from '../../src/server/listed-schema.js';

describe('listedJsonSchema', () => {
  it('keeps fields named like the keywords it drops, and defaults as they are', () => {
    const schema = z.object({
      $schema: z.string(),
      propertyNames: z.string(),
      required: z.array(z.string()),
      labels: z.record(z.string(), z.string()).default({ $schema: 'x' }),
      count: z.number().int(),
    });
    const properties = {
      $schema: { type: 'string' },
      propertyNames: { type: 'string' },
      required: { type: 'array', items: { type: 'string' } },
      labels: {
        type: 'object',
        additionalProperties: { type: 'string' },
        default: { $schema: 'x' },
      },
      count: { type: 'integer' },
    };
    expect(listedJsonSchema(schema, 'input')).toEqual({
      type: 'object',
      properties,
      required: ['$schema', 'propertyNames', 'required', 'count'],
    });
    expect(listedJsonSchema(schema, 'output')).toEqual({ type: 'object', properties });
  });
});
