// Fakes for connection tests: a controllable WebSocket, manual timers and in-memory storage.

export class FakeWebSocket {
  static instances = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.readyState = 0;
    this.closed = false;
    FakeWebSocket.instances.push(this);
  }
  static reset() {
    FakeWebSocket.instances = [];
  }
  static last() {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }
  send(data) {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closed = true;
    this.readyState = 3;
    this.closeCode = code;
  }
  // test controls
  serverOpen() {
    this.readyState = 1;
    this.onopen && this.onopen({});
  }
  serverSend(obj) {
    this.onmessage && this.onmessage({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) });
  }
  serverClose(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose && this.onclose({ code, reason });
  }
}

export class ManualTimers {
  constructor() {
    this.now = 0;
    this.seq = 0;
    this.pending = new Map();
  }
  setTimeout(fn, ms) {
    const id = ++this.seq;
    this.pending.set(id, { fn, at: this.now + ms, every: 0 });
    return id;
  }
  clearTimeout(id) {
    this.pending.delete(id);
  }
  setInterval(fn, ms) {
    const id = ++this.seq;
    this.pending.set(id, { fn, at: this.now + ms, every: ms });
    return id;
  }
  clearInterval(id) {
    this.pending.delete(id);
  }
  /** Delays of the timers currently scheduled (relative to now). */
  delays() {
    return [...this.pending.values()].map((t) => t.at - this.now);
  }
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      let next = null;
      for (const [id, t] of this.pending) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
      if (!next) break;
      const [id, t] = next;
      this.now = t.at;
      if (t.every) t.at += t.every;
      else this.pending.delete(id);
      t.fn();
    }
    this.now = end;
  }
}

export class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.map.delete(k);
  }
}

/** A minimal event target standing in for window (storage events between "tabs"). */
export class FakeWindow {
  constructor() {
    this.listeners = {};
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  removeEventListener(type, fn) {
    this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn);
  }
  fire(type, ev) {
    for (const fn of this.listeners[type] || []) fn(ev);
  }
}
