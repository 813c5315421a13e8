/**
 * Who calls the bootstrap function, checked in the function itself as defence in depth behind
 * Cloud Run's IAM check: the caller's Google-signed ID token must be valid and for this
 * function (https://cloud.google.com/run/docs/authenticating/service-to-service), so a function
 * made public by mistake still provisions nothing for a stranger.
 */
import type { OAuth2Client } from 'google-auth-library';

/** The verified caller. */
export interface Caller {
  readonly email: string;
}

export interface IdTokenVerifier {
  /**
   * Checks signature, issuer, expiry and audience.
   * @throws TokenRejected: 401 (the caller's token) or 503 (Google's certificates could not be
   * fetched; the caller may try again).
   */
  verify(token: string, audience: readonly string[]): Promise<Caller>;
}

export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
  readonly status: 401 | 503;
  constructor(message: string, status: 401 | 503 = 401, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

// Google replaces the signature of an ID token that gcloud minted for a user account before a
// private service sees it, so that the service cannot replay it
// (https://cloud.google.com/run/docs/troubleshooting, "Identity token signature redacted by Google").
const REDACTED = '.SIGNATURE_REMOVED_BY_GOOGLE';

/**
 * google-auth-library's verifySignedJwtWithCertsAsync (build/src/auth/oauth2client.js) says why
 * a token failed only in its messages; each prefix it throws, in the caller's terms.
 */
const REASONS: readonly (readonly [RegExp, string])[] = [
  [/^Wrong recipient/, 'the ID token is for another audience'],
  [/^Token used too late/, 'the ID token has expired'],
  [/^Token used too early/, 'the ID token is not valid yet (issued in the future)'],
  [/^Expiration time too far in future/, 'the ID token lives longer than a Google one can'],
  [/^Invalid issuer/, 'the ID token was not issued by Google'],
  [/^(No pem found|Invalid token signature)/, 'the ID token is not signed by Google'],
  [
    /^(Wrong number of segments|Can't parse token|No issue time|No expiration time|iat field|exp field)/,
    'the bearer token is not a Google ID token (a signed JWT)',
  ],
];

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One reason for a rejected token; never the token itself, which the library's messages quote. */
export function reasonOf(e: unknown, audience: readonly string[]): string {
  const text = messageOf(e);
  const reason = REASONS.find(([re]) => re.test(text))?.[1] ?? 'the ID token could not be verified';
  return reason === 'the ID token is for another audience'
    ? `${reason}: this function accepts ${audience.join(', ')}`
    : reason;
}

/**
 * Verifies with OAuth2Client.verifyIdToken, which fetches Google's certificates (and caches them
 * as long as Google's Cache-Control says). `client` is made on first use: the library loads only
 * when a token is checked.
 */
export function googleIdTokenVerifier(
  client: () => Promise<OAuth2Client> = async () =>
    new (await import('google-auth-library')).OAuth2Client(),
): IdTokenVerifier {
  let made: Promise<OAuth2Client> | undefined;
  return {
    async verify(token, audience) {
      if (token.endsWith(REDACTED))
        throw new TokenRejected(
          "the ID token's signature was removed by Google (an ID token gcloud minted for a user account): send one minted for this function's URL, e.g. gcloud auth print-identity-token --impersonate-service-account=SA --audiences=URL",
        );
      // A JWT is three base64url parts (RFC 7519 section 7.2); the library fetches Google's
      // certificates before it looks, so an unreachable Google would answer 503 for junk.
      if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token))
        throw new TokenRejected('the bearer token is not a Google ID token (a signed JWT)');
      made ??= client().catch((e: unknown) => {
        made = undefined;
        throw e;
      });
      let email: string | undefined;
      try {
        const ticket = await (await made).verifyIdToken({
          idToken: token,
          audience: [...audience],
        });
        email = ticket.getPayload()?.email;
      } catch (e) {
        if (messageOf(e).startsWith('Failed to retrieve verification certificates'))
          throw new TokenRejected(
            "Google's certificates could not be fetched to check the ID token; try again",
            503,
            { cause: e },
          );
        throw new TokenRejected(reasonOf(e, audience), 401, { cause: e });
      }
      if (!email) throw new TokenRejected('the ID token names no caller (it has no email claim)');
      return { email };
    },
  };
}
