// The supervisor's "Report" page: a period (oggi, 7 giorni, 30 giorni, personalizzato), filters
// (agent, problem type, hand-off reason, business hours only), the figures of GET
// /v1/reports/summary, two charts (Chart.js, charts.js), and behind every figure the list of its
// conversations (GET /v1/reports/conversations), each opened in the console when it can be. The
// CSV is fetched with the token and saved as a file.

import { t } from './strings.js';
import { h, clear } from './dom.js';
import { listOf } from './logic.js';
import {
  PARTS, byDayChart, byReasonChart, csvFileName, dayDrill, dayText, drillQuery, drillRowView, drillRows, figures, periodRange,
  periodText, problemText, qualityFigures, reasonDrill, reasonOptions, reasonText, reportQuery, PERIODS,
} from './figures.js';
import { errorText, roleOf, sortTeam, TAKES_CONVERSATIONS } from './roles.js';
import { drawByDay, drawByReason, loadChart } from './charts.js';

export class ReportView {
  /**
   * @param {Document} doc
   * @param {{api: any, win: Window, open: (conversationId: string) => Promise<boolean>, now?: () => Date,
   *   charts?: boolean}} o  `open` shows a conversation in the console (false: it could not be opened);
   *   `charts: false` draws no charts (the tables are there either way)
   */
  constructor(doc, { api, win, open, now = () => new Date(), charts = true }) {
    this.doc = doc;
    this.api = api;
    this.win = win;
    this.open = open;
    this.now = now;
    this.chartsOn = charts;
    this.period = 'today';
    this.accounts = [];
    this.names = {};
    this.problems = new Set();
    this.summary = null;
    this.query = '';
    this.seq = 0; // answers to an older query are dropped
    this.drillSeq = 0;
    this.charts = [];
    this.drillOrigin = null;
    this.accountsLoaded = false;
    this.build();
  }

