/**
 * Who is calling: the caller's Vault token (X-Vault-Token or Authorization: Bearer), namespace and
 * Vault address become a Vault client and an identity (a sha256, never the token), and the token
 * is checked with Vault once before any body is read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { TokenManager } from '../../auth/token-manager.js';
import { createVaultClient, type VaultClient } from '../../client/client.js';
import { safeErrorText, VaultResponseError } from '../../client/errors.js';
import { MIN_REDACTABLE_TOKEN, tokenScrubber } from '../../client/token-text.js';
import { lookupSelf } from '../../client/token.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { TokenState } from '../../server/server.js';
import { clientAddressKey, clientAddressOf } from './client-address.js';
import { header, HttpRefusal, refuse } from './refusal.js';
import type { SharedState } from './state.js';

/** Who is calling: the Vault client to use and the identity a session is bound to. */
export interface Caller {
  /** A function for the server's own token, which renewal or re-login can replace. */
  readonly vault: VaultClient | (() => VaultClient);
  /** The token's lifecycle: the server token's (renewal, re-login), or a caller token's (see #callerToken). */
  readonly tokens: TokenState | undefined;
  /** sha256 of address, namespace and token: compared, never the token itself. */
  readonly identity: Buffer;
  /**
   * sha256 (hex) of the token alone (the server's own: one value): whose per-caller session cap
   * and rate buckets a request counts toward, whatever namespace or Vault address it names.
   */
  readonly holder: string;
  readonly usesServerToken: boolean;
  /** `text` with the caller's token (when this server knows it) replaced by `[token]`. */
  readonly scrub: (text: string) => string;
}

/** The caller's current Vault client. */
export function clientOf(caller: Caller): VaultClient {
  return typeof caller.vault === 'function' ? caller.vault() : caller.vault;
}

/**
 * Who is calling, as a sha256 (compared, never the token itself): whether the server's own token
 * serves the call, the Vault address, the canonical namespace and the caller's token. JSON keeps
 * the parts apart: no token can pose as the server's.
 */
function identityOf(
  kind: 'server' | 'caller',
  address: string,
  namespace: string | undefined,
  token: string,
): Buffer {
  return createHash('sha256')
    .update(JSON.stringify([kind, address, namespace ?? '', token]))
    .digest();
}

/** The holder of every request served with the server's own token. */
const SERVER_HOLDER = identityOf('server', '', undefined, '').toString('hex');

/** Constant-time comparison of two identities. */
export function sameIdentity(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Printable ASCII without spaces: every token Vault issues (`hvs.…`, `s.…`, batch tokens) is. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

/** Every header that carries a token, by name, with its value as sent (unchecked). */
function sentTokens(req: IncomingMessage): Array<[string, string]> {
  const sent: Array<[string, string | undefined]> = [
    ['X-Vault-Token', header(req, 'x-vault-token')],
    ['VAULT_TOKEN', header(req, 'vault_token')],
    [
      'Authorization: Bearer',
      /^Bearer[ \t]+(.+)$/i.exec(header(req, 'authorization') ?? '')?.[1]?.trim(),
    ],
  ];
  return sent.filter((s): s is [string, string] => Boolean(s[1]));
}

/**
 * A scrubber of every token the request sent (in any token header, checked or not) and of
 * `others` (the server's own token), for texts that quote a header before a caller is settled.
 * A header sent twice arrives joined (`T, T`), so each comma- or space-separated part of
 * {@link MIN_REDACTABLE_TOKEN} characters or more is scrubbed too, longest first.
 */
export function requestScrubber(
  req: IncomingMessage,
  ...others: Array<string | undefined>
): (text: string) => string {
  const values = sentTokens(req).map(([, value]) => value);
  // Shorter parts are no token (and would scrub every `a` of a refusal).
  const parts = values
    .flatMap((value) => value.split(/[\s,]+/))
    .filter((p) => p.length >= MIN_REDACTABLE_TOKEN);
  const secrets = [...new Set([...values, ...parts])].sort((a, b) => b.length - a.length);
  return scrubberOf(...secrets, ...others);
}

/**
 * The caller's Vault token: X-Vault-Token, `Authorization: Bearer <token>` as Vault's own API
 * accepts it, or VAULT_TOKEN (the header HashiCorp's Go server reads). Undefined when none is sent.
 * @throws HttpRefusal 400 when two of them carry different tokens (which one would serve is
 *   nobody's guess), or the token holds characters no Vault token has (control characters,
 *   spaces, non-ASCII); the message never quotes the token.
 */
function callerToken(req: IncomingMessage): string | undefined {
  const given = sentTokens(req);
  const token = given[0]?.[1];
  if (given.some(([, value]) => value !== token)) {
    throw new HttpRefusal(
      400,
      `${given.map(([name]) => name).join(' and ')} carry different tokens: send the Vault token in one of them`,
    );
  }
  if (token !== undefined && !TOKEN_TEXT.test(token)) {
    throw new HttpRefusal(
      400,
      'the Vault token (X-Vault-Token or Authorization: Bearer) holds characters no Vault token has (control characters, spaces or non-ASCII): send it exactly as Vault issued it',
    );
  }
  return token;
}

/**
 * The namespace in one spelling, so that it keys sessions and rate buckets once: slashes
 * normalised (`/a//b/` → `a/b`), `root` and empty → undefined (the root namespace).
 * @throws HttpRefusal 400 for `.` or `..` segments and characters a header cannot carry to Vault.
 */
export function canonicalNamespace(namespace: string | undefined): string | undefined {
  const segments = (namespace ?? '').split('/').filter(Boolean);
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new HttpRefusal(
      400,
      `namespace ${JSON.stringify(namespace)} has a '.' or '..' segment: name the namespace path plainly (e.g. team-a/app), or send no X-Vault-Namespace for the root namespace`,
    );
  }
  if (segments.some((s) => !TOKEN_TEXT.test(s))) {
    throw new HttpRefusal(
      400,
      `namespace ${JSON.stringify(namespace)} holds spaces, control characters or non-ASCII: Vault namespace names have none`,
    );
  }
  const path = segments.join('/');
  return path === '' || path === 'root' ? undefined : path;
}

