/**
 * Toolset `api`: one raw tool per allowlisted Vault operation, straight from the generated
 * operation table and zod schemas. Input is the operation's parameters and body flattened;
 * output is Vault's `data` with secret fields withheld unless reveal is on.
 */
import { z } from 'zod';
import { operations, type GeneratedOperation } from '../../generated/operations.js';
import { mountTableChanged, resolveMount, type MountEngine } from '../tools/common.js';
import { normalizePath } from '../client/paths.js';
import { refuseProtectedMount } from '../tools/mounts/shared.js';
import { ToolInputError, type ToolContext } from './context.js';
import { isKeyMaterial, redactValue, WITHHELD } from './redact.js';
import type { Tool, ToolResult } from './tool.js';

/** The engine each generated mount parameter belongs to. */
const ENGINES: Readonly<Record<string, MountEngine>> = {
  kv_v1_mount_path: 'kv1',
  kv_v2_mount_path: 'kv2',
  pki_mount_path: 'pki',
};

const output = {
  status: z.number().int().describe('HTTP status Vault answered with.'),
  data: z.unknown().optional().describe("Vault's response data (PEM text for PEM endpoints)."),
  data_base64: z.string().optional().describe('DER bodies, base64-encoded.'),
  warnings: z.array(z.string()),
  withheld: z
    .array(z.string())
    .optional()
    .describe('Fields whose values were withheld (reveal is off).'),
};

/**
 * Replace secret values named by `fields` (`*`: every value; `data.*`: every value of `data`;
 * a name: that field) with {@link WITHHELD}, then key material anywhere (see redactValue).
 * Returns the withheld field paths, sorted.
 */
export function withhold(
  data: unknown,
  fields: readonly string[],
  token: (text: string) => string,
): { data: unknown; withheld: string[] } {
  const withheld: string[] = [];
  let copy = data;
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    const record: Record<string, unknown> = { ...(data as Record<string, unknown>) };
    for (const field of fields) withholdField(record, field, withheld);
    copy = record;
  }
  const scrubbed = redactValue(copy, { keys: true, token }, withheld);
  return { data: scrubbed, withheld: withheld.sort() };
}

/** One entry of an operation's `secretFields` applied to `record` in place. */
function withholdField(record: Record<string, unknown>, field: string, withheld: string[]): void {
  if (field === '*') {
    for (const key of Object.keys(record)) {
      record[key] = WITHHELD;
      withheld.push(key);
    }
  } else if (field.endsWith('.*')) {
    const parent = field.slice(0, -2);
    const inner = record[parent];
    if (inner && typeof inner === 'object') {
      record[parent] = Object.fromEntries(Object.keys(inner).map((k) => [k, WITHHELD]));
      withheld.push(...Object.keys(inner).map((k) => `${parent}.${k}`));
    }
  } else if (field in record && record[field] !== undefined && record[field] !== '') {
    record[field] = WITHHELD;
    withheld.push(field);
  }
}

/** A write to the mount table (`sys/mounts/<path>`, its tune, `sys/remount`). */
function changesMountTable(op: GeneratedOperation): boolean {
  return op.write && /^sys\/(mounts\/|remount)/.test(op.acl.path);
}

/**
 * The raw mount-table writes (`mounts_enable`, `mounts_disable`, `mounts_tune`) refuse what the
 * hand-written mount tools refuse: `auth/...` (`sys/mounts/auth/token/tune` tunes an auth
 * method) and Vault's own mounts.
 * @throws ToolInputError from {@link refuseProtectedMount}.
 */
function refuseRawProtectedMount(
  op: GeneratedOperation,
  path: Readonly<Record<string, string | number | undefined>>,
): void {
  if (!op.write || !op.pathTemplate.startsWith('/sys/mounts/{path}')) return;
  const action =
    op.httpMethod === 'delete'
      ? 'disables'
      : op.pathTemplate.endsWith('/tune')
        ? 'tunes'
        : 'enables';
  refuseProtectedMount(normalizePath('path', String(path['path'] ?? '')), action);
}

/** A raw call's Vault request parts: path parameters, query and JSON body, from its arguments. */
interface RawCallParts {
  path: Record<string, string | number | undefined>;
  query: Record<string, string | number | boolean | undefined>;
  body: Record<string, unknown> | undefined;
}

/**
 * Sort the arguments of `op` into path, query and body (a `*` field is the whole body).
 * @throws ToolInputError for a path parameter other than the mount that is empty (slashes
 *   alone count as empty): it would aim the call at the mount itself.
 */
