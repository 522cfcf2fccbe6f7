import { z } from 'zod';
import { defineTool, ADDITIVE } from '../../server/tool.js';
import { cleanMount, durationField, mountNew } from '../common.js';

export const enablePki = defineTool({
  name: 'enable_pki',
  title: 'Enable PKI',
  description:
    'Mount the PKI engine (nothing changes on failure). Next: create_pki_issuer, create_pki_role, then issue or sign certificates; for an intermediate, a second enable_pki, then create_pki_issuer with root_mount and root_issuer.',
  toolset: 'pki',
  write: true,
  annotations: ADDITIVE,
  operations: ['mounts_enable'],
  input: {
    path: z.string().default('pki'),
    description: z.string().default(''),
    max_ttl: durationField("Longest certificate lifetime, e.g. '8760h' or seconds.").default(
      '87600h',
    ),
  },
  output: {
    path: z.string(),
    max_ttl: z.union([
      z.string().describe('As given, e.g. 87600h.'),
      z.number().describe('Seconds.'),
    ]),
  },
  handler: async ({ path, description, max_ttl }, context) => {
    const mount = cleanMount(path);
    // max_lease_ttl in the enable call itself: no separate tune that could fail half way.
    await mountNew(
      context,
      mount,
      { type: 'pki', description, config: { max_lease_ttl: max_ttl } },
      'use it (list_pki_issuers), choose another path, or delete_mount it first',
    );
    return {
      structured: { path: mount, max_ttl },
      text: `enabled PKI at ${mount}/ with max_ttl ${max_ttl}`,
    };
  },
});
