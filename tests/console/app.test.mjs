// The console wired together (mount) with a DOM stand-in, a scripted hub (fetch) and a fake agent
// socket: login, lists from the hub, live events, replying, notes, claim, transfer, two-step resolve.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount } from '../../handoff/static/console/js/app.js';
import { AUTH_KEY } from '../../handoff/static/console/js/session.js';
import { FakeDocument } from '../widget/helpers/fakedom.mjs';
import { FakeWebSocket, ManualTimers, MemoryStorage, FakeWindow } from '../widget/helpers/fakes.mjs';

const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
const SERENA = { id: 'ag_s', name: 'Serena', email: 'serena@sportello.example' };
const apps = [];

afterEach(() => {
  for (const app of apps.splice(0)) if (app.socket) app.socket.stop();
  FakeWebSocket.reset();
});

/** A hub answering the console's calls from `routes` ("GET /v1/agent/…" → body or (body) => body). */
function page({ routes = {}, loggedIn = true, storage = new MemoryStorage() } = {}) {
  const doc = new FakeDocument();
  const app = doc.createElement('div');
  app.id = 'app';
  doc.body.appendChild(app);
  const win = new FakeWindow();
  const timers = new ManualTimers();
  const calls = [];
  Object.assign(win, {
    document: doc,
    location: { origin: 'https://hub.example' },
    sessionStorage: new MemoryStorage(),
    localStorage: storage,
    crypto: globalThis.crypto,
    setTimeout: timers.setTimeout.bind(timers),
    clearTimeout: timers.clearTimeout.bind(timers),
    setInterval: timers.setInterval.bind(timers),
    clearInterval: timers.clearInterval.bind(timers),
  });
  if (loggedIn) win.sessionStorage.setItem(AUTH_KEY, JSON.stringify({ token: 'tok', expires_at: Date.now() / 1000 + 3600, agent: SERENA }));
  const fetchFn = async (url, init) => {
    const path = url.replace(/\?.*$/, '');
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const body = init.body ? JSON.parse(init.body) : undefined;
    calls.push({ method: init.method, path, query, body, auth: init.headers.Authorization });
    const key = `${init.method} ${path}${query ? `?${query}` : ''}`;
    let answer = routes[key] ?? routes[`${init.method} ${path}`];
    if (typeof answer === 'function') answer = answer(body);
    const [status, data] = answer === undefined ? [404, { error: 'not_found' }] : Array.isArray(answer) ? answer : [200, answer];
    return { status, ok: status < 300, text: async () => JSON.stringify(data) };
  };
  const console = mount({ doc, win, fetchFn, WebSocketImpl: FakeWebSocket });
  apps.push(console);
  return { doc, win, timers, calls, console };
}

const conv = (over = {}) => ({
  id: 'c1', status: 'queued', agent: null, priority: 'normal', problem_type: 'item_damaged', problem_label: 'Merce danneggiata',
  mood: null, customer_name: 'Luca Bianchi', ticket_id: 'T6QYJ5XKA', created_at: 1763910000, handoff_at: 1763910600, queue_position: 1, ...over,
});

// what the hub says its states mean (handoff/states.py: GET /v1/agent/me, the hello frame)
const STATES = {
  statuses: ['bot', 'routing', 'queued', 'assigned', 'offline'],
  holds_agent: ['assigned'],
  handoff_open: ['assigned', 'offline', 'queued'],
  waiting: ['offline', 'queued'],
  claimable: ['offline', 'queued'],
  queue: 'queued',
  tickets: 'offline',
};

function baseRoutes(extra = {}) {
  return {
    'GET /v1/agent/me': { ...SERENA, states: STATES },
    'GET /v1/agent/conversations?status=queued': { conversations: [conv()] },
    'GET /v1/agent/conversations?status=assigned': { conversations: [] },
    'GET /v1/agent/conversations?status=resolved': { conversations: [] },
    'GET /v1/agent/conversations?status=offline': { conversations: [] },
    'GET /v1/agent/canned': { canned: [{ id: 'utter_canned_checking', title: 'checking', text: 'Un attimo che verifico subito.' }] },
    ...extra,
  };
}

test('login: a refusal says so; success stores the session and opens the app', async () => {
  const { doc, win, calls } = page({
    loggedIn: false,
    routes: { ...baseRoutes(), 'POST /v1/agent/login': (b) => (b.password === 'giusta' ? { token: 'tok2', expires_at: 9999999999, agent: SERENA } : [401, { error: 'invalid_credentials' }]) },
  });
  const email = doc.getElementById('login-email');
  const password = doc.getElementById('login-password');
  const form = doc.querySelector('form.c-login');
  email.value = 'serena@sportello.example';
  password.value = 'sbagliata';
  form.dispatch('submit');
  await tick();
  assert.equal(doc.getElementById('login-error').textContent, 'E-mail o password non corrette.');
  assert.equal(calls[0].auth, undefined, 'login carries no token');
  password.value = 'giusta';
  form.dispatch('submit');
  await tick();
  assert.ok(doc.querySelector('.c-top'), 'the app is shown');
  assert.equal(JSON.parse(win.sessionStorage.getItem(AUTH_KEY)).token, 'tok2');
  assert.equal(FakeWebSocket.last().url, 'wss://hub.example/v1/agent/stream?token=tok2');
});

