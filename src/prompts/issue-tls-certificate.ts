import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';
import { lines, served, type PromptDefinition } from './prompt.js';

/** The tutorial's certificate step: prefer a CSR made locally over a key Vault generates. */
export const issueTlsCertificate: PromptDefinition = {
  name: 'issue_tls_certificate',
  title: 'Issue a TLS certificate',
  description:
    'Get a TLS certificate for a service from a PKI role, preferring a CSR made locally (the private key never leaves the machine) over issue_pki_certificate.',
  args: (c) => ({
    mount: completable(z.string().describe("PKI mount, e.g. 'pki_int'."), c.mounts('pki')),
    role: completable(z.string().describe('PKI role to sign with.'), c.role('mount')),
    common_name: z.string().describe("Service name, e.g. 'api.hashicups.internal'."),
  }),
  text: async ({ mount = 'pki', role = '', common_name = '' }, deps) => {
    const sign = served(deps, 'sign_pki_certificate');
    const issue = served(deps, 'issue_pki_certificate');
    const readRole = served(deps, 'read_pki_role');
    const csr = `openssl req -new -newkey rsa:2048 -nodes -keyout ${common_name}.key -out ${common_name}.csr -subj "/CN=${common_name}"`;
    return lines(
      `Get a TLS certificate for ${common_name} from the role "${role}" of the PKI mount "${mount}".`,
      readRole &&
        `First check with ${readRole} that the role allows this name (allowed_domains, allow_subdomains) and the lifetime needed.`,
      `The resource vault://pki/${mount}/ca_chain has the CA chain clients must trust.`,
      '',
      "Prefer a certificate signing request made on the person's machine: the private key is created there and never reaches Vault, this chat or the model. Ask the person to run:",
      `  ${csr}`,
      sign
        ? `Then call ${sign} with mount "${mount}", role_name "${role}" and the CSR's PEM text (the .csr file, not the .key).`
        : 'This server cannot sign certificates (read-only, or the signing tool is not enabled): give the person the command to sign the CSR themselves, `vault write ' +
            `${mount}/sign/${role} csr=@${common_name}.csr\`.`,
      issue && sign
        ? `Use ${issue} only if the person cannot make a CSR: Vault then generates the private key, and vault-mcp withholds it from the model unless the operator allows revealing it.`
        : undefined,
      'Never ask for or print a private key.',
    );
  },
};
