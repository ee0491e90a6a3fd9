// Server settings and the API token.
import { describe, expect, it } from 'vitest';
import { API_TOKEN_ENV, parseHttpPortFlag, resolveApiToken, resolveServerConfig } from '../../src/server/server-config.js';

describe('server settings', () => {
  it('has defaults: 127.0.0.1:8080, 100 ms book ticks, events within 10 ms, a 4 MiB send-buffer cap, 64 KiB bodies and messages', () => {
    expect(resolveServerConfig()).toEqual({
      host: '127.0.0.1',
      port: 8080,
      wsIntervalMs: 100,
      wsFlushMs: 10,
      statsIntervalMs: 1000,
      maxBufferedBytes: 4 * 1024 * 1024,
      maxWsMessageBytes: 64 * 1024,
      bodyLimitBytes: 64 * 1024,
      tradesPerSymbol: 500,
      recentExecutions: 200,
    });
  });

  it('names each bad setting', () => {
    expect(() => resolveServerConfig({ port: 70000 })).toThrow(/port/);
    expect(() => resolveServerConfig({ wsIntervalMs: 0 })).toThrow(/wsIntervalMs/);
    expect(() => resolveServerConfig({ maxBufferedBytes: 10 } as never)).toThrow(/maxBufferedBytes/);
    expect(() => resolveServerConfig({ colour: 'red' } as never)).toThrow(/colour/);
  });

  it('takes the token from the flag, else the environment, else makes one up', () => {
    expect(resolveApiToken('flag-token-0123456789', { [API_TOKEN_ENV]: 'env-token-0123456789' })).toEqual({ token: 'flag-token-0123456789', generated: false });
    expect(resolveApiToken(undefined, { [API_TOKEN_ENV]: 'env-token-0123456789' })).toEqual({ token: 'env-token-0123456789', generated: false });
    const a = resolveApiToken(undefined, {});
    const b = resolveApiToken(undefined, {});
    expect(a.generated).toBe(true);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.token).not.toBe(b.token);
    expect(() => resolveApiToken('short', {})).toThrow(/--api-token: an API token is 16 to 256/);
    expect(() => resolveApiToken(undefined, { [API_TOKEN_ENV]: 'has spaces in it, no good' })).toThrow(new RegExp(API_TOKEN_ENV));
  });

  it('reads --http-port', () => {
    expect(parseHttpPortFlag('0')).toBe(0);
    expect(parseHttpPortFlag('8081')).toBe(8081);
    expect(() => parseHttpPortFlag('65536')).toThrow(/--http-port/);
    expect(() => parseHttpPortFlag('http')).toThrow(/--http-port/);
  });
});