/**
 * A scrubber replacing each of `secrets` (the empty string excepted) by `[token]`: as it is
 * wherever it appears, and base64-encoded as {@link tokenScrubber} finds it.
 */
export function scrubberOf(...secrets: Array<string | undefined>): (text: string) => string {
  const known = secrets.filter((s): s is string => Boolean(s));
  // Built on first use: most requests never scrub anything.
  let scrubbers: Array<{ secret: string; echoes: ReturnType<typeof tokenScrubber> }> | undefined;
  return (text) => {
    scrubbers ??= known.map((secret) => ({ secret, echoes: tokenScrubber(secret) }));
    return scrubbers.reduce(
      (out, { secret, echoes }) => echoes(out.split(secret).join('[token]'), '[token]'),
      text,
    );
  };
}

/** What resolving and checking callers needs. */
export interface CallerDeps {
  readonly config: Config;
  /** The connection pool without a token; callers' clients derive from it. */
  readonly base: VaultClient;
  readonly ownTokens: TokenManager;
  readonly hasServerToken: boolean;
  readonly loopback: boolean;
  readonly state: SharedState;
  readonly log: Logger;
}

/** What a token check found: usable, a root token (refused unless allowed), or refused by Vault. */
type Verdict = 'ok' | 'root' | 'invalid';

