// The REST routes under /api (docs/PROTOCOL.md). Market data comes from the market view (released
// state, the same the WebSocket shows); orders go through the venue's order gateway and admin
// requests through the venue's own list/halt/resume, each answered once durable. Every request is
// checked against its zod schema (src/protocol) before anything reaches the venue, and every
// response against its schema before it is sent; errors are JSON {code, message}.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  type ApiErrorCode,
  bookQuery,
  bookResponse,
  cancelQuery,
  executionsQuery,
  executionsResponse,
  instrumentResponse,
  instrumentsResponse,
  listInstrumentRequest,
  MAX_TRADES,
  newOrderRequest,
  type OrderInfo,
  orderParams,
  orderResponse,
  ordersQuery,
  ordersResponse,
  statsResponse,
  symbolParams,
  tradesQuery,
  tradesResponse,
} from '../protocol/index.js';
import type { Clock } from '../shared/clock.js';
import type { OrderEntryResult, OrderGateway, OrderState } from '../shared/order-gateway.js';
import { RejectCode } from '../shared/reject-codes.js';
import { type ListedInstrument, toListings } from '../venue/instruments.js';
import type { AdminResult } from '../venue/listings.js';
import type { MarketView } from './market-view.js';

/** An answer other than success, thrown by a handler and sent by the error handler. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly rejectCode?: number,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** What the routes need from the venue. */
export interface VenueAccess {
  readonly orders: OrderGateway;
  list(listing: ListedInstrument): Promise<AdminResult>;
  halt(symbol: string): Promise<AdminResult>;
  resume(symbol: string): Promise<AdminResult>;
}

export interface RestApiOptions {
  readonly view: MarketView;
  readonly venue: VenueAccess;
  readonly token: string;
  readonly clock: Clock;
  /** Told the reject code of each request the gateway refused (metrics). */
  readonly onRefused?: (code: number) => void;
}

