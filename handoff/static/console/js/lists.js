// The conversation lists (queue, mine, resolved, tickets): their state — unread counts, the wait for
// a person's reply, the order that puts what needs a person first — and the side-bar view.

import { t } from './strings.js';
import { h, clear } from './dom.js';
import {
  clock, eventMillis, formatWait, isHighPriority, isLowRating, isMine, labelled, newArrivals, previewText, ratingText,
  sortByAttention, sortOldestFirst, sortQueue, ticketPromise, toMillis, unreadCount, waitLevel, waitingSince,
} from './logic.js';

export const TABS = ['queue', 'mine', 'resolved', 'offline'];
/** Which hub status each tab lists. */
export const TAB_STATUS = { queue: 'queued', mine: 'assigned', resolved: 'resolved', offline: 'offline' };
const EMPTY = { queue: 'emptyQueue', mine: 'emptyMine', resolved: 'emptyResolved', offline: 'emptyOffline' };
/** Lists whose customers wait for a person (their messages are cues; resolved ones are not). */
export const LIVE_TABS = ['queue', 'mine', 'offline'];

/**
 * What each tab holds, which queued conversations are new since the last look, and what this agent
 * has read of each conversation (the read marks: the hub's `read`, or a POST …/read of ours).
 */
export class ListState {
  constructor() {
    this.items = { queue: [], mine: [], resolved: [], offline: [] };
    this.knownQueue = new Set();
    this.queueInitialised = false;
    this.marks = new Map(); // conversation id → customer messages read
    this.counted = new Set(); // event ids already counted as customer messages
  }

  /** Replace the queue; returns the conversations that arrived (none on the first load). */
  setQueue(items) {
    const arrivals = newArrivals(this.knownQueue, items);
    this.knownQueue = new Set(items.map((c) => String(c.id)));
    const first = !this.queueInitialised;
    this.queueInitialised = true;
    this.items.queue = sortQueue(items.map((c) => this.withUnread(c)));
    return first ? [] : arrivals;
  }

  /** Replace a tab's items ("mine" keeps only what is assigned to `me`); returns queue arrivals. */
  set(tab, items, me) {
    if (tab === 'queue') return this.setQueue(items);
    const list = (tab === 'mine' ? items.filter((c) => isMine(c, me)) : items).map((c) => this.withUnread(c));
    // resolved: the hub's order (newest first); tickets: oldest first; mine: what needs a person first
    this.items[tab] = tab === 'resolved' ? list : tab === 'offline' ? sortOldestFirst(list) : sortByAttention(list);
    return [];
  }

  /** The item with its unread count; the hub's `read` raises our mark (marks only grow). */
  withUnread(c) {
    const id = String(c.id);
    if (Number.isFinite(c.read)) this.marks.set(id, Math.max(this.marks.get(id) ?? 0, c.read));
    return { ...c, unread: unreadCount(c, this.marks.get(id)) };
  }

  /** Every listed copy of a conversation (it may be in more than one list for a moment). */
  find(id) {
    const out = [];
    for (const tab of TABS) for (const c of this.items[tab]) if (String(c.id) === String(id)) out.push(c);
    return out;
  }

  /** The customer's name as the lists know it ('' when the conversation is not listed). */
  nameOf(id) {
    const c = this.find(id).find((x) => x.customer_name);
    return c ? c.customer_name : '';
  }

  /**
   * A message arrived on the socket: the preview, the wait and (for the customer's) the unread
   * count follow at once, before the hub is asked again. Returns whether it was a new customer
   * message of a listed conversation.
   */
  message(id, ev) {
    const from = ev && ev.from;
    const fresh = from !== 'customer' || ev.id == null || !this.counted.has(String(ev.id));
    if (from === 'customer' && ev.id != null) this.counted.add(String(ev.id));
    const found = this.find(id);
    const at = eventMillis(ev);
    for (const c of found) {
      c.last_message = { from, text: ev.text == null ? '' : String(ev.text), ts: Number.isNaN(at) ? null : at / 1000 };
      if (from === 'customer' && fresh) {
        c.customer_count = (Number(c.customer_count) || 0) + 1;
        if (c.waiting_since == null) c.waiting_since = Number.isNaN(at) ? Date.now() / 1000 : at / 1000;
      } else if (from === 'agent') {
        c.waiting_since = null; // a person answered
      }
      c.unread = unreadCount(c, this.marks.get(String(c.id)));
    }
    this.resort();
    return from === 'customer' && fresh && found.length > 0;
  }

  /** We read it up to now: its unread count goes to 0. */
  markRead(id) {
    const key = String(id);
    let count = this.marks.get(key) ?? 0;
    for (const c of this.find(id)) count = Math.max(count, Number(c.customer_count) || 0);
    this.marks.set(key, count);
    for (const c of this.find(id)) c.unread = 0;
  }

  unread(id) {
    return this.find(id).reduce((n, c) => Math.max(n, c.unread || 0), 0);
  }

  /** A ticket passed its promised time (the hub's `ticket_overdue`): flagged wherever it is listed. */
  overdue(id) {
    for (const c of this.find(id)) c.overdue = true;
  }

  /** Is the conversation in a list where customers wait for a person? */
  isLive(id) {
    return LIVE_TABS.some((tab) => this.items[tab].some((c) => String(c.id) === String(id)));
  }

  resort() {
    this.items.queue = sortQueue(this.items.queue);
    this.items.mine = sortByAttention(this.items.mine);
    this.items.offline = sortOldestFirst(this.items.offline);
  }
}

