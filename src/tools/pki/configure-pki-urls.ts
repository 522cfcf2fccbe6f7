import { z } from 'zod';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { nameListField, pkiMountField, pkiMount, pkiBaseUrl } from './shared.js';

export const configurePkiUrls = defineTool({
  name: 'configure_pki_urls',
  title: 'Configure PKI URLs',
  description:
    'Set the CA, CRL and OCSP URLs a PKI mount writes into certificates; with none given, <VAULT_ADDR>/v1/<mount>/ca and /crl.',
  toolset: 'pki',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'pki_configure_urls'],
  input: {
    mount: pkiMountField,
    issuing_certificates: nameListField.optional(),
    crl_distribution_points: nameListField.optional(),
    ocsp_servers: nameListField.optional(),
  },
  output: {
    mount: z.string(),
    issuing_certificates: z.array(z.string()),
    crl_distribution_points: z.array(z.string()),
    ocsp_servers: z.array(z.string()),
  },
  handler: async (
    { mount, issuing_certificates, crl_distribution_points, ocsp_servers },
    context,
  ) => {
    const clean = await pkiMount(context, mount);
    const base = pkiBaseUrl(context.vault, clean);
    const none = !issuing_certificates && !crl_distribution_points && !ocsp_servers;
    const body = {
      issuing_certificates: issuing_certificates ?? (none ? [`${base}/ca`] : []),
      crl_distribution_points: crl_distribution_points ?? (none ? [`${base}/crl`] : []),
      ocsp_servers: ocsp_servers ?? [],
    };
    await context.vault.POST('/{pki_mount_path}/config/urls', {
      params: { path: { pki_mount_path: clean } },
      body,
    });
    return {
      structured: { mount: clean, ...body },
      text: `${clean}/ URLs: issuing ${body.issuing_certificates.join(', ') || '(none)'}; CRL ${body.crl_distribution_points.join(', ') || '(none)'}; OCSP ${body.ocsp_servers.join(', ') || '(none)'}`,
    };
  },
});
