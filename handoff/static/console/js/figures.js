// Pure logic of the supervisor's Report page (no DOM, no network; unit-tested with node --test):
// the period → from/to dates, the query of GET /v1/reports/…, the figures of the summary with the
// drill-down behind each one, the charts' data, and numbers in Italian.

import { t, label } from './strings.js';
import { clock } from './logic.js';

export const PERIODS = ['today', '7d', '30d', 'custom'];
/** The hub refuses longer periods (invalid_period). */
export const MAX_DAYS = 366;
/** The hand-off reasons the hub documents (docs/reports.md); others it sends are listed too. */
export const REASONS = ['request_human', 'frustration', 'fallback', 'problem', 'ticket_followup', 'bot_unavailable'];
/** The drill-down's metrics (GET /v1/reports/conversations?metric=…). */
export const METRICS = ['all', 'contained_by_bot', 'handed_off', 'abandoned', 'reopened', 'rated', 'reasked', 'bot_spoke', 'ticket_late'];
/** The three parts every conversation is exactly one of, in the order of the charts. */
export const PARTS = ['contained_by_bot', 'handed_off', 'abandoned'];

const pad = (n) => String(n).padStart(2, '0');

// ---------------------------------------------------------------- dates and the period

/** "2026-12-07": the local calendar day of a Date (the shop's days: the browser's local date). */
export function isoDate(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A local Date at midnight from "YYYY-MM-DD"; null for anything else or an impossible day. */
export function parseIsoDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text ?? '').trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return isoDate(d) === m[0] ? d : null;
}

/** The day `n` days after `date` (calendar days: a change of the clocks is no hour off). */
export function addDays(date, n) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + n);
}

/** Days from `from` to `to`, both included ("2026-12-01", "2026-12-07" → 7). */
export function daysIncluded(from, to) {
  const a = parseIsoDate(from);
  const b = parseIsoDate(to);
  if (!a || !b) return NaN;
  const utc = (d) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  return Math.round((utc(b) - utc(a)) / 86400000) + 1;
}

/**
 * The report's days for a period: {from, to} ("YYYY-MM-DD", both included) or {error: <strings key>}.
 * `today`, `7d` (today and the 6 days before), `30d`, or `custom` with the two dates typed.
 */
export function periodRange(kind, now = new Date(), custom = {}) {
  const today = isoDate(now);
  if (kind === 'today') return { from: today, to: today };
  if (kind === '7d') return { from: isoDate(addDays(now, -6)), to: today };
  if (kind === '30d') return { from: isoDate(addDays(now, -29)), to: today };
  const from = parseIsoDate(custom.from);
  const to = parseIsoDate(custom.to);
  if (!from || !to) return { error: 'periodMissing' };
  if (from > to) return { error: 'periodOrder' };
  const range = { from: isoDate(from), to: isoDate(to) };
  if (daysIncluded(range.from, range.to) > MAX_DAYS) return { error: 'periodTooLong' };
  return range;
}

/** "07/12/2026" from "2026-12-07" (as it came when it is not a date). */
export function dayText(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso ?? ''));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(iso ?? '');
}

/** "07/12" for a chart's axis. */
export function dayShort(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso ?? ''));
  return m ? `${m[3]}/${m[2]}` : String(iso ?? '');
}

/** "Dal 01/12/2026 al 07/12/2026 · giorni del negozio (Europe/Rome)", one day said once. */
export function periodText(summary) {
  const vars = { from: dayText(summary.from), to: dayText(summary.to), timezone: summary.timezone || '' };
  return summary.from === summary.to ? t('reportShownDay', vars) : t('reportShown', vars);
}

// ---------------------------------------------------------------- the query

const QUERY_KEYS = ['from', 'to', 'agent', 'problem_type', 'reason'];

/**
 * "from=2026-12-01&to=2026-12-07&agent=ag_1&business_hours=1": the query of the three report routes,
 * empty filters left out, always in the same order (`metric` last, for the drill-down).
 */
export function reportQuery(q, metric) {
  const params = new URLSearchParams();
  for (const key of QUERY_KEYS) {
    const value = q && q[key] != null ? String(q[key]).trim() : '';
    if (value) params.set(key, value);
  }
  if (q && (q.business_hours === true || q.business_hours === 1 || q.business_hours === '1')) params.set('business_hours', '1');
  if (metric) params.set('metric', metric);
  return params.toString();
}

/** The query's values as they were built (for the drill-down's own changes). */
export function queryValues(query) {
  const params = new URLSearchParams(query);
  const out = {};
  for (const key of QUERY_KEYS) if (params.get(key)) out[key] = params.get(key);
  if (params.get('business_hours') === '1') out.business_hours = true;
  return out;
}

/** What the CSV is saved as: the hub's Content-Disposition name, else one made the same way. */
export function csvFileName(disposition, q) {
  const m = /filename="?([^";]+)"?/i.exec(String(disposition || ''));
  if (m && /^[\w.-]+$/.test(m[1])) return m[1];
  return `conversazioni-${(q && q.from) || ''}-${(q && q.to) || ''}.csv`;
}

