/**
 * `fromEnv()`: client options from the environment the Vault and OpenBao CLIs read, so a shell
 * that works with `vault`/`bao` works with this client.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  createVaultClient,
  type VaultClient,
  type VaultClientOptions,
  type VaultTlsOptions,
} from './client.js';
import { parseDurationMs } from './duration.js';
import { VaultConfigError } from './errors.js';
import { strayCharacter, tokenProblem } from './token.js';

type Env = Readonly<Record<string, string | undefined>>;

/** `VAULT_<name>`, else `BAO_<name>` (VAULT_ wins when both are set, as in Vault's own tools). */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[`VAULT_${name}`] ?? env[`BAO_${name}`];
  return value === undefined || value === '' ? undefined : value;
}

/** Text Vault reads as true (strconv.ParseBool). */
export const TRUE_TEXT = /^(1|t|true)$/i;
/** Text Vault reads as a boolean at all. */
export const BOOLEAN_TEXT = /^(1|t|true|0|f|false)$/i;

/** Vault's boolean parsing (strconv.ParseBool): 1/t/true/0/f/false in any case. */
export function parseBool(name: string, value: string): boolean {
  if (BOOLEAN_TEXT.test(value)) return TRUE_TEXT.test(value);
  throw new VaultConfigError(
    `${name}=${JSON.stringify(value)} is not a boolean; use true or false`,
  );
}

function readFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new VaultConfigError(`${variable}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * The token from `VAULT_TOKEN`/`BAO_TOKEN`, else the CLI's token file (`$HOME/.vault-token`, then
 * `$HOME/.bao-token`), else undefined. Surrounding whitespace is removed.
 * @throws VaultConfigError when the token holds a character no HTTP header can carry (a line
 *   break inside it, say); the message names where it came from, never the token.
 */
export function tokenFromEnv(
  env: Env = process.env,
  home: string = env['HOME'] ?? homedir(),
): string | undefined {
  const direct = envValue(env, 'TOKEN');
  if (direct) return checked(direct.trim(), env['VAULT_TOKEN'] ? 'VAULT_TOKEN' : 'BAO_TOKEN');
  for (const file of ['.vault-token', '.bao-token']) {
    let token: string;
    try {
      token = readFileSync(join(home, file), 'utf8').trim();
    } catch {
      continue; // No token file: try the next one.
    }
    if (token) return checked(token, `~/${file}`);
  }
  return undefined;
}

function checked(token: string, source: string): string {
  const problem = tokenProblem(token, source);
  if (problem) throw new VaultConfigError(problem);
  return token;
}

/**
 * TLS options from VAULT_CACERT (file), VAULT_CAPATH (folder of PEM files), VAULT_CLIENT_CERT,
 * VAULT_CLIENT_KEY, VAULT_TLS_SERVER_NAME and VAULT_SKIP_VERIFY (and their BAO_ twins).
 * @throws VaultConfigError for unreadable files or a non-boolean VAULT_SKIP_VERIFY.
 */
export function tlsFromEnv(env: Env = process.env): VaultTlsOptions | undefined {
  const caCerts: string[] = [];
  const caFile = envValue(env, 'CACERT');
  if (caFile) caCerts.push(readFile('VAULT_CACERT', caFile));
  const caPath = envValue(env, 'CAPATH');
  if (caPath) {
    let entries: string[];
    try {
      entries = readdirSync(caPath).sort();
    } catch (error) {
      throw new VaultConfigError(
        `VAULT_CAPATH: cannot read ${caPath}: ${(error as Error).message}`,
      );
    }
    for (const entry of entries) {
      const file = join(caPath, entry);
      if (statSync(file).isFile() && /\.(pem|crt|cer)$/i.test(entry))
        caCerts.push(readFile('VAULT_CAPATH', file));
    }
  }
  const certFile = envValue(env, 'CLIENT_CERT');
  const keyFile = envValue(env, 'CLIENT_KEY');
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new VaultConfigError('VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together');
  }
  const serverName = envValue(env, 'TLS_SERVER_NAME');
  const skip = envValue(env, 'SKIP_VERIFY');
  const tls: VaultTlsOptions = {
    ...(caCerts.length ? { caCert: caCerts } : {}),
    ...(certFile ? { clientCert: readFile('VAULT_CLIENT_CERT', certFile) } : {}),
    ...(keyFile ? { clientKey: readFile('VAULT_CLIENT_KEY', keyFile) } : {}),
    ...(serverName ? { serverName } : {}),
    ...(skip !== undefined ? { insecureSkipVerify: parseBool('VAULT_SKIP_VERIFY', skip) } : {}),
  };
  return Object.keys(tls).length ? tls : undefined;
}

/**
 * Why `namespace` (from VAULT_NAMESPACE) cannot be sent as `X-Vault-Namespace`, or undefined when
 * it can. A namespace path is names joined by `/` (`team-a/dev`; leading, trailing and doubled
 * slashes are harmless); each name is a path segment, so it must be printable ASCII without
 * spaces (the rule the HTTP transport applies to a caller's X-Vault-Namespace) and not `.` or
 * `..`. Non-ASCII is refused too: a header cannot carry it as text, and Vault would not see
 * the name the operator typed.
 */
export function namespaceProblem(namespace: string, source: string): string | undefined {
  const stray = strayCharacter(namespace.replaceAll('/', 'x'));
  if (stray) {
    return `${source}=${JSON.stringify(namespace)} holds ${stray.what} at position ${stray.position}: a namespace path is names of printable ASCII without spaces joined by '/' (e.g. team-a/dev); set it again without the stray character`;
  }
  if (namespace.split('/').some((name) => name === '.' || name === '..')) {
    return `${source}=${JSON.stringify(namespace)} has a '.' or '..' segment: name the namespace path plainly (e.g. team-a/dev), or leave ${source} unset for the root namespace`;
  }
  return undefined;
}

/**
 * Client options from the environment: VAULT_ADDR (default `https://127.0.0.1:8200`, as the CLI),
 * VAULT_TOKEN or `~/.vault-token`, VAULT_NAMESPACE (checked by {@link namespaceProblem}), the TLS variables of {@link tlsFromEnv},
 * VAULT_CLIENT_TIMEOUT (seconds or a Go duration like `30s` or `1m30s`) and VAULT_MAX_RETRIES; each also as BAO_*.
 * @throws VaultConfigError when a variable cannot be used (the message names it).
 */
export function optionsFromEnv(env: Env = process.env): VaultClientOptions {
  const timeout = envValue(env, 'CLIENT_TIMEOUT');
  const retries = envValue(env, 'MAX_RETRIES');
  let timeoutMs: number | undefined;
  if (timeout !== undefined) {
    timeoutMs = parseDurationMs(timeout);
    if (!timeoutMs)
      throw new VaultConfigError(
        `VAULT_CLIENT_TIMEOUT=${JSON.stringify(timeout)} is not a positive duration; use e.g. 30, 30s or 1m30s`,
      );
    // Node's timers cannot wait longer than ~24.8 days (a longer one fires at once); an hour is
    // already far beyond any Vault request.
    if (timeoutMs > 3_600_000)
      throw new VaultConfigError(
        `VAULT_CLIENT_TIMEOUT=${JSON.stringify(timeout)} is longer than an hour; use at most 3600 (1h)`,
      );
  }
  if (retries !== undefined && !/^\d+$/.test(retries)) {
    throw new VaultConfigError(
      `VAULT_MAX_RETRIES=${JSON.stringify(retries)} is not a non-negative integer`,
    );
  }
  return {
    address: envValue(env, 'ADDR') ?? 'https://127.0.0.1:8200',
    token: tokenFromEnv(env),
    namespace: checkedNamespace(env),
    tls: tlsFromEnv(env),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retries !== undefined ? { maxRetries: Number(retries) } : {}),
  };
}

function checkedNamespace(env: Env): string | undefined {
  const namespace = envValue(env, 'NAMESPACE');
  if (namespace === undefined) return undefined;
  const source = env['VAULT_NAMESPACE'] ? 'VAULT_NAMESPACE' : 'BAO_NAMESPACE';
  const problem = namespaceProblem(namespace, source);
  if (problem) throw new VaultConfigError(problem);
  return namespace;
}

/**
 * A client configured like the Vault CLI from the environment (see {@link optionsFromEnv}).
 * @throws VaultConfigError naming the variable that cannot be used.
 */
export function fromEnv(env: Env = process.env): VaultClient {
  return createVaultClient(optionsFromEnv(env));
}
