// The agent console, wired: login, presence, the lists, the open conversation, live updates over
// the agent WebSocket. `mount()` does everything; nothing happens at import time.

import { S, t } from './strings.js';
import { createApi } from './api.js';
import { AgentSocket, agentStreamUrl } from './socket.js';
import { h, clear } from './dom.js';
import { initials } from '../shared/text.js';
import { uuid } from '../shared/ids.js';
import { isMine, listOf } from './logic.js';
import { loadAuth, saveAuth } from './session.js';
import { Cues } from './cues.js';
import { loginView } from './login.js';
import { ListState, Tabs, TAB_STATUS, TABS, renderList } from './lists.js';
import { Composer } from './composer.js';
import { ACTIONS, ConversationView } from './conversation.js';
import { transferForm } from './transfer.js';

const REFRESH_DELAY_MS = 250;
const CLOCK_MS = 30000;

class ConsoleApp {
  constructor({ doc, win, fetchFn, WebSocketImpl }) {
    this.doc = doc;
    this.win = win;
    this.root = doc.getElementById('app');
    this.auth = loadAuth(win.sessionStorage);
    this.api = createApi({ fetchFn, getToken: () => this.auth && this.auth.token, onUnauthorized: () => this.logout(true) });
    this.WebSocketImpl = WebSocketImpl;
    this.presence = 'online';
    this.lists = new ListState();
    this.tab = 'queue';
    this.current = null; // the open ConversationView
    this.claimedByMe = new Set();
    this.canned = [];
    this.socket = null;
    this.refreshTimer = null;
    this.clockTimer = null;
    this.cues = new Cues({ doc, win, live: () => this.liveEl || null });
  }

  start() {
    this.root.removeAttribute('aria-busy');
    this.doc.title = S.appName;
    if (this.auth) this.showApp();
    else this.showLogin();
  }

  // ------------------------------------------------------------ session
  showLogin(message = '') {
    const view = loginView(this.doc, {
      message,
      onGesture: () => this.cues.unlockAudio(),
      login: async (email, password) => {
        const res = await this.api.login(email, password);
        this.auth = { token: res.token, expires_at: res.expires_at, agent: res.agent };
        saveAuth(this.win.sessionStorage, this.auth);
        this.showApp();
      },
    });
    clear(this.root).appendChild(view.root);
    view.focus();
  }

  logout(expired = false) {
    if (this.socket) this.socket.stop();
    this.socket = null;
    if (this.clockTimer) this.win.clearInterval(this.clockTimer);
    this.clockTimer = null;
    this.auth = null;
    saveAuth(this.win.sessionStorage, null);
    this.current = null;
    this.showLogin(expired ? t('sessionExpired') : '');
  }

  // ------------------------------------------------------------ shell
  showApp() {
    const d = this.doc;
    const me = this.auth.agent;
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
    this.tabs = new Tabs(d, (name) => this.selectTab(name));
    this.listEl = h(d, 'ul', { class: 'c-list', id: 'c-list', role: 'tabpanel' });
    this.convEl = h(d, 'section', { class: 'c-conv', 'aria-label': t('transcript') }, h(d, 'p', { class: 'c-placeholder' }, t('selectConversation')));
    this.liveEl = h(d, 'div', { class: 'c-sr-only', 'aria-live': 'polite' });
    clear(this.root).appendChild(
      h(d, 'div', { class: 'c-shell' }, header, h(d, 'div', { class: 'c-layout' }, h(d, 'nav', { class: 'c-side', 'aria-label': t('listsLabel') }, this.tabs.root, this.listEl), this.convEl), this.liveEl),
    );
    this.renderPresence();
    this.selectTab('queue');

    this.socket = new AgentSocket({
      url: () => agentStreamUrl(this.win.location.origin, this.auth.token),
      onMessage: (m) => this.onSocket(m),
      onState: (s) => this.onSocketState(s),
      onUnauthorized: () => this.logout(true),
      getPresence: () => this.presence,
      WebSocketImpl: this.WebSocketImpl,
      timers: this.win,
    });
    this.socket.start();
    this.refreshAll();
    this.api.canned().then(
      (data) => {
        this.canned = listOf(data, 'canned');
        if (this.current) this.current.composer.renderCanned();
      },
      () => {},
    );
    this.clockTimer = this.win.setInterval(() => this.renderList(), CLOCK_MS);
    // Browsers allow sound only after a user gesture: after a reload (no login click) unlock on the first one.
    const unlock = () => this.cues.unlockAudio();
    d.addEventListener('pointerdown', unlock, { once: true });
    d.addEventListener('keydown', unlock, { once: true });
    this.win.addEventListener('focus', () => this.cues.clear());
  }

