// The agent console, wired: login, presence, the lists, the open conversation, live updates over
// the agent WebSocket. `mount()` does everything; nothing happens at import time.

import { States } from './states.js';
import { S, t } from './strings.js';
import { createApi } from './api.js';
import { AgentSocket, agentStreamUrl } from './socket.js';
import { h, clear } from './dom.js';
import { initials } from '../shared/text.js';
import { uuid } from '../shared/ids.js';
import { contentText, isMine, listOf } from './logic.js';
import { loadAuth, saveAuth } from './session.js';
import { Cues } from './cues.js';
import { loginView } from './login.js';
import { ListState, Tabs, TAB_STATUS, TABS, renderList } from './lists.js';
import { Composer } from './composer.js';
import { ACTIONS, ConversationView } from './conversation.js';
import { transferForm } from './transfer.js';
import { ROLES, reassignTargets, roleOf } from './roles.js';
import { editorView } from './editor.js';
import { reassignForm } from './reassign.js';
import { TeamView } from './team.js';
import { ReportView } from './report.js';

const REFRESH_DELAY_MS = 250;
/** The supervisor's views besides the conversations (header entries). */
export const VIEWS = ['console', 'team', 'report'];
const VIEW_LABEL = { console: 'viewConsole', team: 'viewTeam', report: 'viewReport' };
/** Socket frames after which the team page (presence, load, conversations in progress) is asked again. */
const TEAM_FRAMES = new Set(['agents', 'assigned', 'transferred', 'unassigned', 'resolved', 'released']);
const CLOCK_MS = 30000;
/** Until the hub says otherwise (hello frame, GET /v1/agent/me): seconds before amber and red. */
const DEFAULT_TARGETS = { amber: 60, red: 180 };

class ConsoleApp {
  constructor({ doc, win, fetchFn, WebSocketImpl }) {
    this.doc = doc;
    this.win = win;
    this.root = doc.getElementById('app');
    this.auth = loadAuth(win.sessionStorage);
    this.api = createApi({ fetchFn, getToken: () => this.auth && this.auth.token, onUnauthorized: () => this.auth && this.logout(true) });
    this.WebSocketImpl = WebSocketImpl;
    this.presence = 'online';
    this.lists = new ListState();
    this.states = new States(); // what each conversation state means, from the hub
    this.tab = 'queue';
    this.current = null; // the open ConversationView
    this.claimedByMe = new Set();
    this.alerts = new Set(); // resolved conversations with a low rating the agent has not opened yet
    this.targets = { ...DEFAULT_TARGETS };
    this.canned = [];
    this.socket = null;
    this.refreshTimer = null;
    this.clockTimer = null;
    this.cues = new Cues({ doc, win, live: () => this.liveEl || null });
    this.onFocus = () => this.readIfVisible();
    this.view = 'console'; // a supervisor's: console | team | report
    this.teamView = null;
    this.reportView = null;
    this.teamTimer = null;
  }

  /** The signed-in account's role (agent, supervisor, editor). */
  get role() {
    return roleOf(this.auth && this.auth.agent);
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
    // signing out on purpose: the hub refuses this token from now on (the call reads it first)
    if (!expired && this.auth) this.api.logout().catch(() => {});
    this.stopLive();
    this.auth = null;
    saveAuth(this.win.sessionStorage, null);
    this.showLogin(expired ? t('sessionExpired') : '');
  }

  /** Stop everything live of the signed-in page: the socket, timers, listeners, views. */
  stopLive() {
    if (this.socket) this.socket.stop();
    this.win.removeEventListener('focus', this.onFocus);
    this.doc.removeEventListener('visibilitychange', this.onFocus);
    this.cues.clear();
    this.socket = null;
    if (this.clockTimer) this.win.clearInterval(this.clockTimer);
    this.clockTimer = null;
    if (this.teamTimer) this.win.clearTimeout(this.teamTimer);
    this.teamTimer = null;
    if (this.refreshTimer) this.win.clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.current = null;
    this.teamView = null;
    this.reportView = null;
    this.view = 'console';
    this.listEl = null;
  }

