// The conversation lists (queue, mine, resolved, tickets): their state and the side-bar view.

import { t } from './strings.js';
import { h, clear } from './dom.js';
import { formatWait, isHighPriority, isMine, labelled, newArrivals, sortQueue, waitingSince } from './logic.js';

export const TABS = ['queue', 'mine', 'resolved', 'offline'];
/** Which hub status each tab lists. */
export const TAB_STATUS = { queue: 'queued', mine: 'assigned', resolved: 'resolved', offline: 'offline' };
const EMPTY = { queue: 'emptyQueue', mine: 'emptyMine', resolved: 'emptyResolved', offline: 'emptyOffline' };

/** What each tab holds, and which queued conversations are new since the last look. */
export class ListState {
  constructor() {
    this.items = { queue: [], mine: [], resolved: [], offline: [] };
    this.knownQueue = new Set();
    this.queueInitialised = false;
  }

  /** Replace the queue; returns how many conversations arrived (0 on the first load). */
  setQueue(items) {
    const arrivals = newArrivals(this.knownQueue, items);
    this.knownQueue = new Set(items.map((c) => String(c.id)));
    const first = !this.queueInitialised;
    this.queueInitialised = true;
    this.items.queue = sortQueue(items);
    return first ? 0 : arrivals.length;
  }

  /** Replace a tab's items ("mine" keeps only what is assigned to `me`). */
  set(tab, items, me) {
    if (tab === 'queue') return this.setQueue(items);
    this.items[tab] = tab === 'mine' ? items.filter((c) => isMine(c, me)) : items;
    return 0;
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

  render(selected, counts) {
    for (const [name, b] of Object.entries(this.buttons)) {
      b.setAttribute('aria-selected', String(name === selected));
      b.setAttribute('tabindex', name === selected ? '0' : '-1');
      clear(b).append(t(name), ' ', h(this.doc, 'span', { class: 'c-count' }, String(counts[name] ?? 0)));
    }
  }
}

/**
 * The items of one list.
 * @param {Document} doc
 * @param {HTMLElement} listEl  the <ul>
 * @param {{tab: string, items: any[], selectedId: string|null, now: number, onOpen: (id: string) => void}} o
 */
export function renderList(doc, listEl, { tab, items, selectedId, now, onOpen }) {
  clear(listEl);
  listEl.setAttribute('aria-labelledby', `tab-${tab}`);
  if (!items.length) {
    listEl.appendChild(h(doc, 'li', { class: 'c-empty' }, t(EMPTY[tab])));
    return;
  }
  for (const c of items) {
    const since = waitingSince(c);
    const meta = [];
    if (tab === 'queue' && !Number.isNaN(since)) meta.push(h(doc, 'span', { class: 'c-wait' }, t('waiting', { time: formatWait(since, now) })));
    const problem = labelled(c.problem_label, c.problem_type);
    if (problem) meta.push(h(doc, 'span', { class: 'c-tag' }, problem));
    if (c.mood) meta.push(h(doc, 'span', { class: `c-tag c-mood c-mood--${String(c.mood).replace(/[^a-z_]/gi, '')}` }, labelled(c.mood_label, c.mood)));
    if (isHighPriority(c.priority)) meta.push(h(doc, 'span', { class: 'c-tag c-prio' }, t('priorityHigh')));
    if (tab === 'queue' && c.queue_position) meta.push(h(doc, 'span', { class: 'c-tag' }, t('position', { n: c.queue_position })));
    if (c.ticket_id) meta.push(h(doc, 'span', { class: 'c-tag' }, t('ticket', { id: c.ticket_id })));
    const selected = selectedId != null && String(selectedId) === String(c.id);
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
            class: `c-item${selected ? ' c-item--selected' : ''}`,
            'aria-current': selected ? 'true' : null,
            'data-conversation-id': c.id,
            onclick: () => onOpen(c.id),
          },
          h(doc, 'span', { class: 'c-item-name' }, c.customer_name || t('unknownCustomer')),
          h(doc, 'span', { class: 'c-item-meta' }, meta),
        ),
      ),
    );
  }
}
