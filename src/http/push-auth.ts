import { createRemoteJWKSet, jwtVerify } from 'jose';
import { bearerToken, safeEqual } from './api-auth.ts';

export interface PushAuthSettings {
  /** Shared secret: `Authorization: Bearer <token>`, `X-Push-Token: <token>` or `?token=<token>`. */
  token?: string;
  /** Pub/Sub push OIDC: the audience configured on the push subscription. */
  oidcAudience?: string;
  oidcJwksUrl: string;
  oidcIssuer: string;
  /** The service account the push subscription signs as (required with an audience: any Google-signed token for
   * the audience would pass otherwise). */
  oidcEmail?: string;
}

/** Verifies push requests: a shared token (compared in constant time) or a Pub/Sub OIDC JWT. */
export class PushAuthenticator {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(private readonly settings: PushAuthSettings) {
    this.jwks = settings.oidcAudience ? createRemoteJWKSet(new URL(settings.oidcJwksUrl)) : undefined;
  }

  get isEnabled(): boolean {
    return Boolean(this.settings.token || this.settings.oidcAudience);
  }

  async isAllowed(
    headers: Record<string, string | string[] | undefined>,
    query: Record<string, unknown>,
  ): Promise<boolean> {
    if (!this.isEnabled) return true;
    const bearer = bearerToken(headers);
    const token = this.settings.token;
    if (token) {
      const candidates = [
        bearer,
        typeof headers['x-push-token'] === 'string' ? headers['x-push-token'] : undefined,
        typeof query.token === 'string' ? query.token : undefined,
      ];
      if (candidates.some((c) => c !== undefined && safeEqual(c, token))) return true;
    }
    if (this.jwks && bearer) {
      try {
        const { payload } = await jwtVerify(bearer, this.jwks, {
          audience: this.settings.oidcAudience,
          issuer: this.settings.oidcIssuer,
        });
        // Fail closed: without an expected service account, no token is enough.
        return (
          this.settings.oidcEmail !== undefined &&
          payload.email === this.settings.oidcEmail &&
          payload.email_verified === true
        );
      } catch {
        return false;
      }
    }
    return false;
  }
}