  /**
   * The hub says which role the account has now (GET /v1/agent/me): when it is not the one this
   * page was drawn for (a session from before a change), the page is drawn again for it.
   */
  followRole(me) {
    if (!this.auth || !me || !ROLES.includes(me.role) || me.role === this.role) return false;
    this.auth = { ...this.auth, agent: { ...this.auth.agent, role: me.role } };
    saveAuth(this.win.sessionStorage, this.auth);
    this.stopLive();
    this.showApp();
    return true;
  }

  /** An editor's account: the notice, nothing else (no lists, no socket: the hub refuses both). */
  showEditor() {
    const view = editorView(this.doc, { me: this.auth.agent, logout: () => this.logout() });
    clear(this.root).appendChild(view.root);
    view.focus();
    this.api.me().then(
      (me) => this.followRole(me),
      () => {},
    );
  }

  // ------------------------------------------------------------ shell
  showApp() {
    if (this.role === 'editor') return this.showEditor();
    const d = this.doc;
    const me = this.auth.agent;
    const supervisor = this.role === 'supervisor';
    this.viewBtns = {};
    const views = supervisor
      ? h(
          d,
          'nav',
          { class: 'c-views', 'aria-label': t('viewsLabel') },
          VIEWS.map((name) => {
            const b = h(d, 'button', { type: 'button', class: 'c-btn c-view-btn', id: `view-${name}`, 'data-view': name, onclick: () => this.showView(name) }, t(VIEW_LABEL[name]));
            this.viewBtns[name] = b;
            return b;
          }),
        )
      : null;
    this.connEl = h(d, 'span', { class: 'c-conn', role: 'status' }, t('connecting'));
    this.presenceBtns = {};
    const presenceGroup = h(d, 'div', { class: 'c-presence', role: 'group', 'aria-label': t('presenceLabel') });
    for (const status of ['online', 'away']) {
      const b = h(d, 'button', { type: 'button', class: `c-btn c-presence-${status}`, 'aria-pressed': 'false', onclick: () => this.setPresence(status) }, t(status));
      this.presenceBtns[status] = b;
      presenceGroup.appendChild(b);
    }
    this.soundBtn = h(d, 'button', { type: 'button', class: 'c-btn c-btn--ghost c-sound', title: t('soundHint'), 'aria-pressed': 'true', onclick: () => this.toggleSound() }, t('sound'));
    const header = h(
      d,
      'header',
      { class: supervisor ? 'c-top c-top--views' : 'c-top' },
      h(d, 'div', { class: 'c-brand' }, h(d, 'h1', {}, S.appName), (this.contentEl = h(d, 'span', { class: 'c-content', hidden: true }))),
      views,
      h(d, 'span', { class: 'c-me' }, h(d, 'span', { class: 'c-avatar', 'aria-hidden': 'true' }, initials(me.name)), me.name || me.email || ''),
      presenceGroup,
      this.soundBtn,
      this.connEl,
      h(d, 'button', { type: 'button', class: 'c-btn c-btn--ghost', onclick: () => this.logout() }, t('logout')),
    );
    this.tabs = new Tabs(d, (name) => this.selectTab(name));
    this.listEl = h(d, 'ul', { class: 'c-list', id: 'c-list', role: 'tabpanel' });
    this.convEl = h(d, 'section', { class: 'c-conv', 'aria-label': t('transcript') }, h(d, 'p', { class: 'c-placeholder' }, t('selectConversation')));
    this.liveEl = h(d, 'div', { class: 'c-sr-only c-live', 'aria-live': 'polite' });
    this.layoutEl = h(d, 'div', { class: 'c-layout', id: 'page-console' }, h(d, 'nav', { class: 'c-side', 'aria-label': t('listsLabel') }, this.tabs.root, this.listEl), this.convEl);
    this.shellEl = h(d, 'div', { class: 'c-shell' }, header, this.layoutEl, this.liveEl);
    clear(this.root).appendChild(this.shellEl);
    this.renderViews();
    this.renderPresence();
    this.renderSound();
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
    this.api.me().then(
      (me) => {
        if (this.followRole(me)) return;
        this.setTargets(me && me.reply_targets);
        this.setContent(me && me.content);
        this.setStates(me && me.states);
      },
      () => {},
    );
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
    // back to the console: the open conversation counts as read
    this.win.addEventListener('focus', this.onFocus);
    d.addEventListener('visibilitychange', this.onFocus);
  }

