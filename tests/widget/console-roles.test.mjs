// Roles and the supervisor's team page, pure logic (handoff/static/console/js/roles.js): who sees
// what, the table's cells, the account forms' bodies, the hub's refusals in Italian.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, createApi } from '../../handoff/static/console/js/api.js';
import {
  editBody, errorKey, errorText, isEditor, isSupervisor, loadText, newAccountBody, parseCapacity, parseSkills, passwordBody,
  presenceLabel, reassignTargets, roleLabel, roleOf, skillsText, sortTeam, takesConversations,
} from '../../handoff/static/console/js/roles.js';
import { S } from '../../handoff/static/console/js/strings.js';

test('roles: an unknown or missing role reads as an agent; editors take no conversations', () => {
  assert.equal(roleOf({ role: 'supervisor' }), 'supervisor');
  assert.equal(roleOf({ role: 'editor' }), 'editor');
  assert.equal(roleOf({}), 'agent', 'an older hub says no role');
  assert.equal(roleOf({ role: 'admin' }), 'agent');
  assert.equal(roleOf(null), 'agent');
  assert.ok(isSupervisor({ role: 'supervisor' }) && !isSupervisor({ role: 'agent' }));
  assert.ok(isEditor({ role: 'editor' }) && !isEditor({}));
  assert.ok(takesConversations({ role: 'agent' }) && takesConversations({ role: 'supervisor' }));
  assert.ok(!takesConversations({ role: 'editor' }) && !takesConversations({ role: 'agent', disabled: true }));
  assert.deepEqual(['agent', 'supervisor', 'editor'].map(roleLabel), ['Operatore', 'Supervisore', 'Redattore dei contenuti']);
});

test('the team table: presence, load, skills in Italian', () => {
  assert.deepEqual(['online', 'away', 'offline', undefined].map(presenceLabel), ['In linea', 'Assente', 'Non in linea', 'Non in linea']);
  assert.equal(loadText({ role: 'agent', load: 1, capacity: 3 }), '1 / 3');
  assert.equal(loadText({ role: 'supervisor', load: 0, capacity: 2 }), '0 / 2');
  assert.equal(loadText({ role: 'editor', load: 0, capacity: 3 }), '—');
  assert.equal(skillsText(['item_damaged', 'missing_parts']), 'item_damaged, missing_parts');
  assert.equal(skillsText([]), 'Tutti i problemi');
  const team = sortTeam([
    { name: 'Paolo', role: 'editor' }, { name: 'Serena', role: 'agent' }, { name: 'Giovanna', role: 'supervisor' }, { name: 'Marco', role: 'agent' },
  ]);
  assert.deepEqual(team.map((a) => a.name), ['Giovanna', 'Marco', 'Serena', 'Paolo']);
});

test('skills typed as comma-separated problem types; capacity 1–50', () => {
  assert.deepEqual(parseSkills(' Item_damaged, missing parts ,, item_damaged;wrong_item '), ['item_damaged', 'missing_parts', 'wrong_item']);
  assert.deepEqual(parseSkills(''), []);
  assert.equal(parseCapacity('3'), 3);
  assert.equal(parseCapacity(' 50 '), 50);
  for (const bad of ['0', '51', '2.5', '-1', 'tre', '']) assert.equal(parseCapacity(bad), null, bad);
});

