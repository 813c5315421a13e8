import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A PEM certificate with the PEM private key that matches it. */
export interface CertPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** The simulated cluster's CA plus the API server's certificate that it signed. */
export interface ClusterCerts {
  readonly ca: CertPair;
  readonly server: CertPair;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface ForgeKeys {
  readonly privateKey: forge.pki.rsa.PrivateKey;
  readonly publicKey: forge.pki.rsa.PublicKey;
  readonly keyPem: string;
}

// RSA keys come from node:crypto (native, ~50 ms) rather than forge's pure-JS generator
// (seconds); forge only builds and signs the X.509 structures.
function newKeys(): ForgeKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    privateKey: forge.pki.privateKeyFromPem(keyPem),
    publicKey: forge.pki.publicKeyFromPem(
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ),
    keyPem,
  };
}

function serial(): string {
  // Positive serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function baseCert(publicKey: forge.pki.rsa.PublicKey, validDays: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  // Back-date by an hour so small clock differences never make the cert "not yet valid".
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + validDays * DAY_MS);
  return cert;
}

/**
 * Generates a fresh CA and a server certificate for `127.0.0.1` (and `localhost`) signed by it,
 * as GKE gives each cluster its own CA (`masterAuth.clusterCaCertificate`).
 * https://cloud.google.com/kubernetes-engine/docs/concepts/cluster-trust#root_of_trust
 */
export function generateClusterCerts(commonName = 'peerlink-sim'): ClusterCerts {
  const caKeys = newKeys();
  const ca = baseCert(caKeys.publicKey, 365);
  // forge writes names as PrintableString, which has no '_' (kubectl's Go parser rejects it).
  const printable = commonName.replace(/[^A-Za-z0-9 '()+,./:=?-]/g, '-');
  const caName = [{ name: 'commonName', value: `${printable}-ca` }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = newKeys();
  const server = baseCert(serverKeys.publicKey, 365);
  server.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // Clients verify the IP SAN (type 7), not the CN.
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    ca: { certPem: forge.pki.certificateToPem(ca), keyPem: caKeys.keyPem },
    server: { certPem: forge.pki.certificateToPem(server), keyPem: serverKeys.keyPem },
  };
}
