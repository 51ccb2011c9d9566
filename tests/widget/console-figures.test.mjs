// The supervisor's Report page, pure logic (handoff/static/console/js/figures.js): period → dates,
// the query of the report routes, the drill-down behind each figure, numbers in Italian.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_DAYS, addDays, byDayChart, byReasonChart, csvFileName, dayDrill, dayShort, dayText, daysIncluded, decimal, drillQuery,
  drillRowView, drillRows, figures, formatCount, formatMinutes, formatRate, isoDate, parseIsoDate, periodRange, periodText,
  qualityFigures, queryValues, reasonDrill, reasonOptions, reportQuery,
} from '../../handoff/static/console/js/figures.js';

const at = (y, m, d, hh = 12) => new Date(y, m - 1, d, hh, 0, 0);

test('a period is the local calendar days: today, the last 7 and 30 days (today included)', () => {
  const now = at(2026, 12, 7, 0);
  assert.deepEqual(periodRange('today', now), { from: '2026-12-07', to: '2026-12-07' });
  assert.deepEqual(periodRange('7d', now), { from: '2026-12-01', to: '2026-12-07' });
  assert.deepEqual(periodRange('30d', now), { from: '2026-11-08', to: '2026-12-07' });
  assert.equal(daysIncluded('2026-12-01', '2026-12-07'), 7);
  assert.equal(daysIncluded('2026-11-08', '2026-12-07'), 30);
  // across a month and a year end
  assert.deepEqual(periodRange('7d', at(2027, 1, 3)), { from: '2026-12-28', to: '2027-01-03' });
  // late in the evening is still that day (the browser's local date), not UTC's
  assert.equal(isoDate(at(2027, 3, 15, 23)), '2027-03-15');
});

test('the days of a period do not slip where the clocks change', () => {
  // Europe: the clocks go forward on 2027-03-28 and back on 2027-10-31 — whatever the machine's zone,
  // counting calendar days gives whole days
  assert.deepEqual(periodRange('7d', at(2027, 3, 31, 0)), { from: '2027-03-25', to: '2027-03-31' });
  assert.deepEqual(periodRange('30d', at(2027, 11, 2, 0)), { from: '2027-10-04', to: '2027-11-02' });
  assert.equal(isoDate(addDays(at(2027, 3, 27, 0), 1)), '2027-03-28');
  assert.equal(isoDate(addDays(at(2027, 3, 28, 0), 1)), '2027-03-29');
  assert.equal(daysIncluded('2027-03-27', '2027-03-29'), 3);
});

test('a custom period: both dates, in order, at most 366 days; otherwise the reason, in strings.js keys', () => {
  assert.deepEqual(periodRange('custom', at(2026, 12, 7), { from: '2026-11-01', to: '2026-11-30' }), { from: '2026-11-01', to: '2026-11-30' });
  assert.deepEqual(periodRange('custom', at(2026, 12, 7), { from: '2026-11-01', to: '' }), { error: 'periodMissing' });
  assert.deepEqual(periodRange('custom', at(2026, 12, 7), { from: '2026-02-30', to: '2026-03-01' }), { error: 'periodMissing' });
  assert.deepEqual(periodRange('custom', at(2026, 12, 7), { from: '2026-12-02', to: '2026-12-01' }), { error: 'periodOrder' });
  assert.deepEqual(periodRange('custom', at(2026, 12, 7), { from: '2025-01-01', to: '2025-12-31' }), { from: '2025-01-01', to: '2025-12-31' });
  assert.deepEqual(periodRange('custom', at(2026, 12, 7), { from: '2024-01-01', to: '2024-12-31' }), { from: '2024-01-01', to: '2024-12-31' }, '366 days (a leap year) is allowed');
  assert.deepEqual(periodRange('custom', at(2026, 12, 7), { from: '2024-01-01', to: '2025-01-01' }), { error: 'periodTooLong' });
  assert.equal(MAX_DAYS, 366);
  assert.equal(parseIsoDate('2026-13-01'), null);
  assert.equal(parseIsoDate('ieri'), null);
  assert.equal(isoDate(parseIsoDate(' 2026-02-28 ')), '2026-02-28');
});

