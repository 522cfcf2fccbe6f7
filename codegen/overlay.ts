/**
 * What Vault's document leaves out but the server does (SPEC-NOTES §3.3, §3.5, §6 step 6): query
 * parameters the HTTP layer accepts, request bodies OpenBao leaves out, PATCH operations Vault 1.15's document leaves out, the raw PEM/DER answers of PKI fetch endpoints, and the
 * merge-patch content type PATCH requires. Applied after normalization, before selection.
 */
import type { OpenApiDocument, Parameter, Schema } from './openapi.js';

/** How the body of a 2xx answer is to be parsed. */
export type ResponseFormat = 'json' | 'pem' | 'der';

const KV2 = '/{kv_v2_mount_path}';
const PKI = '/{pki_mount_path}';

const queryAdditions: ReadonlyArray<{ method: 'get'; path: string; parameters: Parameter[] }> = [
  {
    method: 'get',
    path: `${KV2}/data/{path}`,
    parameters: [
      {
        name: 'version',
        in: 'query',
        description: 'Version to read; the latest version when absent.',
        schema: { type: 'integer' },
      },
    ],
  },
  {
    method: 'get',
    path: `${KV2}/subkeys/{path}`,
    parameters: [
      {
        name: 'version',
        in: 'query',
        description: 'Version to read; the latest version when absent.',
        schema: { type: 'integer' },
      },
      {
        name: 'depth',
        in: 'query',
        description: 'Deepest nesting level to return; 0 (the default) means no limit.',
        schema: { type: 'integer' },
      },
    ],
  },
];

/** Request bodies some documents omit: OpenBao declares no body for the KV v1 write, whose body is the secret. */
const bodyAdditions: ReadonlyArray<{ method: 'post'; path: string; schema: Schema }> = [
  {
    method: 'post',
    path: '/{kv_v1_mount_path}/{path}',
    schema: {
      type: 'object',
      additionalProperties: true,
      description: 'The secret: every key and value is stored.',
    },
  },
];

/**
 * PATCH operations older documents leave out although the server serves them: Vault 1.15's
 * generator emitted no PATCH at all, while KV v2 data and metadata (Vault 1.9+) and PKI issuers
 * and roles (Vault 1.12+) answer PATCH with a JSON merge patch. Each is derived from the POST on
 * the same path (same fields, same answer) under the operationId later documents give it.
 */
const patchAdditions: ReadonlyArray<{ path: string; operationId: string; summary: string }> = [
  { path: `${KV2}/data/{path}`, operationId: 'kv-v2-patch', summary: 'Patch a secret (merge).' },
  {
    path: `${KV2}/metadata/{path}`,
    operationId: 'kv-v2-patch-metadata-path',
    summary: 'Patch the metadata of a secret (merge).',
  },
  {
    path: `${PKI}/issuer/{issuer_ref}`,
    operationId: 'pki-patch-issuer',
    summary: 'Patch an issuer (merge).',
  },
  { path: `${PKI}/roles/{name}`, operationId: 'pki-patch-role', summary: 'Patch a role (merge).' },
];

/** Raw (non-JSON) 2xx bodies of PKI fetch endpoints, by normalized path. */
const rawResponses: ReadonlyArray<[RegExp, ResponseFormat]> = [
  [new RegExp(`^\\${PKI}/(ca|cert/\\{serial\\}/raw|issuer/\\{issuer_ref\\}/der)$`), 'der'],
  [
    new RegExp(
      `^\\${PKI}/(crl|crl/delta|issuer/\\{issuer_ref\\}/crl/der|issuer/\\{issuer_ref\\}/crl/delta/der)$`,
    ),
    'der',
  ],
  [
    new RegExp(
      `^\\${PKI}/(ca/pem|ca_chain|cert/\\{serial\\}/raw/pem|issuer/\\{issuer_ref\\}/pem|crl/pem|crl/delta/pem|` +
        `issuer/\\{issuer_ref\\}/crl/pem|issuer/\\{issuer_ref\\}/crl/delta/pem)$`,
    ),
    'pem',
  ],
];

/** The format a GET on `path` answers with. */
export function responseFormat(method: string, path: string): ResponseFormat {
  if (method !== 'GET') return 'json';
  for (const [pattern, format] of rawResponses) if (pattern.test(path)) return format;
  return 'json';
}

/** Content type of the request body: PATCH must be merge-patch (Vault answers 415 otherwise). */
export function requestContentType(
  method: string,
): 'application/json' | 'application/merge-patch+json' {
  return method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
}

/** Add the PATCH operations, query parameters and request bodies the document lacks; returns how many were added. */
export function applyOverlay(doc: OpenApiDocument): number {
  let added = 0;
  for (const addition of bodyAdditions) {
    const op = doc.paths[addition.path]?.[addition.method];
    if (!op || op.requestBody) continue;
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: structuredClone(addition.schema) } },
    };
    added++;
  }
  for (const addition of patchAdditions) {
    const item = doc.paths[addition.path];
    if (!item?.post || item.patch) continue;
    item.patch = {
      ...structuredClone(item.post),
      operationId: addition.operationId,
      summary: addition.summary,
      description: addition.summary,
    };
    added++;
  }
  for (const addition of queryAdditions) {
    const op = doc.paths[addition.path]?.[addition.method];
    if (!op) continue;
    op.parameters ??= [];
    for (const parameter of addition.parameters) {
      if (op.parameters.some((p) => p.in === parameter.in && p.name === parameter.name)) continue;
      op.parameters.push(structuredClone(parameter));
      added++;
    }
  }
  return added;
}
