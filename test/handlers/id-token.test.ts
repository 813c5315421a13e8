/**
 * The ID token verifier's own answers: what it can tell without Google's certificates (a bearer
 * that is not a JWT, a signature Google removed) it tells without fetching them, and a failed
 * fetch is a 503 (the caller may try again), not a verdict on the token.
 */
import { OAuth2Client } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { googleIdTokenVerifier, TokenRejected } from '../../functions/handlers/id-token.ts';
import { idTokenIssuer } from '../support/id-tokens.ts';

const AUDIENCE = ['https://peerlink-bootstrap-123456789.europe-west1.run.app'];

/** An OAuth2Client that cannot reach Google, counting its attempts. */
class Offline extends OAuth2Client {
  fetches = 0;
  override async getFederatedSignonCertsAsync(): Promise<never> {
    this.fetches++;
    throw new Error('Failed to retrieve verification certificates: getaddrinfo ENOTFOUND');
  }
}

async function rejection(p: Promise<unknown>): Promise<TokenRejected> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof TokenRejected)) throw new Error(`expected TokenRejected, got ${String(e)}`);
  return e;
}

describe('googleIdTokenVerifier', () => {
  const tokens = idTokenIssuer({ aud: AUDIENCE[0] ?? '', email: 'a@b.iam.gserviceaccount.com' });

  it.each([
    [
      'a bearer that is not a JWT',
      'not-a-real-token',
      /^the bearer token is not a Google ID token/,
    ],
    ['a JWT with four parts', 'a.b.c.d', /^the bearer token is not a Google ID token/],
    [
      'a token whose signature Google removed',
      `${tokens.unsigned()}SIGNATURE_REMOVED_BY_GOOGLE`,
      /signature was removed by Google/,
    ],
  ])('refuses %s with 401 without fetching certificates', async (_name, token, reason) => {
    const client = new Offline();
    const e = await rejection(googleIdTokenVerifier(async () => client).verify(token, AUDIENCE));
    expect({ status: e.status, message: e.message }).toEqual({
      status: 401,
      message: expect.stringMatching(reason),
    });
    expect(client.fetches).toBe(0);
  });

  it("answers 503 when Google's certificates cannot be fetched", async () => {
    const client = new Offline();
    const e = await rejection(
      googleIdTokenVerifier(async () => client).verify(tokens.sign(), AUDIENCE),
    );
    expect({ status: e.status, message: e.message }).toEqual({
      status: 503,
      message: "Google's certificates could not be fetched to check the ID token; try again",
    });
  });

  it('returns the email of a valid token', async () => {
    await expect(tokens.verifier.verify(tokens.sign(), AUDIENCE)).resolves.toEqual({
      email: 'a@b.iam.gserviceaccount.com',
    });
  });
});
