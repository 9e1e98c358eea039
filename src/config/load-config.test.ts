import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { loadConfig } from './load-config.ts';

const VALID = {
  CT_API_URL: 'https://api.example.com/',
  CT_AUTH_URL: 'https://auth.example.com',
  CT_PROJECT_ID: 'shop',
  CT_SCOPE: 'view_customers:shop manage_key_value_documents:shop',
  CT_API_CLIENT: '{"clientId":"cid","secret":"s3cr3t-value"}',
  KLAVIYO_AUTH_KEY: 'pk_secret_key',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { envFile: false });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  it('reads the seed variables with their defaults', () => {
    const c = loadConfig(VALID, { envFile: false });
    expect(c.commercetools).toMatchObject({
      apiUrl: 'https://api.example.com',
      projectKey: 'shop',
      scopes: ['view_customers:shop', 'manage_key_value_documents:shop'],
      clientId: 'cid',
      clientSecret: 's3cr3t-value',
    });
    expect(c.klaviyo.apiUrl).toBe('https://a.klaviyo.com');
    expect(c.port).toBe(6779);
    expect(c.appType).toBe('ALL');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('accepts CT_SCOPES for CT_SCOPE', () => {
    const { CT_SCOPE: _s, ...rest } = VALID;
    expect(loadConfig({ ...rest, CT_SCOPES: 'a b' }, { envFile: false }).commercetools.scopes).toEqual(['a', 'b']);
  });

  it('lists every problem at once, with what a valid value looks like', () => {
    const found = problems({
      CT_API_URL: 'not a url',
      CT_API_CLIENT: '{"clientId":1}',
      APP_TYPE: 'BOTH',
      PUB_SUB_PORT: '99999',
      PREFERRED_CURRENCY: 'euro',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('CT_AUTH_URL is required'),
        expect.stringContaining('CT_PROJECT_ID is required'),
        expect.stringContaining('CT_SCOPE is required'),
        expect.stringContaining('KLAVIYO_AUTH_KEY is required'),
        expect.stringContaining('CT_API_CLIENT must be JSON'),
        expect.stringContaining('APP_TYPE must be BULK_IMPORT or EVENT'),
        expect.stringContaining('PUB_SUB_PORT must be a port number'),
        expect.stringContaining('PREFERRED_CURRENCY must be an ISO 4217 code'),
        expect.stringContaining('CT_API_URL must be an http(s) URL'),
      ]),
    );
  });

  it('reads rate-limit overrides and rejects malformed ones', () => {
    expect(
      loadConfig(
        { ...VALID, KLAVIYO_RATE_LIMITS: '{"bulk_import_profiles":{"burstPerSecond":5,"steadyPerMinute":100}}' },
        { envFile: false },
      ).klaviyo.rateLimits,
    ).toEqual({ bulk_import_profiles: { burstPerSecond: 5, steadyPerMinute: 100 } });
    expect(problems({ ...VALID, KLAVIYO_RATE_LIMITS: '{"x":{"burstPerSecond":0}}' })).toEqual([
      expect.stringContaining('KLAVIYO_RATE_LIMITS must be JSON'),
    ]);
  });

  it('refuses to listen beyond loopback without a management token unless explicitly allowed', () => {
    const pushes = { PUSH_AUTH_TOKEN: 'p'.repeat(16) };
    expect(problems({ ...VALID, ...pushes, HOST: '0.0.0.0' })).toEqual([expect.stringContaining('set SYNC_API_TOKEN')]);
    expect(problems({ ...VALID, ...pushes, HOST: '0.0.0.0', SYNC_API_TOKEN: 'x'.repeat(16) })).toEqual([]);
    expect(problems({ ...VALID, ...pushes, HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED_API: 'true' })).toEqual([]);
    expect(problems({ ...VALID, SYNC_API_TOKEN: 'short' })).toEqual([
      expect.stringContaining('at least 16 characters'),
    ]);
    // Sixteen spaces, or a token with a space in it, are no secret.
    expect(problems({ ...VALID, SYNC_API_TOKEN: ' '.repeat(16) })).toEqual([
      expect.stringContaining('SYNC_API_TOKEN must be at least 16 characters without spaces'),
    ]);
    expect(problems({ ...VALID, PUSH_AUTH_TOKEN: 'sixteen chars but spaced' })).toEqual([
      expect.stringContaining('PUSH_AUTH_TOKEN must be at least 16 characters without spaces'),
    ]);
  });

  it('fails closed on pushes beyond loopback: push authentication, imports only, or an explicit opt-out', () => {
    const exposed = { ...VALID, HOST: '0.0.0.0', SYNC_API_TOKEN: 'x'.repeat(16) };
    expect(problems(exposed)).toEqual([expect.stringContaining('exposes the real-time push endpoints')]);
    expect(problems({ ...exposed, PUSH_AUTH_TOKEN: 'p'.repeat(16) })).toEqual([]);
    expect(problems({ ...exposed, PUSH_OIDC_AUDIENCE: 'https://svc', PUSH_OIDC_EMAIL: 'push@p.iam.example' })).toEqual(
      [],
    );
    expect(problems({ ...exposed, APP_TYPE: 'BULK_IMPORT' })).toEqual([]);
    expect(problems({ ...exposed, ALLOW_UNAUTHENTICATED_PUSH: 'true' })).toEqual([]);
    // On loopback nothing else can reach the port.
    expect(problems({ ...VALID })).toEqual([]);
  });

  it('an OIDC audience needs the service account the pushes are signed as', () => {
    expect(problems({ ...VALID, PUSH_OIDC_AUDIENCE: 'https://svc' })).toEqual([
      expect.stringContaining('PUSH_OIDC_AUDIENCE needs PUSH_OIDC_EMAIL'),
    ]);
  });

  it('never echoes secrets in its message', () => {
    try {
      loadConfig(
        {
          ...VALID,
          CT_API_CLIENT: '{"clientId":"cid","secret":42,"hint":"s3cr3t-value"}',
          KLAVIYO_AUTH_KEY: 'pk_secret_key',
          CT_API_URL: 'pk_secret_key',
        },
        { envFile: false },
      );
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cr3t-value');
      expect((e as Error).message).not.toContain('pk_secret_key');
    }
  });
});