  // ------------------------------------------------------------ the page
  build() {
    const d = this.doc;
    this.title = h(d, 'h2', { id: 'report-title', tabindex: '-1' }, t('reportTitle'));
    // the period
    this.periodInputs = {};
    const choices = PERIODS.map((p) => {
      const input = h(d, 'input', { type: 'radio', name: 'report-period', id: `report-period-${p}`, value: p, onchange: () => this.setPeriod(p) });
      input.checked = p === this.period;
      this.periodInputs[p] = input;
      return h(d, 'label', { class: 'c-choice', for: `report-period-${p}` }, input, ' ', t(`period_${p}`));
    });
    this.fromInput = h(d, 'input', { type: 'date', id: 'report-from', onchange: () => this.load() });
    this.toInput = h(d, 'input', { type: 'date', id: 'report-to', onchange: () => this.load() });
    this.customEl = h(
      d,
      'div',
      { class: 'c-report-dates', hidden: true },
      h(d, 'label', { for: 'report-from' }, t('reportFrom')),
      this.fromInput,
      h(d, 'label', { for: 'report-to' }, t('reportTo')),
      this.toInput,
    );
    // the filters
    this.agentSelect = h(d, 'select', { id: 'report-agent', onchange: () => this.load() }, h(d, 'option', { value: '' }, t('reportAll')));
    this.problemList = h(d, 'datalist', { id: 'report-problem-list' });
    this.problemInput = h(d, 'input', {
      type: 'text',
      id: 'report-problem',
      list: 'report-problem-list',
      autocomplete: 'off',
      placeholder: t('reportAll'),
      'aria-describedby': 'report-problem-hint',
      onchange: () => this.load(),
    });
    this.reasonSelect = h(d, 'select', { id: 'report-reason', onchange: () => this.load() });
    this.renderReasons([]);
    this.hoursInput = h(d, 'input', { type: 'checkbox', id: 'report-hours', onchange: () => this.load() });
    this.csvLink = h(d, 'a', { class: 'c-btn', id: 'report-csv', href: '#', download: 'conversazioni.csv', onclick: (e) => this.downloadCsv(e) }, t('reportCsv'));
    const field = (id, text, input, extra) => h(d, 'div', { class: 'c-field' }, h(d, 'label', { for: id }, text), input, extra || null);
    this.form = h(
      d,
      'form',
      {
        class: 'c-report-controls',
        'aria-label': t('reportControls'),
        onsubmit: (e) => {
          e.preventDefault();
          this.load();
        },
      },
      h(d, 'fieldset', { class: 'c-report-period' }, h(d, 'legend', {}, t('reportPeriod')), h(d, 'div', { class: 'c-choices' }, choices), this.customEl),
      h(
        d,
        'div',
        { class: 'c-report-filters' },
        field('report-agent', t('reportAgent'), this.agentSelect),
        field('report-problem', t('reportProblem'), this.problemInput, [this.problemList, h(d, 'span', { class: 'c-sr-only', id: 'report-problem-hint' }, t('reportProblemHint'))]),
        field('report-reason', t('reportReason'), this.reasonSelect),
        h(d, 'div', { class: 'c-field c-field--check' }, this.hoursInput, h(d, 'label', { for: 'report-hours' }, t('reportHours'))),
      ),
      h(d, 'div', { class: 'c-buttons-row' }, h(d, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('reportUpdate')), this.csvLink),
    );
    this.errorEl = h(d, 'p', { class: 'c-error', role: 'alert', id: 'report-error' });
    this.statusEl = h(d, 'p', { class: 'c-muted c-report-shown', role: 'status', id: 'report-shown' });
    this.countsEl = h(d, 'div', { class: 'c-figures', id: 'report-figures' });
    this.timesEl = h(d, 'div', { class: 'c-figures c-figures--times', id: 'report-times' });
    this.csatEl = h(d, 'div', { class: 'c-report-csat', id: 'report-csat' });
    this.qualityEl = h(d, 'div', { class: 'c-figures', id: 'report-quality' });
    this.qualitySection = h(d, 'section', { 'aria-labelledby': 'report-quality-title', hidden: true }, h(d, 'h3', { id: 'report-quality-title' }, t('reportQuality')), this.qualityEl);
    // the charts, each with its figures in a table (a canvas cannot be reached with the keyboard)
    this.dayCanvas = h(d, 'canvas', { id: 'report-chart-day', role: 'img', 'aria-label': t('chartByDay') });
    this.reasonCanvas = h(d, 'canvas', { id: 'report-chart-reason', role: 'img', 'aria-label': t('chartByReason') });
    this.dayTable = h(d, 'div', { class: 'c-table-wrap' });
    this.reasonTable = h(d, 'div', { class: 'c-table-wrap' });
    this.chartNote = h(d, 'p', { class: 'c-muted', hidden: true }, t('chartsFailed'));
    const chart = (id, caption, canvas, table) =>
      h(
        d,
        'figure',
        { class: 'c-chart-box', 'aria-labelledby': `${id}-caption` },
        h(d, 'figcaption', { id: `${id}-caption` }, caption),
        h(d, 'div', { class: 'c-chart' }, canvas),
        h(d, 'details', { class: 'c-chart-data' }, h(d, 'summary', {}, t('chartData')), table),
      );
    this.chartsEl = h(
      d,
      'div',
      { class: 'c-charts' },
      chart('report-chart-day', t('chartByDay'), this.dayCanvas, this.dayTable),
      chart('report-chart-reason', t('chartByReason'), this.reasonCanvas, this.reasonTable),
    );
    // the drill-down
    this.drillTitle = h(d, 'h3', { id: 'report-drill-title', tabindex: '-1' });
    this.drillStatus = h(d, 'p', { class: 'c-muted', role: 'status', id: 'report-drill-status' });
    this.drillBody = h(d, 'div', { class: 'c-table-wrap' });
    this.drillEl = h(
      d,
      'section',
      { class: 'c-drill', id: 'report-drill', hidden: true, 'aria-labelledby': 'report-drill-title' },
      h(d, 'div', { class: 'c-drill-head' }, this.drillTitle, h(d, 'button', { type: 'button', class: 'c-btn c-btn--small', id: 'report-drill-close', onclick: () => this.closeDrill(true) }, t('drillClose'))),
      this.drillStatus,
      this.drillBody,
    );
    this.resultsEl = h(
      d,
      'div',
      { class: 'c-report-results', hidden: true },
      h(d, 'section', { 'aria-labelledby': 'report-figures-title' }, h(d, 'h3', { id: 'report-figures-title' }, t('reportFigures')), this.countsEl),
      this.drillEl,
      this.chartNote,
      this.chartsEl,
      h(d, 'section', { 'aria-labelledby': 'report-times-title' }, h(d, 'h3', { id: 'report-times-title' }, t('reportTimes')), this.timesEl),
      h(d, 'section', { 'aria-labelledby': 'report-csat-title' }, h(d, 'h3', { id: 'report-csat-title' }, t('reportCsat')), this.csatEl),
      this.qualitySection,
    );
    this.root = h(
      d,
      'section',
      { class: 'c-page c-report', id: 'page-report', 'aria-labelledby': 'report-title' },
      h(d, 'div', { class: 'c-page-head' }, this.title),
      this.form,
      this.errorEl,
      this.statusEl,
      this.resultsEl,
    );
  }

