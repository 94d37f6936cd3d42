import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface Certificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, `AB:CD:...` as Node and the PVE GUI print it. */
  fingerprint: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1/localhost, made the way
 * Proxmox makes its own (openssl; argument arrays, no shell). Being
 * self-signed it is also its own CA, for the "configured CA file" case.
 */
export async function selfSignedCertificate(commonName = 'pve-fake'): Promise<Certificate> {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-pve-cert-'));
  try {
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    await execa('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${commonName}`,
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    const { stdout } = await execa('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256']);
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), fingerprint: stdout.split('=')[1]!.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
