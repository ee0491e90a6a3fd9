// The OpenAPI 3.1 description served at /api/openapi.json, made from the same zod schemas the
// server validates with, so the description cannot drift from what the server accepts and sends.
import { z } from 'zod';
import {
  apiError,
  bookQuery,
  bookResponse,
  cancelQuery,
  executionsQuery,
  executionsResponse,
  fixSessionMessagesQuery,
  fixSessionMessagesResponse,
  fixSessionsResponse,
  healthResponse,
  instrumentResponse,
  instrumentsResponse,
  listInstrumentRequest,
  marketQuery,
  marketResponse,
  marketSymbolResponse,
  newOrderRequest,
  orderResponse,
  ordersQuery,
  ordersResponse,
  statsResponse,
  strategiesResponse,
  strategyDetailResponse,
  strategyFillsQuery,
  strategyFillsResponse,
  strategyKillRequest,
  strategyParamsPatch,
  strategyParamsResponse,
  strategyReportQuery,
  strategyReportResponse,
  strategyResponse,
  tradesQuery,
  tradesResponse,
} from '../protocol/index.js';

type JsonSchema = Record<string, unknown>;

interface Operation {
  readonly method: 'get' | 'post' | 'delete' | 'patch';
  readonly path: string;
  readonly summary: string;
  readonly query?: z.ZodObject;
  readonly pathParams?: readonly string[];
  readonly body?: z.ZodType;
  readonly ok: { readonly status: number; readonly schema: z.ZodType };
  readonly guarded?: boolean;
  readonly errors: readonly number[];
}

