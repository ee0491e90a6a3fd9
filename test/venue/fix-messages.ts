// Received FIX messages for unit tests: fields encoded and parsed as the session would hand them over.
import { parseMessage } from '../../src/fix/codec.js';
import { encodeMessage, type FieldValue } from '../../src/fix/encoder.js';
import type { FixMessage } from '../../src/fix/fix-message.js';
import type { OutgoingMessage } from '../../src/fix/session.js';

let seq = 1;

export function received(msgType: string, fields: ReadonlyArray<readonly [number, FieldValue]>, beginString = 'FIX.4.4', sender = 'S1'): FixMessage {
  const header: Array<readonly [number, FieldValue]> = [
    [49, sender],
    [56, 'CRUCIBLE'],
    [34, seq++],
    [52, '20240102-14:30:00.000'],
  ];
  const message = parseMessage(encodeMessage(beginString, msgType, header, fields));
  if (message === undefined) throw new Error('test message does not parse');
  return message;
}

/** An outgoing message's body as a tag → value record (first occurrence). */
export function bodyOf(message: OutgoingMessage): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [tag, value] of message.body) if (!(tag in out)) out[tag] = value;
  return out;
}
