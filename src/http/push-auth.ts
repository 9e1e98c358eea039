import { timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface PushAuthSettings {
  /** Shared secret: `Authorization: Bearer <token>`, `X-Push-Token: <token>` or `?token=<token>`. */
  token?: string;
  /** Pub/Sub push OIDC: the audience configured on the push subscription. */
  oidcAudience?: string;
  oidcJwksUrl: string;
  oidcIssuer: string;
  /** Optional: the service account the push subscription signs as. */
  oidcEmail?: string;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
    const auth = typeof headers.authorization === 'string' ? headers.authorization : '';
    const bearer = auth.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
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
        if (this.settings.oidcEmail && payload.email !== this.settings.oidcEmail) return false;
        return true;
      } catch {
        return false;
      }
    }
    return false;
  }
}