const OPERATIONS: readonly Operation[] = [
  { method: 'get', path: '/api/instruments', summary: 'Listed instruments', ok: { status: 200, schema: instrumentsResponse }, errors: [] },
  { method: 'get', path: '/api/book/{symbol}', summary: "A symbol's price levels, best first", pathParams: ['symbol'], query: bookQuery, ok: { status: 200, schema: bookResponse }, errors: [400, 404] },
  { method: 'get', path: '/api/trades/{symbol}', summary: "A symbol's latest trades, newest first", pathParams: ['symbol'], query: tradesQuery, ok: { status: 200, schema: tradesResponse }, errors: [400, 404] },
  { method: 'get', path: '/api/executions', summary: 'Latest executions over all symbols, newest first', query: executionsQuery, ok: { status: 200, schema: executionsResponse }, errors: [400] },
  { method: 'get', path: '/api/stats', summary: 'Activity since the server started', ok: { status: 200, schema: statsResponse }, errors: [] },
  { method: 'get', path: '/api/market', summary: 'The reference (outside) market: source, state, and each symbol\'s top of book, last price and latency', ok: { status: 200, schema: marketResponse }, errors: [] },
  {
    method: 'get',
    path: '/api/market/{symbol}',
    summary: "A reference symbol: book levels, latest trades, 24 h ticker, feed state, latency and quality",
    pathParams: ['symbol'],
    query: marketQuery,
    ok: { status: 200, schema: marketSymbolResponse },
    errors: [400, 404],
  },
  { method: 'get', path: '/api/orders/{id}', summary: 'One order', pathParams: ['id'], ok: { status: 200, schema: orderResponse }, errors: [400, 404] },
  { method: 'get', path: '/api/orders', summary: 'Live orders, of one account or all', query: ordersQuery, ok: { status: 200, schema: ordersResponse }, errors: [400] },
  { method: 'post', path: '/api/orders', summary: 'Enter an order (answered once durable)', body: newOrderRequest, guarded: true, ok: { status: 201, schema: orderResponse }, errors: [400, 401, 409, 413, 415, 422, 503] },
  { method: 'delete', path: '/api/orders/{id}', summary: 'Cancel a live order', pathParams: ['id'], query: cancelQuery, guarded: true, ok: { status: 200, schema: orderResponse }, errors: [400, 401, 404, 422, 503] },
  { method: 'post', path: '/api/admin/instruments', summary: 'List a new instrument', body: listInstrumentRequest, guarded: true, ok: { status: 201, schema: instrumentResponse }, errors: [400, 401, 409, 413, 415, 422, 503] },
  { method: 'post', path: '/api/admin/instruments/{symbol}/halt', summary: 'Halt trading in a symbol (live orders are cancelled)', pathParams: ['symbol'], guarded: true, ok: { status: 200, schema: instrumentResponse }, errors: [400, 401, 404, 503] },
  { method: 'post', path: '/api/admin/instruments/{symbol}/resume', summary: 'Resume trading in a halted symbol', pathParams: ['symbol'], guarded: true, ok: { status: 200, schema: instrumentResponse }, errors: [400, 401, 404, 503] },
  { method: 'get', path: '/api/fix/sessions', summary: "The FIX acceptor's sessions: state, sequence numbers, message rates", ok: { status: 200, schema: fixSessionsResponse }, errors: [] },
  {
    method: 'get',
    path: '/api/fix/sessions/{key}/messages',
    summary: "A FIX session's recent messages, decoded field by field",
    pathParams: ['key'],
    query: fixSessionMessagesQuery,
    ok: { status: 200, schema: fixSessionMessagesResponse },
    errors: [400, 404],
  },
  { method: 'get', path: '/api/strategies', summary: 'The strategies the venue runs: state, position, P&L, drawdown, Sharpe', ok: { status: 200, schema: strategiesResponse }, errors: [] },
  { method: 'get', path: '/api/strategies/{id}', summary: 'One strategy, with its parameters and latest fills', pathParams: ['id'], ok: { status: 200, schema: strategyDetailResponse }, errors: [400, 404] },
  { method: 'get', path: '/api/strategies/{id}/fills', summary: "A strategy's fills, oldest first (format=csv for a CSV file)", pathParams: ['id'], query: strategyFillsQuery, ok: { status: 200, schema: strategyFillsResponse }, errors: [400, 404] },
  { method: 'get', path: '/api/strategies/{id}/report', summary: "A strategy's equity curve and ratios (format=csv for the curve as CSV)", pathParams: ['id'], query: strategyReportQuery, ok: { status: 200, schema: strategyReportResponse }, errors: [400, 404] },
  { method: 'post', path: '/api/strategies/{id}/start', summary: 'Start a stopped strategy', pathParams: ['id'], guarded: true, ok: { status: 200, schema: strategyResponse }, errors: [400, 401, 404, 409] },
  { method: 'post', path: '/api/strategies/{id}/stop', summary: 'Stop a strategy; answered once its orders are cancelled', pathParams: ['id'], guarded: true, ok: { status: 200, schema: strategyResponse }, errors: [400, 401, 404] },
  { method: 'post', path: '/api/strategies/{id}/kill', summary: "Trip a running strategy's kill switch (code 2113): orders cancelled, nothing new until reset", pathParams: ['id'], body: strategyKillRequest, guarded: true, ok: { status: 200, schema: strategyResponse }, errors: [400, 401, 404, 409, 415] },
  { method: 'post', path: '/api/strategies/{id}/reset', summary: 'Clear a tripped kill switch; the strategy resumes', pathParams: ['id'], guarded: true, ok: { status: 200, schema: strategyResponse }, errors: [400, 401, 404, 409] },
  { method: 'patch', path: '/api/strategies/{id}/params', summary: "Change a strategy's parameters (risk limits under risk); nothing changes when invalid", pathParams: ['id'], body: strategyParamsPatch, guarded: true, ok: { status: 200, schema: strategyParamsResponse }, errors: [400, 401, 404, 413, 415, 422] },
  { method: 'get', path: '/health', summary: 'Liveness and journal position (503 when failed or stopping)', ok: { status: 200, schema: healthResponse }, errors: [503] },
];

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** The OpenAPI document of the REST API. */
export function openApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    for (const name of op.pathParams ?? []) parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    if (op.query !== undefined) {
      for (const [name, field] of Object.entries(op.query.shape)) {
        parameters.push({ name, in: 'query', required: false, schema: schemaOf(field as z.ZodType, 'input') });
      }
    }
    const responses: Record<string, unknown> = {
      [op.ok.status]: { description: 'success', content: { 'application/json': { schema: schemaOf(op.ok.schema, 'output') } } },
    };
    for (const status of op.errors) {
      responses[status] = {
        description: op.path === '/health' ? 'failed or stopping' : 'error',
        content: { 'application/json': { schema: op.path === '/health' ? { $ref: '#/components/schemas/Health' } : { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      summary: op.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body !== undefined ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } } } : {}),
      responses,
      ...(op.guarded === true ? { security: [{ bearer: [] }] } : {}),
    };
    (paths[op.path] ??= {})[op.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Crucible venue API',
      version,
      description: 'Market data, order entry and administration of a Crucible venue. Prices and quantities are exact decimal strings. WebSocket market data at /ws: see docs/PROTOCOL.md.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Error: schemaOf(apiError, 'output'), Health: schemaOf(healthResponse, 'output') },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the API token (--api-token, CRUCIBLE_API_TOKEN, or the one printed at start)' } },
    },
  };
}
