import { listVisibleMounts } from '../client/mounts.js';
import { pkiListIssuers, pkiListRoles, pkiReadPem } from '../client/pki.js';
import { pkiMount } from '../tools/pki/shared.js';
import type { ResourceDeps, ResourceDefinition } from './resource.js';
import { json } from './resource.js';

/** One resource URI per PKI mount the token can see: `vault://pki/<mount>/<what>`. */
function perPkiMount(what: string, label: string) {
  return async ({ context }: ResourceDeps): Promise<Array<{ uri: string; name: string }>> =>
    (await listVisibleMounts(context.vault))
      .filter((m) => m.type === 'pki')
      .map((m) => {
        const mount = m.path.replace(/\/$/, '');
        return {
          uri: `vault://pki/${encodeURIComponent(mount)}/${what}`,
          name: `${label} of ${mount}`,
        };
      });
}

/** `vault://pki/{mount}/issuers`: names, ids and which is the default (`LIST <mount>/issuers`). */
export const pkiIssuersResource: ResourceDefinition = {
  name: 'pki-issuers',
  title: 'PKI issuers',
  description: 'The issuers of a PKI mount: name, id, key id, serial and which one is the default.',
  mimeType: 'application/json',
  template: 'vault://pki/{mount}/issuers',
  list: perPkiMount('issuers', 'Issuers'),
  complete: (c) => ({ mount: c.mounts('pki') }),
  read: async (_uri, { mount = '' }, { context }) => {
    const clean = await pkiMount(context, mount);
    return json({ mount: clean, issuers: await pkiListIssuers(context.vault, clean) });
  },
};

/** `vault://pki/{mount}/roles`: role names (`LIST <mount>/roles`). */
export const pkiRolesResource: ResourceDefinition = {
  name: 'pki-roles',
  title: 'PKI roles',
  description: 'The role names of a PKI mount (read_pki_role shows one role in full).',
  mimeType: 'application/json',
  template: 'vault://pki/{mount}/roles',
  list: perPkiMount('roles', 'Roles'),
  complete: (c) => ({ mount: c.mounts('pki') }),
  read: async (_uri, { mount = '' }, { context }) => {
    const clean = await pkiMount(context, mount);
    return json({ mount: clean, roles: await pkiListRoles(context.vault, clean) });
  },
};

/** `vault://pki/{mount}/ca_chain`: the public CA chain in PEM (`GET <mount>/ca_chain`). */
export const pkiCaChainResource: ResourceDefinition = {
  name: 'pki-ca-chain',
  title: 'PKI CA chain',
  description:
    "The CA certificate chain of a PKI mount's default issuer, public PEM (empty when the mount has no CA yet).",
  mimeType: 'application/x-pem-file',
  template: 'vault://pki/{mount}/ca_chain',
  list: perPkiMount('ca_chain', 'CA chain'),
  complete: (c) => ({ mount: c.mounts('pki') }),
  read: async (_uri, { mount = '' }, { context }) =>
    pkiReadPem(context.vault, await pkiMount(context, mount), { chain: true }),
};

/** `vault://pki/{mount}/issuer/{issuer}`: one issuer's public certificate, chain and key id. */
export const pkiIssuerResource: ResourceDefinition = {
  name: 'pki-issuer',
  title: 'PKI issuer',
  description:
    'One issuer of a PKI mount by name or id: its certificate and CA chain (public PEM), key id and usage. Never the private key.',
  mimeType: 'application/json',
  template: 'vault://pki/{mount}/issuer/{issuer}',
  complete: (c) => ({ mount: c.mounts('pki'), issuer: c.issuer() }),
  read: async (_uri, { mount = '', issuer = '' }, { context }) => {
    const clean = await pkiMount(context, mount);
    const result = await context.vault.GET('/{pki_mount_path}/issuer/{issuer_ref}', {
      params: { path: { pki_mount_path: clean, issuer_ref: issuer } },
    });
    const data = (result.data ?? {}) as Record<string, unknown>;
    const pick = (key: string): unknown => data[key];
    return json({
      mount: clean,
      issuer_id: pick('issuer_id'),
      issuer_name: pick('issuer_name'),
      key_id: pick('key_id'),
      usage: pick('usage'),
      leaf_not_after_behavior: pick('leaf_not_after_behavior'),
      certificate: pick('certificate'),
      ca_chain: pick('ca_chain'),
    });
  },
};