  // ------------------------------------------------------------ a supervisor's views
  /** Show the conversations, the team or the report (the other two stay as they are, hidden). */
  showView(name) {
    if (!VIEWS.includes(name) || (name !== 'console' && this.role !== 'supervisor') || !this.shellEl) return;
    this.view = name;
    this.layoutEl.hidden = name !== 'console';
    if (name === 'team' && !this.teamView) {
      this.teamView = new TeamView(this.doc, { api: this.api, me: this.auth.agent, open: (id) => this.openElsewhere(id) });
      this.shellEl.insertBefore(this.teamView.root, this.liveEl);
    }
    if (name === 'report' && !this.reportView) {
      this.reportView = new ReportView(this.doc, { api: this.api, win: this.win, open: (id) => this.openElsewhere(id) });
      this.shellEl.insertBefore(this.reportView.root, this.liveEl);
    }
    if (this.teamView) this.teamView.root.hidden = name !== 'team';
    if (this.reportView) this.reportView.root.hidden = name !== 'report';
    this.renderViews();
    if (name === 'team') {
      this.teamView.focus();
      this.teamView.refresh();
    } else if (name === 'report') {
      this.reportView.focus();
      this.reportView.show();
    }
  }

  renderViews() {
    for (const [name, b] of Object.entries(this.viewBtns || {})) {
      b.setAttribute('aria-current', name === this.view ? 'page' : 'false');
      b.classList.toggle('c-btn--on', name === this.view);
    }
  }

  /** A conversation picked on the team or report page: opened in the console (false when it cannot be). */
  async openElsewhere(id) {
    const view = await this.openConversation(id);
    if (!view) return false;
    this.showView('console');
    const title = this.doc.getElementById('c-conv-title');
    if (title) title.focus();
    return true;
  }

  /** The team page follows presence, load and who has what (debounced). */
  refreshTeamSoon() {
    if (!this.teamView || this.view !== 'team') return;
    if (this.teamTimer) this.win.clearTimeout(this.teamTimer);
    this.teamTimer = this.win.setTimeout(() => {
      this.teamTimer = null;
      if (this.teamView && this.view === 'team') this.teamView.refresh();
    }, REFRESH_DELAY_MS);
  }

  setTargets(targets) {
    if (!targets) return;
    const amber = Number(targets.amber);
    const red = Number(targets.red);
    if (Number.isFinite(amber) && Number.isFinite(red)) this.targets = { amber, red };
    this.renderList();
  }

  /** The hub's states and what they mean (states.js); the open conversation is drawn again with them. */
  setStates(states) {
    if (!this.states.set(states) || !this.current || !this.current.data) return;
    this.current.show(this.current.data);
  }

  /** Which content release is live (the words and the model the assistant uses), and since when. */
  setContent(content) {
    if (!this.contentEl) return;
    const shown = contentText(content);
    this.contentEl.hidden = !shown;
    this.contentEl.textContent = shown ? shown.text : '';
    if (shown) this.contentEl.setAttribute('title', shown.title);
  }

  toggleSound() {
    this.cues.setSound(!this.cues.soundOn);
    this.renderSound();
  }

  renderSound() {
    this.soundBtn.setAttribute('aria-pressed', String(this.cues.soundOn));
    this.soundBtn.classList.toggle('c-btn--on', this.cues.soundOn);
  }

  /** The page is shown and has the focus: what is open there is being read. */
  visible() {
    const d = this.doc;
    if (d.visibilityState === 'hidden') return false;
    return typeof d.hasFocus === 'function' ? d.hasFocus() : true;
  }

  readIfVisible() {
    const view = this.current;
    if (view && this.visible() && (this.lists.unread(view.id) > 0 || this.cues.pending.has(String(view.id)))) this.markRead(view.id);
  }

  /** The agent has read conversation `id` up to now: the hub is told, the badge and its cues go. */
  markRead(id) {
    this.lists.markRead(id);
    this.cues.settle(id, ['message']);
    this.renderList();
    this.api.read(id).catch(() => {});
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
    const started = Date.now();
    let complete = true;
    await Promise.all(
      TABS.map(async (tab) => {
        try {
          const items = listOf(await this.api.conversations(TAB_STATUS[tab]), 'conversations');
          this.cueArrivals(this.lists.set(tab, items, this.auth.agent));
        } catch {
          complete = false; // keep what we had; the socket will trigger another refresh
        }
      }),
    );
    // cues of conversations nobody waits in any more (claimed by a colleague…) go; not the ones
    // that arrived while the lists were on their way
    if (complete) this.cues.prune((id) => this.lists.isLive(id) || this.alerts.has(id), started);
    this.renderList();
  }

