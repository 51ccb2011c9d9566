// The widget's glue (mount) with a DOM stand-in, fake window, fake fetch and fake WebSocket:
// start on open, render server events once, reconcile the customer's echo, survive a "reload".
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount } from '../../widget/src/main.js';
import { FakeDocument } from './helpers/fakedom.mjs';
import { FakeWebSocket, MemoryStorage, FakeWindow } from './helpers/fakes.mjs';

const HUB = 'https://hub.example';
const tick = () => new Promise((r) => setImmediate(r));
const mounted = [];

function page(shared, { href = 'https://shop.example/prodotti', answer = null, customerToken } = {}) {
  const doc = new FakeDocument();
  const win = new FakeWindow();
  const posts = [];
  const replaced = [];
  Object.assign(win, {
    document: doc,
    location: { href },
    history: { state: null, replaceState: (state, title, url) => replaced.push(url) },
    navigator: { languages: ['it-IT'], onLine: true },
    localStorage: shared.local,
    sessionStorage: new MemoryStorage(),
    crypto: globalThis.crypto,
    fetch: async (url, init) => {
      posts.push({ url, body: JSON.parse(init.body || '{}') });
      if (answer) return answer(url);
      return { ok: true, status: 201, json: async () => ({ conversation_id: 'conv-1', token: 'tok-1', visitor_token: 'vis-1' }) };
    },
  });
  const api = mount({ hub: HUB, lang: 'it', doc, win, WebSocketImpl: FakeWebSocket, customerToken });
  mounted.push(api);
  return { doc, win, api, posts, replaced, view: api.view };
}

afterEach(() => {
  for (const api of mounted.splice(0)) if (api.connection) api.connection.stop();
  FakeWebSocket.reset();
});

const texts = (view) => view.list.children.map((li) => li.textContent);

test('nothing is created until the panel opens; then a conversation starts and the stream opens', async () => {
  const shared = { local: new MemoryStorage() };
  const { view, posts } = page(shared);
  assert.equal(posts.length, 0);
  assert.equal(FakeWebSocket.instances.length, 0);
  view.launcher.click();
  await tick();
  assert.deepEqual(posts.map((p) => p.url), [`${HUB}/v1/conversations`]);
  const ws = FakeWebSocket.last();
  const url = new URL(ws.url);
  assert.equal(url.origin, 'wss://hub.example');
  assert.equal(url.pathname, '/v1/conversations/conv-1/stream');
  assert.equal(url.searchParams.get('token'), 'tok-1');
  const stored = JSON.parse(shared.local.getItem('sportello:v1:https://hub.example'));
  assert.equal(stored.conversation_id, 'conv-1');
  assert.equal(stored.visitor_token, 'vis-1');
});

