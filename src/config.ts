/**
 * Every setting of vault-mcp in one table: environment variable(s), command-line flag, default and
 * meaning. `loadConfig` reads flags over environment over defaults, validates everything with zod
 * and reports all problems at once (the CLI exits with code 2). The same table renders `--help`
 * and the README's configuration table.
 */
import { readFileSync } from 'node:fs';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { BOOLEAN_TEXT, optionsFromEnv, TRUE_TEXT } from './client/env.js';
import { VaultConfigError, VaultInputError } from './client/errors.js';
import type { VaultClientOptions } from './client/client.js';
import { loginFromEnv, type LoginMethod } from './auth/token-manager.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { literalNameProblem } from './policy-name.js';
import { normalizePath } from './client/paths.js';

/** A toolset: a named group of tools that is switched on or off as a whole. */
export interface ToolsetSpec {
  readonly id: ToolsetId;
  readonly description: string;
  /** On unless VAULT_MCP_TOOLSETS says otherwise. */
  readonly default: boolean;
}

export type ToolsetId = 'kv' | 'pki' | 'mounts' | 'auth' | 'api';

export const TOOLSETS: readonly ToolsetSpec[] = [
  {
    id: 'kv',
    description:
      'KV v1/v2 secrets: list, read (values withheld by default), write, patch, delete, versions, metadata, audit',
    default: true,
  },
  {
    id: 'pki',
    description: 'PKI: enable, issuers, roles, issue/sign/revoke certificates, CA chain, URLs',
    default: true,
  },
  {
    id: 'mounts',
    description: 'Secrets-engine mounts: list, read, create, tune, delete',
    default: true,
  },
  {
    id: 'auth',
    description: 'The token itself: whoami (policies, TTL, capabilities)',
    default: true,
  },
  {
    id: 'api',
    description: 'Raw generated operations for every allowlisted Vault endpoint (off by default)',
    default: false,
  },
];

const TOOLSET_IDS = TOOLSETS.map((t) => t.id);

/** How a setting appears on the command line. */
interface FlagSpec {
  /** commander syntax: `--toolsets <list>` or `--read-only`. */
  readonly syntax: string;
  /** Help text of the flag when it differs from the variable's. */
  readonly description?: string;
  /** Turn the flag's value into the environment variable's value. */
  readonly toEnv?: (value: string | boolean) => string;
}

/** One row of the settings table. */
export interface SettingSpec {
  /** Environment variables, first set one wins. */
  readonly env: readonly string[];
  readonly flag: FlagSpec | undefined;
  /** Default as shown to users. */
  readonly default: string;
  readonly description: string;
  readonly group: 'Vault connection' | 'Tools and safety' | 'Server' | 'HTTP mode';
}