  cueArrivals(arrivals) {
    for (const c of arrivals) this.cues.cue(c.id, 'conversation', t('newConversationAnnounce'));
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
    // looking at the queue sees its new arrivals (their messages still count until opened)
    if (name === 'queue') for (const c of this.lists.items.queue) this.cues.settle(c.id, ['conversation']);
    this.renderList();
  }

  renderList() {
    if (!this.listEl) return;
    const counts = Object.fromEntries(TABS.map((tab) => [tab, this.lists.items[tab].length]));
    const unread = Object.fromEntries(TABS.map((tab) => [tab, tab === 'resolved' ? this.lists.items.resolved.filter((c) => this.alerts.has(String(c.id))).length : this.lists.items[tab].filter((c) => c.unread > 0).length]));
    this.tabs.render(this.tab, counts, unread);
    renderList(this.doc, this.listEl, {
      tab: this.tab,
      items: this.lists.items[this.tab],
      selectedId: this.current && this.current.id,
      now: Date.now(),
      targets: this.targets,
      alerts: this.alerts,
      onOpen: (id) => this.openConversation(id),
    });
  }

  // ------------------------------------------------------------ live updates
  onSocket(m) {
    if (TEAM_FRAMES.has(m.type)) this.refreshTeamSoon();
    const current = this.current && String(m.conversation_id) === String(this.current.id) ? this.current : null;
    switch (m.type) {
      case 'hello':
        if (m.presence === 'online' || m.presence === 'away') {
          this.presence = m.presence;
          this.renderPresence();
        }
        this.setTargets(m.reply_targets);
        this.setContent(m.content);
        this.setStates(m.states);
        break;
      case 'content': // a content release went live (make ship / make rollback)
        this.setContent(m);
        break;
      case 'queue': {
        this.cueArrivals(this.lists.setQueue(listOf(m, 'items')));
        this.renderList();
        break;
      }
      case 'assigned': {
        const c = m.conversation || {};
        if (isMine(c, this.auth.agent) && !this.claimedByMe.has(String(c.id))) {
          this.cues.cue(c.id, 'conversation', t('newAssignedAnnounce', { name: c.customer_name || t('unknownCustomer') }));
        }
        this.refreshSoon();
        break;
      }
      case 'event': {
        const ev = m.event || {};
        if (current) current.append(ev);
        if (ev.type === 'message') this.onMessage(String(m.conversation_id), ev);
        if (ev.type === 'handoff' || ev.type === 'resolved') this.refreshSoon();
        break;
      }
      case 'merged':
        this.onMerged(String(m.conversation_id), m.into);
        break;
      case 'rating':
        this.onRating(m);
        break;
      case 'ticket_overdue':
        this.onOverdue(m.conversation || {});
        break;
      case 'typing':
        if (current && m.from === 'customer') current.showTyping();
        break;
      case 'note':
        if (current && m.note) current.append({ ...m.note, type: 'note' });
        break;
      case 'resolved':
      case 'transferred':
      case 'unassigned':
      case 'released': // a ticket went back to the tickets list
      case 'case_updated': // details a waiting customer gave reached the case card
        this.refreshSoon();
        break;
      default:
        break;
    }
  }

  /** A message in one of the lists: previews and waits follow; the customer's are read or cued. */
  onMessage(id, ev) {
    const fresh = this.lists.message(id, ev);
    if (ev.from === 'customer' && fresh) {
      if (this.current && String(this.current.id) === id && this.visible()) this.markRead(id);
      else {
        const name = this.lists.nameOf(id) || t('unknownCustomer');
        this.cues.cue(id, 'message', t('newMessageAnnounce', { name }));
      }
    }
    this.renderList();
  }

  /** The customer came back from a new chat: the case goes on in `into`, opened if this one was. */
  async onMerged(id, into) {
    this.cues.settle(id);
    this.refreshSoon();
    if (into && this.current && String(this.current.id) === id) {
      const view = await this.openConversation(into);
      if (view) view.feedback(t('mergedHere'));
    }
  }

