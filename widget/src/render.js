// Rendering: pure helpers (link detection, initials, what an event means on screen) and the DOM view.
// Text is only ever inserted with textContent / text nodes; innerHTML is never used. The document
// is injected so the view can be exercised with a tiny DOM stand-in in unit tests.

import { initials, linkify } from './shared/text.js';

export const PREFIX = 'sportello-';

/** Which "joined" sentence fits the agent (Italian participles agree with the person). */
export function joinedKey(agent) {
  const g = agent && typeof agent.gender === 'string' ? agent.gender.toLowerCase() : '';
  if (g === 'f') return 'agentJoinedF';
  if (g === 'm') return 'agentJoinedM';
  return 'agentJoined';
}

/**
 * What a hand-off event means on screen. The bot's sentence (stored just before it) already tells
 * the customer in words; the widget only updates the banner, the header and the agent's avatar,
 * and says who joined (the one thing the words before it announce, not repeat).
 * @returns {{banner: string|null, system: string|null, agent: {name: string}|null|undefined, state: string}}
 *   agent undefined = unchanged, null = nobody; state = what the header shows.
 */
export function describeHandoff(ev, t) {
  switch (ev.status) {
    case 'queued': {
      const n = Number.isFinite(Number(ev.queue_position)) && ev.queue_position != null ? Number(ev.queue_position) : null;
      // the hub rounds the wait once (eta_minutes), so the banner says what the bot said
      const m = Number.isInteger(ev.eta_minutes) && ev.eta_minutes > 0 ? ev.eta_minutes : null;
      let banner;
      if (n !== null && m !== null) banner = t('queued', { n, m });
      else if (n !== null) banner = t('queuedNoEta', { n });
      else banner = t('queuedShort');
      return { banner, system: null, agent: undefined, state: 'queued' };
    }
    case 'assigned': {
      const name = ev.agent && ev.agent.name ? String(ev.agent.name) : null;
      return {
        banner: null,
        system: name ? t(joinedKey(ev.agent), { name }) : null,
        agent: name ? { name, gender: ev.agent.gender } : undefined,
        state: 'assigned',
      };
    }
    case 'offline':
      return { banner: null, system: null, agent: null, state: 'offline' };
    default:
      return { banner: null, system: null, agent: undefined, state: 'bot' };
  }
}

/** The visible role and author of a message event. */
export function messageView(ev, t, currentAgent) {
  const from = ['customer', 'bot', 'agent', 'system'].includes(ev.from) ? ev.from : 'system';
  let author;
  if (from === 'customer') author = t('you');
  else if (from === 'bot') author = t('bot');
  else if (from === 'agent') author = (ev.agent && ev.agent.name) || (currentAgent && currentAgent.name) || '';
  else author = t('system');
  const buttons = Array.isArray(ev.buttons)
    ? ev.buttons
        .filter((b) => b && typeof b.title === 'string' && b.title.trim())
        .map((b) => ({ title: b.title, payload: typeof b.payload === 'string' ? b.payload : b.title }))
    : [];
  return { role: from, author, text: ev.text == null ? '' : String(ev.text), buttons };
}

/** The interface sentence for a server error event (server wording is never shown to customers). */
export function errorKey(code) {
  if (code === 'too_long' || code === 'message_too_long' || code === 'payload_too_large') return 'errorTooLong';
  if (code === 'rate_limited' || code === 'too_many_requests') return 'errorRateLimited';
  return 'errorGeneric';
}

// ---------------------------------------------------------------- DOM helpers

/** Create an element with prefixed classes: el(doc, 'div', 'msg msg--bot'). */
export function el(doc, tag, classes, attrs) {
  const node = doc.createElement(tag);
  if (classes) node.className = classes.split(/\s+/).filter(Boolean).map((c) => PREFIX + c).join(' ');
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  return node;
}

/** Append text to `parent`, turning http(s) URLs into safe links and everything else into text nodes. */
export function appendRichText(doc, parent, text, t) {
  for (const seg of linkify(text)) {
    if (seg.type === 'link') {
      const a = el(doc, 'a', 'link', {
        href: seg.href,
        target: '_blank',
        rel: 'noopener noreferrer',
        title: t ? t('linkNewWindow') : undefined,
      });
      a.textContent = seg.text;
      parent.appendChild(a);
    } else {
      parent.appendChild(doc.createTextNode(seg.text));
    }
  }
  return parent;
}