/** The tab bar: one button per list, with counts, arrow keys moving between tabs. */
export class Tabs {
  constructor(doc, onSelect) {
    this.doc = doc;
    this.buttons = {};
    this.root = h(doc, 'div', { class: 'c-tabs', role: 'tablist', 'aria-label': t('listsLabel') });
    for (const name of TABS) {
      const b = h(doc, 'button', {
        type: 'button',
        role: 'tab',
        id: `tab-${name}`,
        'aria-controls': 'c-list',
        'aria-selected': 'false',
        class: 'c-tab',
        onclick: () => onSelect(name),
        onkeydown: (e) => {
          const i = TABS.indexOf(name);
          const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : null;
          if (next) {
            e.preventDefault();
            onSelect(next);
            this.buttons[next].focus();
          }
        },
      });
      this.buttons[name] = b;
      this.root.appendChild(b);
    }
  }

  /** `counts[name]`: items in the list; `unread[name]`: items with unread messages (a dot). */
  render(selected, counts, unread = {}) {
    for (const [name, b] of Object.entries(this.buttons)) {
      b.setAttribute('aria-selected', String(name === selected));
      b.setAttribute('tabindex', name === selected ? '0' : '-1');
      b.classList.toggle('c-tab--unread', (unread[name] || 0) > 0);
      clear(b).append(t(name), ' ', h(this.doc, 'span', { class: 'c-count' }, String(counts[name] ?? 0)));
      if ((unread[name] || 0) > 0) b.appendChild(h(this.doc, 'span', { class: 'c-sr-only' }, t(name === 'resolved' ? 'tabAlerts' : 'tabUnread')));
    }
  }
}

/**
 * The items of one list.
 * @param {Document} doc
 * @param {HTMLElement} listEl  the <ul>
 * @param {{tab: string, items: any[], selectedId: string|null, now: number, targets: {amber: number, red: number},
 *   alerts?: Set<string>, onOpen: (id: string) => void}} o  `alerts`: conversations with a low rating to look at
 */
export function renderList(doc, listEl, { tab, items, selectedId, now, targets, alerts = new Set(), onOpen }) {
  clear(listEl);
  listEl.setAttribute('aria-labelledby', `tab-${tab}`);
  if (!items.length) {
    listEl.appendChild(h(doc, 'li', { class: 'c-empty' }, t(EMPTY[tab])));
    return;
  }
  for (const c of items) {
    const id = String(c.id);
    const meta = [];
    const promise = tab === 'resolved' ? null : ticketPromise(c, now);
    if (promise) meta.push(h(doc, 'span', { class: `c-due${promise.overdue ? ' c-due--overdue' : ''}` }, promise.text));
    if (tab !== 'resolved' && tab !== 'offline') {
      const since = waitingSince(c);
      const level = waitLevel(since, now, targets);
      if (level) {
        const key = level === 'red' ? 'waitingRed' : level === 'amber' ? 'waitingAmber' : 'waiting';
        const time = formatWait(since, now);
        meta.push(h(doc, 'span', { class: `c-wait c-wait--${level}`, title: t(key, { time }) }, t('waiting', { time })));
      }
    }
    const problem = labelled(c.problem_label, c.problem_type);
    if (problem) meta.push(h(doc, 'span', { class: 'c-tag' }, problem));
    if (c.mood) meta.push(h(doc, 'span', { class: `c-tag c-mood c-mood--${String(c.mood).replace(/[^a-z_]/gi, '')}` }, labelled(c.mood_label, c.mood)));
    if (isHighPriority(c.priority) && tab !== 'resolved') meta.push(h(doc, 'span', { class: 'c-tag c-prio' }, t('priorityHigh')));
    if (tab === 'queue' && c.queue_position) meta.push(h(doc, 'span', { class: 'c-tag' }, t('position', { n: c.queue_position })));
    if (tab === 'resolved') {
      const rating = ratingText(c.rating);
      if (rating) meta.push(h(doc, 'span', { class: `c-tag c-rating${isLowRating(c.rating) ? ' c-rating--low' : ''}` }, rating));
      const at = toMillis(c.resolved_at);
      if (!Number.isNaN(at)) meta.push(h(doc, 'span', { class: 'c-tag' }, t('resolvedAt', { date: clock(at, now) })));
    }
    if (c.ticket_id) meta.push(h(doc, 'span', { class: 'c-tag' }, t('ticket', { id: c.ticket_id })));
    const selected = selectedId != null && String(selectedId) === id;
    const alert = tab === 'resolved' && alerts.has(id);
    const unread = tab === 'resolved' ? 0 : c.unread || 0;
    const preview = previewText(c.last_message);
    const classes = ['c-item'];
    if (selected) classes.push('c-item--selected');
    if (unread) classes.push('c-item--unread');
    if (alert || (promise && promise.overdue)) classes.push('c-item--alert');
    listEl.appendChild(
      h(
        doc,
        'li',
        {},
        h(
          doc,
          'button',
          {
            type: 'button',
            class: classes.join(' '),
            'aria-current': selected ? 'true' : null,
            'data-conversation-id': c.id,
            onclick: () => onOpen(c.id),
          },
          h(
            doc,
            'span',
            { class: 'c-item-top' },
            h(doc, 'span', { class: 'c-item-name' }, c.customer_name || t('unknownCustomer')),
            alert ? h(doc, 'span', { class: 'c-tag c-alert' }, t('lowRatingTag')) : null,
            promise && promise.overdue ? h(doc, 'span', { class: 'c-tag c-alert' }, t('ticketOverdueTag')) : null,
            unread
              ? h(doc, 'span', { class: 'c-unread', 'aria-label': unread === 1 ? t('unreadOne') : t('unreadMany', { n: unread }) }, String(unread))
              : null,
          ),
          preview ? h(doc, 'span', { class: 'c-item-preview' }, preview) : null,
          h(doc, 'span', { class: 'c-item-meta' }, meta),
        ),
      ),
    );
  }
}
