/**
 * Writes docs/openapi.json, the OpenAPI description of our HTTP API generated from the route schemas (the
 * same document the service serves at /docs/json). A test checks the committed file is up to date.
 *
 *   npm run openapi
 */
import { writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { silentLogger } from '../src/core/logger.ts';
import { type AppDeps, buildApp } from '../src/http/build-app.ts';

/** The app with inert dependencies: enough to describe the routes, never to serve them. */
export function describeApi(): FastifyInstance {
  const inert = {} as never;
  const deps: AppDeps = {
    appType: 'ALL',
    registry: inert,
    readiness: [],
    logger: silentLogger(),
    realtime: { intake: inert, auth: inert, skipBase64Decode: false },
    privacy: inert,
    metrics: { registry: new Registry(), render: async () => '' },
  };
  return buildApp(deps);
}

export async function openApiDocument(): Promise<string> {
  const app = describeApi();
  await app.ready();
  const doc = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return doc;
}

if (process.argv[1]?.endsWith('openapi.ts')) {
  writeFileSync(new URL('../docs/openapi.json', import.meta.url), await openApiDocument());
  process.stdout.write('Wrote docs/openapi.json\n');
}
