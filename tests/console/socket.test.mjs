import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentSocket, agentStreamUrl, HEARTBEAT_MS } from '../../handoff/static/console/js/socket.js';
import { FakeWebSocket, ManualTimers } from '../widget/helpers/fakes.mjs';

function make(extra = {}) {
  FakeWebSocket.reset();
  const timers = new ManualTimers();
  const got = { messages: [], states: [], unauthorized: 0 };
  const s = new AgentSocket({
    url: () => agentStreamUrl('https://hub.example', 'tok'),
    onMessage: (m) => got.messages.push(m),
    onState: (x) => got.states.push(x),
    onUnauthorized: () => got.unauthorized++,
    getPresence: () => 'online',
    WebSocketImpl: FakeWebSocket,
    timers,
    random: () => 1,
    ...extra,
  });
  return { s, timers, got };
}

test('stream URL is wss for https and carries the token', () => {
  const u = new URL(agentStreamUrl('https://hub.example', 'a b'));
  assert.equal(u.protocol, 'wss:');
  assert.equal(u.pathname, '/v1/agent/stream');
  assert.equal(u.searchParams.get('token'), 'a b');
  assert.equal(new URL(agentStreamUrl('http://127.0.0.1:8080', 't')).protocol, 'ws:');
});

test('on open: presence is announced, then a heartbeat every 15 s', () => {
  const { s, timers } = make();
  s.start();
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  assert.deepEqual(ws.sent, [{ type: 'presence', status: 'online' }]);
  timers.advance(HEARTBEAT_MS * 3);
  assert.equal(HEARTBEAT_MS, 15000);
  assert.deepEqual(ws.sent.slice(1), [{ type: 'heartbeat' }, { type: 'heartbeat' }, { type: 'heartbeat' }]);
});

test('messages are parsed; garbage is ignored', () => {
  const { s, got } = make();
  s.start();
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'queue', items: [] });
  ws.serverSend('{broken');
  assert.deepEqual(got.messages, [{ type: 'queue', items: [] }]);
});

test('a dropped socket reconnects with back-off and the heartbeat stops meanwhile', () => {
  const { s, timers } = make();
  s.start();
  const ws1 = FakeWebSocket.last();
  ws1.serverOpen();
  ws1.serverClose(1006);
  assert.deepEqual(timers.delays(), [500], 'only the retry is scheduled, no heartbeat');
  timers.advance(500);
  assert.equal(FakeWebSocket.instances.length, 2);
});

test('a rejected token ends the session instead of retrying', () => {
  const { s, timers, got } = make();
  s.start();
  FakeWebSocket.last().serverClose(4401);
  assert.equal(got.unauthorized, 1);
  timers.advance(60000);
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('send is refused while closed; stop cancels everything', () => {
  const { s, timers } = make();
  s.start();
  assert.equal(s.send({ type: 'typing', conversation_id: 'c' }), false);
  FakeWebSocket.last().serverOpen();
  assert.equal(s.send({ type: 'typing', conversation_id: 'c' }), true);
  s.stop();
  assert.equal(FakeWebSocket.last().closed, true);
  assert.deepEqual(timers.delays(), []);
});