test('lists come from the hub with its labels; a new queued conversation is a cue', async () => {
  const { doc } = page({ routes: baseRoutes() });
  await tick();
  const item = doc.querySelector('.c-item');
  assert.equal(item.getAttribute('data-conversation-id'), 'c1');
  assert.match(item.textContent, /Luca Bianchi/);
  assert.match(item.textContent, /Merce danneggiata/);
  assert.match(doc.getElementById('tab-queue').textContent, /In coda 1/);
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'queue', items: [conv(), conv({ id: 'c2', customer_name: null, queue_position: 2, priority: 'high' })] });
  assert.equal(doc.title, '(1) Nuova conversazione — Sportello — Console operatori');
  const second = doc.querySelectorAll('.c-item')[1];
  assert.match(second.textContent, /Cliente senza nome/);
  assert.match(second.textContent, /Priorità alta/);
});

test('opening a conversation shows the case card, order, history and transcript once', async () => {
  const detail = {
    conversation: conv({ status: 'assigned', agent: { id: 'ag_s', name: 'Serena' } }),
    case_card: { problem_type: 'item_damaged', problem_label: 'Merce danneggiata', order_number: '2345678', customer_words: 'tavolo rotto', order: { number: '2345678', status: 'delivered' } },
    transcript: [
      { id: '1763910600000-0', type: 'message', from: 'customer', text: 'tavolo rotto' },
      { id: '1763910601000-0', type: 'message', from: 'bot', text: 'Mi dispiace' },
    ],
    notes: [],
    history: [
      { conversation_id: 'old', ticket_id: 'TAAAA2222', created_at: 1763000000, state: 'resolved', problem_type: 'missing_parts', problem_label: 'Pezzi mancanti',
        order_number: '1234567', agent: { id: 'ag_m', name: 'Marco' }, rating: 4, outcome: 'replacement', conversations: 2 },
    ],
  };
  const { doc } = page({ routes: baseRoutes({ 'GET /v1/agent/conversations/c1': detail }) });
  await tick();
  doc.querySelector('.c-item').click();
  await tick();
  assert.match(doc.querySelector('.c-case').textContent, /Merce danneggiata/);
  assert.match(doc.querySelector('.c-dontask').textContent, /numero d’ordine, problema/);
  assert.match(doc.querySelector('.c-order').textContent, /Consegnato/);
  const entry = doc.querySelector('.c-history-entry');
  assert.equal(entry.getAttribute('data-conversation-id'), 'old');
  assert.match(entry.textContent, /Pezzi mancanti.*Ordine 1234567.*Risolta · Sostituzione inviata · Valutazione 4\/5 · 2 conversazioni/);
  assert.equal(doc.querySelectorAll('.c-entry').length, 2);
  // the same event again over the socket is not shown twice; a new one is
  const ws = FakeWebSocket.last();
  ws.serverSend({ type: 'event', conversation_id: 'c1', event: detail.transcript[1] });
  ws.serverSend({ type: 'event', conversation_id: 'c1', event: { id: '1763910602000-0', type: 'message', from: 'customer', text: 'ci sei?' } });
  ws.serverSend({ type: 'event', conversation_id: 'other', event: { id: '1763910603000-0', type: 'message', from: 'customer', text: 'altro' } });
  assert.deepEqual(doc.querySelectorAll('.c-entry').map((e) => e.classList.list()[1]), ['c-entry--customer', 'c-entry--bot', 'c-entry--customer']);
});

test('a reply shows at once, is replaced by the stored message, and is kept when the hub refuses', async () => {
  let refuse = false;
  const detail = { conversation: conv({ status: 'assigned', agent: { id: 'ag_s', name: 'Serena' } }), case_card: {}, transcript: [], notes: [], history: {} };
  const { doc, calls } = page({
    routes: baseRoutes({
      'GET /v1/agent/conversations/c1': detail,
      'POST /v1/agent/conversations/c1/messages': (b) => (refuse ? [409, { error: 'not_assigned' }] : [201, { type: 'ack', client_id: b.client_id, id: '1763910700000-0' }]),
      'POST /v1/agent/conversations/c1/notes': (b) => [201, { note: { text: b.text, agent: { id: 'ag_s', name: 'Serena' }, ts: 1763910710 } }],
    }),
  });
  await tick();
  doc.querySelector('.c-item').click();
  await tick();
  const box = doc.getElementById('c-reply');
  box.value = 'Le spediamo il ricambio';
  doc.querySelector('form.c-composer').dispatch('submit');
  await tick();
  const sent = calls.find((c) => c.path.endsWith('/messages'));
  assert.equal(sent.body.text, 'Le spediamo il ricambio');
  assert.equal(doc.querySelectorAll('.c-entry--pending').length, 1);
  FakeWebSocket.last().serverSend({ type: 'event', conversation_id: 'c1', event: { id: '1763910700000-0', type: 'message', from: 'agent', agent: { name: 'Serena' }, text: 'Le spediamo il ricambio', client_id: sent.body.client_id } });
  assert.equal(doc.querySelectorAll('.c-entry--pending').length, 0);
  assert.equal(doc.querySelectorAll('.c-entry--agent').length, 1);
  refuse = true;
  box.value = 'secondo';
  doc.querySelector('form.c-composer').dispatch('submit');
  await tick();
  assert.equal(box.value, 'secondo', 'the text is kept for another try');
  assert.equal(doc.querySelector('form.c-composer').querySelector('p.c-error').textContent, 'Messaggio non inviato: riprova.');
  assert.equal(doc.querySelectorAll('.c-entry--pending').length, 0);
  // a note: shown once although it also comes back over the socket
  doc.getElementById('c-note-mode').checked = true;
  doc.getElementById('c-note-mode').dispatch('change');
  box.value = 'cliente gentile';
  doc.querySelector('form.c-composer').dispatch('submit');
  await tick();
  FakeWebSocket.last().serverSend({ type: 'note', conversation_id: 'c1', note: { text: 'cliente gentile', agent: { id: 'ag_s', name: 'Serena' }, ts: 1763910710 } });
  assert.equal(doc.querySelectorAll('.c-entry--note').length, 1);
});