/** One message bubble (li) for a message view. */
export function createMessageEl(doc, view, t) {
  const li = el(doc, 'li', `msg msg--${view.role}`);
  if (view.role !== 'customer' && view.role !== 'system') {
    const head = el(doc, 'div', 'msg-head');
    if (view.role === 'agent' && view.author) {
      const av = el(doc, 'span', 'avatar avatar--small', { 'aria-hidden': 'true' });
      av.textContent = initials(view.author);
      head.appendChild(av);
    }
    const who = el(doc, 'span', 'msg-author');
    who.textContent = view.author;
    head.appendChild(who);
    li.appendChild(head);
  } else if (view.role === 'customer') {
    const who = el(doc, 'span', 'sr-only');
    who.textContent = `${view.author}: `;
    li.appendChild(who);
  }
  const bubble = el(doc, 'div', 'bubble');
  appendRichText(doc, bubble, view.text, t);
  li.appendChild(bubble);
  return li;
}

/** A centred system line (agent joined, ticket opened, conversation closed…). */
export function createSystemEl(doc, text, agentName) {
  const li = el(doc, 'li', 'msg msg--system');
  if (agentName) {
    const av = el(doc, 'span', 'avatar avatar--small', { 'aria-hidden': 'true' });
    av.textContent = initials(agentName);
    li.appendChild(av);
  }
  const span = el(doc, 'span', 'system-text');
  span.textContent = text;
  li.appendChild(span);
  return li;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function chatIcon(doc, size = 28) {
  if (typeof doc.createElementNS !== 'function') return null;
  const svg = doc.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = doc.createElementNS(SVG_NS, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute(
    'd',
    'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z',
  );
  svg.appendChild(path);
  return svg;
}

// ---------------------------------------------------------------- the widget view

/**
 * The widget's DOM. Callbacks: onOpen(), onClose(), onSubmit(text), onQuickReply({title, payload}),
 * onInput() (for typing notifications).
 */
export class View {
  constructor({ doc, t, callbacks = {} }) {
    this.doc = doc;
    this.t = t;
    this.cb = callbacks;
    this.pending = new Map(); // client_id → li
    this.byId = new Map(); // event id → li
    this.agent = null;
    this.opened = false;
    this.typingTimer = null;
    this.build();
  }

  build() {
    const { doc, t } = this;
    this.root = el(doc, 'div', 'root');

    this.launcher = el(doc, 'button', 'launcher', {
      type: 'button',
      'aria-label': t('launcherLabel'),
      'aria-expanded': 'false',
      'aria-controls': 'sportello-panel',
      'aria-haspopup': 'dialog',
    });
    const icon = chatIcon(doc);
    if (icon) this.launcher.appendChild(icon);
    this.badge = el(doc, 'span', 'badge', { 'aria-hidden': 'true', hidden: '' });
    this.launcher.appendChild(this.badge);
    this.launcher.addEventListener('click', () => (this.opened ? this.close() : this.open()));

    this.panel = el(doc, 'section', 'panel', {
      id: 'sportello-panel',
      role: 'dialog',
      'aria-modal': 'false',
      'aria-labelledby': 'sportello-title',
      hidden: '',
    });
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
      }
    });

    const header = el(doc, 'header', 'header');
    this.avatar = el(doc, 'span', 'avatar', { 'aria-hidden': 'true' });
    this.showDefaultAvatar();
    const titles = el(doc, 'div', 'titles');
    this.title = el(doc, 'h2', 'title', { id: 'sportello-title' });
    this.title.textContent = t('panelTitle');
    this.subtitle = el(doc, 'p', 'subtitle');
    this.subtitle.textContent = t('subtitleBot');
    titles.appendChild(this.title);
    titles.appendChild(this.subtitle);
    this.closeBtn = el(doc, 'button', 'close', { type: 'button', 'aria-label': t('closeLabel') });
    this.closeBtn.textContent = '×';
    this.closeBtn.addEventListener('click', () => this.close());
    header.appendChild(this.avatar);
    header.appendChild(titles);
    header.appendChild(this.closeBtn);

    this.conn = el(doc, 'div', 'conn', { role: 'status', hidden: '' });
    this.handoff = el(doc, 'div', 'handoff', { role: 'status', hidden: '' });

    this.list = el(doc, 'ol', 'messages', {
      role: 'log',
      'aria-live': 'polite',
      'aria-relevant': 'additions',
      'aria-label': t('messagesLabel'),
      tabindex: '0',
    });

    this.typing = el(doc, 'div', 'typing', { hidden: '' });
    this.quick = el(doc, 'div', 'quick', { role: 'group', 'aria-label': t('quickRepliesLabel'), hidden: '' });

    this.form = el(doc, 'form', 'composer');
    const label = el(doc, 'label', 'sr-only', { for: 'sportello-input' });
    label.textContent = t('inputLabel');
    this.input = el(doc, 'textarea', 'input', {
      id: 'sportello-input',
      rows: '1',
      maxlength: '2000',
      placeholder: t('inputPlaceholder'),
      autocomplete: 'off',
    });
    this.sendBtn = el(doc, 'button', 'send', { type: 'submit' });
    this.sendBtn.textContent = t('send');
    this.form.appendChild(label);
    this.form.appendChild(this.input);
    this.form.appendChild(this.sendBtn);
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.cb.onInput && this.cb.onInput());

    this.panel.appendChild(header);
    this.panel.appendChild(this.conn);
    this.panel.appendChild(this.handoff);
    this.panel.appendChild(this.list);
    this.panel.appendChild(this.typing);
    // the quick replies come after the input (tab order: type, send, or pick one of them) and
    // below it on screen, so they never cover the question they answer
    this.panel.appendChild(this.form);
    this.panel.appendChild(this.quick);

    // Announcements while the panel is closed (the log itself is hidden then).
    this.live = el(doc, 'div', 'sr-only', { 'aria-live': 'polite', 'aria-atomic': 'true' });

    this.root.appendChild(this.panel);
    this.root.appendChild(this.launcher);
    this.root.appendChild(this.live);
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    if (this.cb.onSubmit) this.cb.onSubmit(text);
  }

  open({ focus = true } = {}) {
    if (this.opened) return;
    this.opened = true;
    this.panel.removeAttribute('hidden');
    this.launcher.setAttribute('aria-expanded', 'true');
    this.root.classList.add(`${PREFIX}root--open`);
    if (this.cb.onOpen) this.cb.onOpen();
    this.scrollToEnd();
    if (focus) this.input.focus();
  }

  close() {
    if (!this.opened) return;
    this.opened = false;
    this.panel.setAttribute('hidden', '');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.root.classList.remove(`${PREFIX}root--open`);
    if (this.cb.onClose) this.cb.onClose();
    this.launcher.focus();
  }

  scrollToEnd() {
    if (typeof this.list.scrollHeight === 'number') this.list.scrollTop = this.list.scrollHeight;
  }

  /** Insert before the first still-pending customer bubble so server order is kept. */
  insert(li) {
    let anchor = null;
    for (const p of this.pending.values()) {
      if (p !== li && p.parentNode === this.list) {
        anchor = p;
        break;
      }
    }
    if (anchor) this.list.insertBefore(li, anchor);
    else this.list.appendChild(li);
    this.scrollToEnd();
  }

  /** Show a message the customer just typed, before the hub has it. */
  addPending(item, online) {
    const view = { role: 'customer', author: this.t('you'), text: item.text, buttons: [] };
    const li = createMessageEl(this.doc, view, this.t);
    li.setAttribute('data-client-id', item.client_id);
    li.classList.add(`${PREFIX}msg--pending`);
    const status = el(this.doc, 'span', 'msg-status');
    status.textContent = online ? this.t('pending') : this.t('queuedForSend');
    li.appendChild(status);
    this.list.appendChild(li);
    this.pending.set(item.client_id, li);
    this.clearQuickReplies();
    this.scrollToEnd();
    return li;
  }

  /** The hub acknowledged a pending message (stored, not yet echoed). */
  acknowledge(clientId) {
    const li = this.pending.get(clientId);
    if (!li) return;
    const status = li.querySelector ? li.querySelector(`.${PREFIX}msg-status`) : null;
    if (status) status.textContent = this.t('sent');
  }

  /** The hub refused a pending message (too long, too fast…): say so on the bubble. */
  markFailed(clientId) {
    const li = this.pending.get(clientId);
    if (!li) return;
    this.pending.delete(clientId);
    li.classList.remove(`${PREFIX}msg--pending`);
    li.classList.add(`${PREFIX}msg--failed`);
    const status = li.querySelector ? li.querySelector(`.${PREFIX}msg-status`) : null;
    if (status) status.textContent = this.t('notSent');
  }

  setPendingOnline(online) {
    for (const li of this.pending.values()) {
      const status = li.querySelector ? li.querySelector(`.${PREFIX}msg-status`) : null;
      if (status) status.textContent = online ? this.t('pending') : this.t('queuedForSend');
    }
  }

  /** Render a message event once. Returns the li (existing pending bubble when reconciled). */
  addMessage(ev) {
    if (ev.id != null && this.byId.has(String(ev.id))) return this.byId.get(String(ev.id));
    const view = messageView(ev, this.t, this.agent);
    let li = null;
    if (view.role === 'customer' && typeof ev.client_id === 'string' && this.pending.has(ev.client_id)) {
      li = this.pending.get(ev.client_id);
      this.pending.delete(ev.client_id);
      li.classList.remove(`${PREFIX}msg--pending`);
      const status = li.querySelector ? li.querySelector(`.${PREFIX}msg-status`) : null;
      if (status) li.removeChild(status);
      this.insert(li); // move to its place in server order
    } else {
      li = createMessageEl(this.doc, view, this.t);
      if (typeof ev.client_id === 'string') li.setAttribute('data-client-id', ev.client_id);
      this.insert(li);
    }
    if (ev.id != null) {
      li.setAttribute('data-id', String(ev.id));
      this.byId.set(String(ev.id), li);
    }
    if (view.role !== 'customer') this.hideTyping();
    if (view.buttons.length) this.setQuickReplies(view.buttons);
    else if (view.role !== 'system') this.clearQuickReplies();
    return li;
  }

  addSystem(text, agentName) {
    const li = createSystemEl(this.doc, text, agentName);
    this.insert(li);
    return li;
  }

  setQuickReplies(buttons) {
    this.clearQuickReplies();
    for (const b of buttons) {
      const btn = el(this.doc, 'button', 'quick-reply', { type: 'button' });
      btn.textContent = b.title;
      btn.addEventListener('click', () => {
        this.clearQuickReplies();
        if (this.cb.onQuickReply) this.cb.onQuickReply(b);
        this.input.focus();
      });
      this.quick.appendChild(btn);
    }
    if (buttons.length) this.quick.removeAttribute('hidden');
    this.scrollToEnd(); // the list just got shorter: its last message stays in view
  }

  clearQuickReplies() {
    while (this.quick.firstChild) this.quick.removeChild(this.quick.firstChild);
    this.quick.setAttribute('hidden', '');
  }

  showTyping(name) {
    this.typing.textContent = name ? this.t('typing', { name }) : this.t('typingSomeone');
    this.typing.removeAttribute('hidden');
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.hideTyping(), 6000);
  }

  hideTyping() {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = null;
    this.typing.textContent = '';
    this.typing.setAttribute('hidden', '');
  }

  /** Connection state: only shown when something is wrong. */
  setConnection(state) {
    const key =
      state === 'retrying' ? 'reconnecting' : state === 'offline' ? 'offlineNetwork' : state === 'starting' ? 'errorStart' : null;
    this.root.setAttribute('data-connection', state);
    if (key) {
      this.conn.textContent = this.t(key);
      this.conn.removeAttribute('hidden');
    } else {
      this.conn.textContent = '';
      this.conn.setAttribute('hidden', '');
    }
    this.setPendingOnline(state === 'open');
  }

  setBanner(text) {
    if (text) {
      this.handoff.textContent = text;
      this.handoff.removeAttribute('hidden');
    } else {
      this.handoff.textContent = '';
      this.handoff.setAttribute('hidden', '');
    }
  }

  setAgent(agent) {
    this.agent = agent;
    if (agent && agent.name) {
      this.avatar.textContent = initials(agent.name);
      this.avatar.classList.add(`${PREFIX}avatar--agent`);
      this.setState('assigned');
    } else {
      this.showDefaultAvatar();
      this.avatar.classList.remove(`${PREFIX}avatar--agent`);
    }
  }

  /** The header says who answers now: the assistant, the queue, a person, or nobody until later. */
  setState(state, { ticket } = {}) {
    this.state = state;
    this.root.setAttribute('data-state', state);
    if (state === 'assigned' && this.agent && this.agent.name) this.subtitle.textContent = this.t('agentWithYou', { name: this.agent.name });
    else if (state === 'queued') this.subtitle.textContent = this.t('subtitleQueued');
    else if (state === 'offline') this.subtitle.textContent = ticket ? this.t('subtitleOffline', { ticket }) : this.t('subtitleOfflineNoTicket');
    else this.subtitle.textContent = this.t('subtitleBot');
  }

  showDefaultAvatar() {
    this.avatar.textContent = '';
    const icon = chatIcon(this.doc, 20);
    if (icon) this.avatar.appendChild(icon);
  }

  setUnread(n) {
    if (n > 0) {
      this.badge.textContent = n > 99 ? '99+' : String(n);
      this.badge.removeAttribute('hidden');
      this.launcher.setAttribute('aria-label', this.t('launcherLabelUnread', { n }));
    } else {
      this.badge.textContent = '';
      this.badge.setAttribute('hidden', '');
      this.launcher.setAttribute('aria-label', this.t('launcherLabel'));
    }
  }

  announce(text) {
    this.live.textContent = '';
    this.live.textContent = text;
  }

  /** Forget every rendered message (the conversation was replaced). */
  reset() {
    while (this.list.firstChild) this.list.removeChild(this.list.firstChild);
    this.pending.clear();
    this.byId.clear();
    this.clearQuickReplies();
    this.hideTyping();
    this.setBanner(null);
    this.setAgent(null);
    this.setState('bot');
  }
}
