// The open conversation: header with the actions, the case card, the order and the customer's
// history, the case's earlier conversations and the transcript (events and internal notes, each
// once, in order).

import { States } from './states.js';
import { t, label } from './strings.js';
import { h, clear, icon, richText, rowsList } from './dom.js';
import { compareIds } from '../shared/ids.js';
import {
  Seen, caseRows, caseSummary, clock, customerAwaitsReply, dontAskAgain, earlierLabel, entryView, eventMillis,
  historyEntries, isLowRating, isMine, orderRows, ratingText, statusKey, timeline,
} from './logic.js';
import { resolveQuestion } from './resolve.js';
import { isSupervisor } from './roles.js';

const TYPING_SHOWN_MS = 6000;
/** How long a question (e.g. "Conferma: risolvi") waits for the second click. */
export const CONFIRM_MS = 30000;
/** How long a confirmation ("Conversazione presa in carico.") stays. */
export const FEEDBACK_MS = 5000;
/** …and an error ("Trasferimento non riuscito."). */
export const ERROR_MS = 15000;
export const CASE_COLLAPSED_KEY = 'sportello-console:case-collapsed';

/**
 * The buttons in a conversation's header, in order: `when(conversation, mine, states, me)` says
 * whether it is offered. The app runs `name` (POST /v1/agent/conversations/{id}/{name}, or the transfer form);
 * strings.js holds `name`, and `nameConfirm` for the ones that ask first (`ask(view)`: what the
 * question shows besides the changed button).
 */
export const ACTIONS = [
  { name: 'claim', style: 'c-btn--primary', when: (c, mine, states) => states.canClaim(c) },
  { name: 'transfer', opens: 'c-transfer', when: (c, mine) => mine },
  // a supervisor moves a colleague's conversation (their own they transfer)
  { name: 'reassign', opens: 'c-transfer', when: (c, mine, states, me) => isSupervisor(me) && !mine && states.holds(c) && !!(c.agent && c.agent.id) },
  // a customer who is not on the page (answered by e-mail, or later): the case stays open without
  // being held, back in the tickets list
  { name: 'release', when: (c, mine) => mine && !!c.ticket_id && !!c.reply_channel && c.reply_channel !== 'chat' },
  // `after`: the last event shown; the hub refuses (unseen_message) if the customer wrote since
  {
    name: 'resolve',
    style: 'c-btn--ok',
    confirm: true,
    ask: (view) => view.askResolve(),
    when: (c, mine) => mine,
    body: (view) => ({ after: view.lastEventId, outcome: view.outcome }),
  },
];

