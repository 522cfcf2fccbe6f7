/** A fresh P-256 key pair and CSR, made in-process as a developer's tooling would (no openssl needed). */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** PEM CSR for `commonName` with the given DNS SANs; the private key never leaves this process. */
export async function makeCsr(
  commonName: string,
  dnsNames: readonly string[] = [],
): Promise<string> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys: keys as unknown as Parameters<
      typeof x509.Pkcs10CertificateRequestGenerator.create
    >[0]['keys'],
    signingAlgorithm: algorithm,
    extensions: dnsNames.length
      ? [
          new x509.SubjectAlternativeNameExtension(
            dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ),
        ]
      : [],
  });
  return csr.toString('pem');
}

/** Subject CN and DNS SANs of a PEM certificate. */
export function describeCertificate(pem: string): {
  subject: string;
  issuer: string;
  dnsNames: string[];
  serial: string;
} {
  const cert = new x509.X509Certificate(pem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    dnsNames: san ? san.names.items.filter((n) => n.type === 'dns').map((n) => n.value) : [],
    serial: cert.serialNumber,
  };
}
