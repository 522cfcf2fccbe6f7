/**
 * The declarative allowlist: which operations of Vault's document become part of vault-mcp, in
 * which toolset, with which safety flags. Rules are tried in order; the first rule whose method
 * and path match decides (an `exclude` rule drops the operation). Operations no rule matches are
 * not generated. Paths are the normalized templates (LIST = GET on a path ending in `/`).
 *
 * Edit this file, then `make generate`; the report shows what was added or removed.
 */

/** Area toolsets of generated operations (the raw tools are all served in toolset `api`). */
export type Toolset = 'kv' | 'pki' | 'mounts' | 'auth';

/** LIST is its own method here: a GET with `list=true`, needing the `list` capability. */
export type Method = 'GET' | 'LIST' | 'POST' | 'PATCH' | 'DELETE';

export interface AllowRule {
  /** Methods the rule applies to; all when absent. */
  methods?: readonly Method[];
  /** Exact normalized path template, or a pattern tested against it. */
  path: string | RegExp;
  /** Drop matching operations; `reason` says why (printed by the report). */
  exclude?: true;
  reason?: string;
  toolset?: Toolset;
  /** Tool name instead of snake_case(operationId); keeps names stable across Vault/OpenBao documents. */
  name?: string;
  /** Changes Vault state. Default: every method but GET and LIST. */
  write?: boolean;
  /** Issues a certificate, key or CA (refused in read-only mode even though it is "just" a POST). */
  mintsCredentials?: boolean;
  /**
   * Fields of the response `data` that hold secret material, withheld unless reveal is on:
   * `private_key`, `*` (every value), `data.*` (every value of `data.data`).
   */
  secretFields?: readonly string[];
  /** MCP destructiveHint for a write; default true (a write may overwrite or remove). */
  destructive?: boolean;
  /** MCP idempotentHint; default true for GET/LIST/DELETE, false otherwise. */
  idempotent?: boolean;
}

const KV1 = '/{kv_v1_mount_path}';
const KV2 = '/{kv_v2_mount_path}';
const PKI = '/{pki_mount_path}';

/** Operations that create a certificate, key or CA and return its private key when exported. */
const PKI_MINT_WITH_KEY = new RegExp(
  `^\\${PKI}/(issue/\\{role\\}|issuer/\\{issuer_ref\\}/issue/\\{role\\}|root/generate/\\{exported\\}|` +
    `issuers/generate/(root|intermediate)/\\{exported\\}|intermediate/generate/\\{exported\\}|` +
    `root/rotate/\\{exported\\}|keys/generate/(exported|internal|kms))$`,
);
/** Operations that sign a CSR or certificate (a credential, but no private key in the answer). */
const PKI_SIGN = new RegExp(
  `^\\${PKI}/(sign/\\{role\\}|sign-verbatim(/\\{role\\})?|issuer/\\{issuer_ref\\}/sign(-verbatim)?(/\\{role\\})?|` +
    `issuer/\\{issuer_ref\\}/sign-verbatim|(root|issuer/\\{issuer_ref\\})/sign-(intermediate|self-issued)|` +
    `intermediate/cross-sign)$`,
);

