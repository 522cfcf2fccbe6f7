/**
 * Node's parsed headers (`IncomingMessage.headers`) read through the members of a web `Headers`
 * that openapi-fetch and the SDK's transport use: `get`, `has`, `entries`, `forEach` and iteration.
 * Names are case-insensitive; a repeated header reads as its values joined with `, `, as `Headers`
 * does. Node has already folded repeats (keeping the first of those that may appear once, like
 * Host or Content-Type). A view instead of a real `Headers`, because building one per message cost
 * ~1% of the server's CPU per read_secret each way (bench/). Read-only.
 */
import type { IncomingHttpHeaders } from 'node:http';

export class HeadersView {
  readonly #headers: IncomingHttpHeaders;

  constructor(headers: IncomingHttpHeaders) {
    this.#headers = headers;
  }

  /** The value of `name`, or null when absent. */
  get(name: string): string | null {
    return joined(this.#headers[name.toLowerCase()]) ?? null;
  }

  has(name: string): boolean {
    return this.#headers[name.toLowerCase()] !== undefined;
  }

  /** `[name, value]` pairs, names in lower case. */
  *entries(): IterableIterator<[string, string]> {
    for (const [name, value] of Object.entries(this.#headers)) {
      const text = joined(value);
      if (text !== undefined) yield [name, text];
    }
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) callback(value, name);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
