// Glue: reads the embed options, builds the view inside a shadow root, starts or resumes the
// conversation and routes hub events to the view. Nothing happens at import time: mount() does it.

import { translator, pickLang } from './strings.js';
import { createStore, storageKey } from './storage.js';
import { EventLog, HttpError, RESUME_PARAM, fetchEvents, normaliseHub, resumeConversation, startConversation, streamUrl } from './session.js';
import { Connection, Outbox } from './connection.js';
import { backoffDelay, compareIds, uuid } from './shared/ids.js';
import { View, describeHandoff, errorKey, PREFIX } from './render.js';
import { CSS } from './styles.js';

const TYPING_EVERY_MS = 3000;

function safeStorage(win, name) {
  try {
    const s = win[name];
    const probe = `${PREFIX}probe`;
    s.setItem(probe, '1');
    s.removeItem(probe);
    return s;
  } catch {
    return null;
  }
}

/**
 * Mount the widget once per page.
 * @param {{hub?: string, lang?: string, doc?: Document, win?: Window, WebSocketImpl?: any}} options
 *   doc, win and WebSocketImpl default to the page's; tests pass stand-ins.
 */
export function mount(options = {}) {
  const win = options.win || window;
  const doc = options.doc || win.document;
  if (win.__sportello) return win.__sportello;

  const hub = normaliseHub(options.hub, win.location.href);
  // the shop's signed token of a signed-in customer (docs/widget.md): sent once, when a conversation starts
  const customerToken = typeof options.customerToken === 'string' ? options.customerToken : '';
  const lang = pickLang(options.lang, win.navigator && (win.navigator.languages || win.navigator.language));
  const t = translator(lang);
  const store = createStore({ storage: safeStorage(win, 'localStorage'), key: storageKey(hub), win });
  const session = safeStorage(win, 'sessionStorage');
  const openKey = `${storageKey(hub)}:open`;

  // ---- DOM: host element + shadow root, CSS injected once
  const host = doc.createElement('div');
  host.className = `${PREFIX}host`;
  host.setAttribute('data-sportello', '');
  host.setAttribute('lang', lang);
  let root = host;
  if (typeof host.attachShadow === 'function') {
    root = host.attachShadow({ mode: 'open' });
    // A constructed stylesheet is not inline style: the widget works on pages whose CSP forbids
    // 'unsafe-inline' styles (the hub's own pages do). A <style> element is the fallback.
    if (typeof win.CSSStyleSheet === 'function' && 'adoptedStyleSheets' in root) {
      const sheet = new win.CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      const style = doc.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }
  } else if (!doc.getElementById(`${PREFIX}style`)) {
    const style = doc.createElement('style');
    style.id = `${PREFIX}style`;
    style.textContent = CSS;
    doc.head.appendChild(style);
  }

  let conn = null;
  let log = new EventLog(null);
  let conversationId = null;
  let unread = 0;
  let lastTypingSent = 0;
  let starting = null;
  let fatalCount = 0;

  const view = new View({
    doc,
    t,
    callbacks: {
      onOpen() {
        remember(true);
        markRead();
        ensureConnected();
      },
      onClose() {
        remember(false);
      },
      onSubmit(text) {
        send(text);
      },
      onQuickReply(button) {
        send(button.title, button.payload);
      },
      onInput() {
        const now = Date.now();
        if (conn && now - lastTypingSent > TYPING_EVERY_MS) {
          lastTypingSent = now;
          conn.sendTyping();
        }
      },
    },
  });
  root.appendChild(view.root);
  doc.body.appendChild(host);

  function remember(open) {
    try {
      if (session) session.setItem(openKey, open ? '1' : '0');
    } catch {
      /* ignore */
    }
  }

  function markRead() {
    unread = 0;
    view.setUnread(0);
    if (log.lastId) store.update((s) => ({ ...s, read_id: log.lastId }));
  }

  // ---- session + connection
  async function ensureSession() {
    const state = store.get();
    if (state.conversation_id && state.token) return state;
    if (starting) return starting;
    starting = (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const fresh = store.get();
          if (fresh.conversation_id && fresh.token) return fresh; // another tab was faster
          const created = await startConversation(win.fetch.bind(win), hub, fresh.visitor_token, customerToken);
          return store.update((s) => ({ ...s, ...created, last_event_id: null, read_id: null }));
        } catch (err) {
          view.setConnection('starting');
          await new Promise((r) => setTimeout(r, backoffDelay(attempt)));
        }
      }
    })();
    try {
      return await starting;
    } finally {
      starting = null;
    }
  }

  async function ensureConnected() {
    const state = await ensureSession();
    if (conn && conversationId === state.conversation_id) {
      conn.start();
      return;
    }
    connect(state);
  }

  function connect(state) {
    if (conn) conn.stop();
    conversationId = state.conversation_id;
    const token = state.token;
    const id = conversationId;
    conn = new Connection({
      urlFor: (after) => streamUrl(hub, id, token, after),
      log,
      outbox: new Outbox(store),
      onEvent: handleEvent,
      onState: (s, info) => {
        view.setConnection(s);
        if (s === 'retrying' && info && info.attempt >= 2) probe(id, token);
      },
      onFatal: () => replaceConversation(),
      WebSocketImpl: options.WebSocketImpl || win.WebSocket,
      newId: () => uuid(win.crypto),
    });
    if (win.navigator && win.navigator.onLine === false) conn.networkOffline();
    conn.start();
  }

  // The hub closes a dead session's stream with 4401/4404 (Connection then calls onFatal). A proxy or
  // an older hub may still refuse the handshake, which the browser only sees as 1006; after repeated
  // failures ask over HTTP, which does tell 401/404 apart.
  let probing = false;
  async function probe(id, token) {
    if (probing) return;
    probing = true;
    try {
      await fetchEvents(win.fetch.bind(win), hub, id, token, log.lastId);
    } catch (err) {
      if (err instanceof HttpError && (err.status === 401 || err.status === 403 || err.status === 404) && conversationId === id) {
        replaceConversation();
      }
    } finally {
      probing = false;
    }
  }

  function replaceConversation() {
    // Token or conversation no longer valid: start over (limited, so a broken hub cannot loop us).
    fatalCount += 1;
    if (conn) conn.stop();
    conn = null;
    conversationId = null;
    store.clearConversation();
    log = new EventLog(null);
    view.reset();
    if (fatalCount <= 3 && view.opened) ensureConnected();
  }

  function send(text, payload) {
    const clean = String(text).trim();
    if (!clean) return;
    const outbox = new Outbox(store);
    // The connection may not exist yet (first message starts the conversation): queue, then connect.
    let item;
    if (conn && conversationId === store.get().conversation_id) {
      item = conn.send(clean, payload);
    } else {
      item = { client_id: uuid(win.crypto), text: clean };
      if (payload) item.payload = payload;
      outbox.add(item);
      ensureConnected();
    }
    view.addPending(item, !!(conn && conn.isOpen()));
  }

  function isUnreadCandidate(ev) {
    if (view.opened && doc.visibilityState !== 'hidden') return false;
    const readId = store.get().read_id;
    return !readId || compareIds(ev.id, readId) > 0;
  }

  function handleEvent(ev) {
    if (ev.id != null) store.update((s) => ({ ...s, last_event_id: String(ev.id) }));
    switch (ev.type) {
      case 'message': {
        view.addMessage(ev);
        if (ev.from !== 'customer') {
          if (isUnreadCandidate(ev)) {
            unread += 1;
            view.setUnread(unread);
            const name = ev.from === 'agent' ? (ev.agent && ev.agent.name) || (view.agent && view.agent.name) || '' : t('bot');
            view.announce(t('newMessageFrom', { name, text: ev.text || '' }));
          } else if (view.opened) {
            markRead();
          }
        }
        break;
      }
      case 'handoff': {
        const d = describeHandoff(ev, t);
        view.setBanner(d.banner);
        if (d.agent !== undefined) view.setAgent(d.agent);
        view.setState(d.state, { ticket: ev.ticket_id });
        if (d.system) {
          const li = view.addSystem(d.system, d.agent ? d.agent.name : null);
          if (ev.id != null) li.setAttribute('data-id', String(ev.id));
        }
        break;
      }
      case 'typing':
        if (ev.from === 'agent') view.showTyping((ev.agent && ev.agent.name) || (view.agent && view.agent.name) || null);
        else if (ev.from === 'bot') view.showTyping(t('bot'));
        break;
      case 'resolved':
        view.setBanner(null);
        if (view.agent) view.addSystem(t('resolved'));
        view.setAgent(null);
        view.setState('bot');
        break;
      case 'ack':
        view.acknowledge(ev.client_id);
        break;
      case 'error': {
        if (typeof ev.client_id === 'string') {
          new Outbox(store).remove(ev.client_id); // refused: resending the same text would be refused again
          view.markFailed(ev.client_id);
        }
        const li = view.addSystem(t(errorKey(ev.code)));
        li.classList.add(`${PREFIX}msg--error`);
        break;
      }
      default:
        break;
    }
  }

  // ---- other tabs
  store.subscribe((state) => {
    if (state.conversation_id !== conversationId) {
      if (conn) conn.stop();
      conn = null;
      log = new EventLog(null);
      view.reset();
      conversationId = null;
      if (state.conversation_id) connect(state);
    } else if (state.read_id && unread > 0 && log.lastId && compareIds(state.read_id, log.lastId) >= 0) {
      unread = 0;
      view.setUnread(0);
    }
  });

  // ---- network
  win.addEventListener('offline', () => conn && conn.networkOffline());
  win.addEventListener('online', () => conn && conn.networkOnline());

  // ---- a link from an e-mail: reopen its conversation, with its whole history, then tidy the URL
  async function resumeFromLink(link) {
    try {
      const cleaned = new URL(win.location.href);
      cleaned.searchParams.delete(RESUME_PARAM);
      win.history.replaceState(win.history.state, '', cleaned.href);
    } catch {
      /* an unusual page: the parameter stays in the address bar */
    }
    try {
      const resumed = await resumeConversation(win.fetch.bind(win), hub, link);
      // the same conversation keeps what the visitor had not sent yet; another one starts clean
      const state = store.update((s) => ({
        ...s,
        ...resumed,
        last_event_id: null,
        read_id: null,
        outbox: s.conversation_id === resumed.conversation_id ? s.outbox || [] : [],
      }));
      connect(state);
      view.open();
    } catch (err) {
      const state = store.get();
      if (state.conversation_id) connect(state);
      view.open();
      view.addSystem(t(err && err.status === 401 ? 'linkExpired' : 'errorStart'));
    }
  }
  let link = null;
  try {
    link = new URL(win.location.href).searchParams.get(RESUME_PARAM);
  } catch {
    link = null;
  }

  // ---- resume
  const existing = store.get();
  if (link) resumeFromLink(link);
  else if (existing.conversation_id) connect(existing);
  let wasOpen = false;
  try {
    wasOpen = !!session && session.getItem(openKey) === '1';
  } catch {
    wasOpen = false;
  }
  if (wasOpen) view.open({ focus: false });

  const api = {
    open: () => view.open(),
    close: () => view.close(),
    view,
    get connection() {
      return conn;
    },
    get lang() {
      return lang;
    },
  };
  win.__sportello = api;
  return api;
}