  /** A ticket passed its promised reply time: everyone online is told, and it is flagged in the lists. */
  onOverdue(c) {
    const id = String(c.id);
    this.lists.overdue(id);
    this.cues.cue(id, 'overdue', t('ticketOverdueAnnounce', { ticket: c.ticket_id || '—', name: c.customer_name || t('unknownCustomer') }));
    this.renderList();
    this.refreshSoon();
  }

  /** A rating of a case this agent resolved; a low one is an alert. */
  async onRating(m) {
    const id = String(m.conversation_id);
    for (const c of this.lists.find(id)) c.rating = m.rating;
    if (m.low) {
      this.alerts.add(id);
      let name = this.lists.nameOf(id);
      if (!name && this.current && String(this.current.id) === id) name = this.current.conversation.customer_name;
      if (!name) {
        try {
          const data = await this.api.conversation(id);
          name = (data.conversation && data.conversation.customer_name) || (data.case_card && data.case_card.customer_name);
        } catch {
          /* the announcement goes without the name */
        }
      }
      this.cues.cue(id, 'rating', t('lowRatingAnnounce', { rating: m.rating, name: name || t('unknownCustomer') }));
    }
    this.renderList();
    this.refreshSoon();
  }

  // ------------------------------------------------------------ the open conversation
  async openConversation(id) {
    this.cues.settle(id);
    this.alerts.delete(String(id));
    let data;
    try {
      data = await this.api.conversation(id);
    } catch {
      this.cues.announce(t('loadFailed'));
      return null;
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
      states: this.states,
      win: this.win,
      composer,
      actions: {
        run: (name, button) =>
          name === 'transfer' ? this.toggleTransfer(view, button) : name === 'reassign' ? this.toggleReassign(view, button) : this.act(view, name),
        open: (other) => this.openConversation(other),
      },
    });
    this.current = view;
    clear(this.convEl).appendChild(view.root);
    view.show(data);
    this.markRead(id);
    // the canned replies in this customer's register (tu or Lei)
    this.api.canned(id).then(
      (found) => {
        canned = listOf(found, 'canned');
        if (this.current === view) composer.renderCanned();
      },
      () => {},
    );
    return view;
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
      view.feedback(err && err.code === 'unseen_message' ? t('unseenMessage') : t(`${name}Failed`), true);
    }
    this.refreshAll();
  }

  /** The transfer popover under the header button: a colleague, a reason for the customer, a note. */
  async toggleTransfer(view, button) {
    if (!view.transferEl.hidden) {
      view.closeTransfer(true);
      return;
    }
    let agents = [];
    try {
      agents = listOf(await this.api.agents(), 'agents').filter((a) => String(a.id) !== String(this.auth.agent.id));
    } catch {
      agents = [];
    }
    view.openTransfer(
      button,
      transferForm(this.doc, {
        agents,
        cancel: () => view.closeTransfer(true),
        transfer: async (agentId, note, reason) => {
          const agent = agents.find((a) => String(a.id) === agentId);
          try {
            await this.api.transfer(view.id, agentId, note, reason);
            view.closeTransfer(false);
            view.feedback(t('transferOk', { name: (agent && agent.name) || agentId }));
            await this.reloadCurrent();
            this.refreshAll();
          } catch {
            view.feedback(t('transferFailed'), true);
          }
        },
      }),
    );
  }

  /**
   * A supervisor's "Riassegna" popover under the header button (the same place as the transfer):
   * every colleague who takes conversations, the hub's refusal said in the form.
   */
  async toggleReassign(view, button) {
    if (!view.transferEl.hidden) {
      view.closeTransfer(true);
      return;
    }
    let accounts = [];
    try {
      accounts = listOf(await this.api.team(), 'agents');
    } catch {
      accounts = [];
    }
    const holder = view.conversation.agent && view.conversation.agent.id;
    view.openTransfer(
      button,
      reassignForm(this.doc, {
        targets: reassignTargets(accounts, holder),
        cancel: () => view.closeTransfer(true),
        reassign: async (agentId, reason) => {
          await this.api.reassign(view.id, agentId, reason); // a refusal is said in the form
          const agent = accounts.find((a) => String(a.id) === agentId);
          view.closeTransfer(false);
          view.feedback(t('reassignDone', { name: (agent && agent.name) || agentId }));
          await this.reloadCurrent();
          this.refreshAll();
        },
      }),
    );
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
