/**
 * The person in the loop: which tool calls the user must confirm (VAULT_MCP_CONFIRM), what the
 * confirmation says will be lost, and what a reveal request (VAULT_MCP_REVEAL_SECRETS=ask) names.
 * Messages are built from names only (mounts, paths, key names, versions, roles, serials, and
 * the TTLs and options a tune sets), never from a value argument: they are shown to the person
 * and may be logged by the client.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { callContext, type ToolContext } from './context.js';
import type { Tool } from './tool.js';
import type { Extra } from './tool-calls.js';

/** How a call is gated before it runs. */
export type ConfirmMode = 'destructive' | 'all' | 'never';

/** The mode in force for a client: the operator's, else `destructive` when the client can ask. */
export function confirmMode(config: Pick<Config, 'confirm'>, canElicit: boolean): ConfirmMode {
  return config.confirm ?? (canElicit ? 'destructive' : 'never');
}

/** True when `tool` needs the user's yes under `mode`. */
export function needsConfirmation(tool: Tool, mode: ConfirmMode): boolean {
  if (mode === 'never') return false;
  if (mode === 'all') return tool.write || Boolean(tool.mintsCredentials);
  return tool.annotations.destructiveHint;
}

/** The refusal when a confirmation is required and the client has no way to ask. */
export function cannotAskMessage(tool: Tool, mode: ConfirmMode): string {
  return `${tool.name} was not run: it needs the user's confirmation (VAULT_MCP_CONFIRM=${mode}), and the user cannot be asked in this session (the client does not declare the elicitation capability, or the server runs in stateless HTTP mode). Nothing was changed. Use a client that supports elicitation, or the operator can restart vault-mcp with VAULT_MCP_CONFIRM=never to allow such calls without asking.`;
}

type Args = Readonly<Record<string, unknown>>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A name shown as it is: ASCII letters and digits and `_ . - / @ : + = ~` (`\w` without `u`). */
const PLAIN_NAME = /^[\w.\-/@:+=~]+$/;

/**
 * A character past ASCII shown as it is inside quotes: a letter or digit, but not a modifier
 * letter (`ʼ` and `ʺ` look like quotes) nor one drawn as blank (U+3164 HANGUL FILLER is a letter).
 */
const SHOWN_LETTER = /^(?![\p{Lm}\p{Default_Ignorable_Code_Point}])[\p{L}\p{N}]$/u;

/** `text` cut in the middle at `max` characters (`start…end`): both ends of a path stay visible. */
const cutMiddle = (text: string, max: number): string =>
  text.length <= max
    ? text
    : `${text.slice(0, Math.ceil((max - 1) / 2))}…${text.slice(text.length - Math.floor((max - 1) / 2))}`;

/**
 * `value` as JSON, DEL and every character past ASCII but {@link SHOWN_LETTER}s written `\uXXXX`
 * (a bidi control, a zero-width or blank character cannot hide, fake or reorder what follows),
 * cut in the middle at `max` characters.
 */