function partsOf(op: GeneratedOperation, args: Record<string, unknown>): RawCallParts {
  const parts: RawCallParts = { path: {}, query: {}, body: undefined };
  for (const field of op.fields) {
    const value = args[field.input];
    if (value === undefined) continue;
    if (field.in === 'path') parts.path[field.name] = value as string;
    else if (field.in === 'query') parts.query[field.name] = value as string | number | boolean;
    else if (field.name === '*') parts.body = { ...(value as Record<string, unknown>) };
    else (parts.body ??= {})[field.name] = value;
  }
  for (const field of op.fields) {
    // An empty name (`/` cleans to '') would aim a non-LIST call at the mount itself.
    if (field.in !== 'path' || field.name === op.mountParam || op.method === 'LIST') continue;
    if (normalizePath(field.input, String(parts.path[field.name] ?? '')) === '')
      throw new ToolInputError(
        `${field.input} is empty (slashes alone count as empty): give the ${field.input} this call acts on`,
      );
  }
  if (op.requestContentType && parts.body === undefined) parts.body = {};
  return parts;
}

/**
 * The result of a DER answer (`bytes`) as base64, or withheld when it is a private key and
 * reveal is off.
 */
function derResult(
  op: GeneratedOperation,
  status: number,
  warnings: readonly string[],
  bytes: Uint8Array,
  context: ToolContext,
): ToolResult<Record<string, unknown>> {
  const base64 = Buffer.from(bytes).toString('base64');
  if (!context.config.revealSecrets && isKeyMaterial(base64))
    return {
      structured: { status, warnings: [...warnings], withheld: ['(body)'] },
      text: `${op.method} /v1/${op.acl.path}: ${status}, a DER private key (withheld; VAULT_MCP_REVEAL_SECRETS=true returns it)`,
    };
  return {
    structured: { status, data_base64: base64, warnings: [...warnings] },
    text: `${op.method} /v1/${op.acl.path}: ${status}, ${bytes.length} bytes of DER (base64 in data_base64)`,
  };
}

/**
 * One raw call: `op`'s Vault request built from `args` (the mount resolved and checked against
 * its engine), sent, and its answer returned with tokens removed and, unless reveal is on,
 * secret fields and key material withheld.
 * @throws ToolInputError, VaultError.
 */
async function call(
  op: GeneratedOperation,
  args: Record<string, unknown>,
  context: ToolContext,
): Promise<ToolResult<Record<string, unknown>>> {
  const { path, query, body } = partsOf(op, args);
  refuseRawProtectedMount(op, path);
  if (op.mountParam) {
    // The mount must be a mount root of the operation's engine: `kv_v1_write` with mount 'sys'
    // and path 'policies/acl/x' would otherwise write a policy.
    const engine = ENGINES[op.mountParam];
    if (!engine) throw new Error(`no engine known for mount parameter ${op.mountParam}`);
    const given = path[op.mountParam];
    // PKI reads withhold nothing, and a KV read withholds by its engine's answer shape: a mount
    // re-created as another engine since it was cached would hand out secret values. So PKI
    // operations and every operation that returns secret fields look their mount up anew.
    const fresh = engine === 'pki' || op.secretFields.length > 0;
    path[op.mountParam] = (
      await resolveMount(context, String(given ?? ''), { engine, fresh })
    ).mount;
  }
  const parseAs =
    op.responseFormat === 'pem' ? 'text' : op.responseFormat === 'der' ? 'arrayBuffer' : 'json';
  const result = await context.vault.request(op.httpMethod, op.pathTemplate, {
    path,
    query,
    ...(body !== undefined ? { body } : {}),
    parseAs,
    list: op.method === 'LIST',
  });
  if (result.data instanceof Uint8Array)
    return derResult(op, result.status, result.warnings, result.data, context);
  if (changesMountTable(op)) mountTableChanged(context);
  const token = (text: string): string => context.vault.redact(text);
  // Tokens go in every mode; secret values and key material only with reveal on.
  const { data, withheld } = context.config.revealSecrets
    ? { data: redactValue(result.data, { keys: false, token }), withheld: [] }
    : withhold(result.data, op.secretFields, token);
  const structured = {
    status: result.status,
    ...(data !== undefined ? { data } : {}),
    warnings: [...result.warnings],
    ...(withheld.length ? { withheld } : {}),
  };
  const rendered =
    data === undefined
      ? '(no content)'
      : typeof data === 'string'
        ? data
        : JSON.stringify(data, null, 2);
  return {
    structured,
    text: `${result.status}${withheld.length ? ` (withheld: ${withheld.join(', ')}; VAULT_MCP_REVEAL_SECRETS=true returns them)` : ''}\n${rendered.length > 20_000 ? `${rendered.slice(0, 20_000)}\n... (truncated; see structuredContent)` : rendered}`,
  };
}

/** Names of every raw tool, without loading any schema. */
export function apiToolNames(): string[] {
  return operations.map((op) => op.toolName);
}

/** The raw tools; loads every generated input schema (only when toolset `api` is on). */
export async function loadApiTools(): Promise<Tool[]> {
  return Promise.all(
    operations.map(async (op): Promise<Tool> => {
      const schema = await op.loadInputSchema();
      return {
        name: op.toolName,
        title: op.title,
        description: op.description,
        toolset: 'api',
        write: op.write,
        mintsCredentials: op.mintsCredentials,
        annotations: op.annotations,
        operations: [op.toolName],
        input: schema.shape,
        output,
        handler: (args, context) => call(op, args, context),
      };
    }),
  );
}
