// The agent console: login, presence, lists, conversation view with case card, replies, notes,
// transfer, resolve; live updates over the agent WebSocket. Text is always set via text nodes.

import { S, t, label } from './strings.js';
import { createApi } from './api.js';
import { AgentSocket, agentStreamUrl } from './socket.js';
import { h, clear, richText, rowsList } from './dom.js';
import {
  Seen,
  caseRows,
  clock,
  dontAskAgain,
  entryView,
  eventMillis,
  formatWait,
  initials,
  isHighPriority,
  isMine,
  moodText,
  newArrivals,
  orderRows,
  sortQueue,
  timeline,
  titleFor,
  toMillis,
  unwrapList,
  waitingSince,
} from './logic.js';

const AUTH_KEY = 'sportello-console:auth';
const TABS = ['queue', 'mine', 'resolved', 'offline'];
const TAB_LABEL = { queue: 'queue', mine: 'mine', resolved: 'resolved', offline: 'offline' };
const EMPTY = { queue: 'emptyQueue', mine: 'emptyMine', resolved: 'emptyResolved', offline: 'emptyOffline' };

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const x = [...b].map((n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

class ConsoleApp {
  constructor(doc, win) {
    this.doc = doc;
    this.win = win;
    this.root = doc.getElementById('app');
    this.auth = this.loadAuth();
    this.api = createApi({ base: '', getToken: () => this.auth && this.auth.token, onUnauthorized: () => this.logout(true) });
    this.presence = 'online';
    this.lists = { queue: [], mine: [], resolved: [], offline: [] };
    this.tab = 'queue';
    this.current = null; // {id, data, seen, pending: Map}
    this.knownQueue = new Set();
    this.queueInitialised = false;
    this.unseen = 0;
    this.claimedByMe = new Set();
    this.canned = [];
    this.audio = null;
    this.socket = null;
    this.lastTyping = 0;
    this.refreshTimer = null;
    this.clockTimer = null;
  }

  // ------------------------------------------------------------ auth
  loadAuth() {
    try {
      const a = JSON.parse(this.win.sessionStorage.getItem(AUTH_KEY) || 'null');
      if (a && a.token && a.agent && (!a.expires_at || toMillis(a.expires_at) > Date.now())) return a;
    } catch {
      /* ignore */
    }
    return null;
  }

  saveAuth(a) {
    this.auth = a;
    try {
      if (a) this.win.sessionStorage.setItem(AUTH_KEY, JSON.stringify(a));
      else this.win.sessionStorage.removeItem(AUTH_KEY);
    } catch {
      /* ignore */
    }
  }

  start() {
    this.root.removeAttribute('aria-busy');
    this.doc.title = S.appName;
    if (this.auth) this.showApp();
    else this.showLogin();
  }

  logout(expired = false) {
    if (this.socket) this.socket.stop();
    this.socket = null;
    if (this.clockTimer) this.win.clearInterval(this.clockTimer);
    this.clockTimer = null;
    this.saveAuth(null);
    this.current = null;
    this.showLogin(expired ? t('sessionExpired') : '');
  }

  showLogin(message = '') {
    const d = this.doc;
    const error = h(d, 'p', { class: 'c-error', role: 'alert', id: 'login-error' }, message);
    const email = h(d, 'input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
    const password = h(d, 'input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
    const submit = h(d, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('login'));
    const form = h(
      d,
      'form',
      {
        class: 'c-login',
        'aria-labelledby': 'login-title',
        onsubmit: async (e) => {
          e.preventDefault();
          this.unlockAudio();
          submit.disabled = true;
          error.textContent = t('loggingIn');
          try {
            const res = await this.api.login(email.value.trim(), password.value);
            if (!res || !res.token) throw new Error('no token');
            this.saveAuth({ token: res.token, expires_at: res.expires_at, agent: res.agent || {} });
            this.showApp();
          } catch (err) {
            error.textContent = err && (err.status === 401 || err.status === 403 || err.status === 400) ? t('loginFailed') : t('loginError');
            submit.disabled = false;
            password.focus();
          }
        },
      },
      h(d, 'h1', { id: 'login-title' }, t('loginTitle')),
      h(d, 'label', { for: 'login-email' }, t('email')),
      email,
      h(d, 'label', { for: 'login-password' }, t('password')),
      password,
      submit,
      error,
    );
    clear(this.root).appendChild(h(d, 'main', { class: 'c-login-wrap' }, form));
    email.focus();
  }

  // ------------------------------------------------------------ app shell
  showApp() {
    const d = this.doc;
    const me = this.auth.agent || {};
    this.presence = me.status === 'away' ? 'away' : 'online';

    this.connEl = h(d, 'span', { class: 'c-conn', role: 'status' }, t('connecting'));
    this.presenceBtns = {};
    const presenceGroup = h(d, 'div', { class: 'c-presence', role: 'group', 'aria-label': t('presenceLabel') });
    for (const status of ['online', 'away']) {
      const b = h(d, 'button', { type: 'button', class: `c-btn c-presence-${status}`, 'aria-pressed': 'false', onclick: () => this.setPresence(status) }, t(status));
      this.presenceBtns[status] = b;
      presenceGroup.appendChild(b);
    }
    const header = h(
      d,
      'header',
      { class: 'c-top' },
      h(d, 'h1', {}, S.appName),
      h(d, 'span', { class: 'c-me' }, h(d, 'span', { class: 'c-avatar', 'aria-hidden': 'true' }, initials(me.name)), me.name || me.email || ''),
      presenceGroup,
      this.connEl,
      h(d, 'button', { type: 'button', class: 'c-btn c-btn--ghost', onclick: () => this.logout() }, t('logout')),
    );

    this.tabBtns = {};
    const tablist = h(d, 'div', { class: 'c-tabs', role: 'tablist', 'aria-label': t('listsLabel') });
    for (const name of TABS) {
      const b = h(d, 'button', {
        type: 'button',
        role: 'tab',
        id: `tab-${name}`,
        'aria-controls': 'c-list',
        'aria-selected': 'false',
        class: 'c-tab',
        onclick: () => this.selectTab(name),
        onkeydown: (e) => this.tabKeys(e, name),
      });
      this.tabBtns[name] = b;
      tablist.appendChild(b);
    }
    this.listEl = h(d, 'ul', { class: 'c-list', id: 'c-list', role: 'tabpanel' });
    this.convEl = h(d, 'section', { class: 'c-conv', 'aria-label': t('transcript') }, h(d, 'p', { class: 'c-placeholder' }, t('selectConversation')));
    this.liveEl = h(d, 'div', { class: 'c-sr-only', 'aria-live': 'polite' });

    clear(this.root).appendChild(
      h(d, 'div', { class: 'c-shell' }, header, h(d, 'div', { class: 'c-layout' }, h(d, 'nav', { class: 'c-side', 'aria-label': t('listsLabel') }, tablist, this.listEl), this.convEl), this.liveEl),
    );
    this.renderPresence();
    this.selectTab('queue');

    this.socket = new AgentSocket({
      url: () => agentStreamUrl(this.win.location.origin, this.auth.token),
      onMessage: (m) => this.onSocket(m),
      onState: (s) => this.onSocketState(s),
      onUnauthorized: () => this.logout(true),
      getPresence: () => this.presence,
    });
    this.socket.start();
    this.refreshAll();
    this.api.canned().then(
      (data) => {
        this.canned = unwrapList(data, 'canned', 'responses').filter((c) => c && typeof c.text === 'string');
        if (this.current) this.renderCanned();
      },
      () => {},
    );
    this.clockTimer = this.win.setInterval(() => this.renderList(), 30000);
    // Browsers allow sound only after a user gesture: after a reload (no login click) unlock on the first one.
    const unlock = () => this.unlockAudio();
    this.doc.addEventListener('pointerdown', unlock, { once: true });
    this.doc.addEventListener('keydown', unlock, { once: true });
    this.win.addEventListener('focus', () => this.clearCue());
  }

  tabKeys(e, name) {
    const i = TABS.indexOf(name);
    let next = null;
    if (e.key === 'ArrowRight') next = TABS[(i + 1) % TABS.length];
    if (e.key === 'ArrowLeft') next = TABS[(i + TABS.length - 1) % TABS.length];
    if (next) {
      e.preventDefault();
      this.selectTab(next);
      this.tabBtns[next].focus();
    }
  }

  onSocketState(s) {
    if (!this.connEl) return;
    this.connEl.textContent = s === 'open' ? t('live') : s === 'retrying' ? t('reconnecting') : t('connecting');
    this.connEl.className = `c-conn c-conn--${s}`;
    if (s === 'open') this.refreshAll(); // catch up on whatever happened while disconnected
  }

  async setPresence(status) {
    const before = this.presence;
    this.presence = status;
    this.renderPresence();
    try {
      await this.api.presence(status);
      if (this.socket) this.socket.send({ type: 'presence', status });
    } catch {
      this.presence = before;
      this.renderPresence();
      this.announce(t('presenceFailed'));
    }
  }

  renderPresence() {
    for (const [status, b] of Object.entries(this.presenceBtns)) {
      b.setAttribute('aria-pressed', String(status === this.presence));
      b.classList.toggle('c-btn--on', status === this.presence);
    }
  }

  announce(text) {
    if (!this.liveEl) return;
    this.liveEl.textContent = '';
    this.liveEl.textContent = text;
  }

  // ------------------------------------------------------------ cues
  unlockAudio() {
    try {
      const Ctx = this.win.AudioContext || this.win.webkitAudioContext;
      if (Ctx && !this.audio) this.audio = new Ctx();
      if (this.audio && this.audio.state === 'suspended') this.audio.resume();
    } catch {
      this.audio = null;
    }
  }

  beep() {
    try {
      if (!this.audio) this.unlockAudio();
      const ctx = this.audio;
      if (!ctx) return;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.3);
    } catch {
      /* sound is a nicety */
    }
  }

  cue(n) {
    this.unseen += n;
    this.doc.title = titleFor(this.unseen, S.appName);
    this.beep();
    this.announce(t('newConversationAnnounce'));
  }

  clearCue() {
    if (!this.unseen) return;
    this.unseen = 0;
    this.doc.title = S.appName;
  }

  // ------------------------------------------------------------ lists
  setQueue(items) {
    const arrivals = newArrivals(this.knownQueue, items);
    this.knownQueue = new Set(items.map((c) => String(c.id)));
    if (this.queueInitialised && arrivals.length) this.cue(arrivals.length);
    this.queueInitialised = true;
    this.lists.queue = sortQueue(items);
  }

  async refreshAll() {
    if (!this.auth) return;
    const statuses = [
      ['queue', 'queued'],
      ['mine', 'assigned'],
      ['resolved', 'resolved'],
      ['offline', 'offline'],
    ];
    await Promise.all(
      statuses.map(async ([tab, status]) => {
        try {
          const items = unwrapList(await this.api.conversations(status), 'conversations');
          if (tab === 'queue') this.setQueue(items);
          else if (tab === 'mine') this.lists.mine = items.filter((c) => !c.agent || isMine(c, this.auth.agent));
          else this.lists[tab] = items;
        } catch {
          /* keep what we had; the socket will trigger another refresh */
        }
      }),
    );
    this.renderList();
  }

  refreshSoon() {
    if (this.refreshTimer) this.win.clearTimeout(this.refreshTimer);
    this.refreshTimer = this.win.setTimeout(() => {
      this.refreshTimer = null;
      this.refreshAll();
      if (this.current) this.reloadCurrent();
    }, 250);
  }

  selectTab(name) {
    this.tab = name;
    for (const [n, b] of Object.entries(this.tabBtns)) {
      b.setAttribute('aria-selected', String(n === name));
      b.setAttribute('tabindex', n === name ? '0' : '-1');
    }
    this.listEl.setAttribute('aria-labelledby', `tab-${name}`);
    if (name === 'queue') this.clearCue();
    this.renderList();
  }

  renderList() {
    if (!this.listEl) return;
    const d = this.doc;
    for (const name of TABS) {
      const n = this.lists[name].length;
      clear(this.tabBtns[name]).append(t(TAB_LABEL[name]), ' ', h(d, 'span', { class: 'c-count' }, String(n)));
    }
    const items = this.lists[this.tab];
    clear(this.listEl);
    if (!items.length) {
      this.listEl.appendChild(h(d, 'li', { class: 'c-empty' }, t(EMPTY[this.tab])));
      return;
    }
    const now = Date.now();
    for (const c of items) {
      const card = c.case_card || c.summary || {};
      const name = c.customer_name || card.customer_name || t('unknownCustomer');
      const problem = label('problem', c.problem_type || card.problem_type);
      const mood = moodText(c.mood ?? card.mood);
      const since = waitingSince(c);
      const meta = [];
      if (this.tab === 'queue' && !Number.isNaN(since)) meta.push(h(d, 'span', { class: 'c-wait' }, t('waiting', { time: formatWait(since, now) })));
      if (problem) meta.push(h(d, 'span', { class: 'c-tag' }, problem));
      if (mood) meta.push(h(d, 'span', { class: `c-tag c-mood c-mood--${String(c.mood?.label ?? c.mood ?? card.mood ?? '').replace(/[^a-z_]/gi, '')}` }, mood));
      if (isHighPriority(c.priority)) meta.push(h(d, 'span', { class: 'c-tag c-prio' }, t('priorityHigh')));
      if (this.tab === 'queue' && c.queue_position) meta.push(h(d, 'span', { class: 'c-tag' }, t('position', { n: c.queue_position })));
      if (c.ticket_id) meta.push(h(d, 'span', { class: 'c-tag' }, t('ticket', { id: c.ticket_id })));
      const selected = this.current && String(this.current.id) === String(c.id);
      this.listEl.appendChild(
        h(
          d,
          'li',
          {},
          h(
            d,
            'button',
            {
              type: 'button',
              class: `c-item${selected ? ' c-item--selected' : ''}`,
              'aria-current': selected ? 'true' : null,
              'data-conversation-id': c.id,
              onclick: () => this.openConversation(c.id),
            },
            h(d, 'span', { class: 'c-item-name' }, name),
            h(d, 'span', { class: 'c-item-meta' }, meta),
          ),
        ),
      );
    }
  }

  // ------------------------------------------------------------ socket
  onSocket(m) {
    switch (m.type) {
      case 'queue':
        this.setQueue(unwrapList(m.items ?? m, 'items'));
        this.renderList();
        break;
      case 'assigned': {
        const c = m.conversation || {};
        if (isMine(c, this.auth.agent) && !this.claimedByMe.has(String(c.id))) this.cue(1);
        this.refreshSoon();
        break;
      }
      case 'event': {
        const ev = m.event || {};
        if (this.current && String(m.conversation_id) === String(this.current.id)) this.appendEvent(ev);
        if (['handoff', 'resolved'].includes(ev.type)) this.refreshSoon();
        break;
      }
      case 'typing':
        if (this.current && String(m.conversation_id) === String(this.current.id) && (m.from || 'customer') === 'customer') this.showTyping();
        break;
      case 'note':
        if (this.current && String(m.conversation_id) === String(this.current.id) && m.note) this.appendEvent({ ...m.note, type: 'note' });
        break;
      case 'hello':
        if (m.presence === 'online' || m.presence === 'away') {
          this.presence = m.presence;
          this.renderPresence();
        }
        break;
      case 'conversation':
      case 'resolved':
      case 'transferred':
        this.refreshSoon();
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------ conversation
  async openConversation(id) {
    this.clearCue();
    let data;
    try {
      data = await this.api.conversation(id);
    } catch {
      this.announce(t('loadFailed'));
      return;
    }
    this.current = { id, data, seen: new Seen(), pending: new Map() };
    this.renderConversation();
    this.renderList();
  }

  /** Fetch the open conversation again: refresh header, case card and side; add missing events. */
  async reloadCurrent() {
    if (!this.current) return;
    const id = this.current.id;
    try {
      const data = await this.api.conversation(id);
      if (!this.current || this.current.id !== id) return;
      this.current.data = data;
      this.renderDetails();
      for (const ev of timeline(data.transcript, data.notes)) this.appendEvent(ev);
    } catch {
      /* keep the current view */
    }
  }

  /** Build the conversation view once per opened conversation; details are refreshed in place. */
  renderConversation() {
    const d = this.doc;
    const { data } = this.current;
    this.headSlot = h(d, 'div', { class: 'c-head-slot' });
    this.transferEl = h(d, 'div', { class: 'c-transfer', id: 'c-transfer', hidden: true });
    this.feedbackEl = h(d, 'p', { class: 'c-feedback', role: 'status' });
    this.caseSlot = h(d, 'div', { class: 'c-case-slot' });
    this.sideSlot = h(d, 'aside', { class: 'c-conv-side' });
    this.transcriptEl = h(d, 'ol', { class: 'c-transcript', role: 'log', 'aria-live': 'polite', 'aria-label': t('transcript'), tabindex: '0' });
    this.typingEl = h(d, 'p', { class: 'c-typing', hidden: true }, t('customerTyping'));
    this.headSignature = null;
    const composer = this.buildComposer(false);
    clear(this.convEl).appendChild(
      h(
        d,
        'div',
        { class: 'c-conv-grid' },
        h(d, 'div', { class: 'c-conv-main' }, this.headSlot, this.transferEl, this.feedbackEl, this.caseSlot, h(d, 'div', { class: 'c-transcript-wrap' }, this.transcriptEl, this.typingEl), composer),
        this.sideSlot,
      ),
    );
    this.renderDetails();
    for (const ev of timeline(data.transcript, data.notes)) this.appendEvent(ev, false);
    this.scrollTranscript();
  }

  renderDetails() {
    const d = this.doc;
    const { data } = this.current;
    const conv = data.conversation || {};
    const card = data.case_card || {};
    const me = this.auth.agent;
    const mine = isMine(conv, me) && conv.status === 'assigned';
    const status = conv.status || '';
    const name = card.customer_name || conv.customer_name || t('unknownCustomer');

    // header: rebuilt only when something in it changed (keeps a half-confirmed resolve button)
    const signature = JSON.stringify([name, status, conv.agent && conv.agent.id, conv.ticket_id, mine]);
    if (signature !== this.headSignature) {
      this.headSignature = signature;
      const actions = h(d, 'div', { class: 'c-actions' });
      if (status === 'queued' || status === 'offline' || (status === 'assigned' && !mine)) {
        actions.appendChild(h(d, 'button', { type: 'button', class: 'c-btn c-btn--primary', 'data-action': 'claim', onclick: () => this.claim() }, t('claim')));
      }
      if (mine) {
        actions.appendChild(h(d, 'button', { type: 'button', class: 'c-btn', 'data-action': 'transfer', 'aria-expanded': 'false', 'aria-controls': 'c-transfer', onclick: (e) => this.toggleTransfer(e.currentTarget) }, t('transfer')));
        actions.appendChild(h(d, 'button', { type: 'button', class: 'c-btn c-btn--ok', 'data-action': 'resolve', onclick: (e) => this.resolve(e.currentTarget) }, t('resolve')));
      } else {
        this.transferEl.hidden = true;
      }
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

    // case card (pinned at the top of the conversation)
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

    // side: order + history
    const order = card.order || data.order;
    const orderList = orderRows(order);
    const orderEl = orderList.length
      ? h(d, 'section', { class: 'c-order', 'aria-labelledby': 'c-order-title' }, h(d, 'h3', { id: 'c-order-title' }, t('order')), rowsList(d, orderList))
      : null;
    const history = [...unwrapList(data.history, 'conversations'), ...unwrapList(data.history && data.history.tickets)];
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
              const when = toMillis(x.created_at ?? x.ts);
              const parts = [
                x.order_number ? `#${x.order_number}` : '',
                Number.isNaN(when) ? '' : new Date(when).toLocaleDateString('it-IT'),
                label('problem', x.problem_type || (x.case_card && x.case_card.problem_type)),
                x.ticket_id ? t('ticket', { id: x.ticket_id }) : '',
                x.status ? label('status', x.status) : '',
                x.agent && x.agent.name ? x.agent.name : '',
              ].filter(Boolean);
              return h(d, 'li', {}, parts.join(' · '), x.summary && typeof x.summary === 'string' ? h(d, 'p', {}, x.summary) : null);
            }),
          )
        : h(d, 'p', { class: 'c-muted' }, t('noHistory')),
    );
    clear(this.sideSlot).append(...[orderEl, historyEl].filter(Boolean));

    // composer: replying needs the conversation to be assigned to me
    this.canReply = mine;
    if (this.notMineEl) this.notMineEl.hidden = mine;
    this.applyMode();
  }

  buildComposer(mine) {
    const d = this.doc;
    this.composerError = h(d, 'p', { class: 'c-error', role: 'alert' });
    this.noteToggle = h(d, 'input', { type: 'checkbox', id: 'c-note-mode', onchange: () => this.applyMode() });
    this.cannedSelect = h(d, 'select', { id: 'c-canned', 'aria-label': t('canned'), onchange: () => this.insertCanned() });
    this.textarea = h(d, 'textarea', {
      id: 'c-reply',
      rows: '2',
      maxlength: '4000',
      oninput: () => this.typing(),
      onkeydown: (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          this.form.requestSubmit();
        }
      },
    });
    this.textareaLabel = h(d, 'label', { for: 'c-reply', class: 'c-sr-only' }, t('reply'));
    this.sendBtn = h(d, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('send'));
    this.notMineEl = h(d, 'span', { class: 'c-muted', hidden: mine }, t('notAssignedToYou'));
    this.form = h(
      d,
      'form',
      { class: 'c-composer', onsubmit: (e) => (e.preventDefault(), this.submit()) },
      h(d, 'div', { class: 'c-composer-tools' }, h(d, 'label', { class: 'c-note-toggle' }, this.noteToggle, ' ', t('noteMode')), this.cannedSelect),
      this.textareaLabel,
      this.textarea,
      h(d, 'div', { class: 'c-composer-foot' }, this.notMineEl, this.sendBtn),
      this.composerError,
    );
    this.canReply = mine;
    this.renderCanned();
    this.applyMode();
    return this.form;
  }

  renderCanned() {
    if (!this.cannedSelect) return;
    const d = this.doc;
    clear(this.cannedSelect).appendChild(h(d, 'option', { value: '' }, this.canned.length ? t('cannedPick') : t('cannedNone')));
    // The canned ids/titles are editor-side names; the agent picks by the words the customer will read.
    this.canned.forEach((c, i) =>
      this.cannedSelect.appendChild(h(d, 'option', { value: String(i), title: c.text }, c.text.length > 70 ? `${c.text.slice(0, 69)}…` : c.text)),
    );
    this.cannedSelect.disabled = !this.canned.length;
  }

  insertCanned() {
    const c = this.canned[Number(this.cannedSelect.value)];
    this.cannedSelect.value = '';
    if (!c) return;
    const cur = this.textarea.value;
    this.textarea.value = cur && !cur.endsWith(' ') ? `${cur} ${c.text}` : cur + c.text;
    this.textarea.focus();
  }

  applyMode() {
    const note = this.noteToggle.checked;
    this.form.classList.toggle('c-composer--note', note);
    this.textarea.placeholder = note ? t('notePlaceholder') : t('replyPlaceholder');
    this.textareaLabel.textContent = note ? t('noteMode') : t('reply');
    this.sendBtn.textContent = note ? t('saveNote') : t('send');
    this.sendBtn.disabled = !note && !this.canReply;
    this.cannedSelect.hidden = note;
  }

  typing() {
    if (this.noteToggle.checked || !this.canReply || !this.socket) return;
    const now = Date.now();
    if (now - this.lastTyping < 3000) return;
    this.lastTyping = now;
    this.socket.send({ type: 'typing', conversation_id: this.current.id });
  }

  async submit() {
    const text = this.textarea.value.trim();
    if (!text || !this.current) return;
    const id = this.current.id;
    this.composerError.textContent = '';
    if (this.noteToggle.checked) {
      this.sendBtn.disabled = true;
      try {
        const res = await this.api.note(id, text);
        this.textarea.value = '';
        const note = (res && (res.note || (res.text ? res : null))) || { text, agent: this.auth.agent, ts: Date.now() / 1000 };
        // the same note also arrives over the socket; Seen recognises it by time and text
        if (this.current && this.current.id === id) this.appendEvent({ ...note, type: 'note' });
      } catch {
        this.composerError.textContent = t('noteFailed');
      } finally {
        this.sendBtn.disabled = false;
      }
      return;
    }
    if (!this.canReply) return;
    const clientId = uuid();
    const li = this.pendingBubble(text, clientId);
    this.textarea.value = '';
    try {
      const ack = await this.api.message(id, text, clientId);
      // The ack only says "stored as <id>"; the message itself arrives over the socket (with our
      // client_id) and replaces the pending bubble. Mark it sent meanwhile.
      const time = li.querySelector('.c-time');
      if (time && ack && ack.id) time.textContent = clock(eventMillis({ id: ack.id }));
    } catch {
      li.remove();
      if (this.current) this.current.pending.delete(clientId);
      if (!this.textarea.value) this.textarea.value = text;
      this.composerError.textContent = t('sendFailed');
    }
  }

  pendingBubble(text, clientId) {
    const d = this.doc;
    const li = h(
      d,
      'li',
      { class: 'c-entry c-entry--agent c-entry--pending', 'data-client-id': clientId },
      h(d, 'div', { class: 'c-entry-head' }, h(d, 'span', { class: 'c-who' }, this.auth.agent.name || t('from_agent')), h(d, 'span', { class: 'c-time' }, t('sending'))),
      h(d, 'div', { class: 'c-text' }, richText(d, text)),
    );
    this.transcriptEl.appendChild(li);
    this.current.pending.set(clientId, li);
    this.scrollTranscript();
    return li;
  }

  /** Add one transcript entry (deduplicated by id; agent echoes reconcile with the pending bubble). */
  appendEvent(ev, scroll = true) {
    if (!this.current || !this.transcriptEl) return;
    if (ev.type === 'typing') {
      if ((ev.from || 'customer') === 'customer') this.showTyping();
      return;
    }
    if (!this.current.seen.add(ev)) return;
    const view = entryView(ev);
    if (!view) return;
    const d = this.doc;
    const at = eventMillis(ev);
    if (view.role === 'customer') this.hideTyping();
    const pending = ev.client_id && this.current.pending.get(ev.client_id);
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
      this.current.pending.delete(ev.client_id);
    } else {
      const firstPending = this.current.pending.values().next().value;
      if (firstPending) this.transcriptEl.insertBefore(li, firstPending);
      else this.transcriptEl.appendChild(li);
    }
    if (scroll) this.scrollTranscript();
  }

  scrollTranscript() {
    const wrap = this.transcriptEl && this.transcriptEl.parentNode;
    if (wrap) wrap.scrollTop = wrap.scrollHeight;
  }

  showTyping() {
    if (!this.typingEl) return;
    this.typingEl.hidden = false;
    if (this.typingTimer) this.win.clearTimeout(this.typingTimer);
    this.typingTimer = this.win.setTimeout(() => this.hideTyping(), 6000);
  }

  hideTyping() {
    if (this.typingEl) this.typingEl.hidden = true;
  }

  // ------------------------------------------------------------ actions
  feedback(text) {
    if (this.feedbackEl) this.feedbackEl.textContent = text;
  }

  async claim() {
    const id = this.current.id;
    this.claimedByMe.add(String(id));
    try {
      await this.api.claim(id);
      await this.reloadCurrent();
      this.feedback(t('claimed'));
      this.refreshAll();
      if (this.textarea) this.textarea.focus();
    } catch {
      this.feedback(t('claimFailed'));
      this.refreshAll();
    }
  }

  /** Two-step resolve (no window.confirm dialog): the first click asks, the second confirms. */
  async resolve(button) {
    if (button && button.getAttribute('data-confirm') !== '1') {
      button.setAttribute('data-confirm', '1');
      button.textContent = t('resolveConfirm');
      this.win.setTimeout(() => {
        if (button.isConnected) {
          button.removeAttribute('data-confirm');
          button.textContent = t('resolve');
        }
      }, 6000);
      return;
    }
    const id = this.current.id;
    try {
      await this.api.resolve(id);
      await this.reloadCurrent();
      this.feedback(t('resolvedOk'));
      this.refreshAll();
    } catch {
      this.feedback(t('resolveFailed'));
    }
  }

  async toggleTransfer(button) {
    const d = this.doc;
    const el = this.transferEl;
    if (!el.hidden) {
      el.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    let agents = [];
    try {
      agents = unwrapList(await this.api.agents(), 'agents').filter((a) => a && String(a.id) !== String(this.auth.agent.id));
    } catch {
      agents = [];
    }
    clear(el);
    if (!agents.length) {
      el.appendChild(h(d, 'p', {}, t('noAgents')));
    } else {
      const select = h(
        d,
        'select',
        { id: 'c-transfer-agent' },
        agents.map((a) => {
          const presence = a.presence ?? a.status;
          const full = Number.isFinite(a.capacity) && Number.isFinite(a.load) && a.load >= a.capacity;
          return h(
            d,
            'option',
            { value: a.id, disabled: presence === 'offline' || full },
            t('agentOption', { name: a.name || a.email || a.id, status: label('presence', presence) }) + (full ? ` — ${t('agentFull')}` : ''),
          );
        }),
      );
      const note = h(d, 'textarea', { id: 'c-transfer-note', rows: '2', maxlength: '2000' });
      el.appendChild(
        h(
          d,
          'form',
          {
            class: 'c-transfer-form',
            onsubmit: async (e) => {
              e.preventDefault();
              const agent = agents.find((a) => String(a.id) === select.value);
              try {
                await this.api.transfer(this.current.id, select.value, note.value.trim());
                el.hidden = true;
                this.feedback(t('transferOk', { name: (agent && agent.name) || select.value }));
                await this.reloadCurrent();
                this.refreshAll();
              } catch {
                this.feedback(t('transferFailed'));
              }
            },
          },
          h(d, 'label', { for: 'c-transfer-agent' }, t('transferTo')),
          select,
          h(d, 'label', { for: 'c-transfer-note' }, t('transferNote')),
          note,
          h(d, 'div', { class: 'c-row' }, h(d, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('transferSend')), h(d, 'button', { type: 'button', class: 'c-btn', onclick: () => ((el.hidden = true), button.setAttribute('aria-expanded', 'false'), button.focus()) }, t('transferCancel'))),
        ),
      );
    }
    el.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const first = el.querySelector('select, button');
    if (first) first.focus();
  }
}

function boot() {
  const app = new ConsoleApp(document, window);
  window.__sportelloConsole = app;
  app.start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