export const SETTINGS: readonly SettingSpec[] = [
  {
    env: ['VAULT_ADDR', 'BAO_ADDR'],
    flag: { syntax: '--vault-addr <url>' },
    default: 'https://127.0.0.1:8200',
    description: 'Vault or OpenBao address',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_TOKEN', 'BAO_TOKEN'],
    flag: undefined,
    default: '~/.vault-token',
    description: 'Vault token (deliberately no flag: a flag would show in the process list)',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_NAMESPACE', 'BAO_NAMESPACE'],
    flag: { syntax: '--namespace <path>' },
    default: '(none)',
    description: 'Namespace sent as X-Vault-Namespace',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_CACERT', 'BAO_CACERT'],
    flag: { syntax: '--vault-cacert <file>' },
    default: '(system CAs)',
    description: 'PEM CA certificate to verify Vault with',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_CAPATH', 'BAO_CAPATH'],
    flag: { syntax: '--vault-capath <dir>' },
    default: '(none)',
    description: 'Folder of PEM CA certificates',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_CLIENT_CERT', 'BAO_CLIENT_CERT'],
    flag: { syntax: '--vault-client-cert <file>' },
    default: '(none)',
    description: 'PEM client certificate for TLS client auth',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_CLIENT_KEY', 'BAO_CLIENT_KEY'],
    flag: { syntax: '--vault-client-key <file>' },
    default: '(none)',
    description: 'PEM key of the client certificate',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_TLS_SERVER_NAME', 'BAO_TLS_SERVER_NAME'],
    flag: { syntax: '--vault-tls-server-name <name>' },
    default: '(host of the address)',
    description: "Name to verify in Vault's certificate (SNI)",
    group: 'Vault connection',
  },
  {
    env: ['VAULT_SKIP_VERIFY', 'BAO_SKIP_VERIFY'],
    flag: {
      syntax: '--vault-skip-verify',
      toEnv: () => 'true',
      description: 'Same as VAULT_SKIP_VERIFY=true',
    },
    default: 'false',
    description: "Do not verify Vault's TLS certificate (lab use only)",
    group: 'Vault connection',
  },
  {
    env: ['VAULT_ROLE_ID'],
    flag: undefined,
    default: '(none)',
    description:
      'AppRole login: role ID (with VAULT_SECRET_ID or VAULT_SECRET_ID_FILE; mount VAULT_APPROLE_MOUNT, default approle)',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_SECRET_ID', 'VAULT_SECRET_ID_FILE'],
    flag: undefined,
    default: '(none)',
    description: 'AppRole login: secret ID, or a file holding it (read again at every login)',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_AUTH_JWT', 'VAULT_AUTH_JWT_FILE'],
    flag: undefined,
    default: '(none)',
    description:
      'JWT login: the JWT, or a file holding it (re-read at every login); role VAULT_AUTH_ROLE, mount VAULT_JWT_MOUNT (default jwt)',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_MCP_REVOKE_ON_EXIT'],
    flag: {
      syntax: '--revoke-on-exit',
      toEnv: () => 'true',
      description: 'Same as VAULT_MCP_REVOKE_ON_EXIT=true',
    },
    default: 'false',
    description: 'Revoke the token (auth/token/revoke-self) on clean shutdown',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_MCP_TIMEOUT_S'],
    flag: { syntax: '--timeout <seconds>' },
    default: '30',
    description:
      'Seconds before a Vault request is abandoned (when unset: VAULT_CLIENT_TIMEOUT, a duration like 1m30s, else 30)',
    group: 'Vault connection',
  },
  {
    env: ['VAULT_MAX_RETRIES', 'BAO_MAX_RETRIES'],
    flag: { syntax: '--max-retries <n>' },
    default: '2',
    description:
      'Retries of idempotent reads after a connection error or a 502/503/504 (writes never retry)',
    group: 'Vault connection',
  },
  {
    env: ['ENABLE_VAULT_OPERATIONS'],
    flag: {
      syntax: '--read-only',
      toEnv: () => 'false',
      description: 'Same as ENABLE_VAULT_OPERATIONS=false',
    },
    default: 'true',
    description:
      'false (or --read-only): tools that write or mint credentials are not listed and are refused',
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_REVEAL_SECRETS'],
    flag: {
      syntax: '--reveal-secrets',
      toEnv: () => 'true',
      description: 'Same as VAULT_MCP_REVEAL_SECRETS=true',
    },
    default: 'false',
    description:
      "true: read_secret returns values and issue_pki_certificate the private key; ask: only when the user accepts, for that call, in the client's elicitation prompt (off when the client cannot ask)",
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_CONFIRM'],
    flag: { syntax: '--confirm <mode>' },
    default: '(destructive when the client can elicit, else never)',
    description:
      'destructive: the user confirms (elicitation) every tool call that may delete or overwrite; all: also additive writes; never: no confirmation. When set and the client cannot elicit, those calls are refused',
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_TOOLSETS'],
    flag: { syntax: '--toolsets <list>' },
    default: 'kv,pki,mounts,auth',
    description: `Comma list of toolsets (${TOOLSET_IDS.join(', ')}), or all, or default`,
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_TOOLS'],
    flag: { syntax: '--tools <list>' },
    default: '(all tools of the toolsets)',
    description: 'Comma list of tool names: only these are served (any toolset)',
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_EXCLUDE_TOOLS'],
    flag: { syntax: '--exclude-tools <list>' },
    default: '(none)',
    description: 'Comma list of tool names never served (wins over the two above)',
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_MOUNT_CACHE_TTL_S'],
    flag: { syntax: '--mount-cache-ttl <seconds>' },
    default: '30',
    description: "Seconds a mount's type and KV version are cached",
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_HIDE_UNAUTHORIZED'],
    flag: {
      syntax: '--hide-unauthorized',
      toEnv: () => 'true',
      description: 'Same as VAULT_MCP_HIDE_UNAUTHORIZED=true',
    },
    default: 'false',
    description:
      'true: tools the token cannot use (sys/capabilities-self) are not listed and refused; false: listed with a note',
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_CAPABILITY_TTL_S'],
    flag: { syntax: '--capability-ttl <seconds>' },
    default: '300',
    description: "Seconds before tools/list probes the token's capabilities again",
    group: 'Tools and safety',
  },
  {
    env: ['VAULT_MCP_KV_PREFIX'],
    flag: { syntax: '--kv-prefix <prefix>' },
    default: '(none)',
    description:
      "KV prefix the capability probe checks, for policies scoped to one application (e.g. 'myapp/')",
    group: 'Tools and safety',
  },

  {
    env: ['LOG_LEVEL'],
    flag: { syntax: '--log-level <level>' },
    default: 'info',
    description: `Log level on stderr (${LOG_LEVELS.join(', ')})`,
    group: 'Server',
  },
  {
    env: ['TRANSPORT_MODE'],
    flag: undefined,
    default: 'stdio',
    description: 'stdio or streamable-http (same as the `http` command)',
    group: 'Server',
  },
  {
    env: ['TRANSPORT_HOST'],
    flag: { syntax: '--host <address>' },
    default: '127.0.0.1',
    description: 'Address to listen on; anything but loopback requires TLS',
    group: 'HTTP mode',
  },
  {
    env: ['TRANSPORT_PORT'],
    flag: { syntax: '--port <port>' },
    default: '8080',
    description: 'Port to listen on (0 picks a free one)',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_ENDPOINT'],
    flag: { syntax: '--endpoint <path>' },
    default: '/mcp',
    description: 'Path of the MCP endpoint',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_TLS_CERT_FILE'],
    flag: { syntax: '--tls-cert <file>' },
    default: '(none)',
    description: 'PEM certificate (chain) to serve HTTPS with',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_TLS_KEY_FILE'],
    flag: { syntax: '--tls-key <file>' },
    default: '(none)',
    description: 'PEM private key of that certificate',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_ALLOWED_HOSTS'],
    flag: { syntax: '--allowed-hosts <list>' },
    default: '(derived from the bind address)',
    description: 'Extra Host header names accepted (DNS-rebinding protection)',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_CORS_MODE'],
    flag: { syntax: '--cors-mode <mode>' },
    default: 'strict',
    description:
      'strict (only MCP_ALLOWED_ORIGINS), development (plus localhost origins) or disabled (no Origin check, no CORS headers)',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_ALLOWED_ORIGINS'],
    flag: { syntax: '--allowed-origins <list>' },
    default: '(none)',
    description: 'Comma list of browser origins allowed to call the server',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_SESSION_MODE'],
    flag: { syntax: '--session-mode <mode>' },
    default: 'stateful',
    description:
      "stateful (sessions bound to the caller's token) or stateless (every request stands alone; for replicas behind a load balancer)",
    group: 'HTTP mode',
  },
  {
    env: ['VAULT_MCP_SESSION_IDLE_S'],
    flag: { syntax: '--session-idle <seconds>' },
    default: '900',
    description: 'Seconds of inactivity after which a session is closed',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_MAX_SESSIONS'],
    flag: { syntax: '--max-sessions <n>' },
    default: '1000',
    description: 'Open sessions at most; more are refused with 503',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_MAX_SESSIONS_PER_CALLER'],
    flag: { syntax: '--max-sessions-per-caller <n>' },
    default: '50',
    description:
      "Open sessions per caller token (whatever namespace or Vault address its sessions name), and never all of MCP_MAX_SESSIONS: a caller's least recently used session is closed to make room, so one caller cannot lock others out. Local clients on the server's own token share one such share and are refused beyond it",
    group: 'HTTP mode',
  },
  {
    env: ['MCP_RATE_LIMIT_GLOBAL'],
    flag: { syntax: '--rate-limit-global <rps:burst>' },
    default: '10:20',
    description: 'Tool calls per second and burst for the whole server (token bucket), or off',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_RATE_LIMIT_SESSION'],
    flag: { syntax: '--rate-limit-session <rps:burst>' },
    default: '5:10',
    description:
      "Tool calls per second and burst per caller token (all its sessions together; the name is older than that), or off; the token's session openings and capability probes spend from the same bucket",
    group: 'HTTP mode',
  },
  {
    env: ['MCP_RATE_LIMIT_CLIENT_CHECKS'],
    flag: { syntax: '--rate-limit-client-checks <rps:burst>' },
    default: '1:5',
    description:
      "Checks of new Vault tokens (one auth/token/lookup-self each) per second and burst per client address (an IPv6 client: per /64), or off. Spent before the server-wide token-check bucket (sized like MCP_RATE_LIMIT_GLOBAL), so one address sending made-up tokens is refused (429) without locking other callers out (many addresses at once can still empty the server-wide one for new callers); a caller once accepted is re-checked without either. Behind a reverse proxy, name it in MCP_TRUSTED_PROXIES, or every client counts as the proxy's address",
    group: 'HTTP mode',
  },
  {
    env: ['MCP_TRUSTED_PROXIES'],
    flag: { syntax: '--trusted-proxies <list>' },
    default: '(none)',
    description:
      "Comma list of the reverse proxies (addresses, CIDR ranges, or loopback, linklocal, uniquelocal) whose X-Forwarded-For names the client, for MCP_RATE_LIMIT_CLIENT_CHECKS; unset, the connection's peer address is the client and X-Forwarded-For is ignored (a client could forge it). Name the proxies' own addresses only: every peer in a trusted range may name any client",
    group: 'HTTP mode',
  },
  {
    env: ['MCP_MAX_BODY_BYTES'],
    flag: { syntax: '--max-body-bytes <n>' },
    default: '1048576',
    description: 'Largest request body; larger ones get 413',
    group: 'HTTP mode',
  },
  {
    env: ['VAULT_MCP_ALLOW_ROOT_TOKEN'],
    flag: {
      syntax: '--allow-root-token',
      toEnv: () => 'true',
      description: 'Same as VAULT_MCP_ALLOW_ROOT_TOKEN=true',
    },
    default: 'false',
    description:
      'Accept tokens with the root policy in HTTP mode (refused by default; stdio only warns)',
    group: 'HTTP mode',
  },
  {
    env: ['VAULT_MCP_ALLOWED_VAULT_ADDRS'],
    flag: { syntax: '--allowed-vault-addrs <list>' },
    default: '(none)',
    description:
      'Vault addresses a caller may pick with X-Vault-Addr (the caller must then send its own token)',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_REDIS_URL'],
    // No flag: the URL may hold a password, and command lines are visible to every local user.
    flag: undefined,
    default: '(none)',
    description:
      'redis:// or rediss:// (TLS) URL, with user and password if Redis wants them: replicas share rate limits, per-caller session counts and session ownership there. What happens while Redis cannot be reached: MCP_REDIS_UNAVAILABLE',
    group: 'HTTP mode',
  },
  {
    env: ['MCP_REDIS_UNAVAILABLE'],
    flag: { syntax: '--redis-unavailable <mode>' },
    default: 'closed',
    description:
      'While MCP_REDIS_URL cannot be reached (down, or slower than 2 s): closed (every MCP request gets 503 with Retry-After, /readyz is not ready) or local (each replica uses rate buckets and session bindings of its own, so the server-wide and per-caller limits and the session cap hold per replica, not across them, until Redis answers again)',
    group: 'HTTP mode',
  },
];