export const allowlist: readonly AllowRule[] = [
  // KV v1
  {
    methods: ['GET'],
    path: `${KV1}/{path}`,
    toolset: 'kv',
    name: 'kv_v1_read',
    secretFields: ['*'],
  },
  { methods: ['POST'], path: `${KV1}/{path}`, toolset: 'kv', name: 'kv_v1_write' },
  { methods: ['DELETE'], path: `${KV1}/{path}`, toolset: 'kv', name: 'kv_v1_delete' },
  { methods: ['LIST'], path: `${KV1}/{path}/`, toolset: 'kv', name: 'kv_v1_list' },

  // KV v2
  { methods: ['GET'], path: `${KV2}/config`, toolset: 'kv', name: 'kv_v2_read_config' },
  { methods: ['POST'], path: `${KV2}/config`, toolset: 'kv', name: 'kv_v2_configure' },
  {
    methods: ['GET'],
    path: `${KV2}/data/{path}`,
    toolset: 'kv',
    name: 'kv_v2_read',
    secretFields: ['data.*'],
  },
  // A write replaces the current version (keys left out are gone from it, and past max_versions
  // the oldest version is deleted for good), as write_secret does: destructive, so it is confirmed.
  {
    methods: ['POST'],
    path: `${KV2}/data/{path}`,
    toolset: 'kv',
    name: 'kv_v2_write',
  },
  // A patch overwrites the keys it names and null removes one: destructive, as patch_secret is.
  { methods: ['PATCH'], path: `${KV2}/data/{path}`, toolset: 'kv', name: 'kv_v2_patch' },
  { methods: ['DELETE'], path: `${KV2}/data/{path}`, toolset: 'kv', name: 'kv_v2_delete' },
  {
    methods: ['POST'],
    path: `${KV2}/delete/{path}`,
    toolset: 'kv',
    name: 'kv_v2_delete_versions',
    idempotent: true,
  },
  {
    methods: ['POST'],
    path: `${KV2}/destroy/{path}`,
    toolset: 'kv',
    name: 'kv_v2_destroy_versions',
    idempotent: true,
  },
  {
    methods: ['POST'],
    path: `${KV2}/undelete/{path}`,
    toolset: 'kv',
    name: 'kv_v2_undelete_versions',
    destructive: false,
    idempotent: true,
  },
  { methods: ['GET'], path: `${KV2}/metadata/{path}`, toolset: 'kv', name: 'kv_v2_read_metadata' },
  {
    methods: ['POST'],
    path: `${KV2}/metadata/{path}`,
    toolset: 'kv',
    name: 'kv_v2_write_metadata',
  },
  {
    methods: ['PATCH'],
    path: `${KV2}/metadata/{path}`,
    toolset: 'kv',
    name: 'kv_v2_patch_metadata',
  },
  {
    methods: ['DELETE'],
    path: `${KV2}/metadata/{path}`,
    toolset: 'kv',
    name: 'kv_v2_delete_metadata',
  },
  { methods: ['LIST'], path: `${KV2}/metadata/{path}/`, toolset: 'kv', name: 'kv_v2_list' },
  { methods: ['GET'], path: `${KV2}/subkeys/{path}`, toolset: 'kv', name: 'kv_v2_read_subkeys' },
  {
    path: new RegExp(`^\\${KV2}/detailed-metadata/`),
    exclude: true,
    reason: 'OpenBao-only recursive scan; its list/scan parameters are declared inconsistently',
  },

  // Secrets-engine mounts (auth-method tuning is out of scope)
  {
    path: '/sys/mounts/auth/{path}/tune',
    exclude: true,
    reason: 'auth methods are out of scope (sudo)',
  },
  { methods: ['GET'], path: '/sys/mounts', toolset: 'mounts', name: 'mounts_list' },
  { methods: ['GET'], path: '/sys/mounts/{path}', toolset: 'mounts', name: 'mounts_read' },
  {
    methods: ['POST'],
    path: '/sys/mounts/{path}',
    toolset: 'mounts',
    name: 'mounts_enable',
    destructive: false,
  },
  { methods: ['DELETE'], path: '/sys/mounts/{path}', toolset: 'mounts', name: 'mounts_disable' },
  {
    methods: ['GET'],
    path: '/sys/mounts/{path}/tune',
    toolset: 'mounts',
    name: 'mounts_read_tune',
  },
  { methods: ['POST'], path: '/sys/mounts/{path}/tune', toolset: 'mounts', name: 'mounts_tune' },
  { methods: ['GET'], path: '/sys/internal/ui/mounts', toolset: 'mounts', name: 'ui_mounts_list' },
  {
    methods: ['GET'],
    path: '/sys/internal/ui/mounts/{path}',
    toolset: 'mounts',
    name: 'ui_mounts_read',
  },

  // Token self endpoints (whoami, capability checks)
  {
    methods: ['GET'],
    path: '/auth/token/lookup-self',
    toolset: 'auth',
    name: 'token_lookup_self',
    // lookup-self answers with the token itself in `id`.
    secretFields: ['id'],
  },
  {
    methods: ['POST'],
    path: '/sys/capabilities-self',
    toolset: 'auth',
    name: 'capabilities_self',
    write: false,
    idempotent: true,
  },

  // PKI: everything but the protocol front ends and Enterprise-only surface (SPEC-NOTES §4.3)
  {
    path: new RegExp(
      `^\\${PKI}/(.*/)?(acme|est|scep|cmp|external-policy|ocsp|unified-ocsp|integrations|eab|batch|cel)(/|$)`,
    ),
    exclude: true,
    reason:
      'PKI protocol front ends (ACME/EST/SCEP/CMP/OCSP), Enterprise external policy, CEL roles',
  },
  {
    path: new RegExp(`^\\${PKI}/.*(unified-|pkiclient)`),
    exclude: true,
    reason: 'Enterprise unified CRL/OCSP',
  },
  {
    path: new RegExp(`^\\${PKI}/issuer/\\{issuer_ref\\}/export-private$`),
    exclude: true,
    reason: "exports a CA's private key: never through an agent (Vault Enterprise)",
  },
  {
    methods: ['POST'],
    path: PKI_MINT_WITH_KEY,
    toolset: 'pki',
    mintsCredentials: true,
    secretFields: ['private_key'],
    destructive: false,
  },
  { methods: ['POST'], path: PKI_SIGN, toolset: 'pki', mintsCredentials: true, destructive: false },
  // A GET that rebuilds the CRL: a write in everything but its HTTP method.
  {
    methods: ['GET'],
    path: new RegExp(`^\\${PKI}/crl/rotate(-delta)?$`),
    toolset: 'pki',
    write: true,
    destructive: false,
    idempotent: false,
  },
  // OpenBao lists certificates with their details here; the id duplicates pki-list-certs.
  {
    methods: ['LIST'],
    path: `${PKI}/certs/detailed/`,
    toolset: 'pki',
    name: 'pki_list_certs_detailed',
  },
  { path: new RegExp(`^\\${PKI}/`), toolset: 'pki' },
];
