// The FIX sessions panel: the venue acceptor's sessions with their state, sequence numbers and
// message rates; choosing one lists its recent messages, and choosing a message shows it field by
// field with the dictionary's tag names and value meanings. It polls the REST API (and at once
// when the WebSocket says a session logged on or off); a server without the routes gets a plain
// "not available" instead of an error.
import type { FixMessageInfo, FixSessionInfo, FixSessionMessagesResponse } from '../../../src/protocol/fix-sessions.js';
import { api } from '../api.js';
import { el, setText } from '../dom.js';
import { formatClock, formatCount } from '../units.js';

const POLL_MS = 1000;
const RETRY_UNAVAILABLE_MS = 15_000;

export class FixSessionsView {
  readonly root: HTMLElement;
  private readonly sessionsBody: HTMLTableSectionElement;
  private readonly table: HTMLTableElement;
  private readonly state: HTMLDivElement;
  private readonly detail: HTMLDivElement;
  private readonly messagesList: HTMLDivElement;
  private readonly fieldsBox: HTMLDivElement;
  private readonly detailTitle: HTMLSpanElement;
  private sessions: FixSessionInfo[] = [];
  private selectedKey: string | undefined;
  private messages: FixSessionMessagesResponse | undefined;
  private selectedMessage: FixMessageInfo | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private renderedKey = '';
  /** New messages replace the list; off while the user reads one. */
  private following = true;
  private readonly followButton: HTMLButtonElement;
  paused = false;

