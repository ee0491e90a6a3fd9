// The FIX sessions the venue's acceptor knows, for people debugging a FIX client: who is logged
// on, the sequence numbers, message rates, and the recent messages decoded field by field with the
// dictionary's tag names (GET /api/fix/sessions, GET /api/fix/sessions/:key/messages).
import { z } from 'zod';
import { epochMillis } from './common.js';

export const fixSessionInfo = z.strictObject({
  /** "FIX.4.4:CRUCIBLE->CLIENT1"; URL-encode it in the messages route. */
  key: z.string(),
  begin_string: z.string(),
  sender_comp_id: z.string(),
  target_comp_id: z.string(),
  logged_on: z.boolean(),
  /** The sequence number of the next message the venue sends. */
  next_sender_seq_num: z.number().int().nonnegative(),
  /** The sequence number the venue expects next from the client. */
  next_target_seq_num: z.number().int().nonnegative(),
  messages_in: z.number().int().nonnegative(),
  messages_out: z.number().int().nonnegative(),
  /** Messages over the last whole second. */
  in_per_second: z.number().nonnegative(),
  out_per_second: z.number().nonnegative(),
});
export type FixSessionInfo = z.infer<typeof fixSessionInfo>;

export const fixSessionsResponse = z.strictObject({ sessions: z.array(fixSessionInfo) });
export type FixSessionsResponse = z.infer<typeof fixSessionsResponse>;

export const fixFieldInfo = z.strictObject({
  tag: z.number().int(),
  /** The dictionary's name for the tag; absent for a tag the dictionary does not know. */
  name: z.string().optional(),
  value: z.string(),
  /** What an enumerated value means ("NEW", "BUY"), when the dictionary says. */
  meaning: z.string().optional(),
});
export type FixFieldInfo = z.infer<typeof fixFieldInfo>;

export const fixMessageInfo = z.strictObject({
  direction: z.enum(['in', 'out']),
  time: epochMillis,
  msg_type: z.string(),
  /** "NewOrderSingle", "ExecutionReport"...; absent when unknown or garbled. */
  msg_type_name: z.string().optional(),
  /** The message with SOH shown as '|'. */
  raw: z.string(),
  /** Only the start of a longer message was kept. */
  truncated: z.boolean(),
  /** Bytes that do not parse as a FIX message come with no fields. */
  fields: z.array(fixFieldInfo),
});
export type FixMessageInfo = z.infer<typeof fixMessageInfo>;

export const fixSessionMessagesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const fixSessionMessagesResponse = z.strictObject({
  key: z.string(),
  /** Oldest first. */
  messages: z.array(fixMessageInfo),
  /** Session events (logon, logout, resend, reject), oldest first. */
  events: z.array(z.strictObject({ time: epochMillis, text: z.string() })),
});
export type FixSessionMessagesResponse = z.infer<typeof fixSessionMessagesResponse>;
