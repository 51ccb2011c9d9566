import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventLog, normaliseHub, streamUrl, startConversation, fetchEvents, HttpError } from '../../widget/src/session.js';
import { compareIds } from '../../widget/src/shared/ids.js';

test('stream ids compare by milliseconds then sequence, not as strings', () => {
  assert.ok(compareIds('1700000000000-10', '1700000000000-9') > 0);
  assert.ok(compareIds('999-0', '1000-0') < 0);
  assert.equal(compareIds('5-1', '5-1'), 0);
  assert.ok(compareIds('12', '9') > 0);
});

test('each event id is accepted once and only forward', () => {
  const log = new EventLog();
  const ev = (id) => ({ type: 'message', id, from: 'bot', text: id });
  assert.equal(log.accept(ev('1-0')), true);
  assert.equal(log.accept(ev('2-0')), true);
  assert.equal(log.accept(ev('2-0')), false, 'duplicate');
  assert.equal(log.accept(ev('1-5')), false, 'older than the last one');
  assert.equal(log.accept(ev('10-0')), true);
  assert.equal(log.lastId, '10-0');
});

test('typing has no id and always passes; other id-less events do not', () => {
  const log = new EventLog();
  assert.equal(log.accept({ type: 'typing', from: 'agent' }), true);
  assert.equal(log.accept({ type: 'message', text: 'x' }), false);
  assert.equal(log.accept(null), false);
  assert.equal(log.lastId, null);
});

test('a resumed log drops the replayed events at or before the resume point', () => {
  const log = new EventLog('5-0');
  assert.equal(log.accept({ type: 'message', id: '4-0' }), false);
  assert.equal(log.accept({ type: 'message', id: '5-0' }), false);
  assert.equal(log.accept({ type: 'message', id: '5-1' }), true);
});

test('a batch is sorted by id and deduplicated', () => {
  const log = new EventLog();
  log.accept({ type: 'message', id: '2-0' });
  const out = log.acceptBatch([{ id: '4-0' }, { id: '3-0' }, { id: '2-0' }, { id: '3-0' }, { id: null }]);
  assert.deepEqual(out.map((e) => e.id), ['3-0', '4-0']);
});

test('hub URLs: relative resolves against the page, only http(s), no trailing slash', () => {
  assert.equal(normaliseHub('/', 'https://shop.example/prodotti?x=1'), 'https://shop.example');
  assert.equal(normaliseHub('https://hub.example/', 'https://shop.example/'), 'https://hub.example');
  assert.equal(normaliseHub('https://hub.example/base/', 'https://shop.example/'), 'https://hub.example/base');
  assert.throws(() => normaliseHub('javascript:alert(1)', 'https://shop.example/'), /http/);
});

test('stream URL uses ws/wss, carries the token and the resume id', () => {
  const u = new URL(streamUrl('https://hub.example', 'abc', 't.o.k', '12-3'));
  assert.equal(u.protocol, 'wss:');
  assert.equal(u.pathname, '/v1/conversations/abc/stream');
  assert.equal(u.searchParams.get('token'), 't.o.k');
  assert.equal(u.searchParams.get('after'), '12-3');
  const plain = new URL(streamUrl('http://127.0.0.1:8080', 'abc', 't', null));
  assert.equal(plain.protocol, 'ws:');
  assert.equal(plain.searchParams.has('after'), false);
});

function fakeFetch(status, body) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init });
    return { ok: status >= 200 && status < 300, status, json: async () => body };
  };
  fn.calls = calls;
  return fn;
}

test('startConversation posts the visitor token and returns the session', async () => {
  const f = fakeFetch(201, { conversation_id: 'c1', token: 't1', visitor_token: 'v1' });
  const s = await startConversation(f, 'https://hub.example', 'v0');
  assert.deepEqual(s, { conversation_id: 'c1', token: 't1', visitor_token: 'v1' });
  assert.equal(f.calls[0].url, 'https://hub.example/v1/conversations');
  assert.equal(f.calls[0].init.method, 'POST');
  assert.deepEqual(JSON.parse(f.calls[0].init.body), { visitor_token: 'v0' });
});

test('startConversation rejects errors and malformed answers', async () => {
  await assert.rejects(startConversation(fakeFetch(503, { error: 'down' }), 'h', null), HttpError);
  await assert.rejects(startConversation(fakeFetch(201, { token: 't' }), 'h', null), /malformed/);
});

test('fetchEvents sends the bearer token and accepts a bare list or {events}', async () => {
  const f = fakeFetch(200, { events: [{ id: '1-0' }] });
  const events = await fetchEvents(f, 'https://hub.example', 'c1', 'tok', '0-5');
  assert.deepEqual(events, [{ id: '1-0' }]);
  assert.equal(f.calls[0].init.headers.Authorization, 'Bearer tok');
  assert.equal(new URL(f.calls[0].url).searchParams.get('after'), '0-5');
  assert.deepEqual(await fetchEvents(fakeFetch(200, [{ id: '2-0' }]), 'h://x', 'c', 't'), [{ id: '2-0' }]);
  await assert.rejects(fetchEvents(fakeFetch(401, {}), 'https://h', 'c', 't'), HttpError);
});