/** The validated configuration. */
export interface Config {
  /** Client options for Vault (address, token, namespace, TLS, timeout, retries). */
  readonly vault: VaultClientOptions & { readonly timeoutMs: number; readonly maxRetries: number };
  readonly readOnly: boolean;
  /** VAULT_MCP_REVEAL_SECRETS=true: values are returned without asking. */
  readonly revealSecrets: boolean;
  /** VAULT_MCP_REVEAL_SECRETS=ask: values are returned when the user accepts, per call. */
  readonly revealAsk: boolean;
  /**
   * Which tool calls the user confirms through elicitation; undefined (unset): `destructive` when
   * the client can elicit, else `never`.
   */
  readonly confirm: 'destructive' | 'all' | 'never' | undefined;
  readonly toolsets: readonly ToolsetId[];
  /** Only these tool names when set. */
  readonly tools: readonly string[] | undefined;
  readonly excludeTools: readonly string[];
  /** Milliseconds. */
  readonly mountCacheTtlMs: number;
  /** Hide tools the token cannot use instead of annotating them. */
  readonly hideUnauthorized: boolean;
  /** Milliseconds between capability probes. */
  readonly capabilityTtlMs: number;
  /** KV prefix the capability probe checks (`myapp/`), for prefix-scoped policies. */
  readonly kvPrefix: string;
  /** AppRole or JWT login instead of a static token. */
  readonly login: LoginMethod | undefined;
  /** Revoke the token on clean shutdown. */
  readonly revokeOnExit: boolean;
  /** HTTP mode: accept tokens with the root policy. */
  readonly allowRootToken: boolean;
  readonly logLevel: LogLevel;
  readonly transport: 'stdio' | 'streamable-http';
  readonly http: HttpConfig;
}

