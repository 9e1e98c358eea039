import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const PAGE = readFileSync(new URL('../dashboard/dashboard.html', import.meta.url), 'utf8');

/**
 * The operator dashboard: a static page (it holds no data) whose every call goes through the API and so
 * needs the API token when one is configured.
 */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header(
        'content-security-policy',
        "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'",
      )
      .send(PAGE),
  );
}
