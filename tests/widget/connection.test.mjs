import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, Outbox, STATE } from '../../widget/src/connection.js';
import { backoffDelay, uuid } from '../../widget/src/shared/ids.js';
import { EventLog, streamUrl } from '../../widget/src/session.js';
import { createStore } from '../../widget/src/storage.js';
import { FakeWebSocket, ManualTimers, MemoryStorage } from './helpers/fakes.mjs';

test('back-off doubles from 500 ms up to the 15 s cap, with jitter between half and full', () => {
  const low = [0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, { random: () => 0 }));
  const high = [0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, { random: () => 1 }));
  assert.deepEqual(high, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.deepEqual(low, [250, 500, 1000, 2000, 4000, 7500, 7500, 7500]);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(3);
    assert.ok(d >= 2000 && d <= 4000, `jittered delay ${d} out of range`);
  }
  assert.equal(backoffDelay(-3, { random: () => 1 }), 500);
  assert.equal(backoffDelay(1e9, { random: () => 1 }), 15000);
});

test('uuid falls back to a v4 UUID without randomUUID', () => {
  const id = uuid({ getRandomValues: (b) => b.fill(7) });
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(uuid({ randomUUID: () => 'fixed' }), 'fixed');
});

let timers, store, events, states, fatal, ids;

function make(opts = {}) {
  let n = 0;
  const log = new EventLog(opts.lastId ?? null);
  const conn = new Connection({
    urlFor: (after) => streamUrl('http://hub', 'c1', 'tok', after),
    log,
    outbox: new Outbox(store),
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    onFatal: (r) => fatal.push(r),
    WebSocketImpl: FakeWebSocket,
    timers,
    random: () => 1,
    newId: () => `cid-${++n}`,
  });
  return { conn, log };
}

beforeEach(() => {
  FakeWebSocket.reset();
  timers = new ManualTimers();
  store = createStore({ storage: new MemoryStorage(), key: 'k' });
  events = [];
  states = [];
  fatal = [];
});

test('messages typed while disconnected are queued and sent once the socket opens', () => {
  const { conn } = make();
  conn.start();
  const ws = FakeWebSocket.last();
  conn.send('ciao');
  conn.send('ci sei?');
  assert.deepEqual(ws.sent, [], 'nothing is sent before open');
  ws.serverOpen();
  assert.deepEqual(ws.sent.map((m) => [m.type, m.text, m.client_id]), [
    ['message', 'ciao', 'cid-1'],
    ['message', 'ci sei?', 'cid-2'],
  ]);
});

test('unacknowledged messages are resent with the same client_id after a reconnect, acked ones are not', () => {
  const { conn } = make();
  conn.start();
  const ws1 = FakeWebSocket.last();
  ws1.serverOpen();
  conn.send('primo');
  conn.send('secondo', 'payload-2');
  assert.equal(ws1.sent.length, 2);
  ws1.serverSend({ type: 'ack', client_id: 'cid-1', id: '7-0' });
  ws1.serverClose(1006);
  assert.equal(conn.state, STATE.RETRYING);
  timers.advance(500);
  const ws2 = FakeWebSocket.last();
  assert.notEqual(ws2, ws1);
  ws2.serverOpen();
  assert.deepEqual(ws2.sent, [{ type: 'message', text: 'secondo', client_id: 'cid-2', payload: 'payload-2' }]);
  // the echo of the message with its client_id also clears the outbox
  ws2.serverSend({ type: 'message', id: '8-0', from: 'customer', text: 'secondo', client_id: 'cid-2' });
  assert.deepEqual(new Outbox(store).all(), []);
  ws2.serverClose(1006);
  timers.advance(500);
  FakeWebSocket.last().serverOpen();
  assert.deepEqual(FakeWebSocket.last().sent, [], 'nothing left to resend');
});

test('the outbox lives in storage, so a reload resends it', () => {
  const first = make();
  first.conn.start();
  first.conn.send('scritto prima del reload');
  first.conn.stop();
  const { conn } = make();
  conn.start();
  FakeWebSocket.last().serverOpen();
  assert.deepEqual(FakeWebSocket.last().sent.map((m) => [m.text, m.client_id]), [['scritto prima del reload', 'cid-1']]);
});

test('reconnects resume after the last accepted id and duplicates are dropped', () => {
  const { conn } = make();
  conn.start();
  const ws1 = FakeWebSocket.last();
  assert.equal(new URL(ws1.url).searchParams.has('after'), false);
  ws1.serverOpen();
  ws1.serverSend({ type: 'message', id: '1-0', from: 'bot', text: 'a' });
  ws1.serverSend({ type: 'message', id: '2-0', from: 'bot', text: 'b' });
  ws1.serverClose(1006);
  timers.advance(500);
  const ws2 = FakeWebSocket.last();
  assert.equal(new URL(ws2.url).searchParams.get('after'), '2-0');
  ws2.serverOpen();
  ws2.serverSend({ type: 'message', id: '2-0', from: 'bot', text: 'b' });
  ws2.serverSend({ type: 'message', id: '3-0', from: 'agent', text: 'c' });
  ws2.serverSend('not json');
  ws2.serverSend({ no: 'type' });
  assert.deepEqual(events.map((e) => e.text), ['a', 'b', 'c']);
});