/** Checks a request part against its schema; a mismatch is a 400 naming the field. */
export function validated<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length === 0 ? what : `${what}.${i.path.join('.')}`}: ${i.message}`);
  throw new ApiFailure(400, 'invalid_request', problems.join('; '));
}

/** Sends `body` after checking it against the response schema; a mismatch is our bug, a 500. */
export function respond<S extends z.ZodType>(reply: FastifyReply, status: number, schema: S, body: z.input<S>): FastifyReply {
  const r = schema.safeParse(body);
  if (!r.success) {
    reply.log.error({ issues: r.error.issues }, 'response failed its schema');
    throw new ApiFailure(500, 'internal', 'the server built an invalid response');
  }
  return reply.code(status).send(r.data);
}

/** A guard for routes that change things: `Authorization: Bearer <token>`. */
export function bearerGuard(token: string): (request: FastifyRequest) => Promise<void> {
  const expected = createHash('sha256').update(token).digest();
  return async (request) => {
    const header = request.headers.authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    // Compared as digests: equal lengths, constant time.
    if (given === undefined || !timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      throw new ApiFailure(401, 'unauthorized', given === undefined ? 'this route needs the header Authorization: Bearer <API token>' : 'the API token is not valid');
    }
  };
}

export function registerRestApi(app: FastifyInstance, options: RestApiOptions): void {
  const { view, venue, clock } = options;
  const guard = bearerGuard(options.token);
  const knownSymbol = (symbol: string, status = 404): string => {
    if (!view.has(symbol)) throw new ApiFailure(status, 'unknown_symbol', `unknown symbol ${JSON.stringify(symbol)}; GET /api/instruments lists them`);
    return symbol;
  };
  const entryAnswer = (result: OrderEntryResult): OrderInfo => {
    if (result.ok) return orderInfo(result.order);
    options.onRefused?.(result.code);
    throw refusalFailure(result.code, result.reason);
  };

  // ---- market data -----------------------------------------------------------------------------

  app.get('/api/instruments', async (_request, reply) => respond(reply, 200, instrumentsResponse, { instruments: view.instruments() }));

  app.get('/api/book/:symbol', async (request, reply) => {
    const { symbol } = validated(symbolParams, request.params, 'path');
    const { depth } = validated(bookQuery, request.query, 'query');
    const book = view.book(knownSymbol(symbol), depth ?? Infinity)!;
    return respond(reply, 200, bookResponse, { symbol, time: clock.now(), bids: book.buy, asks: book.sell });
  });

  app.get('/api/trades/:symbol', async (request, reply) => {
    const { symbol } = validated(symbolParams, request.params, 'path');
    const { limit } = validated(tradesQuery, request.query, 'query');
    const trades = view.trades(knownSymbol(symbol), limit ?? MAX_TRADES)!;
    return respond(reply, 200, tradesResponse, { symbol, trades });
  });

  app.get('/api/executions', async (request, reply) => {
    const { limit } = validated(executionsQuery, request.query, 'query');
    return respond(reply, 200, executionsResponse, { executions: view.recentExecutions(limit ?? Infinity) });
  });

  app.get('/api/stats', async (_request, reply) => respond(reply, 200, statsResponse, view.stats()));

  // ---- orders ----------------------------------------------------------------------------------

  app.get('/api/orders/:id', async (request, reply) => {
    const { id } = validated(orderParams, request.params, 'path');
    const order = venue.orders.order(id);
    if (order === undefined) throw new ApiFailure(404, 'unknown_order', `order ${id} is not known (never entered, or done long enough ago to be forgotten)`);
    return respond(reply, 200, orderResponse, { order: orderInfo(order) });
  });

  app.get('/api/orders', async (request, reply) => {
    const { account } = validated(ordersQuery, request.query, 'query');
    return respond(reply, 200, ordersResponse, { orders: venue.orders.openOrders(account).map(orderInfo) });
  });

  app.post('/api/orders', { onRequest: guard }, async (request, reply) => {
    const o = validated(newOrderRequest, request.body, 'body');
    knownSymbol(o.symbol, 422);
    const result = await venue.orders.submit({
      account: o.account,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      quantity: o.quantity,
      ...(o.time_in_force !== undefined ? { timeInForce: o.time_in_force } : {}),
      ...(o.price !== undefined ? { price: o.price } : {}),
      ...(o.stop_price !== undefined ? { stopPrice: o.stop_price } : {}),
      ...(o.display_quantity !== undefined ? { displayQuantity: o.display_quantity } : {}),
      ...(o.post_only !== undefined ? { postOnly: o.post_only } : {}),
      ...(o.client_order_id !== undefined ? { clientOrderId: o.client_order_id } : {}),
    });
    return respond(reply, 201, orderResponse, { order: entryAnswer(result) });
  });

  app.delete('/api/orders/:id', { onRequest: guard }, async (request, reply) => {
    const { id } = validated(orderParams, request.params, 'path');
    const { account } = validated(cancelQuery, request.query, 'query');
    const result = await venue.orders.cancel(id, account);
    return respond(reply, 200, orderResponse, { order: entryAnswer(result) });
  });

  // ---- admin -----------------------------------------------------------------------------------

  app.post('/api/admin/instruments', { onRequest: guard }, async (request, reply) => {
    const body = validated(listInstrumentRequest, request.body, 'body');
    let listing: ListedInstrument;
    try {
      [listing] = toListings([
        {
          symbol: body.symbol,
          assetClass: body.asset_class ?? 'other',
          tickSize: body.tick_size,
          lotSize: body.lot_size,
          ...(body.min_quantity !== undefined ? { minQty: body.min_quantity } : {}),
          ...(body.max_quantity !== undefined ? { maxQty: body.max_quantity } : {}),
          ...(body.min_price !== undefined ? { minPrice: body.min_price } : {}),
          ...(body.max_price !== undefined ? { maxPrice: body.max_price } : {}),
          ...(body.band_bps !== undefined ? { bandBps: body.band_bps } : {}),
          ...(body.reference_price !== undefined ? { referencePrice: body.reference_price } : {}),
        },
      ]);
    } catch (e) {
      throw new ApiFailure(422, 'invalid_request', e instanceof Error ? e.message.replace(/instruments\[0\] /g, '') : String(e));
    }
    adminAnswer(await venue.list(listing));
    return respond(reply, 201, instrumentResponse, { instrument: listedInfo(view, body.symbol) });
  });

  for (const action of ['halt', 'resume'] as const) {
    app.post(`/api/admin/instruments/:symbol/${action}`, { onRequest: guard }, async (request, reply) => {
      const { symbol } = validated(symbolParams, request.params, 'path');
      knownSymbol(symbol);
      adminAnswer(await (action === 'halt' ? venue.halt(symbol) : venue.resume(symbol)));
      return respond(reply, 200, instrumentResponse, { instrument: listedInfo(view, symbol) });
    });
  }
}

/** The view's word on a symbol the venue just changed (the venue tells the view before it answers). */
function listedInfo(view: MarketView, symbol: string) {
  const known = view.instrument(symbol);
  if (known !== undefined) return known;
  view.refreshListings();
  const info = view.instrument(symbol);
  if (info === undefined) throw new ApiFailure(500, 'internal', `the venue listed ${symbol} but does not show it`);
  return info;
}

function adminAnswer(result: AdminResult): void {
  if (!result.ok) throw refusalFailure(result.code, result.reason);
}

/** A venue refusal as an HTTP answer: the reject code stays, the status says whose move it is. */
function refusalFailure(code: number, reason: string): ApiFailure {
  if (code === RejectCode.UnknownOrder) return new ApiFailure(404, 'unknown_order', reason, code);
  if (code === RejectCode.UnknownSymbol) return new ApiFailure(422, 'unknown_symbol', reason, code);
  if (code === RejectCode.VenueClosing) return new ApiFailure(503, 'unavailable', reason, code);
  if (code === RejectCode.DuplicateSymbol || code === RejectCode.DuplicateClOrdId) return new ApiFailure(409, 'rejected', reason, code);
  return new ApiFailure(422, 'rejected', reason, code);
}

/** The gateway's order state in the wire's words. */
export function orderInfo(o: OrderState): OrderInfo {
  return {
    order_id: o.orderId,
    client_order_id: o.clientOrderId,
    account: o.account,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    time_in_force: o.timeInForce,
    ...(o.price !== undefined ? { price: o.price } : {}),
    ...(o.stopPrice !== undefined ? { stop_price: o.stopPrice } : {}),
    quantity: o.quantity,
    filled_quantity: o.filledQuantity,
    leaves_quantity: o.leavesQuantity,
    ...(o.averagePrice !== undefined ? { average_price: o.averagePrice } : {}),
    status: o.status,
    ...(o.rejectCode !== undefined ? { reject_code: o.rejectCode } : {}),
    ...(o.rejectReason !== undefined ? { reject_reason: o.rejectReason } : {}),
    updated_at: o.updatedAt,
  };
}