test('the query: documented names, empty filters left out, business hours as 1, the metric last', () => {
  assert.equal(reportQuery({ from: '2026-12-01', to: '2026-12-07' }), 'from=2026-12-01&to=2026-12-07');
  assert.equal(
    reportQuery({ business_hours: true, reason: 'frustration', problem_type: ' item_damaged ', agent: 'ag_3kP', to: '2026-12-07', from: '2026-12-01' }),
    'from=2026-12-01&to=2026-12-07&agent=ag_3kP&problem_type=item_damaged&reason=frustration&business_hours=1',
  );
  assert.equal(reportQuery({ from: '2026-12-01', to: '2026-12-01', agent: '', business_hours: false }, 'handed_off'), 'from=2026-12-01&to=2026-12-01&metric=handed_off');
  assert.equal(reportQuery({ from: 'a&b', to: 'x=y' }), 'from=a%26b&to=x%3Dy', 'values are encoded');
  assert.deepEqual(queryValues('from=2026-12-01&to=2026-12-07&reason=problem&business_hours=1'), { from: '2026-12-01', to: '2026-12-07', reason: 'problem', business_hours: true });
});

test('a drill-down keeps the report query and changes what its figure changes', () => {
  const q = reportQuery({ from: '2026-12-01', to: '2026-12-07', agent: 'ag_1', business_hours: true });
  assert.equal(drillQuery(q, { metric: 'abandoned' }), 'from=2026-12-01&to=2026-12-07&agent=ag_1&business_hours=1&metric=abandoned');
  assert.equal(drillQuery(q, dayDrill('2026-12-03', 'handed_off')), 'from=2026-12-03&to=2026-12-03&agent=ag_1&business_hours=1&metric=handed_off');
  assert.equal(drillQuery(q, reasonDrill('frustration')), 'from=2026-12-01&to=2026-12-07&agent=ag_1&reason=frustration&business_hours=1&metric=all');
  assert.equal(dayDrill('2026-12-03', 'abandoned').title, 'Abbandonate del 03/12/2026');
  assert.equal(reasonDrill('frustration').title, 'Cliente frustrato');
  // the times: the conversations where that time was measured
  const rows = [{ conversation_id: 'a', queue_seconds: 0 }, { conversation_id: 'b', queue_seconds: null }, { conversation_id: 'c', queue_seconds: 12.5, problem_type: 'item_damaged' }];
  assert.deepEqual(drillRows(rows, { metric: 'all', has: 'queue_seconds' }).map((r) => r.conversation_id), ['a', 'c']);
  assert.deepEqual(drillRows(rows, { metric: 'rated', problemless: true }).map((r) => r.conversation_id), ['a', 'b']);
  assert.deepEqual(drillRows(null, { metric: 'all' }), []);
});

test('numbers in Italian: rates, minutes, averages; a dash where nothing was measured', () => {
  assert.equal(formatRate(0.667), '66,7%');
  assert.equal(formatRate(1), '100%');
  assert.equal(formatRate(0), '0%');
  assert.equal(formatRate(null), '—');
  assert.equal(formatMinutes(42), '0,7 min');
  assert.equal(formatMinutes(0), '0 min');
  assert.equal(formatMinutes(60), '1 min');
  assert.equal(formatMinutes(600), '10 min');
  assert.equal(formatMinutes(5430), '91 min');
  assert.equal(formatMinutes(null), '—');
  assert.equal(decimal(4.25, 2), '4,25');
  assert.equal(decimal(4.5, 2), '4,5');
  assert.equal(decimal(4, 2), '4');
  assert.equal(decimal(-0.01, 1), '0');
  assert.equal(decimal(undefined), '—');
  assert.equal(formatCount(12), '12');
  assert.equal(formatCount(null), '—');
  assert.equal(dayText('2026-12-07'), '07/12/2026');
  assert.equal(dayShort('2026-12-07'), '07/12');
  assert.equal(periodText({ from: '2026-12-01', to: '2026-12-07', timezone: 'Europe/Rome' }), 'Dal 01/12/2026 al 07/12/2026 · giorni del negozio (Europe/Rome)');
  assert.equal(periodText({ from: '2026-12-07', to: '2026-12-07', timezone: 'Europe/Rome' }), '07/12/2026 · giorni del negozio (Europe/Rome)');
});

