// The OpenAPI document: every route, its parameters, bodies and answers, from the zod schemas.
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/server/openapi.js';

interface Doc {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> }; responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { schemas: Record<string, { properties: Record<string, unknown> }>; securitySchemes: Record<string, unknown> };
}

describe('openApiDocument', () => {
  const doc = openApiDocument('1.2.3') as unknown as Doc;

  it('describes every route', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('1.2.3');
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
        'GET /api/instruments',
        'GET /api/book/{symbol}',
        'GET /api/trades/{symbol}',
        'GET /api/executions',
        'GET /api/stats',
        'GET /api/market',
        'GET /api/market/{symbol}',
        'GET /api/orders/{id}',
        'GET /api/orders',
        'POST /api/orders',
        'DELETE /api/orders/{id}',
        'POST /api/admin/instruments',
        'POST /api/admin/instruments/{symbol}/halt',
        'POST /api/admin/instruments/{symbol}/resume',
        'GET /api/fix/sessions',
        'GET /api/fix/sessions/{key}/messages',
        'GET /api/strategies',
        'GET /api/strategies/{id}',
        'GET /api/strategies/{id}/fills',
        'GET /api/strategies/{id}/report',
        'POST /api/strategies/{id}/start',
        'POST /api/strategies/{id}/stop',
        'POST /api/strategies/{id}/kill',
        'POST /api/strategies/{id}/reset',
        'PATCH /api/strategies/{id}/params',
        'GET /health',
      ].sort(),
    );
  });

  it('gives parameters, request bodies, answers and the bearer guard from the schemas', () => {
    const book = doc.paths['/api/book/{symbol}'].get;
    expect(book.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['path:symbol', 'query:depth']);
    expect(Object.keys(book.responses).sort()).toEqual(['200', '400', '404']);
    const entry = doc.paths['/api/orders'].post;
    const body = entry.requestBody!.content['application/json'].schema;
    expect(Object.keys(body.properties)).toContain('client_order_id');
    expect(body.required.sort()).toEqual(['account', 'quantity', 'side', 'symbol', 'type']);
    expect(entry.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/orders'].get.security).toBeUndefined();
    expect(Object.keys(doc.components.schemas.Error.properties)).toEqual(['code', 'message', 'reject_code']);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