export class ConversationView {
  /**
   * @param {Document} doc
   * @param {{id: string, me: {id: string, name: string}, win: Window, composer: {root: HTMLElement, setCanReply: Function},
   *   actions: {run: (name: string, button: HTMLElement) => void, open: (id: string) => void}}} o
   *   `run` runs one of ACTIONS; `open` opens another conversation (history, the newer chat)
   */
  constructor(doc, { id, me, win, composer, actions, states }) {
    this.doc = doc;
    this.id = id;
    this.me = me;
    this.states = states || new States();
    this.win = win;
    this.composer = composer;
    this.actions = actions;
    this.data = null;
    this.seen = new Seen();
    this.messages = []; // the messages shown, in order (who wrote last?)
    this.pending = new Map(); // client_id → the agent's bubble until the hub stores the message
    this.lastEventId = null; // the newest stream event shown
    this.headSignature = null;
    this.earlierSignature = null;
    this.outcome = 'solved';
    this.question = null; // the open question of a confirm step
    this.confirmTimer = null;
    this.feedbackTimer = null;
    this.caseCollapsed = readFlag(win, CASE_COLLAPSED_KEY);
    this.headSlot = h(doc, 'div', { class: 'c-head-slot' });
    const closeOnEscape = (close) => (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close();
      }
    };
    // popovers under the header: they cover the transcript for a moment instead of pushing the composer down
    this.transferEl = h(doc, 'div', { class: 'c-popover c-transfer', id: 'c-transfer', hidden: true, onkeydown: closeOnEscape(() => this.closeTransfer(true)) });
    this.confirmEl = h(doc, 'div', { class: 'c-popover c-confirm', id: 'c-confirm', hidden: true, onkeydown: closeOnEscape(() => this.cancelConfirm(true)) });
    this.feedbackEl = h(doc, 'p', { class: 'c-feedback', role: 'status' });
    this.headWrap = h(doc, 'div', { class: 'c-head-wrap' }, this.headSlot, this.feedbackEl, this.transferEl, this.confirmEl);
    this.caseSlot = h(doc, 'div', { class: 'c-case-slot' });
    this.sideSlot = h(doc, 'aside', { class: 'c-conv-side', 'aria-label': t('history') });
    this.earlierEl = h(doc, 'div', { class: 'c-earlier', hidden: true });
    this.transcriptEl = h(doc, 'ol', { class: 'c-transcript', role: 'log', 'aria-live': 'polite', 'aria-label': t('transcript'), tabindex: '0' });
    this.typingEl = h(doc, 'p', { class: 'c-typing', hidden: true }, t('customerTyping'));
    this.mailEl = h(doc, 'p', { class: 'c-mail-note', role: 'note', hidden: true });
    this.wrap = h(doc, 'div', { class: 'c-transcript-wrap' }, this.earlierEl, this.transcriptEl, this.typingEl);
    this.root = h(
      doc,
      'div',
      { class: 'c-conv-grid' },
      h(doc, 'div', { class: 'c-conv-main' }, this.headWrap, this.caseSlot, this.wrap, this.mailEl, composer.root),
      this.sideSlot,
    );
  }

  get conversation() {
    return (this.data && this.data.conversation) || {};
  }

  get mine() {
    const conv = this.conversation;
    return isMine(conv, this.me) && this.states.holds(conv);
  }

  /** Does the customer's last message still wait for a person's answer? (A reply being sent counts.) */
  get awaitingReply() {
    return this.pending.size === 0 && customerAwaitsReply(this.messages);
  }

  /** Show the hub's detail (GET /v1/agent/conversations/{id}); events already shown are skipped. */
  show(data) {
    const first = this.data === null;
    this.data = data;
    this.renderHead();
    this.renderCase();
    this.renderSide();
    this.renderEarlier();
    this.renderComposerState();
    for (const ev of timeline(data.transcript, data.notes)) this.append(ev, !first);
    if (first) this.scroll();
  }

  renderComposerState() {
    const conv = this.conversation;
    // the customer left the page: say where the reply goes (the hub's reply_channel)
    const channel = this.mine ? conv.reply_channel : null;
    this.mailEl.hidden = channel !== 'email' && channel !== 'later';
    this.mailEl.textContent = channel === 'email' ? t('replyByEmail', { email: conv.email || '' }) : channel === 'later' ? t('replyNoEmail') : '';
    if (this.mine) return this.composer.setCanReply(true);
    const state = statusKey(conv);
    if (state === 'merged') {
      return this.composer.setCanReply(false, t('mergedCannotReply'), { label: t('openLatest'), run: () => this.actions.open(conv.merged_into) });
    }
    if (state === 'resolved') return this.composer.setCanReply(false, t('resolvedCannotReply'));
    if (this.states.holds(conv) && conv.agent && conv.agent.name) return this.composer.setCanReply(false, t('notYoursOther', { name: conv.agent.name }));
    return this.composer.setCanReply(false, t('notAssignedToYou'));
  }

  renderHead() {
    const d = this.doc;
    const conv = this.conversation;
    const card = this.data.case_card || {};
    const mine = this.mine;
    const status = statusKey(conv);
    const name = card.customer_name || conv.customer_name || t('unknownCustomer');
    const rating = ratingText(conv.rating);
    // rebuilt only when something in it changed (keeps a half-confirmed resolve button)
    const signature = JSON.stringify([name, status, conv.agent && conv.agent.id, conv.ticket_id, mine, rating, conv.reply_channel, this.states.known]);
    if (signature === this.headSignature) return;
    this.headSignature = signature;
    this.cancelConfirm(false);
    const actions = h(d, 'div', { class: 'c-actions' });
    for (const action of ACTIONS.filter((a) => a.when(conv, mine, this.states, this.me))) {
      const attrs = { type: 'button', class: `c-btn ${action.style || ''}`.trim(), 'data-action': action.name };
      if (action.opens) Object.assign(attrs, { 'aria-expanded': 'false', 'aria-controls': action.opens, 'aria-haspopup': 'dialog' });
      if (action.ask) Object.assign(attrs, { 'aria-expanded': 'false', 'aria-controls': 'c-confirm' });
      attrs.onclick = (e) => (action.confirm ? this.confirm(e.currentTarget, action) : this.actions.run(action.name, e.currentTarget));
      actions.appendChild(h(d, 'button', attrs, t(action.name)));
    }
    if (!mine) this.closeTransfer(false);
    clear(this.headSlot).appendChild(
      h(
        d,
        'header',
        { class: 'c-conv-head' },
        h(d, 'h2', { id: 'c-conv-title', tabindex: '-1' }, name),
        // "Assegnata a Serena" in one pill when someone has it
        h(
          d,
          'span',
          { class: `c-status c-status--${status.replace(/[^a-z]/g, '')}` },
          this.states.holds(conv) && conv.agent && conv.agent.name ? t('assignedTo', { name: conv.agent.name }) : label('status', status),
        ),
        conv.ticket_id ? h(d, 'span', { class: 'c-ticket' }, t('ticket', { id: conv.ticket_id })) : null,
        rating ? h(d, 'span', { class: `c-tag c-rating${isLowRating(conv.rating) ? ' c-rating--low' : ''}` }, rating) : null,
        actions,
      ),
    );
  }

  /** Two steps, no window.confirm dialog: the first click asks (and shows `action.ask`), the second acts. */
  confirm(button, action) {
    if (button.getAttribute('data-confirm') === '1') {
      this.cancelConfirm(false); // asked and answered: the next click asks again
      this.actions.run(action.name, button);
      return;
    }
    button.setAttribute('data-confirm', '1');
    button.textContent = t(`${action.name}Confirm`);
    this.question = { button, action };
    if (action.ask) {
      clear(this.confirmEl).appendChild(action.ask(this));
      this.confirmEl.hidden = false;
      button.setAttribute('aria-expanded', 'true');
    }
    this.restartConfirmTimer();
  }

  restartConfirmTimer() {
    if (this.confirmTimer) this.win.clearTimeout(this.confirmTimer);
    this.confirmTimer = this.win.setTimeout(() => this.cancelConfirm(false), CONFIRM_MS);
  }

  /** The question goes away and the button is back to its first step. */
  cancelConfirm(focusButton) {
    const q = this.question;
    this.closeConfirm();
    if (!q) return;
    if (q.button.isConnected) {
      q.button.removeAttribute('data-confirm');
      q.button.textContent = t(q.action.name);
      if (focusButton) q.button.focus();
    }
  }

  closeConfirm() {
    if (this.confirmTimer) this.win.clearTimeout(this.confirmTimer);
    this.confirmTimer = null;
    if (this.question && this.question.button.hasAttribute('aria-expanded')) this.question.button.setAttribute('aria-expanded', 'false');
    this.question = null;
    this.resolveUi = null;
    this.confirmEl.hidden = true;
    clear(this.confirmEl);
  }

  /** What resolving asks: how it ended, and whether the customer still waits for an answer. */
  askResolve() {
    this.outcome = 'solved';
    this.resolveUi = resolveQuestion(this.doc, {
      outcome: this.outcome,
      awaiting: this.awaitingReply,
      pick: (outcome) => {
        this.outcome = outcome;
        this.restartConfirmTimer();
      },
      cancel: () => this.cancelConfirm(true),
    });
    return this.resolveUi.root;
  }

  /** The transfer popover: open (the app fills it) or closed, focus back on its button. */
  openTransfer(button, content) {
    clear(this.transferEl).appendChild(content);
    this.transferEl.hidden = false;
    this.transferButton = button;
    button.setAttribute('aria-expanded', 'true');
    const first = this.transferEl.querySelector('select, button');
    if (first) first.focus();
  }

  closeTransfer(focusButton) {
    if (this.transferEl.hidden) return;
    this.transferEl.hidden = true;
    clear(this.transferEl);
    const button = this.transferButton;
    if (button) {
      button.setAttribute('aria-expanded', 'false');
      if (focusButton && button.isConnected) button.focus();
    }
  }

  renderCase() {
    const d = this.doc;
    const card = this.data.case_card || {};
    const dont = dontAskAgain(card);
    const collapsed = this.caseCollapsed;
    const toggle = h(
      d,
      'button',
      {
        type: 'button',
        class: 'c-btn c-btn--small c-case-toggle',
        'aria-expanded': String(!collapsed),
        'aria-controls': 'c-case-body',
        onclick: () => {
          this.caseCollapsed = !this.caseCollapsed;
          writeFlag(this.win, CASE_COLLAPSED_KEY, this.caseCollapsed);
          this.renderCase();
        },
      },
      collapsed ? t('caseExpand') : t('caseCollapse'),
    );
    const summary = caseSummary(card);
    clear(this.caseSlot).appendChild(
      h(
        d,
        'section',
        { class: `c-case${collapsed ? ' c-case--collapsed' : ''}`, 'aria-labelledby': 'c-case-title' },
        h(
          d,
          'div',
          { class: 'c-case-head' },
          h(d, 'h3', { id: 'c-case-title' }, t('caseCard')),
          collapsed && summary ? h(d, 'span', { class: 'c-case-summary' }, summary) : null,
          toggle,
        ),
        h(
          d,
          'div',
          { class: 'c-case-body', id: 'c-case-body', hidden: collapsed },
          dont ? h(d, 'p', { class: 'c-dontask' }, dont) : null,
          rowsList(d, caseRows(card), 'c-rows c-case-rows', 26),
        ),
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
    const entries = historyEntries(this.data.history);
    const historyEl = h(
      d,
      'section',
      { class: 'c-history', 'aria-labelledby': 'c-history-title' },
      h(d, 'h3', { id: 'c-history-title' }, t('history')),
      entries.length
        ? h(
            d,
            'ol',
            { class: 'c-timeline' },
            entries.map((x) =>
              h(
                d,
                'li',
                {},
                h(
                  d,
                  'button',
                  {
                    type: 'button',
                    class: 'c-history-entry',
                    'data-conversation-id': x.id,
                    title: t('historyOpen', { date: x.date }),
                    onclick: () => this.actions.open(x.id),
                  },
                  h(d, 'span', { class: 'c-history-date' }, x.date),
                  x.problem ? h(d, 'span', { class: 'c-history-problem' }, x.problem) : null,
                  x.order ? h(d, 'span', { class: 'c-history-order' }, x.order) : null,
                  x.details.length ? h(d, 'span', { class: 'c-history-details' }, x.details.join(' · ')) : null,
                ),
              ),
            ),
          )
        : h(d, 'p', { class: 'c-muted' }, t('noHistory')),
    );
    clear(this.sideSlot).append(...[orderEl, historyEl].filter(Boolean));
  }

  /** The case's earlier conversations, oldest first, each a closed group before this transcript. */
  renderEarlier() {
    const list = Array.isArray(this.data.earlier) ? this.data.earlier.filter((x) => x && x.conversation_id != null) : [];
    const signature = JSON.stringify(list.map((x) => [x.conversation_id, (x.transcript || []).length]));
    if (signature === this.earlierSignature) return;
    this.earlierSignature = signature;
    // groups the agent opened stay open when the list is drawn again
    const open = new Set(Array.from(this.earlierEl.querySelectorAll('details[open]'), (e) => e.getAttribute('data-conversation-id')));
    const d = this.doc;
    clear(this.earlierEl);
    this.earlierEl.hidden = !list.length;
    for (const item of list) {
      const entries = [];
      const seen = new Seen();
      for (const ev of timeline(item.transcript, [])) {
        if (!seen.add(ev)) continue;
        const li = this.entryNode(ev);
        if (li) entries.push(li);
      }
      this.earlierEl.appendChild(
        h(
          d,
          'details',
          { class: 'c-earlier-group', 'data-conversation-id': item.conversation_id, open: open.has(String(item.conversation_id)) },
          h(d, 'summary', {}, earlierLabel(item)),
          h(d, 'ol', { class: 'c-earlier-list' }, entries),
        ),
      );
    }
  }

  /** A confirmation shows for a few seconds; an error (`error` true) longer, marked as such. */
  feedback(text, error = false) {
    if (this.feedbackTimer) this.win.clearTimeout(this.feedbackTimer);
    this.feedbackEl.textContent = text;
    this.feedbackEl.classList.toggle('c-feedback--error', error);
    this.feedbackTimer = this.win.setTimeout(() => {
      this.feedbackTimer = null;
      this.feedbackEl.textContent = '';
    }, error ? ERROR_MS : FEEDBACK_MS);
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
    this.updateWarning();
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
    this.updateWarning();
  }

  /** One transcript entry as an <li> (null for what is not shown). */
  entryNode(ev) {
    const view = entryView(ev);
    if (!view) return null;
    const d = this.doc;
    const at = eventMillis(ev);
    const when = clock(at);
    return h(
      d,
      'li',
      { class: `c-entry c-entry--${view.role}`, 'data-id': ev.id ?? null },
      view.role === 'event'
        ? h(d, 'span', { class: 'c-text' }, view.text, when ? ` · ${when}` : '')
        : [
            h(
              d,
              'div',
              { class: 'c-entry-head' },
              h(d, 'span', { class: 'c-who' }, view.role === 'note' ? icon(d, 'lock') : null, view.role === 'note' ? ' ' : null, view.who),
              h(d, 'span', { class: 'c-time' }, when),
            ),
            h(d, 'div', { class: 'c-text' }, richText(d, view.text)),
            view.buttons && view.buttons.length ? h(d, 'div', { class: 'c-buttons' }, t('buttonsOffered', { list: view.buttons.join(' · ') })) : null,
          ],
    );
  }

  /** Add one transcript entry (each id once; an agent's echo replaces its pending bubble). */
  append(ev, scroll = true) {
    if (ev.type === 'typing') {
      if (ev.from === 'customer') this.showTyping();
      return;
    }
    if (!this.seen.add(ev)) return;
    if (ev.id != null && ev.type !== 'note' && (this.lastEventId === null || compareIds(ev.id, this.lastEventId) > 0)) this.lastEventId = String(ev.id);
    const li = this.entryNode(ev);
    if (!li) return;
    if (ev.type === 'message') this.messages.push(ev);
    if (ev.type === 'message' && ev.from === 'customer') this.hideTyping();
    const pending = ev.client_id && this.pending.get(ev.client_id);
    if (pending) {
      pending.replaceWith(li);
      this.pending.delete(ev.client_id);
    } else {
      const firstPending = this.pending.values().next().value;
      if (firstPending) this.transcriptEl.insertBefore(li, firstPending);
      else this.transcriptEl.appendChild(li);
    }
    this.updateWarning();
    if (scroll) this.scroll();
  }

  /** While the resolve question is open, its warning follows the transcript. */
  updateWarning() {
    if (this.resolveUi) this.resolveUi.setAwaiting(this.awaitingReply);
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

function readFlag(win, key) {
  try {
    return win.localStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function writeFlag(win, key, on) {
  try {
    win.localStorage.setItem(key, on ? '1' : '0');
  } catch {
    /* private mode: for this page only */
  }
}