/** A token bucket: `rps` tokens per second, at most `burst` at once; undefined = no limit. */
export interface RateLimit {
  readonly rps: number;
  readonly burst: number;
}

/** Settings of `vault-mcp http` (validated only when the HTTP transport is used). */
export interface HttpConfig {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  /** PEM file paths; both or neither. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly allowedHosts: readonly string[];
  readonly corsMode: 'strict' | 'development' | 'disabled';
  readonly allowedOrigins: readonly string[];
  readonly sessionMode: 'stateful' | 'stateless';
  /** Milliseconds. */
  readonly sessionIdleMs: number;
  readonly maxSessions: number;
  /** Sessions one caller identity may hold; its least recently used one is closed beyond that. */
  readonly maxSessionsPerCaller: number;
  readonly rateLimitGlobal: RateLimit | undefined;
  readonly rateLimitSession: RateLimit | undefined;
  /** Checks of new tokens per client address (before the server-wide token-check bucket). */
  readonly rateLimitClientChecks: RateLimit | undefined;
  /** Proxies whose X-Forwarded-For names the client (proxy-addr's syntax); empty: none. */
  readonly trustedProxies: readonly string[];
  readonly maxBodyBytes: number;
  /** Normalized (no trailing slash). */
  readonly allowedVaultAddrs: readonly string[];
  /** `redis://` or `rediss://` URL of the state replicas share; undefined: this process only. */
  readonly redisUrl: string | undefined;
  /**
   * While Redis cannot be reached: `closed` refuses every MCP request (503), `local` falls back to
   * this replica's own buckets and session bindings.
   */
  readonly redisUnavailable: 'closed' | 'local';
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Thrown by loadConfig with every problem found, one per line in `problems`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const boolean = z
  .string()
  .trim()
  .regex(BOOLEAN_TEXT, 'is not a boolean; use true or false')
  .transform((v) => TRUE_TEXT.test(v));

const seconds = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'is not a number of seconds')
    .transform(Number)
    .refine((n) => n > 0 && n <= max, `must be more than 0 and at most ${max}`);

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** A list that must name something: `" , "` would silently serve no tools. */
const namedList = list.refine(
  (items) => items.length > 0,
  'names nothing; give comma-separated names, or leave it unset for the default',
);