  onSocketState(s) {
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
      this.socket.send({ type: 'presence', status });
    } catch {
      this.presence = before;
      this.renderPresence();
      this.cues.announce(t('presenceFailed'));
    }
  }

  renderPresence() {
    for (const [status, b] of Object.entries(this.presenceBtns)) {
      b.setAttribute('aria-pressed', String(status === this.presence));
      b.classList.toggle('c-btn--on', status === this.presence);
    }
  }

  // ------------------------------------------------------------ lists
  async refreshAll() {
    if (!this.auth) return;
    await Promise.all(
      TABS.map(async (tab) => {
        try {
          const items = listOf(await this.api.conversations(TAB_STATUS[tab]), 'conversations');
          const arrivals = this.lists.set(tab, items, this.auth.agent);
          if (arrivals) this.cues.cue(arrivals, t('newConversationAnnounce'));
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
    }, REFRESH_DELAY_MS);
  }

  selectTab(name) {
    this.tab = name;
    if (name === 'queue') this.cues.clear();
    this.renderList();
  }

  renderList() {
    if (!this.listEl) return;
    const counts = Object.fromEntries(TABS.map((tab) => [tab, this.lists.items[tab].length]));
    this.tabs.render(this.tab, counts);
    renderList(this.doc, this.listEl, {
      tab: this.tab,
      items: this.lists.items[this.tab],
      selectedId: this.current && this.current.id,
      now: Date.now(),
      onOpen: (id) => this.openConversation(id),
    });
  }

  // ------------------------------------------------------------ live updates
  onSocket(m) {
    const current = this.current && String(m.conversation_id) === String(this.current.id) ? this.current : null;
    switch (m.type) {
      case 'hello':
        if (m.presence === 'online' || m.presence === 'away') {
          this.presence = m.presence;
          this.renderPresence();
        }
        break;
      case 'queue': {
        const arrivals = this.lists.setQueue(listOf(m, 'items'));
        if (arrivals) this.cues.cue(arrivals, t('newConversationAnnounce'));
        this.renderList();
        break;
      }
      case 'assigned': {
        const c = m.conversation || {};
        if (isMine(c, this.auth.agent) && !this.claimedByMe.has(String(c.id))) this.cues.cue(1, t('newConversationAnnounce'));
        this.refreshSoon();
        break;
      }
      case 'event': {
        const ev = m.event || {};
        if (current) current.append(ev);
        if (ev.type === 'handoff' || ev.type === 'resolved') this.refreshSoon();
        break;
      }
      case 'typing':
        if (current && m.from === 'customer') current.showTyping();
        break;
      case 'note':
        if (current && m.note) current.append({ ...m.note, type: 'note' });
        break;
      case 'resolved':
      case 'transferred':
      case 'unassigned':
      case 'case_updated': // details a waiting customer gave reached the case card
        this.refreshSoon();
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------ the open conversation
  async openConversation(id) {
    this.cues.clear();
    let data;
    try {
      data = await this.api.conversation(id);
    } catch {
      this.cues.announce(t('loadFailed'));
      return;
    }
    let canned = this.canned;
    const composer = new Composer(this.doc, {
      canned: () => canned,
      reply: (text) => this.reply(view, text),
      note: (text) => this.note(view, text),
      typing: () => this.socket && this.socket.send({ type: 'typing', conversation_id: id }),
    });
    const view = new ConversationView(this.doc, {
      id,
      me: this.auth.agent,
      win: this.win,
      composer,
      actions: { run: (name, button) => (name === 'transfer' ? this.toggleTransfer(view, button) : this.act(view, name)) },
    });
    this.current = view;
    clear(this.convEl).appendChild(view.root);
    view.show(data);
    this.renderList();
    // the canned replies in this customer's register (tu or Lei)
    this.api.canned(id).then(
      (found) => {
        canned = listOf(found, 'canned');
        if (this.current === view) composer.renderCanned();
      },
      () => {},
    );
  }

  /** Fetch the open conversation again: header, case card and side refresh; missing events are added. */
  async reloadCurrent() {
    const view = this.current;
    if (!view) return;
    try {
      const data = await this.api.conversation(view.id);
      if (this.current === view) view.show(data);
    } catch {
      /* keep the current view */
    }
  }

  async reply(view, text) {
    const clientId = uuid(this.win.crypto);
    view.pendingBubble(text, clientId, this.auth.agent.name);
    try {
      const ack = await this.api.message(view.id, text, clientId);
      // The ack only says "stored as <id>"; the message itself arrives over the socket (with our
      // client_id) and replaces the pending bubble.
      view.sent(clientId, ack.id);
    } catch (err) {
      view.failed(clientId);
      throw err;
    }
  }

  async note(view, text) {
    const res = await this.api.note(view.id, text);
    // the same note also arrives over the socket; Seen recognises it by time and text
    if (this.current === view) view.append({ ...res.note, type: 'note' });
  }

  /** A conversation action of the header (claim, resolve…): the hub does it, the view follows. */
  async act(view, name) {
    if (name === 'claim') this.claimedByMe.add(String(view.id)); // no "new conversation" cue for it
    const action = ACTIONS.find((a) => a.name === name);
    try {
      await this.api.act(view.id, name, action && action.body ? action.body(view) : {});
      await this.reloadCurrent();
      view.feedback(t(`${name}Done`));
      if (name === 'claim') view.composer.focus();
    } catch (err) {
      // the customer wrote meanwhile: show it, nothing was resolved
      if (err && err.code === 'unseen_message') await this.reloadCurrent();
      view.feedback(err && err.code === 'unseen_message' ? t('unseenMessage') : t(`${name}Failed`));
    }
    this.refreshAll();
  }

  async toggleTransfer(view, button) {
    const el = view.transferEl;
    if (!el.hidden) {
      el.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    let agents = [];
    try {
      agents = listOf(await this.api.agents(), 'agents').filter((a) => String(a.id) !== String(this.auth.agent.id));
    } catch {
      agents = [];
    }
    const close = () => {
      el.hidden = true;
      button.setAttribute('aria-expanded', 'false');
    };
    clear(el).appendChild(
      transferForm(this.doc, {
        agents,
        cancel: () => (close(), button.focus()),
        transfer: async (agentId, note) => {
          const agent = agents.find((a) => String(a.id) === agentId);
          try {
            await this.api.transfer(view.id, agentId, note);
            close();
            view.feedback(t('transferOk', { name: (agent && agent.name) || agentId }));
            await this.reloadCurrent();
            this.refreshAll();
          } catch {
            view.feedback(t('transferFailed'));
          }
        },
      }),
    );
    el.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const first = el.querySelector('select, button');
    if (first) first.focus();
  }
}

/**
 * Start the console in the page (or in the stand-ins tests pass).
 * @param {{doc?: Document, win?: Window, fetchFn?: typeof fetch, WebSocketImpl?: any}} options
 */
export function mount(options = {}) {
  const win = options.win || window;
  const doc = options.doc || win.document;
  const app = new ConsoleApp({
    doc,
    win,
    fetchFn: options.fetchFn || win.fetch.bind(win),
    WebSocketImpl: options.WebSocketImpl || win.WebSocket,
  });
  app.start();
  return app;
}