test('the story renders once, reconciles the echo, and a reload replays the history once', async () => {
  const shared = { local: new MemoryStorage() };
  const first = page(shared);
  first.view.launcher.click();
  await tick();
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  first.view.input.value = 'Il tavolo è arrivato danneggiato';
  first.view.form.dispatch('submit');
  const sent = ws.sent.find((m) => m.type === 'message');
  assert.equal(sent.text, 'Il tavolo è arrivato danneggiato');
  const events = [
    { id: '1-0', type: 'message', from: 'customer', text: sent.text, client_id: sent.client_id },
    { id: '2-0', type: 'message', from: 'bot', text: 'Mi dispiace davvero per il disagio.' },
    { id: '3-0', type: 'handoff', status: 'queued', queue_position: 2, eta_seconds: 200, eta_minutes: 4 },
    { id: '4-0', type: 'handoff', status: 'assigned', agent: { id: 'a1', name: 'Serena', gender: 'f' } },
    { id: '5-0', type: 'message', from: 'agent', text: 'Ciao, sono Serena', agent: { name: 'Serena' } },
  ];
  ws.serverSend({ type: 'ack', client_id: sent.client_id, id: '1-0' });
  for (const ev of events.slice(0, 3)) ws.serverSend(ev);
  assert.equal(first.view.handoff.textContent, 'In coda: posizione 2, attesa stimata circa 4 min');
  for (const ev of events.slice(3)) ws.serverSend(ev);
  ws.serverSend(events[4]); // a duplicate
  const shown = texts(first.view);
  assert.deepEqual(shown, [
    'Io: Il tavolo è arrivato danneggiato',
    'Assistente virtualeMi dispiace davvero per il disagio.',
    'SSerena si è unita alla conversazione',
    'SSerenaCiao, sono Serena',
  ]);
  assert.equal(first.view.handoff.hidden, true);
  assert.equal(first.view.subtitle.textContent, 'In conversazione con Serena');
  assert.deepEqual(JSON.parse(shared.local.getItem('sportello:v1:https://hub.example')).outbox, []);

  // "reload": a new page over the same localStorage replays from the start and shows it once
  first.api.connection.stop();
  const second = page(shared);
  await tick();
  const ws2 = FakeWebSocket.last();
  assert.equal(new URL(ws2.url).searchParams.has('after'), false, 'a fresh page asks for the whole history');
  ws2.serverOpen();
  for (const ev of events) ws2.serverSend(ev);
  for (const ev of events) ws2.serverSend(ev);
  assert.deepEqual(texts(second.view), shown);
});

test('messages from the agent while the panel is closed raise the unread badge; opening clears it', async () => {
  const shared = { local: new MemoryStorage() };
  const { view } = page(shared);
  view.launcher.click();
  await tick();
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ id: '1-0', type: 'message', from: 'bot', text: 'ciao' });
  view.panel.dispatch('keydown', { key: 'Escape' });
  ws.serverSend({ id: '2-0', type: 'message', from: 'agent', text: 'ci sei?', agent: { name: 'Serena' } });
  ws.serverSend({ id: '3-0', type: 'message', from: 'agent', text: 'ti aspetto', agent: { name: 'Serena' } });
  assert.equal(view.badge.textContent, '2');
  assert.equal(view.live.textContent, 'Nuovo messaggio da Serena: ti aspetto');
  view.launcher.click();
  await tick();
  assert.equal(view.badge.hidden, true);
});

test('a message typed before the conversation exists is queued and sent once the stream opens', async () => {
  const shared = { local: new MemoryStorage() };
  const { view, win } = page(shared);
  win.__sportello.open();
  view.input.value = 'prima ancora di connettermi';
  view.form.dispatch('submit');
  await tick();
  const ws = FakeWebSocket.last();
  assert.deepEqual(ws.sent, []);
  ws.serverOpen();
  assert.deepEqual(ws.sent.map((m) => m.text), ['prima ancora di connettermi']);
  assert.equal(view.list.children.length, 1, 'one pending bubble');
});

test('browser offline/online: the state is shown, the socket closes and reconnects after the last id', async () => {
  const shared = { local: new MemoryStorage() };
  const { view, win } = page(shared);
  view.launcher.click();
  await tick();
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ id: '7-0', type: 'message', from: 'bot', text: 'x' });
  win.fire('offline', {});
  assert.equal(ws.closed, true);
  assert.equal(view.conn.hidden, false);
  assert.equal(view.conn.textContent, 'Connessione assente: i messaggi verranno inviati appena torna');
  win.fire('online', {});
  const ws2 = FakeWebSocket.last();
  assert.notEqual(ws2, ws);
  assert.equal(new URL(ws2.url).searchParams.get('after'), '7-0');
  ws2.serverOpen();
  assert.equal(view.conn.hidden, true);
});

