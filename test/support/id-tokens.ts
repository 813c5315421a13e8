/**
 * Google-style ID tokens for tests, without Google: a locally generated RSA key signs the
 * tokens, its self-signed certificate stands in for Google's published ones
 * (https://www.googleapis.com/oauth2/v1/certs serves PEM certificates by key id), and an
 * OAuth2Client is handed those certificates instead of fetching them, so verifyIdToken runs as
 * in production and nothing reaches the network.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import forge from 'node-forge';
import { googleIdTokenVerifier, type IdTokenVerifier } from '../../functions/handlers/id-token.ts';

type SignonCerts = Awaited<ReturnType<OAuth2Client['getFederatedSignonCertsAsync']>>;

/** An OAuth2Client whose certificates are the given ones: no fetch from Google. */
class LocalCertsClient extends OAuth2Client {
  readonly #certs: Record<string, string>;
  constructor(certs: Record<string, string>) {
    super();
    this.#certs = certs;
  }
  override async getFederatedSignonCertsAsync(): Promise<SignonCerts> {
    // 'PEM' is the library's CertificateFormat.PEM, an enum it does not export.
    return { certs: this.#certs, format: 'PEM' as SignonCerts['format'] };
  }
}

export interface TokenClaims {
  readonly aud?: string;
  readonly email?: string;
  readonly iss?: string;
  /** Seconds from now; negative for a token that has expired. */
  readonly expiresIn?: number;
}

export interface IdTokenIssuer {
  /** A token signed by the issuer's key, as Google signs one (RS256, `kid` in the header). */
  sign(claims?: TokenClaims): string;
  /** The same claims with the signature left empty (an unsecured JWT, RFC 7519 section 6). */
  unsigned(claims?: TokenClaims): string;
  /** A verifier that trusts this issuer's certificate only. */
  readonly verifier: IdTokenVerifier;
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function idTokenIssuer(defaults: { aud: string; email: string }): IdTokenIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-key-1';
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = [{ name: 'commonName', value: 'peerlink-test-tokens' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(
    forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  const client = new LocalCertsClient({ [kid]: forge.pki.certificateToPem(cert) });
  const parts = (claims: TokenClaims) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: claims.iss ?? 'https://accounts.google.com',
      aud: claims.aud ?? defaults.aud,
      ...(claims.email === '' ? {} : { email: claims.email ?? defaults.email }),
      email_verified: true,
      sub: '100000000000000000001',
      iat: now - 60,
      exp: now + (claims.expiresIn ?? 3_600),
    };
    return `${b64url({ alg: 'RS256', kid, typ: 'JWT' })}.${b64url(payload)}`;
  };
  return {
    sign(claims = {}) {
      const signed = parts(claims);
      const signature = createSign('RSA-SHA256').update(signed).sign(privateKey, 'base64url');
      return `${signed}.${signature}`;
    },
    unsigned: (claims = {}) => `${parts(claims)}.`,
    verifier: googleIdTokenVerifier(async () => client),
  };
}