  constructor() {
    this.sessionsBody = el('tbody');
    this.sessionsBody.addEventListener('click', (event) => {
      const key = (event.target as Element).closest('tr')?.dataset.key;
      if (key !== undefined) this.select(key);
    });
    this.state = el('div', { class: 'empty-state', text: 'Loading FIX sessions…' });
    this.detailTitle = el('span', { class: 'panel-sub' });
    this.messagesList = el('div', { class: 'fix-messages', attrs: { 'data-testid': 'fix-messages' } });
    this.messagesList.addEventListener('click', (event) => {
      const index = (event.target as Element).closest<HTMLElement>('.fix-message')?.dataset.index;
      if (index === undefined || this.messages === undefined) return;
      this.selectedMessage = this.messages.messages[Number(index)];
      // Hold the list still while a message is read; "Follow" lets it move again.
      this.following = false;
      this.followButton.hidden = false;
      this.renderMessages();
    });
    this.fieldsBox = el('div', { class: 'fix-fields', attrs: { 'data-testid': 'fix-fields' } });
    this.followButton = el('button', { class: 'ghost', text: '▶ Follow', title: 'Show new messages again', attrs: { type: 'button', 'data-testid': 'fix-follow' } });
    this.followButton.hidden = true;
    this.followButton.addEventListener('click', () => {
      this.following = true;
      this.followButton.hidden = true;
      this.selectedMessage = undefined;
      this.renderedKey = '';
      void this.loadMessages();
    });
    this.detail = el(
      'div',
      { class: 'fix-detail' },
      el('div', { class: 'fix-detail-head' }, el('h3', { text: 'Recent messages' }), this.detailTitle, el('span', { class: 'grow' }), this.followButton),
      el('div', { class: 'fix-detail-body' }, this.messagesList, this.fieldsBox),
    );
    this.detail.hidden = true;
    const head = el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['Session', 'Version', 'State', 'Next out', 'Next in', 'In/s', 'Out/s', 'Msgs in', 'Msgs out'].map((t, i) => el('th', { text: t, class: i >= 3 ? 'num' : '' })),
      ),
    );
    this.table = el('table', { class: 'grid-table sessions' }, head, this.sessionsBody);
    this.root = el(
      'section',
      { class: 'panel area-fix', attrs: { 'aria-label': 'FIX sessions', 'data-testid': 'fix-sessions' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'FIX sessions' })),
      el('div', { class: 'fix-layout' }, el('div', { class: 'panel-scroll fix-table' }, this.table, this.state), this.detail),
    );
  }

  start(): void {
    void this.poll();
  }

  refresh(): void {
    clearTimeout(this.timer);
    void this.poll();
  }

  private select(key: string): void {
    this.selectedKey = key;
    this.selectedMessage = undefined;
    this.following = true;
    this.followButton.hidden = true;
    this.messages = undefined;
    this.renderedKey = '';
    this.renderSessions();
    this.detail.hidden = false;
    setText(this.detailTitle, key);
    this.messagesList.replaceChildren(el('div', { class: 'empty-state', text: 'Loading…' }));
    this.fieldsBox.replaceChildren();
    void this.loadMessages();
  }

  private async poll(): Promise<void> {
    const answer = await api.fixSessions();
    let next = POLL_MS;
    if (answer.ok) {
      this.sessions = answer.body.sessions;
      this.renderSessions();
      if (this.selectedKey !== undefined && !this.paused && this.following) await this.loadMessages();
    } else if (answer.unavailable) {
      this.sessions = [];
      this.sessionsBody.replaceChildren();
      this.table.hidden = true;
      this.detail.hidden = true;
      this.state.hidden = false;
      setText(this.state, 'FIX session monitor not available on this server');
      this.state.dataset.state = 'unavailable';
      next = RETRY_UNAVAILABLE_MS;
    } else {
      this.state.hidden = this.sessions.length > 0;
      setText(this.state, `FIX sessions unavailable: ${answer.error}`);
      next = RETRY_UNAVAILABLE_MS / 3;
    }
    this.timer = setTimeout(() => void this.poll(), next);
  }

  private async loadMessages(): Promise<void> {
    const key = this.selectedKey;
    if (key === undefined) return;
    const answer = await api.fixMessages(key, 100);
    if (key !== this.selectedKey) return;
    if (!answer.ok) {
      this.messages = undefined;
      this.messagesList.replaceChildren(el('div', { class: 'empty-state', text: answer.unavailable ? 'Messages not available for this session' : `Messages unavailable: ${answer.error}` }));
      return;
    }
    this.messages = answer.body;
    this.renderMessages();
  }

  private renderSessions(): void {
    this.table.hidden = false;
    this.state.hidden = this.sessions.length > 0;
    if (this.sessions.length === 0) {
      setText(this.state, 'No FIX sessions yet');
      this.state.dataset.state = 'empty';
    }
    const rows = this.sessions.map((s) =>
      el(
        'tr',
        { class: `${s.key === this.selectedKey ? 'selected' : ''} clickable`, data: { key: s.key }, attrs: { 'data-testid': 'fix-session' } },
        el('td', { class: 'sym', text: `${s.sender_comp_id} ⇄ ${s.target_comp_id}`, title: s.key }),
        el('td', { text: s.begin_string }),
        el('td', {}, el('span', { class: `dot ${s.logged_on ? 'on' : 'off'}` }), el('span', { text: s.logged_on ? ' Logged on' : ' Logged out' })),
        el('td', { class: 'num', text: formatCount(s.next_sender_seq_num) }),
        el('td', { class: 'num', text: formatCount(s.next_target_seq_num) }),
        el('td', { class: 'num', text: rate(s.in_per_second) }),
        el('td', { class: 'num', text: rate(s.out_per_second) }),
        el('td', { class: 'num', text: formatCount(s.messages_in) }),
        el('td', { class: 'num', text: formatCount(s.messages_out) }),
      ),
    );
    this.sessionsBody.replaceChildren(...rows);
  }

  private renderMessages(): void {
    const m = this.messages;
    if (m === undefined) return;
    const newest = m.messages[m.messages.length - 1];
    const key = `${m.key}|${m.messages.length}|${newest?.time ?? 0}|${newest?.raw ?? ''}|${this.selectedMessage?.time ?? ''}|${this.selectedMessage?.raw ?? ''}`;
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    if (m.messages.length === 0) {
      this.messagesList.replaceChildren(el('div', { class: 'empty-state', text: 'No messages kept for this session' }));
      this.fieldsBox.replaceChildren();
      return;
    }
    const items: HTMLElement[] = [];
    // Newest first on screen; the API gives oldest first.
    for (let i = m.messages.length - 1; i >= 0; i--) {
      const msg = m.messages[i];
      const seq = msg.fields.find((f) => f.tag === 34)?.value ?? '';
      items.push(
        el(
          'div',
          { class: `fix-message ${msg.direction}${msg === this.selectedMessage ? ' selected' : ''}`, data: { index: String(i) }, attrs: { role: 'button', tabindex: '0' } },
          el('span', { class: 'log-time', text: formatClock(msg.time) }),
          el('span', { class: 'fix-dir', text: msg.direction === 'in' ? 'IN' : 'OUT' }),
          el('span', { class: 'fix-type', text: `${msg.msg_type_name ?? 'Unknown'} (${msg.msg_type})` }),
          el('span', { class: 'fix-seq', text: seq !== '' ? `#${seq}` : '' }),
        ),
      );
    }
    this.messagesList.replaceChildren(...items);
    const selected = this.selectedMessage;
    if (selected === undefined) {
      this.fieldsBox.replaceChildren(el('div', { class: 'empty-state', text: 'Choose a message to see its fields' }));
      return;
    }
    const rows = selected.fields.map((f) =>
      el(
        'tr',
        {},
        el('td', { class: 'num tag', text: String(f.tag) }),
        el('td', { text: f.name ?? '(unknown tag)' }),
        el('td', { class: 'value', text: f.value }),
        el('td', { class: 'meaning', text: f.meaning ?? '' }),
      ),
    );
    this.fieldsBox.replaceChildren(
      el('div', { class: 'fix-raw', text: selected.raw + (selected.truncated ? ' …(truncated)' : '') }),
      selected.fields.length > 0
        ? el('table', { class: 'grid-table fields' }, el('thead', {}, el('tr', {}, ...['Tag', 'Name', 'Value', 'Meaning'].map((t, i) => el('th', { text: t, class: i === 0 ? 'num' : '' })))), el('tbody', {}, ...rows))
        : el('div', { class: 'empty-state', text: 'These bytes do not parse as a FIX message' }),
    );
  }
}

function rate(perSecond: number): string {
  return perSecond >= 100 ? formatCount(perSecond) : perSecond.toFixed(perSecond === 0 ? 0 : 1);
}
