/**
 * Every hand-written tool, in the order tools/list shows them: the reference server's 16 first
 * (same names and parameters), then ours. Adding a tool means adding it here; nothing registers
 * itself on import.
 */
import type { Tool } from '../server/tool.js';
import { whoami } from './auth/whoami.js';
import { auditSecrets } from './kv/audit-secrets.js';
import { deleteSecretMetadata } from './kv/delete-secret-metadata.js';
import { deleteSecret } from './kv/delete-secret.js';
import { listSecrets } from './kv/list-secrets.js';
import { patchSecret } from './kv/patch-secret.js';
import { readSecretMetadata } from './kv/read-secret-metadata.js';
import { readSecret } from './kv/read-secret.js';
import {
  deleteSecretVersions,
  destroySecretVersions,
  undeleteSecretVersions,
} from './kv/secret-versions.js';
import { writeSecretMetadata } from './kv/write-secret-metadata.js';
import { writeSecret } from './kv/write-secret.js';
import { createMount } from './mounts/create-mount.js';
import { deleteMount } from './mounts/delete-mount.js';
import { listMounts } from './mounts/list-mounts.js';
import { readMount } from './mounts/read-mount.js';
import { tuneMount } from './mounts/tune-mount.js';
import { configurePkiUrls } from './pki/configure-pki-urls.js';
import { createPkiIssuer } from './pki/create-pki-issuer.js';
import { createPkiRole } from './pki/create-pki-role.js';
import { deletePkiRole } from './pki/delete-pki-role.js';
import { enablePki } from './pki/enable-pki.js';
import { issuePkiCertificate } from './pki/issue-pki-certificate.js';
import { listPkiCertificates } from './pki/list-pki-certificates.js';
import { listPkiIssuers } from './pki/list-pki-issuers.js';
import { listPkiRoles } from './pki/list-pki-roles.js';
import { readPkiCaChain } from './pki/read-pki-ca-chain.js';
import { readPkiCertificate } from './pki/read-pki-certificate.js';
import { readPkiIssuer } from './pki/read-pki-issuer.js';
import { readPkiRole } from './pki/read-pki-role.js';
import { revokePkiCertificate } from './pki/revoke-pki-certificate.js';
import { setPkiDefaultIssuer } from './pki/set-pki-default-issuer.js';
import { signPkiCertificate } from './pki/sign-pki-certificate.js';

/** Names of the reference server's 16 tools (hashicorp/vault-mcp-server), kept for drop-in use. */
export const REFERENCE_TOOL_NAMES = [
  'list_mounts',
  'create_mount',
  'delete_mount',
  'list_secrets',
  'read_secret',
  'write_secret',
  'delete_secret',
  'enable_pki',
  'create_pki_issuer',
  'list_pki_issuers',
  'read_pki_issuer',
  'list_pki_roles',
  'read_pki_role',
  'create_pki_role',
  'delete_pki_role',
  'issue_pki_certificate',
] as const;

export const TOOLS: readonly Tool[] = [
  // Reference-compatible
  listMounts,
  createMount,
  deleteMount,
  listSecrets,
  readSecret,
  writeSecret,
  deleteSecret,
  enablePki,
  createPkiIssuer,
  listPkiIssuers,
  readPkiIssuer,
  listPkiRoles,
  readPkiRole,
  createPkiRole,
  deletePkiRole,
  issuePkiCertificate,
  // KV v2 lifecycle and audit
  readSecretMetadata,
  writeSecretMetadata,
  patchSecret,
  deleteSecretVersions,
  undeleteSecretVersions,
  destroySecretVersions,
  deleteSecretMetadata,
  auditSecrets,
  // Mounts
  readMount,
  tuneMount,
  // PKI
  signPkiCertificate,
  revokePkiCertificate,
  listPkiCertificates,
  readPkiCertificate,
  readPkiCaChain,
  setPkiDefaultIssuer,
  configurePkiUrls,
  // The token
  whoami,
];
