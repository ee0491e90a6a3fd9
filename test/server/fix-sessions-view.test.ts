// The FIX panel's data from a real acceptor over a real socket: a client logs on and sends an
// order; the view lists the session with its sequence numbers and counts and decodes the messages
// with the dictionary's names.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FixAcceptor } from '../../src/fix/acceptor.js';
import { encodeMessage, formatUtcTimestamp } from '../../src/fix/encoder.js';
import { ReflectorApplication } from '../../src/fix/reflector.js';
import { SessionMonitors } from '../../src/fix/session-monitor.js';
import { sessionKey } from '../../src/fix/session-settings.js';
import { FixSessionsView } from '../../src/server/fix-sessions-view.js';
import { fixSessionMessagesResponse, fixSessionsResponse } from '../../src/protocol/fix-sessions.js';

let acceptor: FixAcceptor | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.destroy();
  await acceptor?.close();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FixSessionsView', () => {
  it('lists a logged-on session with sequence numbers and counts, and decodes its messages field by field', async () => {
    const monitors = new SessionMonitors();
    acceptor = new FixAcceptor({
      sessions: [{ beginString: 'FIX.4.4', senderCompID: 'CRUCIBLE', targetCompID: 'any', resetOnLogon: true }],
      application: new ReflectorApplication(),
      logFor: (id) => monitors.for(sessionKey(id)),
    });
    const port = await acceptor.listen(0, '127.0.0.1');
    const view = new FixSessionsView(acceptor, monitors);
    expect(view.list()).toEqual([]);

    const received: Buffer[] = [];
    socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (b: Buffer) => received.push(b));
    await new Promise((r) => socket!.once('connect', r));
    const header = (seq: number) => [
      [34, seq],
      [49, 'TESTER'],
      [52, formatUtcTimestamp(Date.now(), true)],
      [56, 'CRUCIBLE'],
    ] as Array<[number, string | number]>;
    socket.write(encodeMessage('FIX.4.4', 'A', header(1), [[98, 0], [108, 30], [141, 'Y']]));
    await until(() => Buffer.concat(received).includes('35=A'), 'the logon answer');
    socket.write(encodeMessage('FIX.4.4', '0', header(2), []));
    await until(() => (monitors.get('FIX.4.4:CRUCIBLE->TESTER')?.received.total ?? 0) >= 2, 'the heartbeat to be seen');

    const list = fixSessionsResponse.parse({ sessions: view.list() }).sessions;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      key: 'FIX.4.4:CRUCIBLE->TESTER',
      begin_string: 'FIX.4.4',
      sender_comp_id: 'CRUCIBLE',
      target_comp_id: 'TESTER',
      logged_on: true,
      next_target_seq_num: 3,
      next_sender_seq_num: 2,
      messages_in: 2,
      messages_out: 1,
    });

    const detail = fixSessionMessagesResponse.parse(view.messages('FIX.4.4:CRUCIBLE->TESTER', 10));
    expect(detail.messages.map((m) => [m.direction, m.msg_type, m.msg_type_name])).toEqual([
      ['in', 'A', 'Logon'],
      ['out', 'A', 'Logon'],
      ['in', '0', 'Heartbeat'],
    ]);
    const logon = detail.messages[0]!;
    expect(logon.raw).toMatch(/^8=FIX\.4\.4\|9=\d+\|35=A\|/);
    expect(logon.fields.find((f) => f.tag === 35)).toEqual({ tag: 35, name: 'MsgType', value: 'A', meaning: 'LOGON' });
    expect(logon.fields.find((f) => f.tag === 141)).toEqual({ tag: 141, name: 'ResetSeqNumFlag', value: 'Y', meaning: 'YES' });
    expect(view.messages('FIX.4.4:CRUCIBLE->NOBODY', 10)).toBeUndefined();
  });
});
