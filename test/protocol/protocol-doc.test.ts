// docs/PROTOCOL.md's JSON examples are the protocol as users read it: each one must pass the schema
// its code block names ("```json rest:bookResponse", "```json ws:server", ...).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as protocol from '../../src/protocol/index.js';

const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```json ([\w:]+)\n([\s\S]*?)```/g)].map((m) => ({ tag: m[1], text: m[2] }));

const WS: Record<string, z.ZodType> = { client: protocol.clientMessage, server: protocol.serverMessage, frame: protocol.serverFrame };

function schemaFor(tag: string): z.ZodType {
  const [kind, name] = tag.split(':');
  const schema = kind === 'ws' ? WS[name] : (protocol as unknown as Record<string, z.ZodType>)[name];
  if (schema === undefined || typeof (schema as { safeParse?: unknown }).safeParse !== 'function') throw new Error(`no schema for ${tag}`);
  return schema;
}

describe('docs/PROTOCOL.md examples', () => {
  it('has examples for every REST body and every WebSocket message', () => {
    const tags = new Set(blocks.map((b) => b.tag));
    for (const tag of ['rest:apiError', 'rest:instrumentsResponse', 'rest:bookResponse', 'rest:tradesResponse', 'rest:executionsResponse', 'rest:statsResponse', 'rest:orderResponse', 'rest:ordersResponse', 'rest:newOrderRequest', 'rest:listInstrumentRequest', 'rest:instrumentResponse', 'rest:healthResponse', 'rest:marketResponse', 'rest:marketSymbolResponse', 'ws:client', 'ws:server', 'ws:frame']) {
      expect(tags, tag).toContain(tag);
    }
    const serverTypes = blocks.filter((b) => b.tag === 'ws:server').map((b) => (JSON.parse(b.text) as { type: string }).type);
    expect(new Set(serverTypes)).toEqual(new Set(['snapshot', 'book', 'new_order', 'execution', 'trade', 'cancel_order', 'order_rejected', 'session', 'stats', 'instruments', 'market', 'error', 'pong']));
    const clientTypes = blocks.filter((b) => b.tag === 'ws:client').map((b) => (JSON.parse(b.text) as { type: string }).type);
    expect(new Set(clientTypes)).toEqual(new Set(['subscribe', 'unsubscribe', 'resync', 'ping']));
  });

  it.each(blocks.map((b, i) => [`${i + 1}. ${b.tag}`, b] as const))('example %s passes its schema', (_name, block) => {
    const r = schemaFor(block.tag).safeParse(JSON.parse(block.text));
    expect(r.success ? [] : r.error.issues).toEqual([]);
  });
});
