/**
 * Turning failures into MCP `isError` results that tell the model (and the user reading along)
 * what happened and what to change. Vault's own messages are kept; a 403 also names the path and
 * the capability the call needs, looked up in the generated operation table. Tokens and secret
 * values never appear: client errors carry neither.
 */
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { operations, type GeneratedOperation } from '../../generated/operations.js';
import {
  VaultConfigError,
  VaultConnectionError,
  VaultInputError,
  VaultResponseError,
  VaultTimeoutError,
  VaultProtocolError,
} from '../client/errors.js';
import { ToolInputError } from './context.js';

interface Matcher {
  readonly op: GeneratedOperation;
  readonly pattern: RegExp;
  readonly literal: number;
}

let matchers: Matcher[] | undefined;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function buildMatchers(): Matcher[] {
  return operations
    .map((op) => {
      const template = op.pathTemplate.replace(/^\//, '');
      let literal = 0;
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
          if (!part.startsWith('{')) {
            literal += part.length;
            return escape(part);
          }
          const name = part.slice(1, -1);
          if (name === op.mountParam) return '(.+?)';
          return name === 'path' ? '(.*)' : '([^/]+)';
        })
        .join('');
      return { op, pattern: new RegExp(`^${source}$`), literal };
    })
    .sort((a, b) => b.literal - a.literal);
}

/**
 * The operation of the generated table a concrete request was (`GET`, `secret/data/app/db`), the
 * most specific match first; undefined when none matches.
 */
export function operationFor(method: string, path: string): GeneratedOperation | undefined {
  matchers ??= buildMatchers();
  const listPath = method === 'LIST' && !path.endsWith('/') ? `${path}/` : path;
  return matchers.find(
    (m) => m.op.method === method && m.pattern.test(method === 'LIST' ? listPath : path),
  )?.op;
}

/**
 * True when `capabilities` (without sudo) are exactly create + update: Vault checks one of them,
 * `create` for a new path and `update` for an existing one, so having either is enough.
 */
export function createOrUpdate(capabilities: readonly string[]): boolean {
  const base = capabilities.filter((c) => c !== 'sudo');
  return base.length === 2 && base[0] === 'create' && base[1] === 'update';
}

/** "`create` (new) or `update` (existing)", "`read`", "`delete` and `sudo`". */
export function describeCapabilities(capabilities: readonly string[]): string {
  const base = capabilities.filter((c) => c !== 'sudo');
  let text = createOrUpdate(capabilities)
    ? '`create` (new path) or `update` (existing path)'
    : base.map((c) => `\`${c}\``).join(' and ');
  if (capabilities.includes('sudo')) text += ' and `sudo`';
  return text;
}

/** Message for a Vault failure, with the remedy. `address` is the Vault address (never a token). */
export function describeVaultError(error: VaultResponseError, address: string): string {
  const vaultSays = error.errors.length ? error.errors.join('; ') : 'no message';
  const request = `${error.method} /v1/${error.path}`;
  if (error.sealed)
    return `Vault at ${address} is sealed (503): ${request} cannot be served until it is unsealed.`;
  if (error.status === 403) {
    const op = operationFor(error.method, error.path);
    // Policies match the decoded path (`my app/x`), not the URL's `my%20app/x`.
    const decoded = error.path
      .split('/')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          return segment;
        }
      })
      .join('/');
    const aclPath = error.method === 'LIST' && !decoded.endsWith('/') ? `${decoded}/` : decoded;
    const need = op
      ? ` This call needs ${describeCapabilities(op.acl.capabilities)} on \`${aclPath}\`; ask the Vault operator to add it to the token's policy, or use a token that has it.`
      : ' The token may be expired or revoked, or its policy does not cover this path.';
    return `Vault denied ${request} (403: ${vaultSays}).${need}`;
  }
  if (error.errors.some((e) => /no handler for route/i.test(e))) {
    const mount = error.path.split('/')[0] ?? '';
    return `Vault has no secrets engine for ${request} (${error.status}: ${vaultSays}): check the mount ('${mount}' is probably not mounted; list_mounts shows what is).`;
  }
  if (error.status === 405)
    return `Vault does not support ${request} (405: ${vaultSays}): the mount is probably not the engine type this tool expects.`;
  if (error.status === 404)
    return `Vault answered 404 to ${request}: nothing exists at that path (${vaultSays}).`;
  if (error.status === 429)
    return `Vault rate-limited ${request} (429: ${vaultSays}); retry later.`;
  if (error.status >= 500) return `Vault failed on ${request} (${error.status}: ${vaultSays}).`;
  return `Vault rejected ${request} (${error.status}: ${vaultSays}).`;
}

/**
 * An `isError` result for anything a handler threw. Unknown errors are reported without their
 * stack; `onUnexpected` lets the caller log them.
 */
export function errorResult(
  error: unknown,
  vault: { readonly address: string; readonly hasToken: boolean },
  onUnexpected?: (error: unknown) => void,
): CallToolResult {
  const { address } = vault;
  let text: string;
  if (
    error instanceof ToolInputError ||
    error instanceof VaultInputError ||
    error instanceof VaultConfigError
  ) {
    text = error.message;
  } else if (error instanceof VaultResponseError) {
    text = describeVaultError(error, address);
    // Without a token every call is denied: say that, not "ask for a policy".
    if (!vault.hasToken && (error.status === 403 || error.status === 400))
      text = `No Vault token is set (VAULT_TOKEN, ~/.vault-token, or an AppRole/JWT login): Vault refuses the call. ${text}`;
  } else if (error instanceof VaultConnectionError) {
    text = `${error.message}. Check VAULT_ADDR and that Vault is running and reachable; nothing was changed.`;
  } else if (error instanceof VaultProtocolError) {
    text = `${error.message}: is VAULT_ADDR really Vault, not a proxy or web page? A write may have been applied; check before retrying it.`;
  } else if (error instanceof VaultTimeoutError) {
    text = `${error.message} (VAULT_MCP_TIMEOUT_S). The request may or may not have been applied; check before retrying a write.`;
  } else {
    onUnexpected?.(error);
    text = `internal error: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { content: [{ type: 'text', text }], isError: true };
}

/** The SDK's `MCP error <code>: ` before an McpError's message. */
const MCP_ERROR_PREFIX = /^MCP error -?\d+: /;

/**
 * `error` as a prompt or resource handler should throw it for the SDK to answer with: an
 * McpError as its code and its message without the `MCP error <code>: ` that the SDK's client
 * puts in front again (`MCP error -32602: MCP error -32602: …`); bad arguments (ToolInputError,
 * VaultInputError) as -32602 Invalid params, not -32603 Internal error; anything else as it is.
 */
export function wireError(error: unknown): unknown {
  const code =
    error instanceof McpError
      ? error.code
      : error instanceof ToolInputError || error instanceof VaultInputError
        ? ErrorCode.InvalidParams
        : undefined;
  if (code === undefined || !(error instanceof Error)) return error;
  return Object.assign(new Error(error.message.replace(MCP_ERROR_PREFIX, '')), { code });
}
