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
function page({ routes = {}, loggedIn = true } = {}) {
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

function baseRoutes(extra = {}) {
  return {
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
    history: { conversations: [{ conversation_id: 'old', created_at: 1763000000, problem_label: 'Pezzi mancanti', status: 'bot', ticket_id: 'TAAAA2222' }], tickets: [] },
  };
  const { doc } = page({ routes: baseRoutes({ 'GET /v1/agent/conversations/c1': detail }) });
  await tick();
  doc.querySelector('.c-item').click();
  await tick();
  assert.match(doc.querySelector('.c-case').textContent, /Merce danneggiata/);
  assert.match(doc.querySelector('.c-dontask').textContent, /numero d’ordine, problema/);
  assert.match(doc.querySelector('.c-order').textContent, /Consegnato/);
  assert.match(doc.querySelector('.c-history').textContent, /Pezzi mancanti · Ticket TAAAA2222/);
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
  timers.advance(6000);
  assert.equal(resolve.textContent, 'Risolvi', 'the question goes away');
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
  assert.deepEqual(calls.find((c) => c.path.endsWith('/resolve')).body, { after: '1763910600000-0' });
  assert.equal(doc.querySelector('.c-feedback').textContent, 'Il cliente ha appena scritto: leggi il messaggio prima di risolvere.');
  assert.match(doc.querySelector('.c-transcript').textContent, /un'altra cosa/);
});
