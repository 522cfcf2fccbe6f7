/** Fields and certificate summaries shared by the PKI tools. */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';

/** `mount`, defaulting to `pki` like the reference server (whose default was declared but not applied). */
export const pkiMountField = z
  .string()
  .default('pki')
  .describe("Mount path of the PKI secrets engine; defaults to 'pki'.");

/** Comma list or array → array of trimmed names (the reference took comma lists). */
export const nameListField = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

export const certificateSummarySchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  serial_number: z.string().describe('Colon-separated hex, as Vault writes it.'),
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
