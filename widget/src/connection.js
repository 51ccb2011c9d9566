// The customer's WebSocket to the hub: reconnects with exponential back-off and jitter, resumes
// from the last event id it accepted, and keeps unacknowledged messages in a persistent outbox that
// is resent with the same client_id after every reconnect (the hub stores a retry once).
// Everything environment-specific (WebSocket, timers, randomness, ids) is injected for tests.

import { backoffDelay, uuid } from './shared/ids.js';

/**
 * An outbox over the state store: messages stay until the hub acknowledges them (ack event, or the
 * message event carrying their client_id).
 */
export class Outbox {
  /** @param {{get: () => any, update: (fn: (s: any) => any) => any}} store */
  constructor(store) {
    this.store = store;
  }
  all() {
    return [...(this.store.get().outbox || [])];
  }
  add(item) {
    this.store.update((s) => {
      if (!s.outbox.some((m) => m.client_id === item.client_id)) s.outbox.push(item);
      return s;
    });
  }
  remove(clientId) {
    let removed = false;
    this.store.update((s) => {
      const before = s.outbox.length;
      s.outbox = s.outbox.filter((m) => m.client_id !== clientId);
      removed = s.outbox.length !== before;
      return s;
    });
    return removed;
  }
  has(clientId) {
    return this.all().some((m) => m.client_id === clientId);
  }
}

/**
 * The hub accepts the customer stream's upgrade and then closes it with 4401 (token rejected) or
 * 4404 (the conversation no longer exists): this session is gone, start a new conversation. (A
 * refused handshake would only show up as 1006, indistinguishable from a network error.)
 */
export const SESSION_GONE_CLOSE_CODES = new Set([4401, 4404]);
/** Close codes and error codes after which retrying with the same token is pointless (1008: the hub
 * refused the resume point). */
export const FATAL_CLOSE_CODES = new Set([1008, 4401, 4404]);
export const FATAL_ERROR_CODES = new Set(['conversation_not_found']);

export const STATE = Object.freeze({
  IDLE: 'idle',
  CONNECTING: 'connecting',
  OPEN: 'open',
  RETRYING: 'retrying',
  OFFLINE: 'offline',
  CLOSED: 'closed',
});

export class Connection {
  /**
   * @param {object} o
   * @param {(after: string|null) => string} o.urlFor stream URL resuming after the given id
   * @param {{accept: (e: any) => boolean, lastId: string|null}} o.log
   * @param {Outbox} o.outbox
   * @param {(e: any) => void} o.onEvent accepted server events (plus acks and errors)
   * @param {(state: string, info?: any) => void} [o.onState]
   * @param {(reason: any) => void} [o.onFatal] the token/conversation is no longer valid
   * @param {any} [o.WebSocketImpl]
   * @param {{setTimeout: Function, clearTimeout: Function}} [o.timers]
   * @param {() => number} [o.random]
   * @param {() => string} [o.newId]
   * @param {number} [o.connectTimeout]
   */
  constructor(o) {
    this.urlFor = o.urlFor;
    this.log = o.log;
    this.outbox = o.outbox;
    this.onEvent = o.onEvent || (() => {});
    this.onState = o.onState || (() => {});
    this.onFatal = o.onFatal || (() => {});
    this.WS = o.WebSocketImpl || globalThis.WebSocket;
    this.timers = o.timers || { setTimeout: globalThis.setTimeout.bind(globalThis), clearTimeout: globalThis.clearTimeout.bind(globalThis) };
    this.random = o.random || Math.random;
    this.newId = o.newId || (() => uuid());
    this.connectTimeout = o.connectTimeout ?? 10000;
    this.backoff = o.backoff || {};
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.connectTimer = null;
    this.state = STATE.IDLE;
    this.stopped = false;
    this.networkDown = false;
  }

  setState(state, info) {
    this.state = state;
    this.onState(state, info);
  }

  start() {
    this.stopped = false;
    if (!this.ws && !this.retryTimer) this.open();
  }

