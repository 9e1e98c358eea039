import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../scripts/openapi.ts';

describe('docs/openapi.json', () => {
  it('is generated from the route schemas and up to date (run npm run openapi after changing a route)', async () => {
    const generated = await openApiDocument();
    expect(readFileSync(new URL('../docs/openapi.json', import.meta.url), 'utf8')).toBe(generated);
    const doc = JSON.parse(generated);
    expect(doc.paths['/sync/orders'].post.requestBody.content['application/json'].schema.properties).toHaveProperty(
      'since',
    );
    expect(doc.paths['/sync/categories'].post.requestBody.content['application/json'].schema.properties).toHaveProperty(
      'confirmDeletion',
    );
  });
});