  focus() {
    this.title.focus();
  }

  /**
   * Shown: the first time, the accounts for the agent filter and today's report; afterwards the page
   * is as it was left (an open list of conversations too) until "Aggiorna" or a change of filter.
   */
  async show() {
    if (this.query) return;
    if (!this.accountsLoaded) await this.loadAccounts();
    await this.load();
  }

  async loadAccounts() {
    try {
      this.accounts = sortTeam(listOf(await this.api.team(), 'agents'));
      this.accountsLoaded = true;
    } catch {
      this.accounts = [];
    }
    this.names = Object.fromEntries(this.accounts.map((a) => [String(a.id), a.name || a.email || String(a.id)]));
    const chosen = this.agentSelect.value;
    clear(this.agentSelect).appendChild(h(this.doc, 'option', { value: '' }, t('reportAll')));
    for (const a of this.accounts.filter((x) => TAKES_CONVERSATIONS.includes(roleOf(x)))) {
      this.agentSelect.appendChild(h(this.doc, 'option', { value: a.id }, a.disabled ? `${a.name} (${t('teamDisabled')})` : a.name));
      for (const s of a.skills || []) this.problems.add(s);
    }
    this.agentSelect.value = chosen;
    this.renderProblems();
  }

  renderProblems() {
    clear(this.problemList);
    for (const p of [...this.problems].sort()) this.problemList.appendChild(h(this.doc, 'option', { value: p }, problemText(p)));
  }

  renderReasons(seen) {
    const chosen = this.reasonSelect.value;
    clear(this.reasonSelect).appendChild(h(this.doc, 'option', { value: '' }, t('reportAll')));
    for (const r of reasonOptions(seen)) this.reasonSelect.appendChild(h(this.doc, 'option', { value: r }, reasonText(r)));
    this.reasonSelect.value = chosen;
  }

  setPeriod(period) {
    this.period = period;
    for (const [p, input] of Object.entries(this.periodInputs)) input.checked = p === period;
    this.customEl.hidden = period !== 'custom';
    if (period === 'custom') {
      // start from the period shown so far
      if (!this.fromInput.value && this.summary) this.fromInput.value = this.summary.from;
      if (!this.toInput.value && this.summary) this.toInput.value = this.summary.to;
      this.fromInput.focus();
    }
    this.load();
  }

  /** The query of the controls, or {error: <strings key>}. */
  currentQuery() {
    const range = periodRange(this.period, this.now(), { from: this.fromInput.value, to: this.toInput.value });
    if (range.error) return range;
    return {
      query: reportQuery({
        ...range,
        agent: this.agentSelect.value,
        problem_type: this.problemInput.value.trim(),
        reason: this.reasonSelect.value,
        business_hours: this.hoursInput.checked,
      }),
    };
  }

