import { describe, expect, it } from 'vitest';
import { LazyAjvValidator } from '../../src/server/schema-validator.js';

describe('LazyAjvValidator', () => {
  it('compiles a schema once per text, however many equal objects ask (elicitation answers)', () => {
    const validator = new LazyAjvValidator();
    const first = validator.getValidator({ type: 'object', properties: {} });
    const again = validator.getValidator({ type: 'object', properties: {} });
    const other = validator.getValidator({ type: 'object', properties: { a: { type: 'string' } } });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(first({}).valid).toBe(true);
    expect(other({ a: 1 }).valid).toBe(false);
  });
});
