/**
 * JSON Schema validation with the SDK's Ajv provider, as the SDK's client validates what a server
 * sends: one Ajv for the process, compiled validators kept per schema text.
 */
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from '@modelcontextprotocol/sdk/validation';
import { LRUCache } from 'lru-cache';

/**
 * The SDK's Ajv validator (elicitation answers, and every tool's structured output against
 * checkedOutputSchema), built on first use and shared by every server of the process: the SDK's
 * default builds a new Ajv instance per server, ~7 ms before the first answer, and again for every
 * HTTP session. Validators are kept per schema *text*: Ajv caches
 * compiled schemas by object identity without bound, and the SDK asks with each request's schema
 * object, so a process-wide Ajv fed new objects would grow with every answer.
 */
export class LazyAjvValidator implements jsonSchemaValidator {
  #ajv: AjvJsonSchemaValidator | undefined;
  readonly #compiled = new LRUCache<string, JsonSchemaValidator<unknown>>({ max: 64 });

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const key = JSON.stringify(schema);
    const known = this.#compiled.get(key);
    // Narrow cast: a validator checks a value against a schema; T is what the caller expects.
    if (known) return known as JsonSchemaValidator<T>;
    this.#ajv ??= new AjvJsonSchemaValidator();
    const compiled = this.#ajv.getValidator<T>(structuredClone(schema));
    this.#compiled.set(key, compiled as JsonSchemaValidator<unknown>);
    return compiled;
  }
}
/** The one validator of the process. */
export const schemaValidator = new LazyAjvValidator();
