// The HTTP/WebSocket server's settings: where it listens, the API token, and the WebSocket
// conflation and back-pressure limits. Flags on `crucible start` set them; everything has a default.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { formatIssues } from '../venue/instruments.js';
import { DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_STATS_INTERVAL_MS, DEFAULT_WS_FLUSH_MS, DEFAULT_WS_INTERVAL_MS } from './ws-hub.js';
import { DEFAULT_RECENT_EXECUTIONS, DEFAULT_TRADES_PER_SYMBOL } from './market-view.js';

export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_WS_MESSAGE_LIMIT_BYTES = 64 * 1024;
/** Environment variable holding the API token when no flag gives one. */
export const API_TOKEN_ENV = 'CRUCIBLE_API_TOKEN';

export const apiTokenSchema = z
  .string()
  .regex(/^[\x21-\x7e]{16,256}$/, 'an API token is 16 to 256 printable ASCII characters without spaces');

export const serverConfigSchema = z.strictObject({
  host: z.string().min(1).default(DEFAULT_HTTP_HOST),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65535).default(DEFAULT_HTTP_PORT),
  /** Bearer token for order entry and admin; absent: one is generated at start. */
  apiToken: apiTokenSchema.optional(),
  /** WebSocket tick: book conflation, snapshots and stats (ms). */
  wsIntervalMs: z.number().int().min(1).max(10_000).default(DEFAULT_WS_INTERVAL_MS),
  /** Orders, executions and trades go out within this (ms), one write per client at most each time. */
  wsFlushMs: z.number().int().min(1).max(10_000).default(DEFAULT_WS_FLUSH_MS),
  /** How often WebSocket subscribers get `stats` (ms). */
  statsIntervalMs: z.number().int().min(1).max(3_600_000).default(DEFAULT_STATS_INTERVAL_MS),
  /** A WebSocket client whose unsent bytes pass this is cut (close code 1008). */
  maxBufferedBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(DEFAULT_MAX_BUFFERED_BYTES),
  /** Largest client WebSocket message; a larger one closes the connection (1009). */
  maxWsMessageBytes: z.number().int().min(256).max(16 * 1024 * 1024).default(DEFAULT_WS_MESSAGE_LIMIT_BYTES),
  /** Largest REST request body (413 above it). */
  bodyLimitBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(DEFAULT_BODY_LIMIT_BYTES),
  tradesPerSymbol: z.number().int().min(1).max(100_000).default(DEFAULT_TRADES_PER_SYMBOL),
  recentExecutions: z.number().int().min(1).max(100_000).default(DEFAULT_RECENT_EXECUTIONS),
  /** The built dashboard to serve at / (default: web/dist in the project, when it exists). */
  staticDir: z.string().min(1).optional(),
});

export type ServerConfigInput = z.input<typeof serverConfigSchema>;
export type ServerConfig = z.output<typeof serverConfigSchema>;

/** Validates server settings; throws an Error naming each bad setting. */
export function resolveServerConfig(input: ServerConfigInput = {}): ServerConfig {
  const r = serverConfigSchema.safeParse(input);
  if (!r.success) throw new Error(`server settings: ${formatIssues(r.error)}`);
  return r.data;
}

/** The API token: the flag's, else the environment's, else a new random one (`generated`). */
export function resolveApiToken(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { token: string; generated: boolean } {
  const given = flag ?? env[API_TOKEN_ENV];
  if (given !== undefined && given !== '') {
    const r = apiTokenSchema.safeParse(given);
    if (!r.success) throw new Error(`${flag !== undefined ? '--api-token' : API_TOKEN_ENV}: ${r.error.issues[0]?.message ?? 'invalid'}`);
    return { token: r.data, generated: false };
  }
  return { token: randomBytes(24).toString('base64url'), generated: true };
}

/** A --http-port value: a whole number 0..65535 (0 picks a free port). */
export function parseHttpPortFlag(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error(`--http-port must be a whole number from 0 to 65535, got "${text}"`);
  return Number(text);
}
