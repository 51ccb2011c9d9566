// The open conversation: header with the actions, the case card, the order and the customer's
// history, and the transcript (events and internal notes, each once, in order).

import { t, label } from './strings.js';
import { h, clear, richText, rowsList } from './dom.js';
import { compareIds } from '../shared/ids.js';
import { Seen, caseRows, clock, dontAskAgain, entryView, eventMillis, isMine, labelled, listOf, orderRows, timeline, toMillis } from './logic.js';

const TYPING_SHOWN_MS = 6000;

/**
 * The buttons in a conversation's header, in order: `when(conversation, mine)` says whether it is
 * offered. The app runs `name` (POST /v1/agent/conversations/{id}/{name}, or the transfer form);
 * strings.js holds `name`, and `nameConfirm` for the ones that ask first.
 */
export const ACTIONS = [
  { name: 'claim', style: 'c-btn--primary', when: (c) => c.status === 'queued' || c.status === 'offline' },
  { name: 'transfer', opens: 'c-transfer', when: (c, mine) => mine },
  // `after`: the last event shown; the hub refuses (unseen_message) if the customer wrote since
  { name: 'resolve', style: 'c-btn--ok', confirm: true, when: (c, mine) => mine, body: (view) => ({ after: view.lastEventId }) },
];

export class ConversationView {
  /**
   * @param {Document} doc
   * @param {{id: string, me: {id: string, name: string}, win: Window, composer: {root: HTMLElement, setCanReply: (b: boolean) => void},
   *   actions: {run: (name: string, button: HTMLElement) => void}}} o  runs one of ACTIONS
   */
  constructor(doc, { id, me, win, composer, actions }) {
    this.doc = doc;
    this.id = id;
    this.me = me;
    this.win = win;
    this.composer = composer;
    this.actions = actions;
    this.data = null;
    this.seen = new Seen();
    this.pending = new Map(); // client_id → the agent's bubble until the hub stores the message
    this.lastEventId = null; // the newest stream event shown
    this.headSignature = null;
    this.headSlot = h(doc, 'div', { class: 'c-head-slot' });
    this.transferEl = h(doc, 'div', { class: 'c-transfer', id: 'c-transfer', hidden: true });
    this.feedbackEl = h(doc, 'p', { class: 'c-feedback', role: 'status' });
    this.caseSlot = h(doc, 'div', { class: 'c-case-slot' });
    this.sideSlot = h(doc, 'aside', { class: 'c-conv-side' });
    this.transcriptEl = h(doc, 'ol', { class: 'c-transcript', role: 'log', 'aria-live': 'polite', 'aria-label': t('transcript'), tabindex: '0' });
    this.typingEl = h(doc, 'p', { class: 'c-typing', hidden: true }, t('customerTyping'));
    this.wrap = h(doc, 'div', { class: 'c-transcript-wrap' }, this.transcriptEl, this.typingEl);
    this.root = h(
      doc,
      'div',
      { class: 'c-conv-grid' },
      h(doc, 'div', { class: 'c-conv-main' }, this.headSlot, this.transferEl, this.feedbackEl, this.caseSlot, this.wrap, composer.root),
      this.sideSlot,
    );
  }

  get conversation() {
    return (this.data && this.data.conversation) || {};
  }

  get mine() {
    const conv = this.conversation;
    return isMine(conv, this.me) && conv.status === 'assigned';
  }

  /** Show the hub's detail (GET /v1/agent/conversations/{id}); events already shown are skipped. */
  show(data) {
    const first = this.data === null;
    this.data = data;
    this.renderHead();
    this.renderCase();
    this.renderSide();
    this.composer.setCanReply(this.mine);
    for (const ev of timeline(data.transcript, data.notes)) this.append(ev, !first);
    if (first) this.scroll();
  }

  renderHead() {
    const d = this.doc;
    const conv = this.conversation;
    const card = this.data.case_card || {};
    const mine = this.mine;
    const status = conv.status || '';
    const name = card.customer_name || conv.customer_name || t('unknownCustomer');
    // rebuilt only when something in it changed (keeps a half-confirmed resolve button)
    const signature = JSON.stringify([name, status, conv.agent && conv.agent.id, conv.ticket_id, mine]);
    if (signature === this.headSignature) return;
    this.headSignature = signature;
    const actions = h(d, 'div', { class: 'c-actions' });
    for (const action of ACTIONS.filter((a) => a.when(conv, mine))) {
      const attrs = { type: 'button', class: `c-btn ${action.style || ''}`.trim(), 'data-action': action.name };
      if (action.opens) Object.assign(attrs, { 'aria-expanded': 'false', 'aria-controls': action.opens });
      attrs.onclick = (e) => (action.confirm ? this.confirm(e.currentTarget, action.name) : this.actions.run(action.name, e.currentTarget));
      actions.appendChild(h(d, 'button', attrs, t(action.name)));
    }
    if (!mine) this.transferEl.hidden = true;
    clear(this.headSlot).appendChild(
      h(
        d,
        'header',
        { class: 'c-conv-head' },
        h(d, 'h2', { id: 'c-conv-title', tabindex: '-1' }, name),
        h(d, 'span', { class: `c-status c-status--${status.replace(/[^a-z]/g, '')}` }, label('status', status)),
        conv.agent && conv.agent.name ? h(d, 'span', { class: 'c-assigned' }, t('assignedTo', { name: conv.agent.name })) : null,
        conv.ticket_id ? h(d, 'span', { class: 'c-ticket' }, t('ticket', { id: conv.ticket_id })) : null,
        actions,
      ),
    );
  }