test('the hub closes the stream with 4404/4401: a new conversation starts, without a retry loop', async () => {
  const shared = { local: new MemoryStorage() };
  const { view, posts, win } = page(shared);
  let n = 0;
  win.fetch = async (url, init) => {
    posts.push({ url, body: JSON.parse(init.body || '{}') });
    n += 1;
    return { ok: true, status: 201, json: async () => ({ conversation_id: `conv-${n}`, token: `tok-${n}`, visitor_token: 'vis-1' }) };
  };
  view.launcher.click();
  await tick();
  const first = FakeWebSocket.last();
  first.serverOpen();
  first.serverClose(4404, 'conversation_not_found');
  await tick();
  assert.equal(posts.length, 2);
  const second = FakeWebSocket.last();
  assert.notEqual(second, first);
  assert.equal(new URL(second.url).pathname, '/v1/conversations/conv-2/stream');
  const stored = JSON.parse(shared.local.getItem('sportello:v1:https://hub.example'));
  assert.equal(stored.conversation_id, 'conv-2');
  // a hub that keeps refusing does not make the widget loop
  for (let i = 0; i < 6; i++) {
    const ws = FakeWebSocket.last();
    ws.serverOpen();
    ws.serverClose(4401, 'unauthorized');
    await tick();
  }
  assert.ok(posts.length <= 4, `created ${posts.length} conversations`);
});

test('a link from an e-mail reopens its conversation (whole history, panel open) and leaves the address clean', async () => {
  const shared = { local: new MemoryStorage() };
  shared.local.setItem('sportello:v1:https://hub.example', JSON.stringify({ conversation_id: 'conv-old', token: 'tok-old', outbox: [] }));
  const answer = () => ({ ok: true, status: 200, json: async () => ({ conversation_id: 'conv-9', token: 'tok-9', visitor_token: 'vis-9' }) });
  const { view, posts, replaced } = page(shared, { href: 'https://shop.example/prodotti?x=1&sportello=LINK.1', answer });
  await tick();
  await tick();
  assert.deepEqual(posts, [{ url: `${HUB}/v1/conversations/resume`, body: { link: 'LINK.1' } }]);
  assert.deepEqual(replaced, ['https://shop.example/prodotti?x=1'], 'the token leaves the address bar');
  const url = new URL(FakeWebSocket.last().url);
  assert.equal(url.pathname, '/v1/conversations/conv-9/stream');
  assert.equal(url.searchParams.get('token'), 'tok-9');
  assert.equal(url.searchParams.get('after'), null, 'from the start: the whole history');
  assert.equal(view.opened, true);
  assert.equal(JSON.parse(shared.local.getItem('sportello:v1:https://hub.example')).conversation_id, 'conv-9');
  assert.equal(FakeWebSocket.instances.filter((ws) => ws.url.includes('conv-old')).length, 0);
});

test('a forged or expired link says so and keeps the conversation the visitor had', async () => {
  const shared = { local: new MemoryStorage() };
  shared.local.setItem('sportello:v1:https://hub.example', JSON.stringify({ conversation_id: 'conv-old', token: 'tok-old', outbox: [] }));
  const answer = () => ({ ok: false, status: 401, json: async () => ({ error: 'unauthorized' }) });
  const { view } = page(shared, { href: 'https://shop.example/?sportello=forged', answer });
  await tick();
  await tick();
  assert.equal(view.opened, true);
  assert.ok(texts(view).some((x) => x.includes('Il link non è più valido')), texts(view).join(' | '));
  assert.equal(new URL(FakeWebSocket.last().url).pathname, '/v1/conversations/conv-old/stream');
});

test("a signed-in customer's token from the shop's page goes with the new conversation, once", async () => {
  const shared = { local: new MemoryStorage() };
  const { view, posts } = page(shared, { customerToken: 'SHOP.SIGNED.TOKEN' });
  view.launcher.click();
  await tick();
  assert.deepEqual(posts, [{ url: `${HUB}/v1/conversations`, body: { customer_token: 'SHOP.SIGNED.TOKEN' } }]);
  const plain = page({ local: new MemoryStorage() });
  plain.view.launcher.click();
  await tick();
  assert.deepEqual(plain.posts[0].body, {}, 'without one, nothing is sent');
});