// ---------------------------------------------------------------- numbers in Italian

/** 4.25 → "4,25", 4.5 → "4,5", 4 → "4" (at most `digits` decimals, no trailing zeros). */
export function decimal(value, digits = 1) {
  const n = Number(value);
  if (value == null || value === '' || !Number.isFinite(n)) return t('noValue');
  const fixed = n.toFixed(digits);
  const trimmed = digits > 0 ? fixed.replace(/\.?0+$/, '') : fixed;
  return (trimmed === '-0' ? '0' : trimmed).replace('.', ',');
}

/** 0.667 → "66,7%"; "—" when there is no rate (no conversations). */
export function formatRate(rate) {
  if (rate == null || rate === '' || !Number.isFinite(Number(rate))) return t('noValue');
  return `${decimal(Number(rate) * 100, 1)}%`;
}

/** Seconds as minutes: 42 → "0,7 min", 600 → "10 min", 5400 → "90 min"; "—" when not measured. */
export function formatMinutes(seconds) {
  if (seconds == null || seconds === '' || !Number.isFinite(Number(seconds))) return t('noValue');
  const minutes = Number(seconds) / 60;
  return t('minutesValue', { m: decimal(minutes, minutes < 10 ? 1 : 0) });
}

/** A count as a whole number ("—" when missing). */
export function formatCount(n) {
  return Number.isFinite(Number(n)) && n !== null && n !== '' ? String(Math.round(Number(n))) : t('noValue');
}

// ---------------------------------------------------------------- the figures and their drill-downs

/**
 * A drill-down: which conversations are behind a figure. `metric` (the hub's), `over` (the query's
 * values this figure changes: one day, one reason…), `has` (rows keep only those where this field is
 * measured: the times) and `problemless` (rows without a problem type: the CSAT of "no type").
 * @typedef {{title: string, metric: string, over?: object, has?: string, problemless?: boolean}} Drill
 */

/** The query of GET /v1/reports/conversations for a drill-down of the report `query`. */
export function drillQuery(query, drill) {
  return reportQuery({ ...queryValues(query), ...(drill.over || {}) }, drill.metric);
}

/** The rows the drill-down shows of what the hub answered. */
export function drillRows(rows, drill) {
  let out = Array.isArray(rows) ? rows : [];
  if (drill.has) out = out.filter((r) => r && r[drill.has] != null);
  if (drill.problemless) out = out.filter((r) => r && !r.problem_type);
  if (drill.atLeast) out = out.filter((r) => r && Number(r[drill.atLeast[0]]) >= drill.atLeast[1]);
  return out;
}

const TIMES = [
  ['queue', 'queue_seconds'],
  ['first_reply', 'first_human_reply_seconds'],
  ['resolution', 'resolution_seconds'],
];

/**
 * The summary's figures, each with what it shows and the drill-down behind it.
 * @returns {{counts: object[], times: object[], csat: object}}
 */
export function figures(summary) {
  const s = summary || {};
  const rates = s.rates || {};
  const counts = ['conversations', ...PARTS, 'reopened'].map((id) => ({
    id,
    label: t(`fig_${id}`),
    value: formatCount(s[id]),
    sub: PARTS.includes(id) ? t('figRate', { rate: formatRate(rates[id]) }) : '',
    drill: { title: t(`fig_${id}`), metric: id === 'conversations' ? 'all' : id },
  }));
  const times = TIMES.map(([id, field]) => {
    const d = s[field] || {};
    return {
      id,
      label: t(`fig_${id}`),
      median: formatMinutes(d.median),
      p90: formatMinutes(d.p90),
      count: Number(d.count) || 0,
      sub: t('figTimeCount', { n: Number(d.count) || 0 }),
      drill: { title: t(`fig_${id}`), metric: 'all', has: field },
    };
  });
  const c = s.csat || {};
  const csat = {
    id: 'csat',
    label: t('fig_csat'),
    value: c.average == null ? t('noValue') : t('figCsatValue', { average: decimal(c.average, 2) }),
    count: Number(c.count) || 0,
    sub: t('figCsatSub', { count: Number(c.count) || 0, rate: formatRate(c.response_rate) }),
    drill: { title: t('fig_csat'), metric: 'rated' },
    byAgent: (Array.isArray(c.by_agent) ? c.by_agent : []).map((x) => ({
      name: x.name || String(x.agent || ''),
      count: formatCount(x.count),
      average: decimal(x.average, 2),
      drill: { title: t('drillRated', { name: x.name || String(x.agent || '') }), metric: 'rated', over: { agent: String(x.agent || '') } },
    })),
    byProblem: (Array.isArray(c.by_problem_type) ? c.by_problem_type : []).map((x) => {
      const name = x.problem_type ? problemText(x.problem_type) : t('problemNone');
      return {
        name,
        count: formatCount(x.count),
        average: decimal(x.average, 2),
        drill: x.problem_type
          ? { title: t('drillRated', { name }), metric: 'rated', over: { problem_type: String(x.problem_type) } }
          : { title: t('drillRated', { name }), metric: 'rated', problemless: true },
      };
    }),
  };
  return { counts, times, csat };
}