function shownJson(value: unknown, max: number): string {
  const json = (JSON.stringify(value) ?? String(value)).replace(/[\u007f-\uffff]/g, (c) =>
    SHOWN_LETTER.test(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return cutMiddle(json, max);
}

/**
 * A model-chosen name (a key, a setting, a path) as the person reads it: as it is when plain
 * ({@link PLAIN_NAME}) and at most `max` characters, else JSON-quoted (a newline shows as `\n`,
 * see {@link shownJson}) and cut in the middle at `max`, so a name cannot write sentences of its
 * own into the question.
 */
function shownName(name: string, max = 80): string {
  return PLAIN_NAME.test(name) && name.length <= max ? name : shownJson(name, max);
}

/** `'name'` when plain, else the JSON-quoted form of {@link shownName}. */
const quotedName = (name: string): string => {
  const shown = shownName(name);
  return shown === name ? `'${name}'` : shown;
};

/** How many names or settings a question lists before `and N more`. */
const LISTED = 20;

/** The first {@link LISTED} of `items` joined by `separator`, then `and N more`. */
function capped(items: readonly string[], separator = ', '): string {
  const more = items.length - LISTED;
  const shown = items.slice(0, LISTED).join(separator);
  return more > 0 ? `${shown} and ${more} more` : shown;
}

/** `a, b, c`: {@link shownName} of each name, at most {@link LISTED} of them. */
const shownNames = (names: readonly string[]): string =>
  capped(names.map((name) => shownName(name)));

const where = (args: Args): string => {
  const at = [text(args['mount']).replace(/\/+$/, ''), text(args['path'])].filter(Boolean);
  // The target of a destructive call: up to 240 characters, both ends kept beyond that.
  return at.length ? shownName(at.join('/'), 240) : '';
};
/** `version 3` or `versions 1, 2`. */
const versions = (args: Args): string => {
  const list = Array.isArray(args['versions']) ? args['versions'].map(String) : ['?'];
  return `${list.length === 1 ? 'version' : 'versions'} ${list.join(', ')}`;
};
/** The entries of the `data` argument, or none when it is not an object. */
const dataEntries = (args: Args): Array<[string, unknown]> => {
  const data = args['data'];
  return data && typeof data === 'object' && !Array.isArray(data) ? Object.entries(data) : [];
};
const keysOf = (args: Args): string[] => {
  const keys = dataEntries(args)
    .map(([k]) => k)
    .sort();
  const key = text(args['key']);
  return key && !keys.includes(key) ? [key, ...keys] : keys;
};

/** What a KV v2 write keeps: the previous version, unless max_versions prunes it on the spot. */
const PRUNED = 'the previous one stays readable unless max_versions prunes it';
const NEW_VERSION = `On KV v2 this is a new version and ${PRUNED};`;

/** `Set the keys a, b and remove the key c`: a JSON merge patch's null removes its key. */
function patchChanges(args: Args): string {
  const entries = dataEntries(args);
  const named = (verb: string, keys: string[]): string =>
    keys.length ? `${verb} the key${keys.length === 1 ? '' : 's'} ${shownNames(keys.sort())}` : '';
  const set = named(
    'set',
    entries.filter(([, v]) => v !== null).map(([k]) => k),
  );
  const removed = named(
    'remove',
    entries.filter(([, v]) => v === null).map(([k]) => k),
  );
  const both = [set, removed].filter(Boolean).join(' and ') || 'change no key';
  return both.charAt(0).toUpperCase() + both.slice(1);
}

/** ` (values not shown)` when the patch sets a key; nothing when it only removes keys. */
function patchValues(args: Args): string {
  const set = dataEntries(args).filter(([, v]) => v !== null).length;
  return set === 0 ? '' : ` (${set === 1 ? 'value' : 'values'} not shown)`;
}

/** `Replace M/P with the keys a, b (values not shown): keys not given are removed.` and `then`. */
function replaceChange(a: Args, then: string): string {
  const keys = keysOf(a);
  return `Replace ${where(a)} with the key${keys.length === 1 ? '' : 's'} ${shownNames(keys) || '(none)'} (values not shown): keys not given are removed. ${then}`;
}

/** write_secret: one key merges into the secret; `data` replaces it. */
function writeChange(a: Args): string {
  return text(a['key'])
    ? `Set the key ${shownName(text(a['key']))} of ${where(a)} (value not shown); its other keys are kept. ${NEW_VERSION} on KV v1 the key's previous value is gone for good.`
    : replaceChange(a, `${NEW_VERSION} on KV v1 the current data is gone for good.`);
}

/** patch_secret: a JSON merge patch sets the keys it names and removes those set to null. */
function patchChange(a: Args): string {
  return `${patchChanges(a)} of ${where(a)}${patchValues(a)}; other keys are kept. This is a new version and ${PRUNED}.`;
}

/** A duration that means "off": 0, '0', '0s', '0m', '0h'. */
const isZero = (value: unknown): boolean => /^0+[smhd]?$/.test(String(value));

/** `; <setting> …`: nothing when not given, `zero` when 0 (off), else `given` of its quoted value. */
function settingClause(value: unknown, zero: string, given: (shown: string) => string): string {
  if (value === undefined) return '';
  return `; ${isZero(value) ? zero : given(shownJson(value, 40))}`;
}

/** write_secret_metadata: what max_versions and delete_version_after will delete. */
function metadataChange(a: Args): string {
  const pruned = settingClause(
    a['max_versions'],
    "max_versions 0 keeps as many versions as the mount's setting allows",
    (n) => `max_versions ${n} deletes older versions beyond that`,
  );
  const expiring = settingClause(
    a['delete_version_after'],
    'delete_version_after 0 turns automatic deletion off',
    (d) => `delete_version_after ${d} soft-deletes each new version that long after it is written`,
  );
  return `Change the metadata settings of ${where(a)}${pruned}${expiring}.`;
}

/** `k=v` of a setting, the value quoted and cut at 40 characters (a description is named only). */
const setting = (key: string, value: unknown): string =>
  key === 'description' ? key : `${shownName(key)}=${shownJson(value, 40)}`;

/** tune_mount: the settings with their values (no setting is secret); a KV upgrade is one-way. */
function tuneChange(a: Args): string {
  const settings = Object.entries(a)
    .filter(([k, v]) => k !== 'path' && v !== undefined)
    .map(([k, v]) =>
      typeof v === 'object' && v !== null
        ? capped(Object.entries(v).map(([ik, iv]) => setting(`${k}.${ik}`, iv)))
        : setting(k, v),
    );
  const options = a['options'];
  const version = options && typeof options === 'object' ? (options as Args)['version'] : undefined;
  const upgrade =
    version !== undefined
      ? ` A KV mount given version ${shownJson(version, 40)} is upgraded in place, which cannot be undone.`
      : '';
  return `Change the settings of the mount ${quotedName(text(a['path']))} (${capped(settings, '; ')}).${upgrade}`;
}

/** What each destructive (and, for `all`, additive) hand-written tool changes, in the person's terms. */
const CHANGES: Readonly<Record<string, (args: Args) => string>> = {
  delete_mount: (a) =>
    `Disable the mount ${quotedName(text(a['path']))}: every secret, key, certificate and setting stored in it is deleted, with all versions. This cannot be undone.`,
  delete_secret: (a) =>
    text(a['key'])
      ? `Remove the key ${quotedName(text(a['key']))} from ${where(a)} (a new version without it is written; on KV v1 the key is gone for good).`
      : `Delete the secret ${where(a)}: on KV v2 its latest version is soft-deleted (undelete_secret_versions restores it); on KV v1 it is gone for good.`,
  delete_secret_versions: (a) =>
    `Soft-delete ${versions(a)} of ${where(a)} (undelete_secret_versions restores ${versions(a).startsWith('version ') ? 'it' : 'them'}).`,
  destroy_secret_versions: (a) =>
    `Permanently destroy the data of ${versions(a)} of ${where(a)}. This cannot be undone.`,
  delete_secret_metadata: (a) =>
    `Delete ${where(a)} entirely: every version, its data and its metadata. This cannot be undone.`,
  write_secret: writeChange,
  patch_secret: patchChange,
  write_secret_metadata: metadataChange,
  tune_mount: tuneChange,
  revoke_pki_certificate: (a) =>
    `Revoke the certificate with serial ${shownName(text(a['serial_number']))} on the PKI mount ${quotedName(text(a['mount']))}: everything relying on it stops trusting it. This cannot be undone.`,
  delete_pki_role: (a) =>
    `Delete the role ${quotedName(text(a['role_name']))} on the PKI mount ${quotedName(text(a['mount']))}: certificates can no longer be issued or signed with it.`,
  set_pki_default_issuer: (a) =>
    `Make ${quotedName(text(a['issuer_ref'] ?? a['issuer'] ?? a['issuer_name']))} the default issuer of the PKI mount ${quotedName(text(a['mount']))}, replacing the current default.`,
  configure_pki_urls: (a) =>
    `Replace the issuing-certificate, CRL and OCSP URLs of the PKI mount ${quotedName(text(a['mount']))}.`,
  create_pki_role: (a) =>
    `Create or replace the role ${quotedName(text(a['role_name']))} on the PKI mount ${quotedName(text(a['mount']))}: a role of that name is overwritten.`,
};

/** The raw operations that make the same change as a hand-written tool, named the same way. */
const SAME_CHANGE: Readonly<Record<string, (args: Args) => string>> = {
  kv_v2_patch: patchChange,
  kv_v2_write_metadata: metadataChange,
  kv_v2_patch_metadata: metadataChange,
  mounts_tune: tuneChange,
  kv_v2_write: (a) => replaceChange(a, `This is a new version and ${PRUNED}.`),
  kv_v1_write: (a) =>
    replaceChange(a, 'KV v1 keeps no versions: the current data is gone for good.'),
};

/** Argument names whose values are names, safe to show (everything else is named, not shown). */
const NAME_ARGS =
  /^(mount|path|type|role_name|role|issuer_name|issuer_ref|serial_number|common_name|versions|key|.*_mount_path|name)$/;

/** The generic description: the tool and its name-like arguments; other argument values are not shown. */
function generic(tool: Tool, args: Args): string {
  // Arguments left at an empty default say nothing.
  const given = Object.entries(args).filter(([, v]) => v !== undefined && v !== '');
  const shown = given
    .filter(([k, v]) => NAME_ARGS.test(k) && (typeof v === 'string' || Array.isArray(v)))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? shownNames(v.map(String)) : shownName(String(v))}`);
  const hidden = given.filter(([k]) => !NAME_ARGS.test(k)).map(([k]) => shownName(k));
  return `${tool.title} (${tool.name})${shown.length ? ` with ${shown.join(' ')}` : ''}${hidden.length ? `; also ${hidden.join(', ')} (not shown)` : ''}.`;
}

/** The confirmation message for one call: what will change and what will be lost. */
export function confirmationMessage(tool: Tool, args: Args): string {
  const change = (CHANGES[tool.name] ?? SAME_CHANGE[tool.name])?.(args) ?? generic(tool, args);
  return `The assistant wants to run ${tool.name}. ${change} Allow this once?`;
}

/** The result text when the user said no. */
export function declinedMessage(tool: Tool, action: 'decline' | 'cancel'): string {
  return `The user ${action === 'decline' ? 'declined' : 'cancelled'} ${tool.name}: nothing was changed. Do not retry it unless the user asks for it.`;
}

/** Key names a read result withheld (read_secret: `keys`; raw operations: `withheld`). */
export function withheldNames(structured: Readonly<Record<string, unknown>>): string[] {
  if (structured['values_withheld'] === true && Array.isArray(structured['keys']))
    return structured['keys'].map(String);
  if (Array.isArray(structured['withheld'])) return structured['withheld'].map(String);
  return [];
}

/** The question before values are revealed to the model (VAULT_MCP_REVEAL_SECRETS=ask). */
export function revealMessage(tool: Tool, args: Args, names: readonly string[]): string {
  const target = where(args) || generic(tool, args);
  const version =
    typeof args['version'] === 'number' ? ` (version ${String(args['version'])})` : '';
  return names.length
    ? `The assistant asks to see the values of ${shownNames(names)} of ${target}${version} (${tool.name}). They will be sent to the AI model. Allow for this call only?`
    : `The assistant runs ${tool.name} on ${target}, which returns secret material (e.g. a private key). Send it to the AI model for this call only?`;
}

/** The form of every question: no fields, only accept, decline or cancel. */
const NO_FIELDS = { type: 'object', properties: {} } as const;

/** How long the person has to answer (milliseconds). */
const ELICITATION_TIMEOUT_MS = 10 * 60_000;

/** The person's answer to one question. */
export type Ask = (message: string) => Promise<'accept' | 'decline' | 'cancel'>;

/**
 * Ask the person through the client (`elicitation/create`, a form with no fields: accept, decline
 * or cancel), on the stream of the call `extra` belongs to and cancelled with it. A failed or
 * timed-out question counts as cancel.
 */
export function askPerson(server: Server, extra: Extra, log: Logger): Ask {
  return async (message) => {
    try {
      const answer = await server.elicitInput(
        { mode: 'form', message, requestedSchema: NO_FIELDS },
        {
          relatedRequestId: extra.requestId,
          signal: extra.signal,
          timeout: ELICITATION_TIMEOUT_MS,
        },
      );
      return answer.action;
    } catch (error) {
      log.warn({ error: (error as Error).message }, 'elicitation failed; treated as cancel');
      return 'cancel';
    }
  };
}

/**
 * The KV version a read returned: `version` (read_secret), `metadata.version`, or
 * `data.metadata.version` (the raw kv_v2_read, which returns Vault's `data` as it is).
 */
function versionRead(structured: Record<string, unknown> | undefined): number | undefined {
  const at = (value: unknown, key: string): unknown =>
    value !== null && typeof value === 'object'
      ? (value as Record<string, unknown>)[key]
      : undefined;
  const found = [
    at(structured, 'version'),
    at(at(structured, 'metadata'), 'version'),
    at(at(at(structured, 'data'), 'metadata'), 'version'),
  ].find((v) => typeof v === 'number');
  return found as number | undefined;
}

/**
 * VAULT_MCP_REVEAL_SECRETS=ask: values only when the person accepts, for this call only. A read
 * runs with reveal off first; when it withheld values, the person is asked naming them, and on
 * accept it runs again, pinned to the version they were asked about, with reveal on. A write that
 * mints a key is asked about before it runs (running it twice would mint twice).
 */
export async function runWithRevealAsk(
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
  ask: Ask,
  run: (args: Record<string, unknown>, context: ToolContext) => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const revealing = callContext(context, { config: { ...context.config, revealSecrets: true } });
  if (!tool.annotations.readOnlyHint) {
    const mintsKey =
      'private_key' in tool.output || (tool.toolset === 'api' && tool.mintsCredentials);
    if (!mintsKey) return run(args, context);
    const action = await ask(revealMessage(tool, args, []));
    return run(args, action === 'accept' ? revealing : context);
  }
  const first = await run(args, context);
  const structured = first.structuredContent;
  const names = first.isError || !structured ? [] : withheldNames(structured);
  if (names.length === 0) return first;
  const version = 'version' in tool.input ? versionRead(structured) : undefined;
  const pinned = version !== undefined ? { ...args, version } : args;
  const action = await ask(revealMessage(tool, pinned, names));
  if (action !== 'accept') {
    const note = `The user did not allow the values to be shown (${action}); they stay withheld.`;
    return { ...first, content: [...first.content, { type: 'text', text: note }] };
  }
  return run(pinned, revealing);
}