test('a new account: the body the hub reads; what the form can tell first, said in strings.js keys', () => {
  const ok = newAccountBody({ email: ' giulia@shop.it ', name: ' Giulia ', password: 'lunga-abbastanza', role: 'supervisor', skills: 'item_damaged, missing_parts', capacity: '4', gender: 'f' });
  assert.deepEqual(ok, { body: { email: 'giulia@shop.it', name: 'Giulia', password: 'lunga-abbastanza', role: 'supervisor', skills: ['item_damaged', 'missing_parts'], capacity: 4, gender: 'f' } });
  const plain = newAccountBody({ email: 'a@b.it', name: 'A', password: '12345678', role: 'nope', skills: '', capacity: '', gender: '' });
  assert.deepEqual(plain, { body: { email: 'a@b.it', name: 'A', password: '12345678', role: 'agent', skills: [] } });
  assert.deepEqual(newAccountBody({ email: 'a@b.it', name: 'A', password: 'corta' }), { error: 'err_password' });
  assert.deepEqual(newAccountBody({ email: '', name: 'A', password: '12345678' }), { error: 'err_email' });
  assert.deepEqual(newAccountBody({ email: 'a@b.it', name: ' ', password: '12345678' }), { error: 'err_name' });
  assert.deepEqual(newAccountBody({ email: 'a@b.it', name: 'A', password: '12345678', capacity: '99' }), { error: 'err_capacity' });
  assert.deepEqual(passwordBody('1234567'), { error: 'err_password' });
  assert.deepEqual(passwordBody('12345678'), { body: { password: '12345678' } });
});

test('an edit sends only what changed', () => {
  const serena = { id: 'ag_s', role: 'agent', skills: ['item_damaged'], capacity: 3 };
  assert.deepEqual(editBody(serena, { skills: 'item_damaged', capacity: '3', role: 'agent' }), { body: {} });
  assert.deepEqual(editBody(serena, { skills: 'item_damaged, missing_parts', capacity: '5', role: 'supervisor' }), {
    body: { skills: ['item_damaged', 'missing_parts'], capacity: 5, role: 'supervisor' },
  });
  assert.deepEqual(editBody(serena, { skills: '', capacity: '3', role: 'agent' }), { body: { skills: [] } }, 'no skills: every problem');
  assert.deepEqual(editBody(serena, { skills: 'item_damaged', capacity: 'x', role: 'agent' }), { error: 'err_capacity' });
});

test('the hub\'s refusals in Italian, whatever its English message says', () => {
  const err = (status, error, message) => new ApiError(status, { error, message });
  const cases = [
    [err(400, 'invalid_agent', 'an agent with e-mail giulia@shop.it already exists'), 'err_email_taken'],
    [err(400, 'invalid_agent', "'giulia' is not an e-mail address"), 'err_email'],
    [err(400, 'invalid_agent', 'the display name must be 1-80 characters'), 'err_name'],
    [err(400, 'invalid_agent', "skill 'Rotto!' must be lower-case letters, digits or _ (a problem type)"), 'err_skills'],
    [err(400, 'invalid_agent', 'capacity must be an integer between 1 and 50'), 'err_capacity'],
    [err(400, 'invalid_agent', 'role must be one of agent, supervisor, editor'), 'err_role'],
    [err(400, 'invalid_agent', 'the password must be at least 8 characters long'), 'err_password'],
    [err(409, 'invalid_agent', 'you cannot disable yourself or change your own role'), 'err_self'],
    [err(400, 'invalid_agent', 'something new'), 'err_generic'],
    [err(400, 'invalid_skills', 'skills is a list'), 'err_skills'],
    [err(400, 'invalid_password', 'too short'), 'err_password'],
    [err(404, 'agent_not_found', 'unknown agent'), 'err_not_found'],
    [err(403, 'forbidden', 'this needs the role supervisor'), 'err_forbidden'],
    [err(409, 'agent_offline', 'Marco is offline'), 'err_agent_offline'],
    [err(409, 'at_capacity', 'Marco is at capacity'), 'err_at_capacity'],
    [err(409, 'not_assigned', 'nobody has this conversation'), 'err_not_assigned'],
    [err(400, 'invalid_period', 'from must not be after to'), 'err_invalid_period'],
    [err(400, 'invalid_filter', 'agent must be an id'), 'err_invalid_filter'],
    [err(500, 'internal', ''), 'err_generic'],
    [new TypeError('Failed to fetch'), 'err_generic'],
    [null, 'err_generic'],
  ];
  for (const [e, key] of cases) {
    assert.equal(errorKey(e), key, e && e.message);
    assert.equal(errorText(e), S[key]);
    assert.doesNotMatch(errorText(e), /\b(the|must|agent|unknown)\b/i, 'Italian, never the hub\'s English');
  }
});

