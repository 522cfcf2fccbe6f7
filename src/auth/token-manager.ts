/**
 * The token vault-mcp uses, over its lifetime: a static token (VAULT_TOKEN or ~/.vault-token) or
 * one obtained by logging in (AppRole or JWT), renewed at two thirds of its TTL, replaced by a new
 * login when it cannot be renewed, and optionally revoked on exit. Once a static token has expired,
 * calls fail with a "token expired" explanation instead of a bare 403.
 */
import { readFileSync } from 'node:fs';
import type { VaultClient } from '../client/client.js';
import { safeErrorText, VaultConfigError, VaultResponseError } from '../client/errors.js';
import type { TokenInfo } from '../client/token.js';
import { checkToken } from './token-check.js';
import type { Logger } from '../log.js';

/** How to obtain a token. The secret ID and JWT are read from their files at every login. */
export type LoginMethod =
  | {
      readonly kind: 'approle';
      readonly mount: string;
      readonly roleId: string;
      readonly secretId: () => string;
    }
  | {
      readonly kind: 'jwt';
      readonly mount: string;
      readonly role: string | undefined;
      readonly jwt: () => string;
    };

/** What Vault says about a token: seconds left (0 = never expires) and renewability. */
interface Lease {
  readonly ttl: number;
  readonly renewable: boolean;
}

function readSecretFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new VaultConfigError(`${variable}: cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The login method the environment configures, or undefined for a static token:
 * AppRole with VAULT_ROLE_ID + VAULT_SECRET_ID (or VAULT_SECRET_ID_FILE), mount VAULT_APPROLE_MOUNT
 * (default `approle`); JWT with VAULT_AUTH_JWT (or VAULT_AUTH_JWT_FILE), VAULT_AUTH_ROLE, mount
 * VAULT_JWT_MOUNT (default `jwt`).
 * @throws VaultConfigError for incomplete or conflicting settings.
 */
export function loginFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): LoginMethod | undefined {
  const get = (name: string): string | undefined =>
    env[name]?.trim() ? env[name]?.trim() : undefined;
  const roleId = get('VAULT_ROLE_ID');
  const secretId = get('VAULT_SECRET_ID');
  const secretIdFile = get('VAULT_SECRET_ID_FILE');
  const jwt = get('VAULT_AUTH_JWT');
  const jwtFile = get('VAULT_AUTH_JWT_FILE');
  if ((roleId || secretId || secretIdFile) && (jwt || jwtFile)) {
    throw new VaultConfigError(
      'configure one login method: AppRole (VAULT_ROLE_ID ...) or JWT (VAULT_AUTH_JWT ...), not both',
    );
  }
  if (roleId || secretId || secretIdFile) {
    if (!roleId) throw new VaultConfigError('AppRole login needs VAULT_ROLE_ID');
    if (!secretId && !secretIdFile)
      throw new VaultConfigError('AppRole login needs VAULT_SECRET_ID or VAULT_SECRET_ID_FILE');
    if (secretIdFile) readSecretFile('VAULT_SECRET_ID_FILE', secretIdFile);
    return {
      kind: 'approle',
      mount: get('VAULT_APPROLE_MOUNT') ?? 'approle',
      roleId,
      secretId: () =>
        secretIdFile ? readSecretFile('VAULT_SECRET_ID_FILE', secretIdFile) : (secretId as string),
    };
  }
  if (jwt || jwtFile) {
    if (jwtFile) readSecretFile('VAULT_AUTH_JWT_FILE', jwtFile);
    return {
      kind: 'jwt',
      mount: get('VAULT_JWT_MOUNT') ?? 'jwt',
      role: get('VAULT_AUTH_ROLE'),
      jwt: () => (jwtFile ? readSecretFile('VAULT_AUTH_JWT_FILE', jwtFile) : (jwt as string)),
    };
  }
  return undefined;
}

const LOGIN_LABEL: Record<LoginMethod['kind'], string> = { approle: 'AppRole', jwt: 'JWT' };
const LOGIN_SETTINGS: Record<LoginMethod['kind'], string> = {
  approle: 'VAULT_ROLE_ID, VAULT_SECRET_ID (or VAULT_SECRET_ID_FILE) and VAULT_APPROLE_MOUNT',
  jwt: 'VAULT_AUTH_JWT (or VAULT_AUTH_JWT_FILE), VAULT_AUTH_ROLE and VAULT_JWT_MOUNT',
};

export class TokenManager {
  readonly #base: VaultClient;
  readonly #login: LoginMethod | undefined;
  readonly #log: Logger;
  #client: VaultClient;
  #expiresAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #relogin: Promise<void> | undefined;
  #stopped = false;
  /** Why the last login failed (Vault's words), until one succeeds. */
  #loginFailure: string | undefined;
  #loggedIn = false;
  /** The current token can look itself up: it did (start-up), or a login gave it the default policy. */
  #selfLookup = false;

  /**
   * @param base client without a token (or with the static token) for this Vault and namespace.
   * @param login the login method; undefined to use `base`'s token as it is.
   */
  constructor(base: VaultClient, login: LoginMethod | undefined, log: Logger) {
    this.#base = base;
    this.#login = login;
    this.#log = log;
    this.#client = base;
  }

  /** The client with the current token. */
  client(): VaultClient {
    return this.#client;
  }

  /** True when a login method can replace the token. */
  get canLogin(): boolean {
    return this.#login !== undefined;
  }

  /**
   * True when the current token can look itself up: it did at start-up, or its login gave it the
   * default policy. Only then does a later 403 on lookup-self mean the token is gone, rather than
   * a policy without the default one.
   */
  get selfLookupWorks(): boolean {
    return this.#selfLookup;
  }

  /**
   * When the token is known to be unusable, a sentence saying why: it expired, or the configured
   * login has failed and no token was obtained yet (tools would otherwise report only Vault's 403,
   * as "no secrets engine is visible"). Undefined otherwise.
   */
  expiredMessage(now = Date.now()): string | undefined {
    const login = this.#login;
    const unexpired = this.#expiresAt !== undefined && now < this.#expiresAt;
    if (login && this.#loginFailure !== undefined && !(this.#loggedIn && unexpired))
      return `the ${LOGIN_LABEL[login.kind]} login at auth/${login.mount} has not succeeded (${this.#loginFailure}) and is retried every 5 s: check ${LOGIN_SETTINGS[login.kind]}`;
    if (this.#expiresAt === undefined || unexpired) return undefined;
    const at = new Date(this.#expiresAt).toISOString();
    return this.#login
      ? `the Vault token expired at ${at} and logging in again (${this.#login.kind}) has not succeeded yet; check the ${this.#login.kind} credentials`
      : `the Vault token expired at ${at}: start vault-mcp with a fresh token (or configure AppRole/JWT login so it can log in again by itself)`;
  }

  /**
   * Log in if configured, then look the token up and schedule its renewal. Never throws for Vault
   * being unreachable: the server starts, and calls report the problem.
   * @returns the token's policies when known.
   */
  async start(): Promise<TokenInfo | undefined> {
    if (this.#login) {
      try {
        await this.#doLogin();
      } catch (error) {
        this.#log.warn(
          { error: this.#errorText(error) },
          `${this.#login.kind} login failed; retrying every 5 s`,
        );
        this.#retryLater();
        return undefined;
      }
    }
    // Logs what the operator should know (root policy, invalid token, Vault down); never throws.
    const info = await checkToken(this.#client, this.#log);
    if (info) {
      this.#selfLookup = true;
      this.#schedule({ ttl: info.ttl, renewable: info.renewable });
    }
    return info;
  }

  /** Log in again now (after a 403 that looks like expiry); concurrent callers share one login. */
  async relogin(): Promise<void> {
    if (!this.#login) return;
    this.#relogin ??= this.#doLogin().finally(() => {
      this.#relogin = undefined;
    });
    return this.#relogin;
  }

  /** Revoke the current token (`auth/token/revoke-self`); errors are logged, not thrown. */
  async revoke(): Promise<void> {
    if (!this.#client.info.hasToken) return;
    try {
      await this.#client.request('post', '/auth/token/revoke-self', { noRetry: true });
      this.#log.info('Vault token revoked (VAULT_MCP_REVOKE_ON_EXIT)');
    } catch (error) {
      this.#log.warn({ error: this.#errorText(error) }, 'revoking the Vault token failed');
    }
  }

  /** `error` as a log may show it: typed Vault errors with the token scrubbed, others by class. */
  #errorText(error: unknown): string {
    return safeErrorText(error, (text) => this.#client.redact(text));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  async #doLogin(): Promise<void> {
    try {
      await this.#loginOnce();
      this.#loginFailure = undefined;
      this.#loggedIn = true;
    } catch (error) {
      // Goes into tool errors: Vault's words or the address and code, never the HTTP client's
      // own text (it may quote a header, the credential).
      this.#loginFailure =
        error instanceof VaultResponseError
          ? `Vault ${error.status}: ${error.errors.join('; ') || 'no message'}`
          : safeErrorText(error, (text) => text);
      throw error;
    }
  }

  async #loginOnce(): Promise<void> {
    const login = this.#login as LoginMethod;
    const body =
      login.kind === 'approle'
        ? { role_id: login.roleId, secret_id: login.secretId() }
        : { jwt: login.jwt(), ...(login.role ? { role: login.role } : {}) };
    const result = await this.#base
      .withToken(undefined)
      .request('post', '/auth/{mount}/login', { path: { mount: login.mount }, body });
    const auth = (result.envelope?.auth ?? {}) as {
      client_token?: string;
      lease_duration?: number;
      renewable?: boolean;
      policies?: string[];
    };
    if (!auth.client_token)
      throw new VaultConfigError(`${login.kind} login at auth/${login.mount} returned no token`);
    this.#client = this.#base.withToken(auth.client_token);
    // The default policy allows lookup-self; start() also looks the first token up.
    this.#selfLookup = (auth.policies ?? []).includes('default');
    this.#log.info(
      { method: login.kind, mount: login.mount, policies: auth.policies, ttl: auth.lease_duration },
      'logged in to Vault',
    );
    this.#schedule({ ttl: auth.lease_duration ?? 0, renewable: auth.renewable === true });
  }

  #schedule(lease: Lease): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#expiresAt = lease.ttl > 0 ? Date.now() + lease.ttl * 1000 : undefined;
    if (this.#stopped || lease.ttl <= 0 || (!lease.renewable && !this.#login)) return;
    // At two thirds of the TTL: late enough not to hammer Vault, early enough to retry.
    this.#timer = setTimeout(
      () => void this.#refresh(lease),
      Math.max(1, (lease.ttl * 1000 * 2) / 3),
    );
    this.#timer.unref();
  }

  async #refresh(lease: Lease): Promise<void> {
    if (lease.renewable) {
      try {
        const result = await this.#client.request('post', '/auth/token/renew-self', {
          body: {},
          noRetry: true,
        });
        const auth = (result.envelope?.auth ?? {}) as {
          lease_duration?: number;
          renewable?: boolean;
        };
        const ttl = auth.lease_duration ?? 0;
        this.#log.info({ ttl }, 'Vault token renewed');
        // Near its max TTL Vault renews for less than asked: log in again instead when possible.
        if (!(this.#login && ttl < lease.ttl / 2)) {
          this.#schedule({ ttl, renewable: auth.renewable === true });
          return;
        }
      } catch (error) {
        this.#log.warn({ error: this.#errorText(error) }, 'renewing the Vault token failed');
        if (!this.#login) return;
      }
    }
    try {
      await this.relogin();
    } catch (error) {
      this.#log.warn({ error: this.#errorText(error) }, 'logging in to Vault again failed');
      this.#retryLater();
    }
  }

  #retryLater(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.relogin().catch(() => this.#retryLater()), 5_000);
    this.#timer.unref();
  }
}