  open() {
    this.clearTimers();
    if (this.stopped) return;
    if (this.networkDown) {
      this.setState(STATE.OFFLINE);
      return;
    }
    this.setState(STATE.CONNECTING);
    let ws;
    try {
      ws = new this.WS(this.urlFor(this.log.lastId));
    } catch (err) {
      this.scheduleRetry(err);
      return;
    }
    this.ws = ws;
    this.connectTimer = this.timers.setTimeout(() => {
      if (this.ws === ws && this.state === STATE.CONNECTING) this.drop(ws);
    }, this.connectTimeout);
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.timers.clearTimeout(this.connectTimer);
      this.connectTimer = null;
      this.attempt = 0;
      this.setState(STATE.OPEN);
      this.flush();
    };
    ws.onmessage = (msg) => {
      if (this.ws !== ws) return;
      this.handleFrame(msg.data);
    };
    ws.onerror = () => {
      /* a close event always follows */
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      if (this.stopped) return;
      if (ev && FATAL_CLOSE_CODES.has(ev.code)) {
        // no retry, no back-off: the owner (main.js) starts a new conversation once
        const info = { code: ev.code, sessionGone: SESSION_GONE_CLOSE_CODES.has(ev.code) };
        if (typeof ev.reason === 'string' && ev.reason) info.reason = ev.reason;
        this.stopped = true;
        this.setState(STATE.CLOSED, info);
        this.onFatal(info);
        return;
      }
      this.scheduleRetry(ev);
    };
  }

  handleFrame(data) {
    let ev;
    try {
      ev = JSON.parse(data);
    } catch {
      return;
    }
    if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string') return;
    if (ev.type === 'ack') {
      if (typeof ev.client_id === 'string') this.outbox.remove(ev.client_id);
      this.onEvent(ev);
      return;
    }
    if (ev.type === 'error') {
      this.onEvent(ev);
      if (FATAL_ERROR_CODES.has(ev.code)) {
        this.stopped = true;
        const ws = this.ws;
        this.ws = null;
        try {
          ws && ws.close(1000);
        } catch {
          /* ignore */
        }
        this.setState(STATE.CLOSED, { code: ev.code });
        this.onFatal({ code: ev.code });
      }
      return;
    }
    if (ev.type === 'message' && typeof ev.client_id === 'string') this.outbox.remove(ev.client_id);
    if (this.log.accept(ev)) this.onEvent(ev);
  }

  scheduleRetry(info) {
    this.clearTimers();
    if (this.stopped) return;
    if (this.networkDown) {
      this.setState(STATE.OFFLINE);
      return;
    }
    const delay = backoffDelay(this.attempt, { ...this.backoff, random: this.random });
    this.attempt += 1;
    this.setState(STATE.RETRYING, { delay, attempt: this.attempt, info });
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  drop(ws) {
    if (this.ws === ws) this.ws = null;
    try {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close();
    } catch {
      /* ignore */
    }
    this.scheduleRetry('timeout');
  }

  clearTimers() {
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer);
    if (this.connectTimer) this.timers.clearTimeout(this.connectTimer);
    this.retryTimer = null;
    this.connectTimer = null;
  }

  isOpen() {
    return !!this.ws && this.state === STATE.OPEN;
  }

  rawSend(obj) {
    if (!this.isOpen()) return false;
    try {
      this.ws.send(JSON.stringify(obj));
      return true;
    } catch {
      return false;
    }
  }

  /** Resend every unacknowledged message, oldest first, with its original client_id. */
  flush() {
    for (const item of this.outbox.all()) {
      const frame = { type: 'message', text: item.text, client_id: item.client_id };
      if (item.payload) frame.payload = item.payload;
      if (!this.rawSend(frame)) break;
    }
  }

  /** Queue a message (persisted) and send it now if connected. Returns the outbox item. */
  send(text, payload) {
    const item = { client_id: this.newId(), text };
    if (payload) item.payload = payload;
    this.outbox.add(item);
    const frame = { type: 'message', text, client_id: item.client_id };
    if (payload) frame.payload = payload;
    this.rawSend(frame);
    return item;
  }

  sendTyping() {
    return this.rawSend({ type: 'typing' });
  }

  /** Forget the current socket without reacting to its close (optionally with a close code). */
  detachSocket(code) {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    try {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      if (code === undefined) ws.close();
      else ws.close(code);
    } catch {
      /* ignore */
    }
  }

  /** The browser says the network is gone: close now instead of waiting for a dead socket. */
  networkOffline() {
    this.networkDown = true;
    this.clearTimers();
    this.detachSocket();
    if (!this.stopped) this.setState(STATE.OFFLINE);
  }

  /** The network is back: reconnect at once (resume from the last id, flush the outbox). */
  networkOnline() {
    this.networkDown = false;
    if (this.stopped) return;
    this.attempt = 0;
    if (!this.ws) this.open();
  }

  /** Reconnect immediately (e.g. another tab changed the conversation). */
  restart() {
    this.stopped = false;
    this.detachSocket();
    this.attempt = 0;
    this.open();
  }

  stop() {
    this.stopped = true;
    this.clearTimers();
    this.detachSocket(1000);
    this.setState(STATE.CLOSED);
  }
}