test('reassigning: everyone who takes conversations but the holder; offline or full ones cannot be picked', () => {
  const team = [
    { id: 'ag_s', name: 'Serena', role: 'agent', presence: 'online', load: 1, capacity: 3 },
    { id: 'ag_m', name: 'Marco', role: 'agent', presence: 'offline', load: 0, capacity: 3 },
    { id: 'ag_g', name: 'Giovanna', role: 'supervisor', presence: 'away', load: 2, capacity: 2 },
    { id: 'ag_l', name: 'Luisa', role: 'agent', presence: 'away', load: 0, capacity: 2 },
    { id: 'ag_p', name: 'Paolo', role: 'editor', presence: 'online', load: 0, capacity: 3 },
    { id: 'ag_d', name: 'Dario', role: 'agent', presence: 'online', load: 0, capacity: 3, disabled: true },
  ];
  const targets = reassignTargets(team, 'ag_s');
  assert.deepEqual(targets.map((a) => [a.name, a.pickable, a.full]), [
    ['Giovanna', false, true],
    ['Luisa', true, false],
    ['Marco', false, false],
  ]);
});

test('the supervisor\'s calls: documented paths, the token, the CSV as a file', async () => {
  const calls = [];
  const fetchFn = async (url, init) => {
    calls.push({ url, method: init.method, auth: init.headers.Authorization, body: init.body ? JSON.parse(init.body) : undefined });
    if (url.includes('.csv')) return { ok: true, status: 200, text: async () => 'a,b\r\n', headers: { get: () => 'attachment; filename="x.csv"' } };
    return { ok: true, status: url.endsWith('/password') ? 204 : 200, text: async () => (url.endsWith('/password') ? '' : '{}') };
  };
  const api = createApi({ fetchFn, getToken: () => 'tok' });
  await api.team();
  await api.addAccount({ email: 'a@b.it' });
  await api.updateAccount('ag/1', { disabled: true });
  assert.equal(await api.setPassword('ag_1', 'nuova-password'), null, '204: no body');
  await api.reassign('c1', 'ag_m');
  await api.reassign('c1', 'ag_m', 'per i rimborsi');
  await api.allAssigned();
  await api.summary('from=2026-12-01&to=2026-12-01');
  await api.reportConversations('from=2026-12-01&to=2026-12-01&metric=all');
  const csv = await api.csv('from=2026-12-01&to=2026-12-01');
  await api.logout();
  assert.deepEqual(calls.map((c) => `${c.method} ${c.url}`), [
    'GET /v1/supervisor/agents',
    'POST /v1/supervisor/agents',
    'POST /v1/supervisor/agents/ag%2F1',
    'POST /v1/supervisor/agents/ag_1/password',
    'POST /v1/supervisor/conversations/c1/reassign',
    'POST /v1/supervisor/conversations/c1/reassign',
    'GET /v1/agent/conversations?status=assigned&scope=all',
    'GET /v1/reports/summary?from=2026-12-01&to=2026-12-01',
    'GET /v1/reports/conversations?from=2026-12-01&to=2026-12-01&metric=all',
    'GET /v1/reports/conversations.csv?from=2026-12-01&to=2026-12-01',
    'POST /v1/agent/logout',
  ]);
  assert.ok(calls.every((c) => c.auth === 'Bearer tok'));
  assert.deepEqual(calls[4].body, { agent_id: 'ag_m' });
  assert.deepEqual(calls[5].body, { agent_id: 'ag_m', reason: 'per i rimborsi' });
  assert.equal(await csv.blob.text(), 'a,b\r\n');
  assert.equal(csv.disposition, 'attachment; filename="x.csv"');
  // a refused CSV is an ApiError like the others
  const refused = createApi({ fetchFn: async () => ({ ok: false, status: 403, text: async () => '{"error":"forbidden"}' }), getToken: () => 'tok' });
  await assert.rejects(refused.csv('from=x'), (e) => e instanceof ApiError && e.code === 'forbidden' && e.status === 403);
});