  // ------------------------------------------------------------ the summary
  async load() {
    const q = this.currentQuery();
    if (q.error) {
      this.errorEl.textContent = t(q.error);
      return;
    }
    const seq = ++this.seq;
    this.errorEl.textContent = '';
    this.statusEl.textContent = t('reportLoading');
    this.root.setAttribute('aria-busy', 'true');
    let summary;
    try {
      summary = await this.api.summary(q.query);
    } catch (err) {
      if (seq !== this.seq) return;
      this.root.removeAttribute('aria-busy');
      this.statusEl.textContent = '';
      this.errorEl.textContent = err && err.status === 400 ? errorText(err) : t('reportFailed');
      return;
    }
    if (seq !== this.seq) return;
    this.root.removeAttribute('aria-busy');
    this.query = q.query;
    this.summary = summary || {};
    this.root.setAttribute('data-query', q.query);
    this.csvLink.setAttribute('href', `/v1/reports/conversations.csv?${q.query}`);
    this.closeDrill(false);
    this.render();
  }

  render() {
    const s = this.summary;
    this.resultsEl.hidden = false;
    this.statusEl.textContent = periodText(s) + (Number(s.conversations) ? '' : ` · ${t('reportNoData')}`);
    for (const x of (s.csat && s.csat.by_problem_type) || []) if (x.problem_type) this.problems.add(String(x.problem_type));
    this.renderProblems();
    this.renderReasons(Object.keys(s.handoffs_by_reason || {}));
    const f = figures(s);
    this.renderCounts(f.counts);
    this.renderTimes(f.times);
    this.renderCsat(f.csat);
    const quality = qualityFigures(s);
    this.qualitySection.hidden = !quality.length;
    clear(this.qualityEl).append(...quality.map((x) => this.figureButton(x.id, x.label, x.value, [x.sub], x.drill)));
    this.renderChartTables();
    this.drawCharts();
  }

  /** A clickable figure: its words, its value, what is under it; opens the drill-down. */
  figureButton(id, labelText, valueText, subs, drill) {
    const d = this.doc;
    return h(
      d,
      'button',
      {
        type: 'button',
        class: 'c-figure',
        'data-figure': id,
        title: t('figOpen', { figure: labelText, value: valueText }),
        onclick: (e) => this.drill(drill, e.currentTarget),
      },
      h(d, 'span', { class: 'c-figure-label' }, labelText),
      h(d, 'span', { class: 'c-figure-value' }, valueText),
      subs.filter(Boolean).map((x) => h(d, 'span', { class: 'c-figure-sub' }, x)),
    );
  }

  renderCounts(counts) {
    clear(this.countsEl).append(...counts.map((c) => this.figureButton(c.id, c.label, c.value, [c.sub], c.drill)));
  }

  renderTimes(times) {
    clear(this.timesEl).append(
      ...times.map((x) => this.figureButton(x.id, x.label, x.median, [t('figMedian'), t('figP90', { value: x.p90 }), x.sub], x.drill)),
    );
  }

  renderCsat(c) {
    const d = this.doc;
    const table = (id, caption, rows) =>
      rows.length
        ? h(
            d,
            'table',
            { class: 'c-table c-table--compact', id },
            h(d, 'caption', {}, caption),
            h(d, 'thead', {}, h(d, 'tr', {}, h(d, 'th', { scope: 'col' }, caption), h(d, 'th', { scope: 'col' }, t('csatAverage')), h(d, 'th', { scope: 'col' }, t('csatCount')))),
            h(
              d,
              'tbody',
              {},
              rows.map((r) =>
                h(
                  d,
                  'tr',
                  {},
                  h(d, 'th', { scope: 'row' }, r.name),
                  h(d, 'td', { class: 'c-num' }, r.average),
                  h(
                    d,
                    'td',
                    { class: 'c-num' },
                    h(d, 'button', { type: 'button', class: 'c-link', title: t('figOpen', { figure: r.drill.title, value: r.count }), onclick: (e) => this.drill(r.drill, e.currentTarget) }, r.count),
                  ),
                ),
              ),
            ),
          )
        : null;
    clear(this.csatEl).append(
      ...[
        h(d, 'div', { class: 'c-figures' }, this.figureButton('csat', c.label, c.value, [c.sub], c.drill)),
        c.count ? null : h(d, 'p', { class: 'c-muted' }, t('csatNone')),
        table('report-csat-agents', t('csatByAgent'), c.byAgent),
        table('report-csat-problems', t('csatByProblem'), c.byProblem),
      ].filter(Boolean),
    );
  }