/**
 * The hand-off quality figures (re-asks, the assistant speaking after the hand-off, apologies per
 * case, tickets answered in time, e-mails sent): each one only when the summary has it.
 */
export function qualityFigures(summary) {
  const s = summary || {};
  const out = [];
  if (s.reasks) {
    out.push({
      id: 'reasks',
      label: t('fig_reasks'),
      value: formatCount(s.reasks.count),
      sub: t('figInConversations', { n: formatCount(s.reasks.conversations) }),
      drill: { title: t('fig_reasks'), metric: 'reasked' },
    });
  }
  if (s.bot_spoke_in_human_mode) {
    out.push({
      id: 'bot_spoke',
      label: t('fig_bot_spoke'),
      value: formatCount(s.bot_spoke_in_human_mode.messages),
      sub: t('figBotSpokeSub', { n: formatCount(s.bot_spoke_in_human_mode.conversations) }),
      drill: { title: t('fig_bot_spoke'), metric: 'bot_spoke' },
    });
  }
  if (s.apologies) {
    out.push({
      id: 'apologies',
      label: t('fig_apologies'),
      value: decimal(s.apologies.per_case, 1),
      sub: t('figApologiesSub', { n: formatCount(s.apologies.cases_with_more_than_one) }),
      drill: { title: t('drillApologies'), metric: 'all', atLeast: ['apology_count', 2] },
    });
  }
  if (s.tickets) {
    const k = s.tickets;
    out.push({
      id: 'tickets',
      label: t('fig_tickets'),
      value: formatRate(k.in_time_rate),
      sub: t('figTicketsSub', { in_time: formatCount(k.answered_in_time), count: formatCount(k.count), hours: decimal((Number(k.promise_seconds) || 0) / 3600, 1) }),
      drill: { title: t('drillTicketsLate'), metric: 'ticket_late' },
    });
  }
  if (s.emails_sent != null) {
    out.push({
      id: 'emails',
      label: t('fig_emails'),
      value: formatCount(s.emails_sent),
      sub: '',
      drill: { title: t('fig_emails'), metric: 'all', atLeast: ['emails_sent', 1] },
    });
  }
  return out;
}

/** A problem type made readable ("item_damaged" → "item damaged"); reports carry no labels. */
export function problemText(type) {
  return type ? String(type).replace(/_/g, ' ') : '';
}

/** A hand-off reason in Italian when the console knows it, else readable. */
export function reasonText(reason) {
  return label('reason', reason);
}

// ---------------------------------------------------------------- the charts' data

/** The stacked bars by day: labels "07/12", one dataset per part, and the drill-down of each bar. */
export function byDayChart(summary) {
  const days = Array.isArray(summary && summary.by_day) ? summary.by_day : [];
  return {
    days: days.map((d) => String(d.day)),
    labels: days.map((d) => dayShort(d.day)),
    datasets: PARTS.map((part) => ({ key: part, label: t(`fig_${part}`), data: days.map((d) => Number(d[part]) || 0) })),
  };
}

/** The drill-down of one bar of the by-day chart. */
export function dayDrill(day, part) {
  return { title: t('drillDay', { figure: t(`fig_${part}`), day: dayText(day) }), metric: part, over: { from: day, to: day } };
}

/** The hand-offs by reason, most first: reasons, labels and counts. */
export function byReasonChart(summary) {
  const found = (summary && summary.handoffs_by_reason) || {};
  const reasons = Object.keys(found).sort((a, b) => (Number(found[b]) || 0) - (Number(found[a]) || 0) || a.localeCompare(b));
  return { reasons, labels: reasons.map(reasonText), data: reasons.map((r) => Number(found[r]) || 0) };
}

/** The drill-down of one reason's bar: every conversation whose first hand-off had that reason. */
export function reasonDrill(reason) {
  return { title: reasonText(reason), metric: 'all', over: { reason } };
}

/** The reasons the filter offers: the documented ones and any the report has shown. */
export function reasonOptions(seen = []) {
  const out = [...REASONS];
  for (const r of seen) if (r && !out.includes(r)) out.push(r);
  return out;
}

// ---------------------------------------------------------------- the drill-down's rows

/**
 * One conversation of a drill-down as the table shows it. `names`: agent id → name. `openable`:
 * the console can open conversations a person was asked for (a bot-only chat it cannot).
 */
export function drillRowView(row, names = {}, now = Date.now()) {
  const when = (iso) => {
    const ms = iso ? Date.parse(iso) : NaN;
    return Number.isNaN(ms) ? t('noValue') : clock(ms, now);
  };
  const agent = row.agent ? names[row.agent] || String(row.agent) : '';
  return {
    id: String(row.conversation_id || ''),
    started: when(row.started_at),
    ended: when(row.ended_at),
    problem: problemText(row.problem_type),
    reason: row.handoff_reason ? reasonText(row.handoff_reason) : '',
    agent,
    outcome: row.outcome ? label('outcome', row.outcome) : '',
    rating: row.rating == null ? '' : String(row.rating),
    openable: !row.contained_by_bot && !!row.conversation_id,
  };
}