test('claim, then the two-step resolve; replying is only possible on your own conversation', async () => {
  let status = 'queued';
  const detail = () => ({
    conversation: conv(status === 'assigned' ? { status, agent: { id: 'ag_s', name: 'Serena' } } : { status }),
    case_card: {},
    transcript: [],
    notes: [],
    history: {},
  });
  const { doc, timers, calls } = page({
    routes: baseRoutes({
      'GET /v1/agent/conversations/c1': () => detail(),
      'POST /v1/agent/conversations/c1/claim': () => ((status = 'assigned'), { conversation: detail().conversation }),
      'POST /v1/agent/conversations/c1/resolve': () => ((status = 'bot'), { conversation: detail().conversation }),
    }),
  });
  await tick();
  doc.querySelector('.c-item').click();
  await tick();
  const submit = () => doc.querySelector('form.c-composer').querySelector('button[type=submit]');
  assert.equal(submit().disabled, true, 'not yours: no reply');
  doc.querySelector('[data-action="claim"]').click();
  await tick(10);
  assert.equal(doc.querySelector('.c-feedback').textContent, 'Conversazione presa in carico.');
  assert.equal(submit().disabled, false);
  const resolve = doc.querySelector('[data-action="resolve"]');
  resolve.click();
  assert.equal(resolve.textContent, 'Conferma: risolvi');
  assert.equal(calls.filter((c) => c.path.endsWith('/resolve')).length, 0, 'the first click only asks');
  assert.equal(doc.getElementById('c-confirm').hidden, false, 'it asks how the case ended');
  timers.advance(30000);
  assert.equal(resolve.textContent, 'Risolvi', 'the question goes away');
  assert.equal(doc.getElementById('c-confirm').hidden, true);
  resolve.click();
  resolve.click();
  await tick(10);
  assert.equal(calls.filter((c) => c.path.endsWith('/resolve')).length, 1);
  assert.equal(doc.querySelector('.c-feedback').textContent, 'Conversazione risolta.');
});

test('transfer lists the other agents (full or offline ones cannot be picked) and sends the note', async () => {
  const detail = { conversation: conv({ status: 'assigned', agent: { id: 'ag_s', name: 'Serena' } }), case_card: {}, transcript: [], notes: [], history: {} };
  const { doc, calls } = page({
    routes: baseRoutes({
      'GET /v1/agent/conversations/c1': detail,
      'GET /v1/agent/agents': {
        agents: [
          { ...SERENA, presence: 'online', capacity: 3, load: 1 },
          { id: 'ag_m', name: 'Marco', presence: 'online', capacity: 3, load: 1 },
          { id: 'ag_g', name: 'Giulia', presence: 'online', capacity: 2, load: 2 },
          { id: 'ag_p', name: 'Paolo', presence: 'offline', capacity: 3, load: 0 },
        ],
      },
      'POST /v1/agent/conversations/c1/transfer': { conversation: detail.conversation },
    }),
  });
  await tick();
  doc.querySelector('.c-item').click();
  await tick();
  doc.querySelector('[data-action="transfer"]').click();
  await tick();
  const options = doc.getElementById('c-transfer-agent').querySelectorAll('option');
  assert.deepEqual(options.map((o) => [o.textContent, o.hasAttribute('disabled')]), [
    ['Marco (Disponibile)', false],
    ['Giulia (Disponibile) — al completo', true],
    ['Paolo (Non in linea)', true],
  ]);
  doc.getElementById('c-transfer-agent').value = 'ag_m';
  doc.getElementById('c-transfer-note').value = '  spedire ricambio ';
  doc.querySelector('.c-transfer-form').dispatch('submit');
  await tick(10);
  assert.deepEqual(calls.find((c) => c.path.endsWith('/transfer')).body, { agent_id: 'ag_m', note: 'spedire ricambio' });
  assert.equal(doc.querySelector('.c-feedback').textContent, 'Conversazione trasferita a Marco.');
  assert.equal(doc.getElementById('c-transfer').hidden, true);
});

test('an expired session (401 anywhere, or the socket closed with 4401) goes back to the login', async () => {
  const { doc, win } = page({ routes: baseRoutes() });
  await tick();
  FakeWebSocket.last().serverClose(4401);
  assert.ok(doc.getElementById('login-email'));
  assert.equal(doc.getElementById('login-error').textContent, 'La sessione è scaduta: accedi di nuovo.');
  assert.equal(win.sessionStorage.getItem(AUTH_KEY), null);
});

