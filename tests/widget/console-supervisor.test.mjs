// The console's roles wired together (mount) with a DOM stand-in, a scripted hub and a fake socket:
// an editor's notice (no lists, no socket), an agent without the supervisor's entries, a supervisor's
// Squadra (table, add, edit, disable, password, errors in Italian) and Report (figures, drill-down,
// opening a conversation, the CSV), and reassigning a colleague's conversation.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount } from '../../handoff/static/console/js/app.js';
import { AUTH_KEY } from '../../handoff/static/console/js/session.js';
import { isoDate } from '../../handoff/static/console/js/figures.js';
import { FakeDocument } from './helpers/fakedom.mjs';
import { FakeWebSocket, ManualTimers, MemoryStorage, FakeWindow } from './helpers/fakes.mjs';

const tick = async (n = 8) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
const SERENA = { id: 'ag_s', name: 'Serena', email: 'serena@sportello.example', role: 'agent' };
const GIOVANNA = { id: 'ag_g', name: 'Giovanna', email: 'supervisore@sportello.example', role: 'supervisor' };
const PAOLO = { id: 'ag_p', name: 'Paolo', email: 'editor@sportello.example', role: 'editor' };
const STATES = {
  statuses: ['bot', 'routing', 'queued', 'assigned', 'offline'],
  holds_agent: ['assigned'],
  handoff_open: ['assigned', 'offline', 'queued'],
  waiting: ['offline', 'queued'],
  claimable: ['offline', 'queued'],
  queue: 'queued',
  tickets: 'offline',
};
const TEAM = [
  { ...SERENA, skills: ['item_damaged'], capacity: 3, gender: 'f', presence: 'online', load: 1, disabled: false },
  { id: 'ag_m', name: 'Marco', email: 'marco@sportello.example', role: 'agent', skills: [], capacity: 3, gender: 'm', presence: 'away', load: 0, disabled: false },
  { ...GIOVANNA, skills: [], capacity: 2, gender: 'f', presence: 'online', load: 0, disabled: false },
  { ...PAOLO, skills: [], capacity: 3, gender: 'm', presence: 'offline', load: 0, disabled: false },
];
const apps = [];

afterEach(() => {
  for (const app of apps.splice(0)) if (app.socket) app.socket.stop();
  FakeWebSocket.reset();
});

/** A hub answering from `routes` ("GET /v1/…" → body, [status, body] or (body, query) => either). */
function page({ routes = {}, who = SERENA, loggedIn = true } = {}) {
  const doc = new FakeDocument();
  const app = doc.createElement('div');
  app.id = 'app';
  doc.body.appendChild(app);
  const win = new FakeWindow();
  const timers = new ManualTimers();
  const calls = [];
  const downloads = [];
  class StubChart {
    static made = [];
    constructor(canvas, config) {
      this.canvas = canvas;
      this.config = config;
      StubChart.made.push(this);
    }
    destroy() {
      this.destroyed = true;
    }
  }
  Object.assign(win, {
    document: doc,
    location: { origin: 'https://hub.example' },
    sessionStorage: new MemoryStorage(),
    localStorage: new MemoryStorage(),
    crypto: globalThis.crypto,
    Chart: StubChart, // charts.js uses a loaded Chart.js as it is
    URL: { createObjectURL: (blob) => (downloads.push(blob), 'blob:hub/1'), revokeObjectURL: () => {} },
    setTimeout: timers.setTimeout.bind(timers),
    clearTimeout: timers.clearTimeout.bind(timers),
    setInterval: timers.setInterval.bind(timers),
    clearInterval: timers.clearInterval.bind(timers),
  });
  if (loggedIn) win.sessionStorage.setItem(AUTH_KEY, JSON.stringify({ token: 'tok', expires_at: Date.now() / 1000 + 3600, agent: who }));
  const fetchFn = async (url, init) => {
    const path = url.replace(/\?.*$/, '');
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const body = init.body ? JSON.parse(init.body) : undefined;
    calls.push({ method: init.method, path, query, body, auth: init.headers.Authorization });
    let answer = routes[`${init.method} ${path}${query ? `?${query}` : ''}`] ?? routes[`${init.method} ${path}`];
    if (typeof answer === 'function') answer = answer(body, query);
    const [status, data] = answer === undefined ? [404, { error: 'not_found' }] : Array.isArray(answer) ? answer : [200, answer];
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    return {
      status,
      ok: status < 300,
      text: async () => text,
      headers: { get: (name) => (name.toLowerCase() === 'content-disposition' && typeof data === 'string' ? 'attachment; filename="conversazioni-2026-12-07-2026-12-07.csv"' : null) },
    };
  };
  const console = mount({ doc, win, fetchFn, WebSocketImpl: FakeWebSocket });
  apps.push(console);
  return { doc, win, timers, calls, console, downloads, charts: StubChart.made };
}

