/** Read and validate an OpenAPI document (the codegen's input). */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { OpenApiDocument } from './openapi.js';

/** A loaded document with the provenance every generated header carries. */
export interface LoadedSpec {
  readonly doc: OpenApiDocument;
  /** sha256 (hex) of the file's bytes. */
  readonly sha256: string;
  readonly bytes: number;
  /** `OpenBao 2.7.2`, `HashiCorp Vault 2.1.0`, ... from `info`. */
  readonly product: string;
}

/**
 * Parse `file` and check it is an OpenAPI 3.x document with a `paths` object.
 * @throws Error naming the file and what is wrong (unreadable, not JSON, not OpenAPI 3).
 */
export function loadSpec(file: string): LoadedSpec {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read spec ${file}: ${(error as Error).message}`, { cause: error });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new Error(`spec ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof doc !== 'object' || doc === null) throw new Error(`spec ${file} is not a JSON object`);
  const candidate = doc as Partial<OpenApiDocument>;
  if (typeof candidate.openapi !== 'string' || !candidate.openapi.startsWith('3.')) {
    throw new Error(
      `spec ${file} is not OpenAPI 3 (openapi = ${JSON.stringify(candidate.openapi)})`,
    );
  }
  if (typeof candidate.paths !== 'object' || candidate.paths === null) {
    throw new Error(`spec ${file} has no paths object`);
  }
  const title = typeof candidate.info?.title === 'string' ? candidate.info.title : '';
  const version = typeof candidate.info?.version === 'string' ? candidate.info.version : 'unknown';
  const product = `${/openbao/i.test(title) ? 'OpenBao' : 'HashiCorp Vault'} ${version}`;
  return {
    doc: candidate as OpenApiDocument,
    sha256: createHash('sha256').update(raw).digest('hex'),
    bytes: raw.length,
    product,
  };
}