  /** The charts' figures as tables, every number a button to its conversations. */
  renderChartTables() {
    const d = this.doc;
    const s = this.summary;
    const cell = (value, drill) =>
      h(d, 'td', { class: 'c-num' }, h(d, 'button', { type: 'button', class: 'c-link', title: t('figOpen', { figure: drill.title, value }), onclick: (e) => this.drill(drill, e.currentTarget) }, String(value)));
    const byDay = byDayChart(s);
    clear(this.dayTable).appendChild(
      byDay.days.length
        ? h(
            d,
            'table',
            { class: 'c-table c-table--compact', id: 'report-day-table' },
            h(d, 'thead', {}, h(d, 'tr', {}, h(d, 'th', { scope: 'col' }, t('chartDay')), PARTS.map((p) => h(d, 'th', { scope: 'col' }, t(`fig_${p}`))))),
            h(
              d,
              'tbody',
              {},
              byDay.days.map((day, i) => h(d, 'tr', {}, h(d, 'th', { scope: 'row' }, dayText(day)), byDay.datasets.map((ds) => cell(ds.data[i], dayDrill(day, ds.key))))),
            ),
          )
        : h(d, 'p', { class: 'c-muted' }, t('reportNoData')),
    );
    const byReason = byReasonChart(s);
    clear(this.reasonTable).appendChild(
      byReason.reasons.length
        ? h(
            d,
            'table',
            { class: 'c-table c-table--compact', id: 'report-reason-table' },
            h(d, 'thead', {}, h(d, 'tr', {}, h(d, 'th', { scope: 'col' }, t('chartReason')), h(d, 'th', { scope: 'col' }, t('chartCount')))),
            h(
              d,
              'tbody',
              {},
              byReason.reasons.map((r, i) => h(d, 'tr', {}, h(d, 'th', { scope: 'row' }, byReason.labels[i]), cell(byReason.data[i], reasonDrill(r)))),
            ),
          )
        : h(d, 'p', { class: 'c-muted' }, t('noHandoffs')),
    );
  }

  async drawCharts() {
    for (const c of this.charts.splice(0)) {
      try {
        c.destroy();
      } catch {
        /* already gone */
      }
    }
    if (!this.chartsOn) return;
    const seq = this.seq;
    let Chart;
    try {
      Chart = await loadChart(this.win);
    } catch {
      this.chartNote.hidden = false;
      return;
    }
    if (seq !== this.seq) return; // a newer report draws its own
    this.chartNote.hidden = true;
    const s = this.summary;
    try {
      this.charts.push(
        drawByDay(Chart, this.dayCanvas, { win: this.win, doc: this.doc, data: byDayChart(s), onPick: (part, day) => this.drill(dayDrill(day, part), null) }),
        drawByReason(Chart, this.reasonCanvas, { win: this.win, doc: this.doc, data: byReasonChart(s), label: t('chartCount'), onPick: (reason) => this.drill(reasonDrill(reason), null) }),
      );
    } catch {
      this.chartNote.hidden = false;
    }
  }

