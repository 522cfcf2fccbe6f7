/**
 * What a PEM CSR asks for, read with PeculiarVentures' ASN.1 schemas (@peculiar/asn1-csr, the
 * layer under @peculiar/x509, without its dependency-injection container and global Reflect
 * polyfill). Only sign_pki_certificate needs it, so the libraries are imported on first use and
 * stay out of the start-up path.
 */
import { ToolInputError } from '../../server/context.js';

/** Names and key of a CSR, in the terms of Vault's sign request. */
export interface CsrFacts {
  /** Subject CN, or undefined when the subject has none. */
  readonly commonName: string | undefined;
  /** DNS names and email addresses of the SAN extension (Vault's `alt_names`). */
  readonly altNames: readonly string[];
  readonly ipSans: readonly string[];
  readonly uriSans: readonly string[];
  /** Vault's name of the key type (`rsa`, `ec`, `ed25519`), else the algorithm OID. */
  readonly keyType: string;
}

const OID_COMMON_NAME = '2.5.4.3';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const KEY_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.10045.2.1': 'ec',
  '1.3.101.112': 'ed25519',
};

/**
 * Parse a PEM CSR (`-----BEGIN CERTIFICATE REQUEST-----` or `NEW CERTIFICATE REQUEST`).
 * @throws ToolInputError when it is not a DER CSR inside PEM armour.
 */
export async function readCsr(pem: string): Promise<CsrFacts> {
  const [{ AsnConvert }, { CertificationRequest }, x509] = await Promise.all([
    import('@peculiar/asn1-schema'),
    import('@peculiar/asn1-csr'),
    import('@peculiar/asn1-x509'),
  ]);
  const body =
    /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(
      pem,
    )?.[1];
  try {
    if (!body) throw new Error('no END line');
    const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    const info = AsnConvert.parse(der, CertificationRequest).certificationRequestInfo;
    const names = [...info.attributes]
      .filter((attribute) => attribute.type === OID_EXTENSION_REQUEST)
      .flatMap((attribute) => attribute.values.map((v) => AsnConvert.parse(v, x509.Extensions)))
      .flatMap((extensions) => [...extensions])
      .filter((extension) => extension.extnID === x509.id_ce_subjectAltName)
      .flatMap((extension) => [
        ...AsnConvert.parse(extension.extnValue.buffer, x509.SubjectAlternativeName),
      ]);
    const algorithm = info.subjectPKInfo.algorithm.algorithm;
    return {
      commonName: [...info.subject]
        .flatMap((rdn) => [...rdn])
        .find((attribute) => attribute.type === OID_COMMON_NAME)
        ?.value.toString(),
      altNames: names.flatMap((n) => n.dNSName ?? n.rfc822Name ?? []),
      ipSans: names.flatMap((n) => n.iPAddress ?? []),
      uriSans: names.flatMap((n) => n.uniformResourceIdentifier ?? []),
      keyType: KEY_TYPES[algorithm] ?? algorithm,
    };
  } catch (error) {
    throw new ToolInputError(
      `csr is not a readable PEM CSR (${error instanceof Error ? error.message : String(error)}): give the whole block from -----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----`,
    );
  }
}
