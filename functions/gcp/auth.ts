/**
 * Credentials shared by every client: one auth object per process, built on first use. The
 * same OAuth token also authenticates to GKE's Kubernetes API, as `gcloud` and GKE's
 * auth plugin do.
 */
import type { GoogleAuth, OAuth2Client } from 'google-auth-library';
import type { CloudConfig } from './config.ts';

/** Client-library options that carry credentials: exactly one of the two is set. */
export type AuthOptions = { readonly authClient: OAuth2Client } | { readonly auth: GoogleAuth };

export interface Auth {
  /** Options to spread into a Google client's constructor options. */
  options(): Promise<AuthOptions>;
  /** A current OAuth access token (for the Kubernetes API). */
  token(): Promise<string>;
}

/** Far enough ahead that the library never tries to refresh the static token. */
const STATIC_TOKEN_EXPIRY = Date.UTC(2100, 0, 1);

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * With `config.accessToken`: an OAuth2Client that sends that token and never refreshes it
 * (local runs; no metadata server is ever probed). Otherwise Application Default Credentials
 * with the cloud-platform scope.
 */
export function createAuth(config: Pick<CloudConfig, 'accessToken'>): Auth {
  let built: Promise<{ options: AuthOptions; token: () => Promise<string> }> | undefined;
  const build = async () => {
    const lib = await import('google-auth-library');
    const staticToken = config.accessToken;
    if (staticToken !== undefined) {
      const authClient = new lib.OAuth2Client();
      authClient.setCredentials({ access_token: staticToken, expiry_date: STATIC_TOKEN_EXPIRY });
      return { options: { authClient }, token: async () => staticToken };
    }
    const auth = new lib.GoogleAuth({ scopes: [CLOUD_PLATFORM] });
    return {
      options: { auth },
      token: async () => {
        const t = await auth.getAccessToken();
        if (!t) throw new Error('Application Default Credentials gave no access token');
        return t;
      },
    };
  };
  const get = () => {
    built ??= build();
    return built;
  };
  return {
    options: async () => (await get()).options,
    token: async () => (await get()).token(),
  };
}