  // ------------------------------------------------------------ the conversations behind a figure
  async drill(drill, origin) {
    const d = this.doc;
    const seq = ++this.drillSeq;
    this.drillOrigin = origin || null;
    this.drillEl.hidden = false;
    this.drillEl.setAttribute('data-metric', drill.metric);
    this.drillTitle.textContent = drill.title;
    this.drillStatus.textContent = t('drillLoading');
    clear(this.drillBody);
    this.drillTitle.focus();
    if (typeof this.drillEl.scrollIntoView === 'function') this.drillEl.scrollIntoView({ block: 'nearest' });
    let answer;
    try {
      answer = await this.api.reportConversations(drillQuery(this.query, drill));
    } catch (err) {
      if (seq === this.drillSeq) this.drillStatus.textContent = err && err.status === 400 ? errorText(err) : t('drillFailed');
      return;
    }
    if (seq !== this.drillSeq) return;
    const rows = drillRows(listOf(answer, 'conversations'), drill);
    for (const r of rows) if (r.problem_type) this.problems.add(String(r.problem_type));
    this.drillTitle.textContent = t('drillTitle', { title: drill.title, n: rows.length });
    this.drillStatus.textContent = rows.length ? (answer && answer.truncated ? t('drillTruncated') : '') : t('drillEmpty');
    if (!rows.length) return;
    const now = Date.now();
    const head = ['drillId', 'drillStarted', 'drillEnded', 'drillProblem', 'drillReason', 'drillAgent', 'drillOutcome', 'drillRating', 'teamActions'];
    this.drillBody.appendChild(
      h(
        d,
        'table',
        { class: 'c-table c-table--compact', id: 'report-drill-table' },
        h(d, 'thead', {}, h(d, 'tr', {}, head.map((k) => h(d, 'th', { scope: 'col' }, t(k))))),
        h(
          d,
          'tbody',
          {},
          rows.map((row) => {
            const v = drillRowView(row, this.names, now);
            return h(
              d,
              'tr',
              { 'data-conversation-id': v.id },
              h(d, 'th', { scope: 'row', class: 'c-drill-id' }, h(d, 'code', {}, v.id)),
              h(d, 'td', {}, v.started),
              h(d, 'td', {}, v.ended),
              h(d, 'td', {}, v.problem),
              h(d, 'td', {}, v.reason),
              h(d, 'td', {}, v.agent),
              h(d, 'td', {}, v.outcome),
              h(d, 'td', { class: 'c-num' }, v.rating),
              h(
                d,
                'td',
                {},
                v.openable
                  ? h(d, 'button', { type: 'button', class: 'c-btn c-btn--small', 'data-open': v.id, 'aria-label': t('drillOpenLabel', { id: v.id }), onclick: () => this.openRow(v.id) }, t('drillOpen'))
                  : h(d, 'span', { class: 'c-muted' }, t('drillBotOnly')),
              ),
            );
          }),
        ),
      ),
    );
  }

  async openRow(id) {
    const opened = await this.open(id);
    if (!opened) this.drillStatus.textContent = t('drillOpenFailed');
  }

  closeDrill(focusBack) {
    this.drillSeq++;
    this.drillEl.hidden = true;
    clear(this.drillBody);
    this.drillStatus.textContent = '';
    const origin = this.drillOrigin;
    this.drillOrigin = null;
    if (focusBack && origin && origin.isConnected) origin.focus();
  }

  // ------------------------------------------------------------ the CSV
  async downloadCsv(e) {
    if (e) e.preventDefault();
    if (!this.query) return;
    const d = this.doc;
    try {
      const { blob, disposition } = await this.api.csv(this.query);
      const summary = this.summary || {};
      const name = csvFileName(disposition, summary);
      const url = this.win.URL.createObjectURL(blob);
      const a = h(d, 'a', { href: url, download: name, hidden: true });
      d.body.appendChild(a);
      a.click();
      a.remove();
      this.win.setTimeout(() => this.win.URL.revokeObjectURL(url), 10000);
    } catch (err) {
      this.errorEl.textContent = err && err.status === 400 ? errorText(err) : t('reportCsvFailed');
    }
  }
}
