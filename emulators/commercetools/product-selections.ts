import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_LIMIT, MAX_OFFSET, splitPath } from './fidelity.ts';
import type { IndexedStorage } from './indexed-storage.ts';

/** Where the stand-in keeps which products a product selection holds (the mock has no such endpoint). */
export const ASSIGNMENT_TYPE_ID = 'product-selection-product';

type Assignment = { id: string; productSelection: { id: string }; product: { id: string } };

/**
 * `GET /{projectKey}/product-selections/{id}/products` (API reference: Product Selections, "Query Products in
 * Product Selection"): the products a selection holds, as AssignedProductReferences, paged by limit and offset
 * (limit ≤ 500, offset ≤ 10,000 as everywhere), in product id order. The mock does not serve it.
 */
export function installProductSelectionProducts(app: FastifyInstance, storage: IndexedStorage): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET') return undefined;
    const p = splitPath(request.url);
    if (p?.resource !== 'product-selections' || p.rest.length !== 2 || p.rest[1] !== 'products') return undefined;
    const selections = (await storage.all(p.projectKey, 'product-selection' as never)) as unknown as Array<{
      id: string;
      key?: string;
    }>;
    const ref = p.rest[0];
    const selection = selections.find((s) => (ref.startsWith('key=') ? s.key === ref.slice(4) : s.id === ref));
    if (!selection)
      return reply.status(404).send({
        statusCode: 404,
        message: `The Resource with ID '${ref}' was not found.`,
        errors: [{ code: 'ResourceNotFound', message: `The Resource with ID '${ref}' was not found.` }],
      });
    const q = request.query as { limit?: string; offset?: string };
    const limit = Math.min(Number(q.limit ?? 20), MAX_LIMIT);
    const offset = Math.min(Number(q.offset ?? 0), MAX_OFFSET);
    const all = ((await storage.all(p.projectKey, ASSIGNMENT_TYPE_ID as never)) as unknown as Assignment[])
      .filter((a) => a.productSelection.id === selection.id)
      .map((a) => a.product.id)
      .sort();
    const page = all.slice(offset, offset + limit);
    return reply.status(200).send({
      limit,
      offset,
      count: page.length,
      total: all.length,
      results: page.map((id) => ({ product: { typeId: 'product', id } })),
    });
  });
}