/** Caller resolution and token checks, with their caches; see {@link CallerDeps}. */
export class Callers {
  readonly #deps: CallerDeps;
  // Verdicts on callers' tokens (root refused, invalid refused), by identity.
  readonly #vetted = new LRUCache<string, Verdict>({
    max: 10_000,
    ttl: 10 * 60_000,
  });
  // Identities once accepted: their periodic re-check never waits behind checks of new tokens.
  readonly #accepted = new LRUCache<string, true>({ max: 10_000, ttl: 24 * 3_600_000 });
  // Checks under way, by identity: a client opening sessions in parallel pays one check, not many.
  readonly #checking = new Map<string, Promise<Verdict>>();
  readonly #otherVaults = new Map<string, VaultClient>();
  // Callers resolved from the same headers before: building one (two clients, a sha256) cost ~3%
  // of the server's CPU per read_secret. Holds no verdict, so nothing here outlives a refusal.
  readonly #resolved = new LRUCache<string, Caller>({ max: 1_000, ttl: 10 * 60_000 });
  readonly #clientAddress: (req: IncomingMessage) => string | undefined;

  constructor(deps: CallerDeps) {
    this.#deps = deps;
    this.#clientAddress = clientAddressOf(deps.config.http.trustedProxies);
  }

  /**
   * The caller of `req`, from its headers alone.
   * @throws HttpRefusal 400 (bad token or namespace), 401 (no token where one is needed), 403
   *   (an X-Vault-Addr not in VAULT_MCP_ALLOWED_VAULT_ADDRS).
   */
  resolve(req: IncomingMessage): Caller {
    const token = callerToken(req);
    const namespace = canonicalNamespace(
      header(req, 'x-vault-namespace') ?? this.#deps.config.vault.namespace,
    );
    const requested = header(req, 'x-vault-addr', 'vault_addr')?.replace(/\/+$/, '');
    // No part holds a newline (tokens are printable ASCII, namespaces have no control characters,
    // header values cannot carry one), so the key names one combination.
    const key = `${requested ?? ''}\n${namespace ?? ''}\n${token ?? ''}`;
    let caller = this.#resolved.get(key);
    if (!caller) {
      caller = this.#build(token, namespace, requested);
      this.#resolved.set(key, caller);
    }
    return caller;
  }

  /**
   * The caller for a token, canonical namespace and requested Vault address (see {@link resolve}).
   * @throws HttpRefusal 401 (no token where one is needed), 403 (an address not allowed).
   */
  #build(
    token: string | undefined,
    namespace: string | undefined,
    requested: string | undefined,
  ): Caller {
    const { config, base, ownTokens } = this.#deps;
    let vault: VaultClient;

    let address = config.vault.address.replace(/\/+$/, '');
    if (requested && requested !== address) {
      if (!config.http.allowedVaultAddrs.includes(requested)) {
        throw new HttpRefusal(
          403,
          `X-Vault-Addr ${requested} is not one of the Vault addresses this server may use (VAULT_MCP_ALLOWED_VAULT_ADDRS)`,
        );
      }
      if (!token)
        throw new HttpRefusal(
          401,
          "a Vault address chosen by the caller needs the caller's own token in X-Vault-Token",
        );
      address = requested;
      let client = this.#otherVaults.get(requested);
      if (!client) {
        // The server's TLS settings apply; VAULT_SKIP_VERIFY and CAs never come from a caller.
        client = createVaultClient({ ...config.vault, address: requested, token: undefined });
        this.#otherVaults.set(requested, client);
      }
      vault = client.withToken(token).withNamespace(namespace);
    } else if (token) {
      vault = base.withToken(token).withNamespace(namespace);
    } else if (this.#deps.loopback && this.#deps.hasServerToken) {
      return {
        vault: () => ownTokens.client().withNamespace(namespace),
        tokens: ownTokens,
        identity: identityOf('server', address, namespace, ''),
        holder: SERVER_HOLDER,
        usesServerToken: true,
        // A token from a login (AppRole, JWT) is unknown here: safeErrorText withholds foreign text.
        scrub: scrubberOf(config.vault.token),
      };
    } else {
      throw new HttpRefusal(
        401,
        this.#deps.loopback
          ? 'no Vault token: send it in the X-Vault-Token header'
          : "send your Vault token in the X-Vault-Token header (the server's own token is only used on loopback)",
      );
    }
    const identity = identityOf('caller', address, namespace, token);
    return {
      vault,
      tokens: this.#callerToken(identity),
      identity,
      holder: identityOf('caller', '', undefined, token).toString('hex'),
      usesServerToken: false,
      scrub: scrubberOf(token, config.vault.token),
    };
  }

  /**
   * The lifecycle of a caller's own token: it cannot be renewed or replaced here, but when Vault
   * refuses it on a call, its remembered check is dropped, so the next request is answered 401
   * instead of running into 403s for up to ten minutes.
   */
  #callerToken(identity: Buffer): TokenState {
    const key = identity.toString('hex');
    return {
      expiredMessage: () => undefined,
      canLogin: false,
      // Served only after vet(): its lookup-self succeeded.
      selfLookupWorks: true,
      relogin: () => Promise.resolve(),
      refused: () => {
        this.#vetted.delete(key);
        this.#accepted.delete(key);
      },
    };
  }

  /**
   * Refuse a token Vault rejects, and one with the root policy unless VAULT_MCP_ALLOW_ROOT_TOKEN:
   * one lookup-self per new identity, remembered for ten minutes. Fails closed: when Vault cannot
   * answer (down, sealed, rate-limited, locked namespace) the request is refused with 503 and
   * nothing is remembered, so the next request asks again.
   * A new identity's check spends from the token-check buckets (its client address's, then the
   * server-wide one); one accepted before is re-checked without spending, so made-up tokens cannot
   * keep known callers out. Concurrent requests of one identity wait for one check.
   * @param client the bucket key of the client's address (clientAddressKey).
   * @throws HttpRefusal 401, 403, 429 (a token-check bucket empty) or 503.
   */
  async vet(caller: Caller, client: string): Promise<void> {
    const key = caller.identity.toString('hex');
    let verdict = this.#vetted.get(key);
    if (!verdict) {
      let pending = this.#checking.get(key);
      if (!pending) {
        pending = this.#checkOnce(caller, key, client).finally(() => this.#checking.delete(key));
        this.#checking.set(key, pending);
      }
      verdict = await pending;
    }
    if (verdict === 'root') {
      throw new HttpRefusal(
        403,
        'a token with the root policy is refused in HTTP mode: use a scoped token (vault-mcp policy prints one), or the operator sets VAULT_MCP_ALLOW_ROOT_TOKEN=true',
      );
    }
    if (verdict === 'invalid') {
      throw new HttpRefusal(
        401,
        'Vault does not accept this token (403 on auth/token/lookup-self): it is invalid, expired or revoked',
      );
    }
  }

  /**
   * The check of identity `key`, paid from the token-check buckets unless it was accepted before,
   * and its verdict remembered.
   * @throws HttpRefusal 429 (a bucket empty), or what #check throws.
   */
  async #checkOnce(caller: Caller, key: string, client: string): Promise<Verdict> {
    const refusal = this.#accepted.has(key)
      ? undefined
      : await this.#deps.state.spendTokenCheck(client);
    if (refusal) throw new HttpRefusal(refusal.status, refusal.message, refusal.retryAfterS);
    const verdict = await this.#check(caller);
    // The server's own token may be mid-login (AppRole/JWT): a 403 then is not a verdict.
    if (!(verdict === 'invalid' && caller.usesServerToken)) this.#vetted.set(key, verdict);
    if (verdict === 'ok') this.#accepted.set(key, true);
    return verdict;
  }

  /** One lookup-self: the verdict, or HttpRefusal 503 when Vault cannot answer. */
  async #check(caller: Caller): Promise<Verdict> {
    try {
      const info = await lookupSelf(clientOf(caller));
      return info.policies.includes('root') && !this.#deps.config.allowRootToken ? 'root' : 'ok';
    } catch (error) {
      if (error instanceof VaultResponseError && error.status === 403) return 'invalid';
      // A namespace Vault does not know: retrying cannot help, the caller must change it.
      if (
        error instanceof VaultResponseError &&
        error.status === 404 &&
        error.errors.some((e) => /namespace not found/i.test(e))
      )
        throw new HttpRefusal(
          400,
          `Vault does not know the namespace ${JSON.stringify(clientOf(caller).info.namespace ?? '')} (404 on auth/token/lookup-self): check X-Vault-Namespace`,
        );
      throw new HttpRefusal(
        503,
        `cannot check this token with Vault (auth/token/lookup-self: ${safeErrorText(error, caller.scrub)}); retry when Vault answers`,
      );
    }
  }

  /**
   * Settle the caller from the headers alone, before any body is read (a client without a usable
   * token cannot make the server buffer bodies).
   * @returns the caller, or undefined when the request was refused (answered on `res`).
   * @throws what is not a refusal (a bug, an unexpected failure), for the error handler.
   */
  async authenticate(req: IncomingMessage, res: ServerResponse): Promise<Caller | undefined> {
    try {
      const resolved = this.resolve(req);
      await this.vet(resolved, clientAddressKey(this.#clientAddress(req)));
      return resolved;
    } catch (error) {
      if (!(error instanceof HttpRefusal)) throw error;
      // A refusal may quote a header (namespace, Vault address) the caller put its token in.
      refuse(res, this.#deps.log, error, requestScrubber(req, this.#deps.config.vault.token));
      return undefined;
    }
  }

  /** Close the connection pools of caller-chosen Vault addresses. */
  async close(): Promise<void> {
    for (const client of this.#otherVaults.values()) await client.close();
  }
}