test('resolving sends the last event seen; a message the agent has not seen stops it and is shown', async () => {
  const transcript = [{ id: '1763910600000-0', type: 'message', from: 'customer', text: 'tavolo rotto' }];
  const detail = () => ({ conversation: conv({ status: 'assigned', agent: { id: 'ag_s', name: 'Serena' } }), case_card: {}, transcript, notes: [], history: {} });
  const { doc, calls } = page({
    routes: baseRoutes({
      'GET /v1/agent/conversations/c1': () => detail(),
      'POST /v1/agent/conversations/c1/resolve': (b) => {
        transcript.push({ id: '1763910700000-0', type: 'message', from: 'customer', text: 'aspetta, un\'altra cosa' });
        return [409, { error: 'unseen_message', message: 'the customer has written since' }];
      },
    }),
  });
  await tick();
  doc.querySelector('.c-item').click();
  await tick();
  const resolve = doc.querySelector('[data-action="resolve"]');
  resolve.click();
  resolve.click();
  await tick(10);
  assert.deepEqual(calls.find((c) => c.path.endsWith('/resolve')).body, { after: '1763910600000-0', outcome: 'solved' });
  assert.equal(doc.querySelector('.c-feedback').textContent, 'Il cliente ha appena scritto: leggi il messaggio prima di risolvere.');
  assert.match(doc.querySelector('.c-transcript').textContent, /un'altra cosa/);
});

// ---------------------------------------------------------------- attention, one case, resolve, ratings

const NOW_S = Date.now() / 1000;
const mineConv = (over = {}) => conv({ status: 'assigned', agent: { id: 'ag_s', name: 'Serena' }, queue_position: null, customer_count: 0, read: 0, unread: 0, waiting_since: null, ...over });
const detailOf = (c, over = {}) => ({ conversation: c, case_card: {}, transcript: [], earlier: [], notes: [], history: [], ...over });
const customerSays = (cid, n, text) => ({ type: 'event', conversation_id: cid, event: { id: `${Date.now()}-${n}`, type: 'message', from: 'customer', text } });
const reads = (calls, cid) => calls.filter((c) => c.method === 'POST' && c.path === `/v1/agent/conversations/${cid}/read`).length;
const item = (doc, cid) => doc.querySelectorAll('.c-item').find((e) => e.getAttribute('data-conversation-id') === cid);
const badge = (doc, cid) => {
  const el = item(doc, cid);
  return el && el.querySelector('.c-unread') ? el.querySelector('.c-unread').textContent : null;
};

function twoMine(extra = {}) {
  const c1 = mineConv({ id: 'c1', customer_name: 'Luca Bianchi' });
  const c2 = mineConv({ id: 'c2', customer_name: 'Anna Verdi', customer_count: 2, read: 1, unread: 1 });
  return baseRoutes({
    'GET /v1/agent/conversations?status=queued': { conversations: [] },
    'GET /v1/agent/conversations?status=assigned': { conversations: [c1, c2] },
    'GET /v1/agent/conversations/c1': detailOf(c1),
    'GET /v1/agent/conversations/c2': detailOf(c2),
    'POST /v1/agent/conversations/c1/read': { conversation_id: 'c1', unread: 0 },
    'POST /v1/agent/conversations/c2/read': { conversation_id: 'c2', unread: 0 },
    ...extra,
  });
}

test('unread: badges from the hub, a message elsewhere is a badge and a cue, opening reads it', async () => {
  const { doc, win, calls } = page({ routes: twoMine() });
  await tick();
  doc.getElementById('tab-mine').click();
  assert.equal(badge(doc, 'c2'), '1', 'the hub\'s unread count');
  assert.equal(item(doc, 'c2').querySelector('.c-unread').getAttribute('aria-label'), '1 messaggio non letto');
  assert.match(doc.getElementById('tab-mine').textContent, /con messaggi non letti/);
  item(doc, 'c1').click();
  await tick();
  assert.equal(reads(calls, 'c1'), 1, 'opening a conversation reads it');
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  // a customer message in another conversation
  ws.serverSend(customerSays('c2', 1, 'ci siete?'));
  assert.equal(badge(doc, 'c2'), '2');
  assert.equal(item(doc, 'c2').querySelector('.c-item-preview').textContent, 'Cliente: ci siete?');
  assert.equal(doc.title, '(1) Nuovo messaggio — Sportello — Console operatori');
  assert.equal(doc.querySelector('.c-live').textContent, 'Nuovo messaggio da Anna Verdi');
  // in the open conversation, the console focused: read at once
  ws.serverSend(customerSays('c1', 2, 'eccomi'));
  assert.equal(reads(calls, 'c1'), 2);
  assert.equal(badge(doc, 'c1'), null);
  // …not while the agent is in another window: a badge, read when they come back
  doc.hasFocus = () => false;
  ws.serverSend(customerSays('c1', 3, 'pronto?'));
  assert.equal(badge(doc, 'c1'), '1');
  assert.equal(doc.title, '(2) Nuovo messaggio — Sportello — Console operatori');
  doc.hasFocus = () => true;
  win.fire('focus');
  assert.equal(reads(calls, 'c1'), 3);
  assert.equal(badge(doc, 'c1'), null);
  assert.equal(doc.title, '(1) Nuovo messaggio — Sportello — Console operatori');
  item(doc, 'c2').click();
  await tick();
  assert.equal(reads(calls, 'c2'), 1);
  assert.equal(badge(doc, 'c2'), null);
  assert.equal(doc.title, 'Sportello — Console operatori');
});

test('lists: high priority first, then the longest wait; waits coloured against the hub\'s targets', async () => {
  const routes = baseRoutes({
    'GET /v1/agent/conversations?status=queued': { conversations: [] },
    'GET /v1/agent/conversations?status=assigned': {
      conversations: [
        mineConv({ id: 'a', waiting_since: NOW_S - 100 }),
        mineConv({ id: 'answered', waiting_since: null }),
        mineConv({ id: 'c', waiting_since: NOW_S - 200 }),
        mineConv({ id: 'high', priority: 'high', waiting_since: NOW_S - 5 }),
      ],
    },
    'GET /v1/agent/me': { ...SERENA, states: STATES, reply_targets: { amber: 60, red: 150 } },
  });
  const { doc } = page({ routes });
  await tick();
  doc.getElementById('tab-mine').click();
  assert.deepEqual(doc.querySelectorAll('.c-item').map((e) => e.getAttribute('data-conversation-id')), ['high', 'c', 'a', 'answered']);
  const wait = (cid) => item(doc, cid).querySelector('.c-wait');
  assert.deepEqual(['high', 'c', 'a'].map((cid) => wait(cid).className), ['c-wait c-wait--ok', 'c-wait c-wait--red', 'c-wait c-wait--amber']);
  assert.equal(wait('answered'), null, 'nobody waits: no wait shown');
  assert.equal(wait('c').textContent, 'in attesa da 3 min');
  // the hello frame's targets win
  FakeWebSocket.last().serverSend({ type: 'hello', presence: 'online', reply_targets: { amber: 300, red: 600 } });
  assert.equal(wait('c').className, 'c-wait c-wait--ok');
});

test('the customer came back from a new chat: the open conversation moves on and says so', async () => {
  const old = mineConv({ id: 'c1', customer_name: 'Luca Bianchi' });
  const now = mineConv({ id: 'c9', customer_name: 'Luca Bianchi' });
  let merged = false;
  const earlier = [{ conversation_id: 'c1', created_at: new Date(2026, 10, 20, 10, 15).getTime() / 1000,
    transcript: [{ id: '1763910600000-0', type: 'message', from: 'customer', text: 'tavolo rotto' }, { id: '1763910601000-0', type: 'message', from: 'bot', text: 'Mi dispiace' }] }];
  const routes = baseRoutes({
    'GET /v1/agent/conversations?status=assigned': () => ({ conversations: merged ? [now] : [old] }),
    'GET /v1/agent/conversations/c1': detailOf(old),
    'GET /v1/agent/conversations/c9': detailOf(now, {
      transcript: [{ id: '1763910900000-0', type: 'message', from: 'customer', text: 'sono io di nuovo' }],
      earlier,
    }),
    'POST /v1/agent/conversations/c1/read': {},
    'POST /v1/agent/conversations/c9/read': {},
  });
  const { doc, timers } = page({ routes });
  await tick();
  doc.getElementById('tab-mine').click();
  item(doc, 'c1').click();
  await tick();
  merged = true;
  FakeWebSocket.last().serverSend({ type: 'merged', conversation_id: 'c1', into: 'c9' });
  await tick(10);
  timers.advance(300); // the lists are asked again
  await tick(10);
  assert.equal(doc.querySelector('.c-feedback').textContent, 'Il cliente è tornato con una nuova chat: il caso continua qui.');
  assert.deepEqual(doc.querySelectorAll('.c-item').map((e) => e.getAttribute('data-conversation-id')), ['c9'], 'one case, one item');
  assert.ok(item(doc, 'c9').classList.contains('c-item--selected'));
  // the earlier conversation inline, closed, before this one
  const group = doc.querySelector('.c-earlier-group');
  assert.equal(group.tagName, 'DETAILS');
  assert.equal(group.hasAttribute('open'), false);
  assert.equal(group.querySelector('summary').textContent, 'Conversazione precedente del 20/11/2026, 10:15 · 2 messaggi');
  assert.deepEqual(group.querySelectorAll('.c-entry').map((e) => e.textContent.includes('tavolo rotto')), [true, false]);
  const wrap = doc.querySelector('.c-transcript-wrap');
  assert.deepEqual(wrap.children.map((e) => e.className), ['c-earlier', 'c-transcript', 'c-typing']);
  assert.equal(doc.querySelector('.c-transcript').querySelectorAll('.c-entry').length, 1, 'the current chat apart');
  // the confirmation goes away by itself
  timers.advance(5000);
  assert.equal(doc.querySelector('.c-feedback').textContent, '');
});

test('a low rating alerts the agent: title, announcement, the item marked, the rating in the header', async () => {
  let rating = null;
  const done = () => conv({ id: 'r1', status: 'bot', resolved_at: NOW_S - 60, customer_name: 'Anna Verdi', rating, outcome: 'refund', queue_position: null });
  const routes = baseRoutes({
    'GET /v1/agent/conversations?status=resolved': () => ({ conversations: [done()] }),
    'GET /v1/agent/conversations/r1': () => detailOf(done()),
    'POST /v1/agent/conversations/r1/read': {},
  });
  const { doc, timers } = page({ routes });
  await tick();
  doc.getElementById('tab-resolved').click();
  item(doc, 'r1').click();
  await tick();
  assert.equal(doc.querySelector('.c-status').textContent, 'Risolta');
  assert.equal(doc.querySelector('.c-composer-state').textContent.trim(), 'Conversazione risolta. Se il cliente scrive di nuovo, tornerà qui.');
  rating = 2;
  FakeWebSocket.last().serverSend({ type: 'rating', conversation_id: 'r1', rating: 2, low: true });
  await tick();
  assert.equal(doc.title, '(1) Valutazione bassa — Sportello — Console operatori');
  assert.equal(doc.querySelector('.c-live').textContent, 'Valutazione bassa (2/5) da Anna Verdi');
  const marked = item(doc, 'r1');
  assert.ok(marked.classList.contains('c-item--alert'));
  assert.match(marked.textContent, /Valutazione bassa/);
  assert.match(marked.textContent, /Valutazione 2\/5/);
  timers.advance(300);
  await tick(10);
  assert.equal(doc.querySelector('.c-conv-head').querySelector('.c-rating').textContent, 'Valutazione 2/5');
  // a good rating is no alert
  FakeWebSocket.last().serverSend({ type: 'rating', conversation_id: 'r1', rating: 5, low: false });
  await tick();
  assert.equal(doc.title, '(1) Valutazione bassa — Sportello — Console operatori');
});

test('resolving asks how it ended and warns while the customer waits for an answer', async () => {
  const c = mineConv({ id: 'c1' });
  const transcript = [
    { id: '1763910600000-0', type: 'message', from: 'customer', text: 'tavolo rotto' },
    { id: '1763910601000-0', type: 'message', from: 'bot', text: 'Ti passo a Serena' },
  ];
  const { doc, calls } = page({
    routes: baseRoutes({
      'GET /v1/agent/conversations?status=assigned': { conversations: [c] },
      'GET /v1/agent/conversations/c1': () => detailOf(c, { transcript }),
      'POST /v1/agent/conversations/c1/read': {},
      'POST /v1/agent/conversations/c1/resolve': { conversation: c },
    }),
  });
  await tick();
  doc.getElementById('tab-mine').click();
  item(doc, 'c1').click();
  await tick();
  const resolve = doc.querySelector('[data-action="resolve"]');
  resolve.click();
  const warning = doc.querySelector('.c-resolve-warning');
  assert.equal(warning.hidden, false);
  assert.equal(warning.textContent, 'Il cliente aspetta ancora una risposta');
  assert.equal(resolve.getAttribute('aria-expanded'), 'true');
  assert.deepEqual(doc.getElementById('c-confirm').querySelectorAll('label.c-choice').map((l) => l.textContent.trim()), [
    'Problema risolto', 'Sostituzione inviata', 'Rimborso', 'Nessuna risposta dal cliente',
  ]);
  // an answer from the agent arrives: no more warning
  FakeWebSocket.last().serverSend({ type: 'event', conversation_id: 'c1', event: { id: '1763910700000-0', type: 'message', from: 'agent', agent: { name: 'Serena' }, text: 'eccomi' } });
  assert.equal(warning.hidden, true);
  doc.getElementById('c-outcome-refund').dispatch('change');
  resolve.click();
  await tick(10);
  assert.deepEqual(calls.find((x) => x.path.endsWith('/resolve')).body, { after: '1763910700000-0', outcome: 'refund' });
  assert.equal(doc.getElementById('c-confirm').hidden, true);
  // Escape or "Annulla" take the question back
  const again = doc.querySelector('[data-action="resolve"]');
  again.click();
  doc.getElementById('c-confirm').dispatch('keydown', { key: 'Escape' });
  assert.equal(again.textContent, 'Risolvi');
  assert.equal(doc.activeElement, again);
});

test('transfer: a reason for the customer besides the internal note; Escape closes and gives focus back', async () => {
  const c = mineConv({ id: 'c1' });
  const { doc, calls } = page({
    routes: baseRoutes({
      'GET /v1/agent/conversations?status=assigned': { conversations: [c] },
      'GET /v1/agent/conversations/c1': detailOf(c),
      'POST /v1/agent/conversations/c1/read': {},
      'GET /v1/agent/agents': { agents: [{ id: 'ag_m', name: 'Marco', presence: 'online', capacity: 3, load: 0 }] },
      'POST /v1/agent/conversations/c1/transfer': { conversation: c },
    }),
  });
  await tick();
  doc.getElementById('tab-mine').click();
  item(doc, 'c1').click();
  await tick();
  const button = doc.querySelector('[data-action="transfer"]');
  button.click();
  await tick();
  const popover = doc.getElementById('c-transfer');
  assert.equal(popover.hidden, false);
  assert.equal(button.getAttribute('aria-expanded'), 'true');
  assert.equal(doc.activeElement, doc.getElementById('c-transfer-agent'));
  assert.match(popover.textContent, /Motivo per il cliente/);
  assert.match(popover.textContent, /Nota interna per il collega/);
  popover.dispatch('keydown', { key: 'Escape' });
  assert.equal(popover.hidden, true);
  assert.equal(button.getAttribute('aria-expanded'), 'false');
  assert.equal(doc.activeElement, button);
  button.click();
  await tick();
  assert.equal(doc.getElementById('c-transfer-agent').querySelector('option').getAttribute('selected'), '', 'the first one free is picked');
  doc.getElementById('c-transfer-agent').value = 'ag_m';
  doc.getElementById('c-transfer-reason').value = ' segue lui i rimborsi ';
  doc.getElementById('c-transfer-note').value = 'ha già il codice';
  doc.querySelector('.c-transfer-form').dispatch('submit');
  await tick(10);
  assert.deepEqual(calls.find((x) => x.path.endsWith('/transfer')).body, { agent_id: 'ag_m', note: 'ha già il codice', reason: 'segue lui i rimborsi' });
});

test('the case card: compact, collapsible (remembered), the same words once; notes carry a drawn lock', async () => {
  const storage = new MemoryStorage();
  const c = mineConv({ id: 'c1' });
  const words = 'Il tavolo che ho ordinato è arrivato danneggiato';
  const detail = detailOf(c, {
    case_card: { problem_type: 'item_damaged', problem_label: 'Merce danneggiata', order_number: '2345678', customer_words: words, description: words },
    notes: [{ text: 'richiamare', agent: { id: 'ag_s', name: 'Serena' }, ts: 1763910000 }],
  });
  const routes = baseRoutes({
    'GET /v1/agent/conversations?status=assigned': { conversations: [c] },
    'GET /v1/agent/conversations/c1': detail,
    'POST /v1/agent/conversations/c1/read': {},
  });
  const first = page({ routes, storage });
  await tick();
  first.doc.getElementById('tab-mine').click();
  item(first.doc, 'c1').click();
  await tick();
  const card = () => first.doc.querySelector('.c-case');
  assert.equal(card().textContent.split(words).length - 1, 1, 'the story once');
  const toggle = card().querySelector('.c-case-toggle');
  assert.equal(toggle.getAttribute('aria-expanded'), 'true');
  toggle.click();
  assert.equal(card().querySelector('.c-case-body').hidden, true);
  assert.equal(card().querySelector('.c-case-summary').textContent, 'Merce danneggiata · Ordine 2345678');
  assert.equal(storage.getItem('sportello-console:case-collapsed'), '1');
  // the next page remembers
  const second = page({ routes, storage });
  await tick();
  second.doc.getElementById('tab-mine').click();
  item(second.doc, 'c1').click();
  await tick();
  assert.equal(second.doc.querySelector('.c-case-body').hidden, true);
  const who = second.doc.querySelector('.c-entry--note').querySelector('.c-who');
  assert.equal(who.children[0].tagName, 'SVG');
  assert.equal(who.children[0].getAttribute('aria-hidden'), 'true');
  assert.equal(who.textContent, ' Nota interna di Serena');
});

test('what a conversation one cannot answer says: claim it, a colleague has it, resolved, or gone on in a newer chat', async () => {
  const cases = {
    q: conv({ id: 'q', status: 'queued' }),
    o: conv({ id: 'o', status: 'assigned', agent: { id: 'ag_m', name: 'Marco' }, queue_position: null }),
    m: conv({ id: 'm', status: 'bot', merged_into: 'q', queue_position: null }),
  };
  const routes = baseRoutes(Object.fromEntries(Object.entries(cases).flatMap(([k, c]) => [[`GET /v1/agent/conversations/${k}`, detailOf(c)], [`POST /v1/agent/conversations/${k}/read`, {}]])));
  const { doc, console: app } = page({ routes });
  await tick();
  const state = () => doc.querySelector('.c-composer-state').textContent.trim();
  await app.openConversation('q');
  assert.equal(state(), 'Per rispondere prendi in carico la conversazione.');
  assert.ok(doc.querySelector('[data-action="claim"]'), 'with the button to do it');
  await app.openConversation('o');
  assert.equal(state(), 'La segue Marco: puoi leggere, non rispondere.');
  await app.openConversation('m');
  assert.match(state(), /^Il cliente ha continuato in una chat più recente\./);
  assert.equal(doc.querySelector('.c-status').textContent, 'Continua in una chat più recente');
  doc.querySelector('.c-composer-state').querySelector('button').click();
  await tick();
  assert.equal(app.current.id, 'q');
});

test('history: one button per case, in Italian, opening its conversation', async () => {
  const c = mineConv({ id: 'c1' });
  const routes = baseRoutes({
    'GET /v1/agent/conversations/c1': detailOf(c, {
      history: [
        { conversation_id: 'h2', ticket_id: 'T2', created_at: 1763000000, state: 'with_agent', agent: { id: 'ag_m', name: 'Marco' }, problem_label: 'Pezzi mancanti', conversations: 1 },
        { conversation_id: 'h1', ticket_id: 'T1', created_at: 1762000000, state: 'resolved', problem_label: 'Reso', outcome: 'no_reply', rating: 5, conversations: 3 },
      ],
    }),
    'GET /v1/agent/conversations/h1': detailOf(conv({ id: 'h1', status: 'bot', queue_position: null })),
    'POST /v1/agent/conversations/c1/read': {},
    'POST /v1/agent/conversations/h1/read': {},
  });
  const { doc, console: app } = page({ routes });
  await tick();
  await app.openConversation('c1');
  const entries = doc.querySelectorAll('.c-history-entry');
  assert.deepEqual(entries.map((e) => e.querySelector('.c-history-details').textContent), [
    'Con Marco',
    'Risolta · Nessuna risposta dal cliente · Valutazione 5/5 · 3 conversazioni',
  ]);
  assert.equal(entries[0].tagName, 'BUTTON');
  entries[1].click();
  await tick();
  assert.equal(app.current.id, 'h1');
});

test('the sound switch in the header is remembered', async () => {
  const storage = new MemoryStorage();
  const { doc } = page({ routes: baseRoutes(), storage });
  await tick();
  const sound = doc.querySelector('.c-sound');
  assert.equal(sound.textContent, 'Suono');
  assert.equal(sound.getAttribute('aria-pressed'), 'true');
  sound.click();
  assert.equal(sound.getAttribute('aria-pressed'), 'false');
  assert.equal(storage.getItem('sportello-console:sound'), 'off');
  const again = page({ routes: baseRoutes(), storage });
  await tick();
  assert.equal(again.doc.querySelector('.c-sound').getAttribute('aria-pressed'), 'false');
});

test('tickets: taken from their list, the reply goes by e-mail (said above the composer), kept open or flagged overdue', async () => {
  let status = 'offline';
  let overdue = false;
  const ticket = () =>
    conv({
      id: 't1', status, queue_position: null, customer_name: 'Marta Neri', email: 'marta@example.it', ticket_id: 'SP-7',
      agent: status === 'assigned' ? { id: 'ag_s', name: 'Serena' } : null, waiting_since: NOW_S - 3600, customer_count: 1,
      handoff_at: NOW_S - 3600, ...(status === 'offline' ? { reply_by: NOW_S + 3600 * 23, overdue } : { reply_channel: 'email', customer_online: false }),
    });
  const routes = baseRoutes({
    'GET /v1/agent/conversations?status=offline': () => ({ conversations: status === 'offline' ? [ticket()] : [] }),
    'GET /v1/agent/conversations?status=assigned': () => ({ conversations: status === 'assigned' ? [ticket()] : [] }),
    'GET /v1/agent/conversations/t1': () => detailOf(ticket()),
    'POST /v1/agent/conversations/t1/read': {},
    'POST /v1/agent/conversations/t1/claim': () => ((status = 'assigned'), { conversation: ticket() }),
    'POST /v1/agent/conversations/t1/release': () => ((status = 'offline'), { conversation: ticket() }),
  });
  const { doc, calls, timers } = page({ routes });
  await tick();
  doc.getElementById('tab-offline').click();
  await tick();
  assert.match(item(doc, 't1').textContent, /Risposta entro 2[23] h/);
  item(doc, 't1').click();
  await tick();
  assert.equal(doc.querySelector('.c-mail-note').hidden, true, 'not taken: nothing to say about the reply yet');
  doc.querySelector('[data-action="claim"]').click();
  await tick(10);
  const note = doc.querySelector('.c-mail-note');
  assert.equal(note.hidden, false);
  assert.equal(note.textContent, 'Il cliente non è in chat: quello che scrivi gli arriva per e-mail a marta@example.it.');
  const release = doc.querySelector('[data-action="release"]');
  assert.equal(release.textContent, 'Lascia aperto');
  release.click();
  await tick(10);
  assert.equal(calls.filter((c) => c.path === '/v1/agent/conversations/t1/release').length, 1);
  assert.equal(doc.querySelector('.c-feedback').textContent, 'Il ticket resta aperto nella lista Ticket.');
  assert.equal(doc.querySelector('[data-action="claim"]').textContent, 'Prendi in carico', 'back in the list: it can be taken again');
  // past its promised time: every online console is told
  doc.getElementById('tab-offline').click();
  await tick();
  overdue = true;
  FakeWebSocket.last().serverSend({ type: 'ticket_overdue', conversation: ticket() });
  await tick();
  assert.equal(doc.title, '(1) Ticket scaduto — Sportello — Console operatori');
  assert.equal(doc.querySelector('.c-live').textContent, 'Ticket SP-7 oltre il tempo promesso: Marta Neri aspetta una risposta');
  assert.match(item(doc, 't1').textContent, /Oltre il tempo promesso/);
  timers.advance(300);
});

test('the header shows which content release is live, and follows a ship or a rollback', async () => {
  const shipped = Date.now() / 1000 - 6 * 86400; // six days ago, in seconds
  const routes = baseRoutes({ 'GET /v1/agent/me': { ...SERENA, states: STATES, reply_targets: { amber: 60, red: 180 }, content: { version: '20261124-0743-a1b2c3d', shipped_at: shipped, hash: 'a1b2c3d4' } } });
  const { doc } = page({ routes });
  await tick(10);
  const el = doc.querySelector('.c-content');
  assert.equal(el.hidden, false);
  assert.match(el.textContent, /^Contenuti a1b2c3d · \d\d\/\d\d\/\d{4}, \d\d:\d\d$/);
  assert.match(el.getAttribute('title'), /^Versione dei contenuti in linea: 20261124-0743-a1b2c3d, rilasciata /);
  FakeWebSocket.last().serverSend({ type: 'content', version: '20261124-0801-b2c3d4e', shipped_at: Date.now() / 1000, hash: 'b2c3d4e5' });
  await tick();
  assert.match(el.textContent, /^Contenuti b2c3d4e · \d\d:\d\d$/, 'today: the time only');
  FakeWebSocket.last().serverSend({ type: 'hello', presence: 'online', reply_targets: { amber: 60, red: 180 }, content: null });
  await tick();
  assert.equal(el.hidden, true, 'no release published: nothing to show');
});