  /** Two steps, no window.confirm dialog: the first click asks, the second acts. */
  confirm(button, name) {
    if (button.getAttribute('data-confirm') === '1') {
      this.actions.run(name, button);
      return;
    }
    button.setAttribute('data-confirm', '1');
    button.textContent = t(`${name}Confirm`);
    this.win.setTimeout(() => {
      if (button.isConnected) {
        button.removeAttribute('data-confirm');
        button.textContent = t(name);
      }
    }, 6000);
  }

  renderCase() {
    const d = this.doc;
    const card = this.data.case_card || {};
    const dont = dontAskAgain(card);
    clear(this.caseSlot).appendChild(
      h(
        d,
        'section',
        { class: 'c-case', 'aria-labelledby': 'c-case-title' },
        h(d, 'h3', { id: 'c-case-title' }, t('caseCard')),
        dont ? h(d, 'p', { class: 'c-dontask' }, dont) : null,
        rowsList(d, caseRows(card), 'c-rows c-case-rows'),
      ),
    );
  }

  renderSide() {
    const d = this.doc;
    const card = this.data.case_card || {};
    const orderList = orderRows(card.order);
    const orderEl = orderList.length
      ? h(d, 'section', { class: 'c-order', 'aria-labelledby': 'c-order-title' }, h(d, 'h3', { id: 'c-order-title' }, t('order')), rowsList(d, orderList))
      : null;
    const history = [...listOf(this.data.history, 'conversations'), ...listOf(this.data.history, 'tickets')];
    const historyEl = h(
      d,
      'section',
      { class: 'c-history', 'aria-labelledby': 'c-history-title' },
      h(d, 'h3', { id: 'c-history-title' }, t('history')),
      history.length
        ? h(
            d,
            'ul',
            {},
            history.map((x) => {
              const when = toMillis(x.created_at);
              const parts = [
                x.order_number ? `#${x.order_number}` : '',
                Number.isNaN(when) ? '' : new Date(when).toLocaleDateString('it-IT'),
                labelled(x.problem_label, x.problem_type),
                x.ticket_id ? t('ticket', { id: x.ticket_id }) : '',
                x.status ? label('status', x.status) : '',
                x.agent && x.agent.name ? x.agent.name : '',
              ].filter(Boolean);
              return h(d, 'li', {}, parts.join(' · '));
            }),
          )
        : h(d, 'p', { class: 'c-muted' }, t('noHistory')),
    );
    clear(this.sideSlot).append(...[orderEl, historyEl].filter(Boolean));
  }

  feedback(text) {
    this.feedbackEl.textContent = text;
  }

  // ---------------------------------------------------------------- transcript
  scroll() {
    this.wrap.scrollTop = this.wrap.scrollHeight;
  }

  /** The agent's reply, shown at once and replaced by the stored message when it arrives. */
  pendingBubble(text, clientId, author) {
    const d = this.doc;
    const li = h(
      d,
      'li',
      { class: 'c-entry c-entry--agent c-entry--pending', 'data-client-id': clientId },
      h(d, 'div', { class: 'c-entry-head' }, h(d, 'span', { class: 'c-who' }, author || t('from_agent')), h(d, 'span', { class: 'c-time' }, t('sending'))),
      h(d, 'div', { class: 'c-text' }, richText(d, text)),
    );
    this.transcriptEl.appendChild(li);
    this.pending.set(clientId, li);
    this.scroll();
    return li;
  }

  /** The hub stored the reply (ack): mark the bubble sent while its event is on the way. */
  sent(clientId, ackId) {
    const li = this.pending.get(clientId);
    const time = li && li.querySelector('.c-time');
    if (time) time.textContent = clock(eventMillis({ id: ackId }));
  }

  failed(clientId) {
    const li = this.pending.get(clientId);
    if (li) li.remove();
    this.pending.delete(clientId);
  }

  /** Add one transcript entry (each id once; an agent's echo replaces its pending bubble). */
  append(ev, scroll = true) {
    if (ev.type === 'typing') {
      if (ev.from === 'customer') this.showTyping();
      return;
    }
    if (!this.seen.add(ev)) return;
    if (ev.id != null && ev.type !== 'note' && (this.lastEventId === null || compareIds(ev.id, this.lastEventId) > 0)) this.lastEventId = String(ev.id);
    const view = entryView(ev);
    if (!view) return;
    const d = this.doc;
    const at = eventMillis(ev);
    if (view.role === 'customer') this.hideTyping();
    const pending = ev.client_id && this.pending.get(ev.client_id);
    const li = h(
      d,
      'li',
      { class: `c-entry c-entry--${view.role}`, 'data-id': ev.id ?? null },
      view.role === 'event'
        ? h(d, 'span', { class: 'c-text' }, view.text, Number.isNaN(at) ? '' : ` · ${clock(at)}`)
        : [
            h(d, 'div', { class: 'c-entry-head' }, h(d, 'span', { class: 'c-who' }, view.who), h(d, 'span', { class: 'c-time' }, clock(at))),
            h(d, 'div', { class: 'c-text' }, richText(d, view.text)),
            view.buttons && view.buttons.length ? h(d, 'div', { class: 'c-buttons' }, t('buttonsOffered', { list: view.buttons.join(' · ') })) : null,
          ],
    );
    if (pending) {
      pending.replaceWith(li);
      this.pending.delete(ev.client_id);
    } else {
      const firstPending = this.pending.values().next().value;
      if (firstPending) this.transcriptEl.insertBefore(li, firstPending);
      else this.transcriptEl.appendChild(li);
    }
    if (scroll) this.scroll();
  }

  showTyping() {
    this.typingEl.hidden = false;
    if (this.typingTimer) this.win.clearTimeout(this.typingTimer);
    this.typingTimer = this.win.setTimeout(() => this.hideTyping(), TYPING_SHOWN_MS);
  }

  hideTyping() {
    this.typingEl.hidden = true;
  }
}
