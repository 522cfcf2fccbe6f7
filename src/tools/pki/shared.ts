/** Fields and certificate summaries shared by the PKI tools. */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { VaultClient } from '../../client/client.js';
import type { ToolContext } from '../../server/context.js';
import { resolveMount } from '../common.js';

/** `mount`, defaulting to `pki` like the reference server (whose default was declared but not applied). */
export const pkiMountField = z.string().default('pki');

/**
 * A PKI tool's `mount`, cleaned and checked to be a visible PKI mount root
 * (`GET /v1/sys/internal/ui/mounts/<mount>`, looked up anew on every call), so a PKI tool never
 * reads or writes another engine's paths (`read_pki_role` on `secret/data`, or on a PKI mount that
 * was re-created as KV since it was cached, would return KV secret values: PKI reads withhold
 * nothing). PKI calls are rare; the one extra request buys that certainty.
 * @throws ToolInputError when it is empty, not visible, inside a mount or not a PKI mount.
 */
export async function pkiMount(
  context: ToolContext,
  mount: string,
  argument = 'mount',
): Promise<string> {
  return (await resolveMount(context, mount, { engine: 'pki', argument, fresh: true })).mount;
}

/**
 * The URL of a PKI mount as clients outside Vault reach it, `<address>/v1/[<namespace>/]<mount>`;
 * `/ca` and `/crl` under it serve the CA certificate and CRL (unauthenticated).
 */
export function pkiBaseUrl(vault: VaultClient, mount: string): string {
  const { address, namespace } = vault.info;
  return `${address}/v1/${namespace ? `${namespace}/` : ''}${mount}`;
}

/** Comma list or array → array of trimmed names (the reference took comma lists). */
export const nameListField = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

export const certificateSummarySchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  serial_number: z.string(),
  not_before: z.string(),
  not_after: z.string(),
  dns_names: z.array(z.string()),
  ip_addresses: z.array(z.string()),
});

export type CertificateSummary = z.infer<typeof certificateSummarySchema>;

/** Subject, issuer, validity and SANs of a PEM certificate (Node's X509Certificate; no extra library). */
export function summarize(pem: string): CertificateSummary | undefined {
  try {
    const cert = new X509Certificate(pem);
    const sans = (cert.subjectAltName ?? '').split(', ').filter(Boolean);
    return {
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      serial_number: (cert.serialNumber.match(/.{1,2}/g) ?? []).join(':').toLowerCase(),
      not_before: new Date(cert.validFrom).toISOString(),
      not_after: new Date(cert.validTo).toISOString(),
      dns_names: sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
      ip_addresses: sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11)),
    };
  } catch {
    return undefined;
  }
}

/** Unix seconds → RFC 3339. */
export function unixTime(seconds: unknown): string | undefined {
  return typeof seconds === 'number' && seconds > 0
    ? new Date(seconds * 1000).toISOString()
    : undefined;
}

/** The SAN fields of issue and sign requests, as Vault takes them (alt_names is a comma list). */
export function sanFields(sans: {
  alt_names?: string[] | undefined;
  ip_sans?: string[] | undefined;
  uri_sans?: string[] | undefined;
}): {
  alt_names?: string;
  ip_sans?: string[];
  uri_sans?: string[];
} {
  return {
    ...(sans.alt_names?.length ? { alt_names: sans.alt_names.join(',') } : {}),
    ...(sans.ip_sans?.length ? { ip_sans: sans.ip_sans } : {}),
    ...(sans.uri_sans?.length ? { uri_sans: sans.uri_sans } : {}),
  };
}

/** What Vault answers to issue and sign (the private key handled by the caller). */
export interface IssuedCertificate {
  readonly serial_number?: string | undefined;
  readonly certificate?: string | undefined;
  readonly issuing_ca?: string | undefined;
  readonly ca_chain?: string[] | undefined;
  readonly expiration?: number | undefined;
}

/** The public part of an issued or signed certificate, as both tools return it. */
export function certificateOutput(mount: string, role: string, answer: IssuedCertificate) {
  const summary = summarize(answer.certificate ?? '');
  const expiration = unixTime(answer.expiration);
  return {
    structured: {
      mount,
      role_name: role,
      serial_number: answer.serial_number ?? '',
      certificate: answer.certificate ?? '',
      issuing_ca: answer.issuing_ca ?? '',
      ca_chain: answer.ca_chain ?? [],
      ...(expiration ? { expiration } : {}),
      ...(summary ? { summary } : {}),
    },
    line: `${summary?.subject ?? 'the certificate'} (serial ${answer.serial_number ?? '?'}) with role '${role}' on ${mount}/, issued by ${summary?.issuer ?? '?'}, valid until ${expiration ?? '?'}, SANs: ${summary?.dns_names.join(', ') || '(none)'}`,
  };
}

/** Output fields shared by issue_pki_certificate and sign_pki_certificate. */
export const certificateOutputShape = {
  mount: z.string(),
  role_name: z.string(),
  serial_number: z.string(),
  certificate: z.string(),
  issuing_ca: z.string(),
  ca_chain: z.array(z.string()),
  expiration: z.string().optional(),
  summary: certificateSummarySchema.optional(),
};