const SUMMARY = {
  from: '2026-12-01', to: '2026-12-07', timezone: 'Europe/Rome', filters: {},
  conversations: 120, contained_by_bot: 80, handed_off: 35, abandoned: 5,
  rates: { contained_by_bot: 0.667, handed_off: 0.292, abandoned: 0.042 },
  handoffs_by_reason: { problem: 10, request_human: 20, frustration: 5 },
  queue_seconds: { count: 30, median: 42.0, p90: 180.0 },
  first_human_reply_seconds: { count: 33, median: 60.0, p90: 240.0 },
  resolution_seconds: { count: 0, median: null, p90: null },
  reopened: 2,
  csat: {
    count: 12, average: 4.25, response_rate: 0.387,
    by_agent: [{ agent: 'ag_s', name: 'Serena', count: 7, average: 4.57 }],
    by_problem_type: [{ problem_type: '', count: 1, average: 3 }, { problem_type: 'item_damaged', count: 5, average: 4.0 }],
  },
  by_day: [
    { day: '2026-12-01', conversations: 17, contained_by_bot: 11, handed_off: 5, abandoned: 1 },
    { day: '2026-12-02', conversations: 3, contained_by_bot: 3, handed_off: 0, abandoned: 0 },
  ],
};

test('the figures of a summary, each with the conversations behind it', () => {
  const f = figures(SUMMARY);
  assert.deepEqual(f.counts.map((c) => [c.id, c.label, c.value, c.sub, c.drill.metric]), [
    ['conversations', 'Conversazioni', '120', '', 'all'],
    ['contained_by_bot', 'Gestite dall’assistente', '80', '66,7% del totale', 'contained_by_bot'],
    ['handed_off', 'Passate a una persona', '35', '29,2% del totale', 'handed_off'],
    ['abandoned', 'Abbandonate', '5', '4,2% del totale', 'abandoned'],
    ['reopened', 'Riaperte', '2', '', 'reopened'],
  ]);
  assert.deepEqual(f.times.map((x) => [x.id, x.median, x.p90, x.count, x.drill.has]), [
    ['queue', '0,7 min', '3 min', 30, 'queue_seconds'],
    ['first_reply', '1 min', '4 min', 33, 'first_human_reply_seconds'],
    ['resolution', '—', '—', 0, 'resolution_seconds'],
  ]);
  assert.equal(f.csat.value, '4,25 / 5');
  assert.equal(f.csat.sub, '12 valutazioni · risposta 38,7%');
  assert.equal(f.csat.drill.metric, 'rated');
  assert.deepEqual(f.csat.byAgent.map((a) => [a.name, a.average, a.count, a.drill.over.agent]), [['Serena', '4,57', '7', 'ag_s']]);
  assert.deepEqual(f.csat.byProblem.map((p) => [p.name, p.average, !!p.drill.problemless, p.drill.over && p.drill.over.problem_type]), [
    ['Senza tipo', '3', true, undefined],
    ['item damaged', '4', false, 'item_damaged'],
  ]);
  // an empty period: no rates, nothing measured
  const empty = figures({ conversations: 0, contained_by_bot: 0, handed_off: 0, abandoned: 0, rates: { contained_by_bot: null }, csat: { count: 0, average: null, response_rate: null } });
  assert.equal(empty.counts[1].sub, '— del totale');
  assert.equal(empty.csat.value, '—');
});

test('the charts: stacked parts by day, hand-offs by reason most first, filter reasons', () => {
  const byDay = byDayChart(SUMMARY);
  assert.deepEqual(byDay.labels, ['01/12', '02/12']);
  assert.deepEqual(byDay.days, ['2026-12-01', '2026-12-02']);
  assert.deepEqual(byDay.datasets.map((d) => [d.key, d.label, d.data]), [
    ['contained_by_bot', 'Gestite dall’assistente', [11, 3]],
    ['handed_off', 'Passate a una persona', [5, 0]],
    ['abandoned', 'Abbandonate', [1, 0]],
  ]);
  const byReason = byReasonChart(SUMMARY);
  assert.deepEqual(byReason.reasons, ['request_human', 'problem', 'frustration']);
  assert.deepEqual(byReason.labels, ['Il cliente ha chiesto una persona', 'Problema da gestire', 'Cliente frustrato']);
  assert.deepEqual(byReason.data, [20, 10, 5]);
  assert.deepEqual(byDayChart({}).datasets[0].data, []);
  assert.ok(reasonOptions(['problem', 'new_reason']).includes('new_reason'));
  assert.equal(reasonOptions(['problem']).filter((r) => r === 'problem').length, 1);
});

