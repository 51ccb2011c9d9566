// The agent's live WebSocket: queue and conversation events in, presence/heartbeat/typing out.
// Reconnects with back-off and jitter; a rejected token (close code 4401) ends the session.

import { backoffDelay } from '../shared/ids.js';

export const HEARTBEAT_MS = 15000;
const FATAL = new Set([4401]);

/** ws(s)://host/v1/agent/stream?token=… from the page's http(s) origin. */
export function agentStreamUrl(origin, token) {
  const url = new URL('/v1/agent/stream', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', token);
  return url.href;
}

export class AgentSocket {
  /**
   * @param {{url: () => string, onMessage: (m: any) => void, onState?: (s: string) => void,
   *   onUnauthorized?: () => void, getPresence?: () => string, WebSocketImpl?: any, timers?: any,
   *   random?: () => number}} o
   */
  constructor(o) {
    this.o = o;
    this.WS = o.WebSocketImpl || globalThis.WebSocket;
    this.timers = o.timers || {
      setTimeout: globalThis.setTimeout.bind(globalThis),
      clearTimeout: globalThis.clearTimeout.bind(globalThis),
      setInterval: globalThis.setInterval.bind(globalThis),
      clearInterval: globalThis.clearInterval.bind(globalThis),
    };
    this.random = o.random || Math.random;
    this.ws = null;
    this.attempt = 0;
    this.stopped = true;
    this.retry = null;
    this.beat = null;
  }

  state(s) {
    if (this.o.onState) this.o.onState(s);
  }

  start() {
    this.stopped = false;
    this.open();
  }

  open() {
    if (this.stopped) return;
    this.state('connecting');
    let ws;
    try {
      ws = new this.WS(this.o.url());
    } catch {
      this.schedule();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.state('open');
      const presence = this.o.getPresence && this.o.getPresence();
      if (presence) this.send({ type: 'presence', status: presence });
      this.beat = this.timers.setInterval(() => this.send({ type: 'heartbeat' }), HEARTBEAT_MS);
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      let data;
      try {
        data = JSON.parse(m.data);
      } catch {
        return;
      }
      if (data && typeof data === 'object') this.o.onMessage(data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopBeat();
      if (this.stopped) return;
      if (ev && FATAL.has(ev.code)) {
        this.stopped = true;
        this.state('closed');
        if (this.o.onUnauthorized) this.o.onUnauthorized();
        return;
      }
      this.schedule();
    };
    ws.onerror = () => {};
  }

  schedule() {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, { random: this.random });
    this.state('retrying');
    this.retry = this.timers.setTimeout(() => {
      this.retry = null;
      this.open();
    }, delay);
  }

  stopBeat() {
    if (this.beat) this.timers.clearInterval(this.beat);
    this.beat = null;
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    try {
      this.ws.send(JSON.stringify(obj));
      return true;
    } catch {
      return false;
    }
  }

  stop() {
    this.stopped = true;
    this.stopBeat();
    if (this.retry) this.timers.clearTimeout(this.retry);
    this.retry = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        /* ignore */
      }
    }
    this.state('closed');
  }
}