function baseRoutes(me, extra = {}) {
  return {
    'GET /v1/agent/me': { ...me, states: STATES },
    'GET /v1/agent/conversations?status=queued': { conversations: [] },
    'GET /v1/agent/conversations?status=assigned': { conversations: [] },
    'GET /v1/agent/conversations?status=resolved': { conversations: [] },
    'GET /v1/agent/conversations?status=offline': { conversations: [] },
    'GET /v1/agent/canned': { canned: [] },
    'POST /v1/agent/logout': { status: 'signed_out' },
    ...extra,
  };
}

const texts = (nodes) => nodes.map((n) => n.textContent);

test('an editor sees the notice and a way out: no lists, no socket, no conversation call', async () => {
  const { doc, calls } = page({ who: PAOLO, routes: baseRoutes(PAOLO) });
  await tick();
  const notice = doc.querySelector('.c-editor-notice');
  assert.ok(notice, 'the notice is shown');
  assert.match(notice.textContent, /^Questa console è per le conversazioni con i clienti/);
  assert.match(notice.textContent, /Redattore dei contenuti/);
  assert.equal(doc.querySelector('.c-list'), null, 'no lists');
  assert.equal(doc.querySelector('.c-views'), null);
  assert.equal(FakeWebSocket.instances.length, 0, 'no socket (the hub would close it with 4401)');
  assert.deepEqual(calls.map((c) => `${c.method} ${c.path}`), ['GET /v1/agent/me'], 'only what an editor may call');
  assert.equal(doc.activeElement && doc.activeElement.id, 'c-editor-title');
  doc.getElementById('c-editor-logout').click();
  await tick();
  assert.ok(doc.getElementById('login-email'), 'back to the login');
  assert.equal(doc.getElementById('login-error').textContent, '', 'not as an error');
  assert.ok(calls.some((c) => c.method === 'POST' && c.path === '/v1/agent/logout' && c.auth === 'Bearer tok'), 'the hub signs the token out');
});

test('signing in as an editor goes straight to the notice', async () => {
  const { doc } = page({
    loggedIn: false,
    routes: baseRoutes(PAOLO, { 'POST /v1/agent/login': { token: 'tok-p', expires_at: 9999999999, agent: PAOLO } }),
  });
  doc.getElementById('login-email').value = PAOLO.email;
  doc.getElementById('login-password').value = 'sportello-demo';
  doc.querySelector('form.c-login').dispatch('submit');
  await tick();
  assert.ok(doc.querySelector('.c-editor-notice'));
  assert.equal(FakeWebSocket.instances.length, 0);
});