const rateLimit = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(off|\d+(\.\d+)?:\d+)$/, 'must be rps:burst (e.g. 10:20) or off')
  // null, not undefined, for "off": zod 4 replaces an undefined output with the default.
  .transform((v): RateLimit | null => {
    if (v === 'off') return null;
    const [rps, burst] = v.split(':').map(Number) as [number, number];
    return { rps, burst };
  })
  .refine((v) => v === null || (v.rps > 0 && v.burst >= 1), 'needs rps > 0 and burst >= 1');

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'is not a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const schema = z.object({
  ENABLE_VAULT_OPERATIONS: boolean.default(true),
  VAULT_MCP_REVEAL_SECRETS: z
    .string()
    .trim()
    .regex(/^(ask|1|t|true|0|f|false)$/i, 'must be true, false or ask')
    .transform((v) => v.toLowerCase())
    .default('false'),
  VAULT_MCP_CONFIRM: z
    .enum(['destructive', 'all', 'never'], 'must be destructive, all or never')
    .optional(),
  VAULT_MCP_TOOLSETS: namedList
    .transform((items, ctx) => {
      const out = new Set<ToolsetId>();
      for (const item of items) {
        const lower = item.toLowerCase();
        if (lower === 'all') TOOLSET_IDS.forEach((id) => out.add(id));
        else if (lower === 'default')
          TOOLSETS.filter((t) => t.default).forEach((t) => out.add(t.id));
        else if ((TOOLSET_IDS as readonly string[]).includes(lower)) out.add(lower as ToolsetId);
        else
          ctx.addIssue({
            code: 'custom',
            message: `unknown toolset "${item}" (valid: ${TOOLSET_IDS.join(', ')}, all, default)`,
          });
      }
      return TOOLSET_IDS.filter((id) => out.has(id));
    })
    .optional(),
  VAULT_MCP_TOOLS: namedList.optional(),
  VAULT_MCP_EXCLUDE_TOOLS: list.optional(),
  VAULT_MCP_TIMEOUT_S: seconds(3600).optional(),
  VAULT_MCP_MOUNT_CACHE_TTL_S: seconds(86400).default(30),
  VAULT_MCP_HIDE_UNAUTHORIZED: boolean.default(false),
  VAULT_MCP_REVOKE_ON_EXIT: boolean.default(false),
  VAULT_MCP_ALLOW_ROOT_TOKEN: boolean.default(false),
  VAULT_MCP_CAPABILITY_TTL_S: seconds(86400).default(300),
  VAULT_MCP_KV_PREFIX: z
    .string()
    .trim()
    .transform((v, ctx) => {
      // The prefix goes into generated policies: refused now what the policy would refuse later.
      try {
        const name = normalizePath('prefix', v);
        const problem = literalNameProblem(name);
        if (problem === undefined) return name ? `${name}/` : '';
        ctx.addIssue({ code: 'custom', message: problem });
      } catch (error) {
        if (!(error instanceof VaultInputError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.problem });
      }
      return z.NEVER;
    })
    .default(''),
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .refine(
      (v): v is LogLevel => (LOG_LEVELS as readonly string[]).includes(v),
      `must be one of ${LOG_LEVELS.join(', ')}`,
    )
    .default('info'),
  TRANSPORT_MODE: z
    .string()
    .trim()
    .toLowerCase()
    .refine(
      (v) => ['stdio', 'streamable-http', 'http'].includes(v),
      'must be stdio or streamable-http',
    )
    .default('stdio'),
  TRANSPORT_HOST: z.string().trim().min(1).default('127.0.0.1'),
  TRANSPORT_PORT: integer(0, 65535).default(8080),
  MCP_ENDPOINT: z
    .string()
    .trim()
    .regex(/^\/[A-Za-z0-9/_.-]*$/, "must be a path starting with '/'")
    .default('/mcp'),
  MCP_TLS_CERT_FILE: z.string().trim().optional(),
  MCP_TLS_KEY_FILE: z.string().trim().optional(),
  MCP_ALLOWED_HOSTS: list.optional(),
  MCP_CORS_MODE: z
    .enum(['strict', 'development', 'disabled'], 'must be strict, development or disabled')
    .default('strict'),
  MCP_ALLOWED_ORIGINS: list.optional(),
  MCP_SESSION_MODE: z
    .enum(['stateful', 'stateless'], 'must be stateful or stateless')
    .default('stateful'),
  VAULT_MCP_SESSION_IDLE_S: seconds(86400).default(900),
  MCP_MAX_SESSIONS: integer(1, 1_000_000).default(1000),
  MCP_MAX_SESSIONS_PER_CALLER: integer(1, 1_000_000).default(50),
  MCP_RATE_LIMIT_GLOBAL: rateLimit.default({ rps: 10, burst: 20 }),
  MCP_RATE_LIMIT_SESSION: rateLimit.default({ rps: 5, burst: 10 }),
  MCP_RATE_LIMIT_CLIENT_CHECKS: rateLimit.default({ rps: 1, burst: 5 }),
  MCP_TRUSTED_PROXIES: list
    .superRefine((items, ctx) => {
      for (const item of items) {
        try {
          proxyaddr.compile(item);
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(item)} is not an IP address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`,
          });
        }
      }
    })
    .optional(),
  MCP_MAX_BODY_BYTES: integer(1024, 100 * 1024 * 1024).default(1024 * 1024),
  VAULT_MCP_ALLOWED_VAULT_ADDRS: list.optional(),
  MCP_REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .optional(),
  MCP_REDIS_UNAVAILABLE: z.enum(['closed', 'local'], 'must be closed or local').default('closed'),
});

/** The environment with flags applied on top (flags win), keyed by environment variable. */
export function applyFlags(
  env: Env,
  flags: Readonly<Record<string, string | boolean | undefined>>,
): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env };
  for (const setting of SETTINGS) {
    if (!setting.flag) continue;
    const value = flags[flagKey(setting.flag.syntax)];
    if (value === undefined) continue;
    const target = setting.env[0] as string;
    merged[target] = setting.flag.toEnv ? setting.flag.toEnv(value) : String(value);
    // A flag also overrides the BAO_ twin, which would otherwise be read when VAULT_ is unset.
    for (const twin of setting.env.slice(1)) delete merged[twin];
  }
  return merged;
}

/** commander's attribute name of a flag: `--vault-addr <url>` → `vaultAddr`. */
export function flagKey(syntax: string): string {
  const name = (syntax.split(' ')[0] ?? '').replace(/^--/, '');
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** ` (flag --timeout)` for a setting that has a flag, so errors fit either way of setting it. */
function flagNote(key: string): string {
  const syntax = SETTINGS.find((s) => s.env.includes(key))?.flag?.syntax ?? '';
  // Only flags that take a value: `--read-only` cannot produce a bad value.
  return syntax.includes(' <') ? ` (flag ${syntax.split(' ')[0]})` : '';
}

/**
 * Validate the merged environment (see {@link applyFlags}) into a Config.
 * @throws ConfigError listing every problem, each naming its variable.
 */
export function loadConfig(
  env: Env,
  knownTools?: ReadonlySet<string>,
  options: { transport?: 'stdio' | 'streamable-http' } = {},
): Config {
  const problems: string[] = [];
  const raw = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      problems.push(`${key}=${JSON.stringify(env[key] ?? '')}${flagNote(key)} ${issue.message}`);
    }
  }
  const vault = collected(problems, () => optionsFromEnv(env));
  const login = collected(problems, () => loginFromEnv(env));
  if (vault) {
    try {
      const url = new URL(vault.address);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    } catch {
      problems.push(
        `VAULT_ADDR=${JSON.stringify(vault.address)} is not an http(s) URL; use e.g. http://127.0.0.1:8200`,
      );
    }
  }
  const transport =
    options.transport ??
    (parsed.success && parsed.data.TRANSPORT_MODE !== 'stdio' ? 'streamable-http' : 'stdio');
  if (parsed.success) {
    if (knownTools) problems.push(...toolProblems(parsed.data, knownTools));
    if (transport === 'streamable-http') problems.push(...httpProblems(parsed.data));
  }
  if (problems.length > 0 || !parsed.success || !vault) throw new ConfigError(problems);
  return toConfig(parsed.data, vault, login, transport);
}

