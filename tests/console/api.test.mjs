import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi, ApiError } from '../../handoff/static/console/js/api.js';

function fakeFetch(responder) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init, body: init.body ? JSON.parse(init.body) : undefined });
    const [status, body] = responder(url, init);
    return { ok: status >= 200 && status < 300, status, text: async () => (body === undefined ? '' : JSON.stringify(body)) };
  };
  fn.calls = calls;
  return fn;
}

test('calls carry the bearer token and hit the documented paths', async () => {
  const f = fakeFetch(() => [200, { ok: true }]);
  const api = createApi({ fetchFn: f, getToken: () => 'tok' });
  await api.conversations('queued');
  await api.conversation('c/1');
  await api.act('c1', 'claim');
  await api.message('c1', 'Buongiorno', 'cid-1');
  await api.note('c1', 'nota');
  await api.transfer('c1', 'ag_marco', 'ti passo il caso');
  await api.act('c1', 'resolve');
  await api.presence('away');
  await api.agents();
  await api.canned();
  assert.deepEqual(f.calls.map((c) => `${c.init.method} ${c.url}`), [
    'GET /v1/agent/conversations?status=queued',
    'GET /v1/agent/conversations/c%2F1',
    'POST /v1/agent/conversations/c1/claim',
    'POST /v1/agent/conversations/c1/messages',
    'POST /v1/agent/conversations/c1/notes',
    'POST /v1/agent/conversations/c1/transfer',
    'POST /v1/agent/conversations/c1/resolve',
    'POST /v1/agent/presence',
    'GET /v1/agent/agents',
    'GET /v1/agent/canned',
  ]);
  for (const c of f.calls) assert.equal(c.init.headers.Authorization, 'Bearer tok');
  assert.deepEqual(f.calls[3].body, { text: 'Buongiorno', client_id: 'cid-1' });
  assert.deepEqual(f.calls[5].body, { agent_id: 'ag_marco', note: 'ti passo il caso' });
  assert.deepEqual(f.calls[7].body, { status: 'away' });
});

test('login sends no token; a 401 there is just an error', async () => {
  let unauthorized = 0;
  const f = fakeFetch(() => [401, { error: 'invalid_credentials' }]);
  const api = createApi({ fetchFn: f, getToken: () => 'old', onUnauthorized: () => unauthorized++ });
  await assert.rejects(api.login('serena@sportello.example', 'x'), (e) => e instanceof ApiError && e.status === 401);
  assert.equal(f.calls[0].init.headers.Authorization, undefined);
  assert.deepEqual(f.calls[0].body, { email: 'serena@sportello.example', password: 'x' });
  assert.equal(unauthorized, 0);
});

test('a 401 on an authenticated call sends the agent back to login', async () => {
  let unauthorized = 0;
  const api = createApi({ fetchFn: fakeFetch(() => [401, { error: 'expired' }]), getToken: () => 't', onUnauthorized: () => unauthorized++ });
  await assert.rejects(api.canned(), ApiError);
  assert.equal(unauthorized, 1);
});

test('other errors reject with status and code; empty bodies are fine', async () => {
  const api = createApi({ fetchFn: fakeFetch((url) => (url.includes('claim') ? [409, { error: 'not_claimable' }] : [204, undefined])), getToken: () => 't' });
  await assert.rejects(api.act('c1', 'claim'), (e) => e.status === 409 && e.code === 'not_claimable');
  assert.equal(await api.act('c1', 'resolve'), null);
});

test('read, me, and a transfer with a reason for the customer', async () => {
  const f = fakeFetch(() => [200, { ok: true }]);
  const api = createApi({ fetchFn: f, getToken: () => 'tok' });
  await api.read('c/1');
  await api.me();
  await api.transfer('c1', 'ag_m', '', 'segue i rimborsi');
  await api.transfer('c1', 'ag_m', 'nota', '');
  assert.deepEqual(f.calls.map((c) => `${c.init.method} ${c.url}`), [
    'POST /v1/agent/conversations/c%2F1/read',
    'GET /v1/agent/me',
    'POST /v1/agent/conversations/c1/transfer',
    'POST /v1/agent/conversations/c1/transfer',
  ]);
  assert.deepEqual(f.calls[2].body, { agent_id: 'ag_m', reason: 'segue i rimborsi' });
  assert.deepEqual(f.calls[3].body, { agent_id: 'ag_m', note: 'nota' });
});
