// The acceptor's sessions as the dashboard's FIX panel shows them: state and sequence numbers from
// the sessions, counts, rates and recent messages from their monitors, each message decoded with
// the data dictionary of its FIX version so a tester reads "54 Side = 1 (BUY)", not "54=1".
import { parseMessage } from '../fix/codec.js';
import { getDictionary, isSupportedVersion } from '../fix/dictionary.js';
import type { RecentMessage, SessionMonitors } from '../fix/session-monitor.js';
import type { Session } from '../fix/session.js';
import type { FixFieldInfo, FixMessageInfo, FixSessionInfo, FixSessionMessagesResponse } from '../protocol/fix-sessions.js';

export interface FixSessionsSource {
  readonly sessions: readonly Session[];
}

export class FixSessionsView {
  constructor(
    private readonly acceptor: FixSessionsSource,
    private readonly monitors: SessionMonitors,
    private readonly now: () => number = Date.now,
  ) {}

  list(): FixSessionInfo[] {
    const now = this.now();
    return this.acceptor.sessions.map((s) => {
      const m = this.monitors.get(s.key);
      return {
        key: s.key,
        begin_string: s.id.beginString,
        sender_comp_id: s.id.senderCompID,
        target_comp_id: s.id.targetCompID,
        logged_on: s.isLoggedOn(),
        next_sender_seq_num: s.getExpectedSenderNum(),
        next_target_seq_num: s.getExpectedTargetNum(),
        messages_in: m?.received.total ?? 0,
        messages_out: m?.sent.total ?? 0,
        in_per_second: m?.received.perSecond(now) ?? 0,
        out_per_second: m?.sent.perSecond(now) ?? 0,
      };
    });
  }

  /** Undefined when the acceptor has no session of that key. */
  messages(key: string, limit: number): FixSessionMessagesResponse | undefined {
    const session = this.acceptor.sessions.find((s) => s.key === key);
    if (session === undefined) return undefined;
    const monitor = this.monitors.get(key);
    return {
      key,
      messages: (monitor?.recentMessages(limit) ?? []).map((m) => decodeRecent(m, session.id.beginString)),
      events: monitor?.recentEvents() ?? [],
    };
  }
}

/** A kept message with its fields named from the dictionary; garbled or cut bytes come without fields. */
export function decodeRecent(m: RecentMessage, sessionBeginString: string): FixMessageInfo {
  const raw = m.raw.toString('latin1').replaceAll('\x01', '|');
  const parsed = m.truncated ? undefined : parseMessage(m.raw);
  const beginString = parsed?.beginString ?? sessionBeginString;
  const dict = isSupportedVersion(beginString) ? getDictionary(beginString) : undefined;
  const fields: FixFieldInfo[] = [];
  let msgType = '';
  if (parsed !== undefined) {
    msgType = parsed.msgType;
    for (const [tag, value] of parsed.fields()) {
      const name = dict?.fieldName(tag);
      const meaning = dict?.enumValues(tag)?.get(value);
      fields.push({ tag, ...(name !== undefined ? { name } : {}), value, ...(meaning !== undefined ? { meaning } : {}) });
    }
  } else {
    msgType = /(?:^|\|)35=([^|]*)/.exec(raw)?.[1] ?? '';
  }
  const msgTypeName = dict?.message(msgType)?.name;
  return {
    direction: m.direction,
    time: m.time,
    msg_type: msgType,
    ...(msgTypeName !== undefined ? { msg_type_name: msgTypeName } : {}),
    raw,
    truncated: m.truncated,
    fields,
  };
}