test('an agent has no Squadra or Report entries', async () => {
  const { doc, console: app } = page({ routes: baseRoutes(SERENA) });
  await tick();
  assert.ok(doc.querySelector('.c-list'));
  assert.equal(doc.querySelector('.c-views'), null);
  assert.equal(doc.getElementById('view-team'), null);
  app.showView('team'); // nor by any other way
  assert.equal(doc.getElementById('page-team'), null);
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('a session drawn for one role follows the role the hub says (GET /v1/agent/me)', async () => {
  const { doc } = page({ who: SERENA, routes: baseRoutes({ ...SERENA, role: 'supervisor' }) });
  await tick();
  assert.ok(doc.getElementById('view-team'), 'now a supervisor: the entries are there');
  const demoted = page({ who: GIOVANNA, routes: baseRoutes({ ...GIOVANNA, role: 'editor' }) });
  await tick();
  assert.ok(demoted.doc.querySelector('.c-editor-notice'));
  assert.ok(FakeWebSocket.instances.every((ws) => ws.closed || ws.url.includes('tok')), 'the socket of the page drawn first is closed');
});

function supervisorRoutes(extra = {}) {
  let team = TEAM.map((a) => ({ ...a }));
  return {
    routes: baseRoutes(GIOVANNA, {
      'GET /v1/supervisor/agents': () => ({ agents: team }),
      'GET /v1/agent/conversations?status=assigned&scope=all': {
        conversations: [{ id: 'c_serena_1234567', status: 'assigned', agent: { id: 'ag_s', name: 'Serena' }, customer_name: 'Luca Bianchi', problem_label: 'Merce danneggiata', handoff_at: Date.now() / 1000 - 300 }],
      },
      'POST /v1/supervisor/agents': (b) => {
        if (team.some((a) => a.email === b.email)) return [400, { error: 'invalid_agent', message: `an agent with e-mail ${b.email} already exists` }];
        const agent = { id: `ag_${team.length}`, skills: [], capacity: 3, gender: null, role: 'agent', ...b, presence: 'offline', load: 0, disabled: false };
        delete agent.password;
        team = [...team, agent];
        return [201, { agent }];
      },
      ...extra,
    }),
    team: () => team,
    setTeam: (t) => (team = t),
  };
}

test('a supervisor: the entries in the header; Squadra lists every account with presence and load', async () => {
  const { routes } = supervisorRoutes();
  const { doc, calls, timers } = page({ who: GIOVANNA, routes });
  await tick();
  const entries = doc.querySelectorAll('.c-view-btn');
  assert.deepEqual(texts(entries), ['Conversazioni', 'Squadra', 'Report']);
  assert.equal(doc.getElementById('view-console').getAttribute('aria-current'), 'page');
  doc.getElementById('view-team').click();
  await tick();
  assert.equal(doc.getElementById('page-console').hidden, true, 'the conversations are hidden, not gone');
  assert.equal(doc.getElementById('view-team').getAttribute('aria-current'), 'page');
  assert.equal(doc.activeElement.id, 'team-title');
  const rows = doc.getElementById('team-table').querySelectorAll('tr[data-agent-id]');
  const cells = (row) => row.children.map((c) => c.textContent);
  const byName = Object.fromEntries(rows.map((r) => [r.children[0].textContent, cells(r)]));
  assert.deepEqual(Object.keys(byName), ['Giovanna (tu)', 'Marco', 'Serena', 'Paolo']);
  assert.deepEqual(byName.Serena.slice(0, 8), ['Serena', 'serena@sportello.example', 'Operatore', 'item_damaged', '3', 'In linea', '1 / 3', 'Attivo']);
  assert.deepEqual(byName.Marco.slice(3, 7), ['Tutti i problemi', '3', 'Assente', '0 / 3']);
  assert.deepEqual(byName.Paolo.slice(2, 7), ['Redattore dei contenuti', '—', '—', 'Non in linea', '—']);
  // no "Disattiva" on one's own row
  assert.equal(rows[0].querySelector('[data-team-action="disable"]'), null);
  // the conversations in progress, to open (and reassign)
  const ongoing = doc.getElementById('team-ongoing').querySelector('tr[data-conversation-id]');
  assert.match(ongoing.textContent, /Luca Bianchi.*Serena.*Merce danneggiata/);
  assert.ok(calls.some((c) => c.path === '/v1/supervisor/agents' && c.auth === 'Bearer tok'));
  // presence changes on the socket refresh the page
  const asked = () => calls.filter((c) => c.path === '/v1/supervisor/agents').length;
  const before = asked();
  FakeWebSocket.last().serverOpen();
  FakeWebSocket.last().serverSend({ type: 'agents', agents: [] });
  timers.advance(300);
  await tick();
  assert.equal(asked(), before + 1);
});

test('adding an account: a refusal is said in Italian next to the form and nothing changes; then it is listed', async () => {
  const { routes, team } = supervisorRoutes();
  const { doc, calls } = page({ who: GIOVANNA, routes });
  await tick();
  doc.getElementById('view-team').click();
  await tick();
  const toggle = doc.getElementById('team-add-toggle');
  toggle.click();
  assert.equal(doc.getElementById('team-add').hidden, false);
  assert.equal(toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(doc.activeElement.id, 'team-add-email');
  const fill = (values) => {
    for (const [k, v] of Object.entries(values)) doc.getElementById(`team-add-${k}`).value = v;
  };
  // what the form can tell: a short password, no call
  fill({ email: 'marco@sportello.example', name: 'Marco bis', password: 'corta', role: 'agent', skills: '', capacity: '3' });
  doc.getElementById('team-add').dispatch('submit');
  await tick();
  assert.equal(doc.getElementById('team-add-error').textContent, 'La password deve avere almeno 8 caratteri.');
  assert.equal(calls.filter((c) => c.method === 'POST' && c.path === '/v1/supervisor/agents').length, 0);
  // what the hub refuses: an e-mail already used
  fill({ password: 'abbastanza-lunga' });
  doc.getElementById('team-add').dispatch('submit');
  await tick();
  assert.equal(doc.getElementById('team-add-error').textContent, 'Esiste già un account con questa e-mail.');
  assert.equal(team().length, 4);
  // a good one
  fill({ email: 'giulia@sportello.example', name: 'Giulia', skills: 'item_damaged, Missing_Parts', capacity: '4', role: 'agent', gender: 'f' });
  doc.getElementById('team-add').dispatch('submit');
  await tick();
  const sent = calls.filter((c) => c.method === 'POST' && c.path === '/v1/supervisor/agents').at(-1).body;
  assert.deepEqual(sent, { email: 'giulia@sportello.example', name: 'Giulia', password: 'abbastanza-lunga', role: 'agent', skills: ['item_damaged', 'missing_parts'], capacity: 4, gender: 'f' });
  assert.equal(doc.getElementById('team-add').hidden, true);
  assert.equal(doc.getElementById('team-add-error').textContent, '');
  assert.equal(doc.getElementById('team-status').textContent, 'Account di Giulia creato.');
  const emails = doc.getElementById('team-table').querySelectorAll('tr[data-agent-id]').map((r) => r.getAttribute('data-email'));
  assert.ok(emails.includes('giulia@sportello.example'));
  assert.equal(doc.getElementById('team-add-password').value, '', 'the password does not stay in the form');
});

test('editing, disabling (two clicks) and a new password for an account', async () => {
  const updates = [];
  const passwords = [];
  const { routes } = supervisorRoutes({
    'POST /v1/supervisor/agents/ag_s': (b) => {
      updates.push(b);
      if (b.capacity === 60) return [400, { error: 'invalid_agent', message: 'capacity must be an integer between 1 and 50' }];
      return { agent: { ...TEAM[0], ...b } };
    },
    'POST /v1/supervisor/agents/ag_s/password': (b) => (passwords.push(b), [204, '']),
  });
  const { doc } = page({ who: GIOVANNA, routes });
  await tick();
  doc.getElementById('view-team').click();
  await tick();
  const row = () => doc.getElementById('team-table').querySelector('tr[data-agent-id="ag_s"]');
  const edit = row().querySelector('[data-team-action="edit"]');
  assert.equal(edit.getAttribute('aria-label'), 'Modifica l’account di Serena');
  edit.click();
  assert.equal(row().querySelector('[data-team-action="edit"]').getAttribute('aria-expanded'), 'true');
  const form = doc.getElementById('team-form-ag_s');
  assert.ok(form, 'the form under the row');
  assert.equal(doc.getElementById('team-edit-skills-ag_s').value, 'item_damaged');
  assert.equal(doc.activeElement.id, 'team-edit-skills-ag_s');
  doc.getElementById('team-edit-skills-ag_s').value = 'item_damaged, wrong_item';
  doc.getElementById('team-edit-capacity-ag_s').value = '60';
  form.querySelector('form').dispatch('submit');
  await tick();
  assert.equal(doc.getElementById('team-form-error-ag_s').textContent, 'La capacità è un numero intero da 1 a 50.', 'refused by the form already');
  assert.equal(updates.length, 0);
  doc.getElementById('team-edit-capacity-ag_s').value = '4';
  doc.getElementById('team-edit-role-ag_s').value = 'supervisor';
  form.querySelector('form').dispatch('submit');
  await tick();
  assert.deepEqual(updates, [{ skills: ['item_damaged', 'wrong_item'], capacity: 4, role: 'supervisor' }]);
  assert.equal(doc.getElementById('team-form-ag_s'), null, 'closed once saved');
  assert.equal(doc.getElementById('team-status').textContent, 'Account di Serena aggiornato.');
  // disabling asks first
  const disable = row().querySelector('[data-team-action="disable"]');
  disable.click();
  await tick();
  assert.equal(row().querySelector('[data-team-action="disable"]').textContent, 'Conferma: disattiva');
  assert.equal(updates.length, 1);
  row().querySelector('[data-team-action="disable"]').click();
  await tick();
  assert.deepEqual(updates.at(-1), { disabled: true });
  assert.equal(doc.getElementById('team-status').textContent, 'Account di Serena disattivato: le sue sessioni aperte sono state chiuse.');
  // a new password: 8 characters at least, asked in the page (no browser dialog)
  row().querySelector('[data-team-action="password"]').click();
  const pw = doc.getElementById('team-password-ag_s');
  pw.value = 'corta';
  doc.getElementById('team-form-ag_s').querySelector('form').dispatch('submit');
  await tick();
  assert.equal(doc.getElementById('team-form-error-ag_s').textContent, 'La password deve avere almeno 8 caratteri.');
  assert.equal(passwords.length, 0);
  pw.value = 'nuova-password';
  doc.getElementById('team-form-ag_s').querySelector('form').dispatch('submit');
  await tick();
  assert.deepEqual(passwords, [{ password: 'nuova-password' }]);
  assert.equal(doc.getElementById('team-status').textContent, 'Password di Serena cambiata: le sue sessioni aperte sono state chiuse.');
});

const TODAY = isoDate(new Date());
const SUMMARY = {
  from: TODAY, to: TODAY, timezone: 'Europe/Rome', filters: {},
  conversations: 3, contained_by_bot: 1, handed_off: 1, abandoned: 1,
  rates: { contained_by_bot: 0.333, handed_off: 0.333, abandoned: 0.333 },
  handoffs_by_reason: { problem: 2 },
  queue_seconds: { count: 1, median: 30, p90: 30 },
  first_human_reply_seconds: { count: 1, median: 90, p90: 90 },
  resolution_seconds: { count: 0, median: null, p90: null },
  reopened: 0,
  csat: { count: 0, average: null, response_rate: null, by_agent: [], by_problem_type: [] },
  by_day: [{ day: TODAY, conversations: 3, contained_by_bot: 1, handed_off: 1, abandoned: 1 }],
};
const ROWS = [
  { conversation_id: 'c_handed_0000001', started_at: '2026-12-07T09:00:00Z', ended_at: '2026-12-07T09:10:00Z', problem_type: 'item_damaged', handed_off: true, handoff_reason: 'problem', agent: 'ag_s', queue_seconds: 30, first_human_reply_seconds: 90, resolution_seconds: null, outcome: '', contained_by_bot: false, abandoned: false, reopened: false, rating: null },
  { conversation_id: 'c_bot_only_00001', started_at: '2026-12-07T08:00:00Z', ended_at: '2026-12-07T08:01:00Z', problem_type: '', handed_off: false, handoff_reason: '', agent: '', queue_seconds: null, first_human_reply_seconds: null, resolution_seconds: null, outcome: '', contained_by_bot: true, abandoned: false, reopened: false, rating: null },
];

test('Report: today by default, the figures of the summary, a figure opens its conversations, a row opens in the console', async () => {
  const { routes } = supervisorRoutes({
    'GET /v1/reports/summary': (b, q) => (new URLSearchParams(q).get('from') ? SUMMARY : [400, { error: 'invalid_period', message: 'from' }]),
    'GET /v1/reports/conversations': (b, q) => ({ conversations: new URLSearchParams(q).get('metric') === 'handed_off' ? [ROWS[0]] : ROWS, truncated: false }),
    'GET /v1/agent/conversations/c_handed_0000001': {
      conversation: { id: 'c_handed_0000001', status: 'assigned', agent: { id: 'ag_s', name: 'Serena' }, customer_name: 'Luca Bianchi' },
      case_card: {}, transcript: [], notes: [], history: [],
    },
    'POST /v1/agent/conversations/c_handed_0000001/read': {},
    'GET /v1/reports/conversations.csv': 'conversation_id,started_at\r\nc_handed_0000001,2026-12-07T09:00:00Z\r\n',
  });
  const { doc, calls, downloads, charts, win } = page({ who: GIOVANNA, routes });
  await tick();
  doc.getElementById('view-report').click();
  await tick(15);
  const summaryCall = calls.find((c) => c.path === '/v1/reports/summary');
  assert.equal(summaryCall.query, `from=${TODAY}&to=${TODAY}`);
  assert.equal(doc.getElementById('page-report').getAttribute('data-query'), summaryCall.query);
  const figure = (id) => doc.querySelector(`[data-figure="${id}"]`);
  assert.equal(figure('conversations').querySelector('.c-figure-value').textContent, '3');
  assert.equal(figure('handed_off').querySelector('.c-figure-sub').textContent, '33,3% del totale');
  assert.equal(figure('queue').querySelector('.c-figure-value').textContent, '0,5 min');
  assert.match(figure('queue').textContent, /90° percentile: 0,5 min/);
  assert.equal(figure('csat').querySelector('.c-figure-value').textContent, '—');
  assert.match(doc.getElementById('report-shown').textContent, /giorni del negozio \(Europe\/Rome\)$/);
  // the charts were drawn with the summary's figures
  assert.equal(charts.length, 2);
  assert.deepEqual(charts[0].config.data.datasets.map((d) => d.data), [[1], [1], [1]]);
  assert.equal(charts[0].config.options.scales.x.stacked, true);
  assert.deepEqual(charts[1].config.data.labels, ['Problema da gestire']);
  // a click on a bar opens the same list as the table's number
  charts[0].config.options.onClick({}, [{ datasetIndex: 1, index: 0 }]);
  await tick();
  assert.equal(calls.at(-1).query, `from=${TODAY}&to=${TODAY}&metric=handed_off`);
  // a figure: the conversations behind it, with their ids
  figure('conversations').click();
  await tick();
  const drill = doc.getElementById('report-drill');
  assert.equal(drill.hidden, false);
  assert.equal(calls.at(-1).path, '/v1/reports/conversations');
  assert.equal(calls.at(-1).query, `from=${TODAY}&to=${TODAY}&metric=all`);
  assert.equal(doc.getElementById('report-drill-title').textContent, 'Conversazioni · 2');
  const rows = doc.getElementById('report-drill-table').querySelectorAll('tr[data-conversation-id]');
  assert.deepEqual(rows.map((r) => r.getAttribute('data-conversation-id')), ['c_handed_0000001', 'c_bot_only_00001']);
  assert.equal(rows[1].querySelector('button'), null, 'a chat the bot kept cannot be opened');
  assert.match(rows[1].textContent, /c_bot_only_00001.*Solo assistente/);
  // the times: only where measured
  figure('queue').click();
  await tick();
  assert.equal(doc.getElementById('report-drill-title').textContent, 'Tempo in coda · 1');
  // opening a conversation shows it in the console
  doc.getElementById('report-drill-table').querySelector('[data-open="c_handed_0000001"]').click();
  await tick();
  assert.equal(doc.getElementById('page-console').hidden, false);
  assert.equal(doc.getElementById('page-report').hidden, true);
  assert.equal(doc.getElementById('c-conv-title').textContent, 'Luca Bianchi');
  assert.equal(doc.activeElement.id, 'c-conv-title');
  assert.ok(doc.querySelector('[data-action="reassign"]'), 'a colleague\'s conversation: the supervisor may reassign it');
  // back to the report: as it was left, the list open, nothing asked again
  const summaries = calls.filter((c) => c.path === '/v1/reports/summary').length;
  doc.getElementById('view-report').click();
  await tick();
  assert.equal(doc.getElementById('report-drill').hidden, false);
  assert.equal(calls.filter((c) => c.path === '/v1/reports/summary').length, summaries);
  // filters: another query, same order as the hub documents
  doc.getElementById('report-hours').checked = true;
  doc.getElementById('report-hours').dispatch('change');
  doc.getElementById('report-reason').value = 'problem';
  doc.getElementById('report-reason').dispatch('change');
  await tick();
  assert.equal(calls.filter((c) => c.path === '/v1/reports/summary').at(-1).query, `from=${TODAY}&to=${TODAY}&reason=problem&business_hours=1`);
  // a custom period in the wrong order: said, and not asked
  const asked = calls.length;
  doc.getElementById('report-period-custom').dispatch('change');
  doc.getElementById('report-from').value = '2026-12-07';
  doc.getElementById('report-to').value = '2026-12-01';
  doc.getElementById('report-to').dispatch('change');
  await tick();
  assert.equal(doc.getElementById('report-error').textContent, 'La data di inizio non può essere dopo quella di fine.');
  assert.equal(calls.slice(asked).filter((c) => c.path === '/v1/reports/summary' && c.query.includes('2026-12-01')).length, 0);
  // the CSV: fetched with the token, saved under the hub's name
  doc.getElementById('report-to').value = '2026-12-07';
  doc.getElementById('report-to').dispatch('change');
  await tick();
  const link = doc.getElementById('report-csv');
  assert.equal(link.tagName, 'A');
  link.dispatch('click');
  await tick();
  const csvCall = calls.at(-1);
  assert.equal(csvCall.path, '/v1/reports/conversations.csv');
  assert.equal(csvCall.auth, 'Bearer tok');
  assert.equal(downloads.length, 1);
  assert.equal(win.document, doc);
});

test('Report: a refusal of the hub is said in Italian', async () => {
  const { routes } = supervisorRoutes({
    'GET /v1/reports/summary': [400, { error: 'invalid_filter', message: 'problem_type must be an id' }],
  });
  const { doc } = page({ who: GIOVANNA, routes });
  await tick();
  doc.getElementById('view-report').click();
  await tick(15);
  assert.equal(doc.getElementById('report-error').textContent, 'Filtro non valido: un tipo di problema è fatto di lettere, cifre e _.');
});

test('reassigning a colleague\'s conversation: the colleagues who take conversations; a refusal said in the form', async () => {
  let refuse = true;
  const { routes } = supervisorRoutes({
    'GET /v1/agent/conversations/c_serena_1234567': () => ({
      conversation: { id: 'c_serena_1234567', status: 'assigned', agent: refuse ? { id: 'ag_s', name: 'Serena' } : { id: 'ag_m', name: 'Marco' }, customer_name: 'Luca Bianchi' },
      case_card: {}, transcript: [], notes: [], history: [],
    }),
    'POST /v1/agent/conversations/c_serena_1234567/read': {},
    'POST /v1/supervisor/conversations/c_serena_1234567/reassign': () => (refuse ? [409, { error: 'agent_offline', message: 'Marco is offline' }] : { conversation: {} }),
  });
  const { doc, calls } = page({ who: GIOVANNA, routes });
  await tick();
  doc.getElementById('view-team').click();
  await tick();
  doc.getElementById('team-ongoing').querySelector('button').click();
  await tick();
  assert.equal(doc.getElementById('page-console').hidden, false, 'opened in the console');
  const button = doc.querySelector('[data-action="reassign"]');
  assert.equal(button.textContent, 'Riassegna');
  assert.equal(doc.querySelector('[data-action="transfer"]'), null, 'not hers: no transfer');
  button.click();
  await tick();
  const options = doc.getElementById('c-reassign-agent').querySelectorAll('option');
  assert.deepEqual(texts(options), ['Giovanna (In linea)', 'Marco (Assente)'], 'not Serena (she has it), not the editor');
  doc.getElementById('c-reassign-agent').value = 'ag_m';
  doc.getElementById('c-reassign-reason').value = 'segue lui i rimborsi';
  doc.querySelector('form.c-reassign-form').dispatch('submit');
  await tick();
  assert.deepEqual(calls.at(-1).body, { agent_id: 'ag_m', reason: 'segue lui i rimborsi' });
  assert.equal(doc.getElementById('c-reassign-error').textContent, 'Il collega scelto non è in linea.');
  assert.equal(doc.getElementById('c-transfer').hidden, false, 'the form stays, nothing changed');
  refuse = false;
  doc.querySelector('form.c-reassign-form').dispatch('submit');
  await tick();
  assert.equal(doc.getElementById('c-transfer').hidden, true);
  assert.equal(doc.querySelector('.c-feedback').textContent, 'Conversazione riassegnata a Marco.');
});