test('a drill-down row: its id and dates always; opened in the console only when a person was asked for', () => {
  const now = Date.UTC(2026, 11, 7, 12);
  const row = {
    conversation_id: 'q0J8abcdefghijkl', started_at: '2026-12-07T09:01:00Z', ended_at: null, problem_type: 'item_damaged', handed_off: true,
    handoff_reason: 'frustration', agent: 'ag_s', outcome: 'refund', contained_by_bot: false, abandoned: false, rating: 4,
  };
  const v = drillRowView(row, { ag_s: 'Serena' }, now);
  assert.equal(v.id, 'q0J8abcdefghijkl');
  assert.match(v.started, /^\d\d:\d\d$|^\d\d\/\d\d\/\d{4}, \d\d:\d\d$/);
  assert.equal(v.ended, '—');
  assert.deepEqual([v.problem, v.reason, v.agent, v.outcome, v.rating, v.openable], ['item damaged', 'Cliente frustrato', 'Serena', 'Rimborso', '4', true]);
  const bot = drillRowView({ conversation_id: 'b0t0nly0000000000', started_at: '2026-12-01T08:00:00Z', ended_at: '2026-12-01T08:05:00Z', contained_by_bot: true, agent: '' }, {}, now);
  assert.equal(bot.openable, false);
  assert.equal(bot.started, '01/12/2026, ' + bot.started.slice(-5));
  assert.equal(drillRowView({ conversation_id: 'x', agent: 'ag_gone', contained_by_bot: false }, {}, now).agent, 'ag_gone', 'an unknown account by its id');
});

test('the CSV file name: the hub\'s, else one from the period', () => {
  assert.equal(csvFileName('attachment; filename="conversazioni-2026-12-01-2026-12-07.csv"', {}), 'conversazioni-2026-12-01-2026-12-07.csv');
  assert.equal(csvFileName(null, { from: '2026-12-01', to: '2026-12-02' }), 'conversazioni-2026-12-01-2026-12-02.csv');
  assert.equal(csvFileName('attachment; filename="../../etc/passwd"', { from: 'a', to: 'b' }), 'conversazioni-a-b.csv', 'no path from a header');
});

test('the hand-off quality figures, when the hub reports them, each with its list', () => {
  const q = qualityFigures({
    reasks: { count: 3, conversations: 2, by_thing: { order_number: 2 } },
    bot_spoke_in_human_mode: { messages: 0, conversations: 0 },
    apologies: { per_case: 1.1, cases_with_more_than_one: 3 },
    tickets: { count: 9, answered: 8, answered_in_time: 7, in_time_rate: 0.778, promise_seconds: 86400 },
    emails_sent: 14,
  });
  assert.deepEqual(q.map((f) => [f.id, f.value, f.sub, f.drill.metric]), [
    ['reasks', '3', 'in 2 conversazioni', 'reasked'],
    ['bot_spoke', '0', 'in 0 conversazioni (l’obiettivo è zero)', 'bot_spoke'],
    ['apologies', '1,1', '3 casi con più di una scusa', 'all'],
    ['tickets', '77,8%', '7 su 9 · promessa: 24 h', 'ticket_late'],
    ['emails', '14', '', 'all'],
  ]);
  const rows = [{ conversation_id: 'a', apology_count: 1, emails_sent: 0 }, { conversation_id: 'b', apology_count: 2, emails_sent: 1 }];
  assert.deepEqual(drillRows(rows, q[2].drill).map((r) => r.conversation_id), ['b']);
  assert.deepEqual(drillRows(rows, q[4].drill).map((r) => r.conversation_id), ['b']);
  assert.deepEqual(qualityFigures({ conversations: 3 }), [], 'an older hub: no section');
});