test('retry delays follow the back-off schedule and reset after a successful open', () => {
  const { conn } = make();
  conn.start();
  const delays = [];
  for (let i = 0; i < 4; i++) {
    FakeWebSocket.last().serverClose(1006);
    delays.push(Math.max(...timers.delays()));
    timers.advance(delays[delays.length - 1]);
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000]);
  FakeWebSocket.last().serverOpen();
  FakeWebSocket.last().serverClose(1006);
  assert.deepEqual(timers.delays(), [500]);
});

test('a socket that never opens is dropped after the connect timeout and retried', () => {
  const { conn } = make();
  conn.start();
  const ws = FakeWebSocket.last();
  timers.advance(10000);
  assert.equal(ws.closed, true);
  assert.equal(conn.state, STATE.RETRYING);
});

test('rejected token: no retry loop, onFatal is called', () => {
  const { conn } = make();
  conn.start();
  FakeWebSocket.last().serverClose(4401);
  assert.equal(fatal.length, 1);
  assert.deepEqual(timers.delays(), []);
  assert.equal(conn.state, STATE.CLOSED);
  const n = FakeWebSocket.instances.length;
  timers.advance(60000);
  assert.equal(FakeWebSocket.instances.length, n);
});

test('hub closes right after the upgrade with 4401/4404: session gone, onFatal once, no retries', () => {
  for (const code of [4401, 4404]) {
    fatal = [];
    const { conn } = make();
    conn.send('ciao');
    conn.start();
    const ws = FakeWebSocket.last();
    ws.serverOpen(); // the upgrade is accepted…
    ws.serverClose(code, code === 4401 ? 'unauthorized' : 'conversation_not_found'); // …then closed
    assert.equal(fatal.length, 1);
    assert.equal(fatal[0].code, code);
    assert.equal(fatal[0].sessionGone, true);
    assert.equal(fatal[0].reason, code === 4401 ? 'unauthorized' : 'conversation_not_found');
    assert.equal(conn.state, STATE.CLOSED);
    assert.deepEqual(timers.delays(), []);
    const n = FakeWebSocket.instances.length;
    timers.advance(120000);
    conn.networkOnline(); // not even the network coming back reopens a dead session
    assert.equal(FakeWebSocket.instances.length, n);
    assert.equal(fatal.length, 1);
  }
});

test('an ordinary drop after the upgrade (1006) is retried, not treated as a dead session', () => {
  const { conn } = make();
  conn.start();
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverClose(1006);
  assert.equal(fatal.length, 0);
  assert.equal(conn.state, STATE.RETRYING);
  const n = FakeWebSocket.instances.length;
  timers.advance(1000);
  assert.equal(FakeWebSocket.instances.length, n + 1);
});

test('an error saying the conversation is gone is fatal; other errors are just reported', () => {
  const { conn } = make();
  conn.start();
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'error', code: 'too_long', message: 'x' });
  assert.equal(fatal.length, 0);
  assert.equal(events.at(-1).code, 'too_long');
  ws.serverSend({ type: 'error', code: 'conversation_not_found', message: 'x' });
  assert.equal(fatal.length, 1);
  assert.equal(ws.closed, true);
});

test('browser offline closes at once; online reconnects immediately and flushes the outbox', () => {
  const { conn } = make();
  conn.start();
  FakeWebSocket.last().serverOpen();
  conn.networkOffline();
  assert.equal(conn.state, STATE.OFFLINE);
  assert.equal(FakeWebSocket.last().closed, true);
  conn.send('scritto offline');
  timers.advance(60000);
  const count = FakeWebSocket.instances.length;
  conn.networkOnline();
  assert.equal(FakeWebSocket.instances.length, count + 1, 'reconnected without waiting');
  FakeWebSocket.last().serverOpen();
  assert.deepEqual(FakeWebSocket.last().sent.map((m) => m.text), ['scritto offline']);
});

test('typing is only sent on an open socket', () => {
  const { conn } = make();
  conn.start();
  assert.equal(conn.sendTyping(), false);
  FakeWebSocket.last().serverOpen();
  assert.equal(conn.sendTyping(), true);
  assert.deepEqual(FakeWebSocket.last().sent, [{ type: 'typing' }]);
});

test('stop closes the socket and cancels retries', () => {
  const { conn } = make();
  conn.start();
  FakeWebSocket.last().serverClose(1006);
  conn.stop();
  const n = FakeWebSocket.instances.length;
  timers.advance(60000);
  assert.equal(FakeWebSocket.instances.length, n);
});
