import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONTROL_PREFIX } from './control.ts';

/**
 * The real API's OAuth scopes (docs.commercetools.com/api/scopes and the `OAuth 2.0 Scopes` of each endpoint in
 * the API reference), which @labdigital/commercetools-mock does not check: a token carries the scopes asked for
 * in the client-credentials request (all the API client's scopes when none are asked for), each for one
 * project; every endpoint needs one of its scopes, else 403 `insufficient_scope`.
 */

/** Per URL resource: the scopes that grant reading it, and those that grant writing it. */
const ENDPOINT_SCOPES: Record<string, { read: string[]; write: string[] }> = {
  '': { read: ['view_project_settings', 'manage_project_settings'], write: ['manage_project_settings'] },
  customers: { read: ['view_customers'], write: ['manage_customers'] },
  orders: { read: ['view_orders'], write: ['manage_orders'] },
  // Carts are guarded by the order scopes (API reference, carts.raml: `view_orders` / `manage_orders`).
  carts: { read: ['view_orders'], write: ['manage_orders'] },
  products: { read: ['view_products'], write: ['manage_products'] },
  'product-projections': { read: ['view_products', 'view_published_products'], write: [] },
  categories: { read: ['view_categories', 'view_products'], write: ['manage_categories', 'manage_products'] },
  payments: { read: ['view_payments'], write: ['manage_payments'] },
  inventory: { read: ['view_products'], write: ['manage_products'] },
  'custom-objects': {
    read: ['view_key_value_documents', 'view_products', 'view_orders', 'view_customers'],
    write: ['manage_key_value_documents', 'manage_products', 'manage_orders', 'manage_customers'],
  },
  subscriptions: { read: ['manage_subscriptions'], write: ['manage_subscriptions'] },
  channels: { read: ['view_channels', 'view_products'], write: ['manage_channels', 'manage_products'] },
  types: { read: ['view_types'], write: ['manage_types'] },
  'customer-groups': { read: ['view_customer_groups', 'view_customers'], write: ['manage_customer_groups'] },
  stores: { read: ['view_stores'], write: ['manage_stores'] },
  'product-selections': { read: ['view_product_selections'], write: ['manage_product_selections'] },
};

/** Scope names the stand-in knows (a token request for any other is 400 `invalid_scope`). */
const KNOWN_SCOPES = new Set([
  'manage_project',
  ...Object.values(ENDPOINT_SCOPES).flatMap((s) => [...s.read, ...s.write]),
  'manage_key_value_documents',
  'view_key_value_documents',
]);

/** `manage_x` implies `view_x`; `manage_project` grants every endpoint of its project. */
function grants(held: string, needed: string): boolean {
  return (
    held === needed || held === 'manage_project' || (needed.startsWith('view_') && held === `manage_${needed.slice(5)}`)
  );
}

function parseScopes(value: string): Array<{ name: string; projectKey: string }> {
  return value
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => {
      const i = s.indexOf(':');
      return i < 0 ? { name: s, projectKey: '' } : { name: s.slice(0, i), projectKey: s.slice(i + 1) };
    });
}

function authError(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply
    .status(status)
    .send({ statusCode: status, message, errors: [{ code: error, message }], error, error_description: message });
}

/** The scopes a token was issued with, by access token. */
export class ScopeRegistry {
  private readonly byToken = new Map<string, string>();

  constructor(private readonly clientScopes: (projectKey: string) => string) {}

  /** Registers the hooks: token responses record (and report) their scopes; API requests are checked against them. */
  install(app: FastifyInstance, defaultProjectKey: string): void {
    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.url.startsWith('/oauth/token')) return undefined;
      const requested = this.requestedScope(request);
      if (requested === undefined) return undefined;
      const unknown = parseScopes(requested).filter((s) => !KNOWN_SCOPES.has(s.name) || s.projectKey === '');
      if (unknown.length) {
        return authError(
          reply,
          400,
          'invalid_scope',
          `Malformed parameter: scope: Invalid scope (${unknown.map((s) => s.name).join(', ')}).`,
        );
      }
      return undefined;
    });
    app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (!request.url.startsWith('/oauth/token') || reply.statusCode !== 200 || typeof payload !== 'string')
        return payload;
      const token = JSON.parse(payload) as { access_token?: string; scope?: string };
      if (!token.access_token) return payload;
      const scope = this.requestedScope(request) ?? this.clientScopes(defaultProjectKey);
      this.byToken.set(token.access_token, scope);
      return JSON.stringify({ ...token, scope });
    });
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.url.startsWith('/oauth') || request.url.startsWith(CONTROL_PREFIX)) return undefined;
      const auth = request.headers.authorization;
      const token = typeof auth === 'string' ? /^Bearer\s+(\S+)$/.exec(auth)?.[1] : undefined;
      const scope = token ? this.byToken.get(token) : undefined;
      // An unknown or missing token is the mock's to refuse (401 invalid_token).
      if (scope === undefined) return undefined;
      const parts = request.url.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
      const [projectKey, resource = ''] = parts;
      if (!projectKey) return undefined;
      const endpoint = ENDPOINT_SCOPES[resource] ?? { read: [], write: [] };
      const isRead = request.method === 'GET' || request.method === 'HEAD';
      const needed = isRead ? endpoint.read : endpoint.write;
      const held = parseScopes(scope).filter((s) => s.projectKey === projectKey);
      if (held.some((h) => h.name === 'manage_project' || needed.some((n) => grants(h.name, n)))) return undefined;
      const missing = needed.length ? needed.join(', ') : 'manage_project';
      return authError(
        reply,
        403,
        'insufficient_scope',
        `Insufficient scope. One of the following scopes is missing: ${missing}.`,
      );
    });
  }

  private requestedScope(request: FastifyRequest): string | undefined {
    const body = request.body as { scope?: unknown } | undefined;
    const query = request.query as { scope?: unknown } | undefined;
    const scope =
      typeof body?.scope === 'string' ? body.scope : typeof query?.scope === 'string' ? query.scope : undefined;
    return scope?.trim() ? scope.trim() : undefined;
  }
}
