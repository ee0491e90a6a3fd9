import { describe, expect, it } from 'vitest';
import { SessionMonitor, SessionMonitors } from '../../src/fix/session-monitor.js';

const msg = (n: number, size = 20): Buffer => Buffer.from(`34=${n}|`.padEnd(size, 'x'));

describe('SessionMonitor', () => {
  it('keeps the last messages in both directions, oldest first, with direction and time', () => {
    let now = 1_000;
    const m = new SessionMonitor({ messages: 3, now: () => now });
    m.onIncoming(msg(1));
    now += 5;
    m.onOutgoing(msg(2));
    m.onIncoming(msg(3));
    m.onOutgoing(msg(4));
    const recent = m.recentMessages();
    expect(recent.map((r) => [r.direction, r.raw.toString().split('|')[0]])).toEqual([
      ['out', '34=2'],
      ['in', '34=3'],
      ['out', '34=4'],
    ]);
    expect(recent[0]!.time).toBe(1_005);
    expect(m.recentMessages(1).map((r) => r.raw.toString().split('|')[0])).toEqual(['34=4']);
  });

  it('copies the bytes: changing the caller’s buffer afterwards changes nothing kept', () => {
    const m = new SessionMonitor();
    const raw = msg(7);
    m.onIncoming(raw);
    raw.fill(0x41);
    expect(m.recentMessages()[0]!.raw.toString()).toBe(msg(7).toString());
  });

  it('stays within its byte budget: old messages whose bytes were reused are gone, the rest intact', () => {
    const m = new SessionMonitor({ messages: 1000, bytes: 1024, maxMessageBytes: 300 });
    for (let n = 1; n <= 500; n++) m.onOutgoing(msg(n, 50 + (n % 7) * 30));
    const recent = m.recentMessages();
    expect(recent.length).toBeGreaterThan(3);
    expect(recent.length).toBeLessThan(30);
    const seqs = recent.map((r) => Number(r.raw.toString().split('|')[0]!.slice(3)));
    // Consecutive and ending with the newest, every one readable as written.
    expect(seqs.at(-1)).toBe(500);
    seqs.forEach((s, k) => expect(s).toBe(500 - seqs.length + 1 + k));
    for (const r of recent) expect(r.raw.toString()).toBe(msg(Number(r.raw.toString().split('|')[0]!.slice(3)), 50 + (Number(r.raw.toString().split('|')[0]!.slice(3)) % 7) * 30).toString());
  });

  it('cuts a message longer than the cap and says so', () => {
    const m = new SessionMonitor({ maxMessageBytes: 64 });
    m.onIncoming(msg(1, 500));
    const [r] = m.recentMessages();
    expect(r!.raw.length).toBe(64);
    expect(r!.truncated).toBe(true);
  });

  it('counts messages and gives the rate over the last whole second', () => {
    let now = 10_000;
    const m = new SessionMonitor({ now: () => now });
    for (let i = 0; i < 30; i++) m.onIncoming(msg(i));
    now += 1_000;
    m.onIncoming(msg(31));
    expect(m.received.total).toBe(31);
    expect(m.received.perSecond(now)).toBe(30);
    expect(m.sent.perSecond(now)).toBe(0);
    now += 5_000;
    expect(m.received.perSecond(now)).toBe(0);
  });

  it('keeps recent events and tells a listener', () => {
    const told: string[] = [];
    const m = new SessionMonitor({ events: 2, onEvent: (t) => told.push(t) });
    m.onEvent('Logon');
    m.onEvent('Resend');
    m.onEvent('Logout');
    expect(m.recentEvents().map((e) => e.text)).toEqual(['Resend', 'Logout']);
    expect(told).toEqual(['Logon', 'Resend', 'Logout']);
  });
});

describe('SessionMonitors', () => {
  it('gives each session key its own monitor and names the session in events', () => {
    const events: string[] = [];
    const monitors = new SessionMonitors({ onSessionEvent: (key, text) => events.push(`${key}: ${text}`) });
    const a = monitors.for('FIX.4.4:CRUCIBLE->A');
    expect(monitors.for('FIX.4.4:CRUCIBLE->A')).toBe(a);
    monitors.for('FIX.4.2:CRUCIBLE->B').onEvent('Logon');
    a.onIncoming(Buffer.from('8=FIX.4.4|'));
    expect(monitors.get('FIX.4.2:CRUCIBLE->B')!.recentMessages()).toEqual([]);
    expect(monitors.get('nobody')).toBeUndefined();
    expect(events).toEqual(['FIX.4.2:CRUCIBLE->B: Logon']);
  });
});