type Settings = z.infer<typeof schema>;

/** `read()`, or undefined with its VaultConfigError's message added to `problems`. */
function collected<T>(problems: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof VaultConfigError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/** Tool names in VAULT_MCP_TOOLS / VAULT_MCP_EXCLUDE_TOOLS that no tool has. */
function toolProblems(data: Settings, knownTools: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const [key, names] of [
    ['VAULT_MCP_TOOLS', data.VAULT_MCP_TOOLS],
    ['VAULT_MCP_EXCLUDE_TOOLS', data.VAULT_MCP_EXCLUDE_TOOLS],
  ] as const) {
    const unknown = (names ?? []).filter((n) => !knownTools.has(n));
    if (unknown.length)
      problems.push(
        `${key}: unknown tool${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (vault-mcp tools lists them)`,
      );
  }
  return problems;
}

/** What HTTP mode refuses: TLS files missing or unreadable, plain HTTP off loopback, bad lists. */
function httpProblems(d: Settings): string[] {
  const problems: string[] = [];
  if (Boolean(d.MCP_TLS_CERT_FILE) !== Boolean(d.MCP_TLS_KEY_FILE)) {
    problems.push('MCP_TLS_CERT_FILE and MCP_TLS_KEY_FILE must be set together');
  }
  for (const [key, file] of [
    ['MCP_TLS_CERT_FILE', d.MCP_TLS_CERT_FILE],
    ['MCP_TLS_KEY_FILE', d.MCP_TLS_KEY_FILE],
  ] as const) {
    if (!file) continue;
    try {
      readFileSync(file);
    } catch (error) {
      problems.push(
        `${key}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  }
  if (!isLoopback(d.TRANSPORT_HOST) && !(d.MCP_TLS_CERT_FILE && d.MCP_TLS_KEY_FILE)) {
    problems.push(
      `TRANSPORT_HOST=${d.TRANSPORT_HOST}${flagNote('TRANSPORT_HOST')} is not a loopback address: set MCP_TLS_CERT_FILE and MCP_TLS_KEY_FILE so the server speaks HTTPS, or bind 127.0.0.1 (tokens and secrets must not cross a network in plain text)`,
    );
  }
  for (const origin of d.MCP_ALLOWED_ORIGINS ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(origin))
      problems.push(
        `MCP_ALLOWED_ORIGINS: "${origin}" is not an origin like https://app.example.com`,
      );
  }
  for (const addr of d.VAULT_MCP_ALLOWED_VAULT_ADDRS ?? []) {
    if (!/^https?:\/\/[^/]+\/?$/.test(addr))
      problems.push(
        `VAULT_MCP_ALLOWED_VAULT_ADDRS: "${addr}" is not an address like https://vault.example.com:8200`,
      );
  }
  return problems;
}

/** The Config of settings that passed validation. */
function toConfig(
  data: Settings,
  vault: VaultClientOptions,
  login: LoginMethod | undefined,
  transport: 'stdio' | 'streamable-http',
): Config {
  return {
    vault: {
      ...vault,
      // A configured login replaces any static token (VAULT_TOKEN or ~/.vault-token).
      ...(login ? { token: undefined } : {}),
      // VAULT_MCP_TIMEOUT_S, else the CLI's VAULT_CLIENT_TIMEOUT, else 30 s.
      timeoutMs:
        data.VAULT_MCP_TIMEOUT_S !== undefined
          ? data.VAULT_MCP_TIMEOUT_S * 1000
          : (vault.timeoutMs ?? 30_000),
      maxRetries: vault.maxRetries ?? 2,
    },
    readOnly: !data.ENABLE_VAULT_OPERATIONS,
    revealSecrets: TRUE_TEXT.test(data.VAULT_MCP_REVEAL_SECRETS),
    revealAsk: data.VAULT_MCP_REVEAL_SECRETS === 'ask',
    confirm: data.VAULT_MCP_CONFIRM,
    toolsets: data.VAULT_MCP_TOOLSETS ?? TOOLSETS.filter((t) => t.default).map((t) => t.id),
    tools: data.VAULT_MCP_TOOLS,
    excludeTools: data.VAULT_MCP_EXCLUDE_TOOLS ?? [],
    mountCacheTtlMs: data.VAULT_MCP_MOUNT_CACHE_TTL_S * 1000,
    hideUnauthorized: data.VAULT_MCP_HIDE_UNAUTHORIZED,
    capabilityTtlMs: data.VAULT_MCP_CAPABILITY_TTL_S * 1000,
    kvPrefix: data.VAULT_MCP_KV_PREFIX,
    login,
    revokeOnExit: data.VAULT_MCP_REVOKE_ON_EXIT,
    allowRootToken: data.VAULT_MCP_ALLOW_ROOT_TOKEN,
    logLevel: data.LOG_LEVEL as LogLevel,
    transport,
    http: {
      host: data.TRANSPORT_HOST,
      port: data.TRANSPORT_PORT,
      endpoint: data.MCP_ENDPOINT,
      tlsCertFile: data.MCP_TLS_CERT_FILE || undefined,
      tlsKeyFile: data.MCP_TLS_KEY_FILE || undefined,
      allowedHosts: data.MCP_ALLOWED_HOSTS ?? [],
      corsMode: data.MCP_CORS_MODE,
      allowedOrigins: data.MCP_ALLOWED_ORIGINS ?? [],
      sessionMode: data.MCP_SESSION_MODE,
      sessionIdleMs: data.VAULT_MCP_SESSION_IDLE_S * 1000,
      maxSessions: data.MCP_MAX_SESSIONS,
      maxSessionsPerCaller: data.MCP_MAX_SESSIONS_PER_CALLER,
      rateLimitGlobal: data.MCP_RATE_LIMIT_GLOBAL ?? undefined,
      rateLimitSession: data.MCP_RATE_LIMIT_SESSION ?? undefined,
      rateLimitClientChecks: data.MCP_RATE_LIMIT_CLIENT_CHECKS ?? undefined,
      trustedProxies: data.MCP_TRUSTED_PROXIES ?? [],
      maxBodyBytes: data.MCP_MAX_BODY_BYTES,
      allowedVaultAddrs: (data.VAULT_MCP_ALLOWED_VAULT_ADDRS ?? []).map((a) =>
        a.replace(/\/+$/, ''),
      ),
      redisUrl: data.MCP_REDIS_URL || undefined,
      redisUnavailable: data.MCP_REDIS_UNAVAILABLE,
    },
  };
}
