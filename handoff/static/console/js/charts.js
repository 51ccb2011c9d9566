// The Report page's two charts, drawn with Chart.js (vendored: ../vendor/chart.js/, its README says
// which version and from where). Loaded only when a supervisor opens the report, never for agents.
// Colours come from the console's stylesheet (--c-chart-* custom properties); a click on a bar calls
// `onPick` with what it stands for. The same figures are in tables next to the charts, clickable too
// (a canvas is not reachable with the keyboard).

import { PARTS } from './figures.js';

const CHART_URL = '../vendor/chart.js/chart.umd.js';
/** Used when the stylesheet has no colour for a part (console.css defines them). */
const FALLBACK = { contained_by_bot: '#166534', handed_off: '#0b4f8a', abandoned: '#b91c1c', reason: '#5b2a9e', text: '#1f2933', grid: '#d8dee6' };

let loading = null;

/** Chart.js, loaded once (the UMD build defines the global `Chart`; no bundler, no CDN). */
export function loadChart(win = globalThis) {
  if (win.Chart) return Promise.resolve(win.Chart);
  if (!loading) {
    loading = import(CHART_URL).then(
      () => {
        const Chart = win.Chart || globalThis.Chart;
        if (!Chart) throw new Error('Chart.js did not load');
        return Chart;
      },
      (err) => {
        loading = null; // another try next time
        throw err;
      },
    );
  }
  return loading;
}

function colour(win, doc, name) {
  try {
    const v = win.getComputedStyle(doc.documentElement).getPropertyValue(`--c-chart-${name.replace(/_/g, '-')}`).trim();
    return v || FALLBACK[name];
  } catch {
    return FALLBACK[name];
  }
}

/** Charts speak in the console's font. */
function useConsoleFont(Chart, win, doc) {
  try {
    const family = win.getComputedStyle(doc.body).fontFamily;
    if (family && Chart.defaults && Chart.defaults.font) Chart.defaults.font.family = family;
  } catch {
    /* Chart.js's own font */
  }
}

function baseOptions(win, doc, onPick) {
  const text = colour(win, doc, 'text');
  const grid = colour(win, doc, 'grid');
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    onClick: (_event, elements) => {
      if (elements && elements.length) onPick(elements[0].datasetIndex, elements[0].index);
    },
    onHover: (event, elements) => {
      const target = event && event.native && event.native.target;
      if (target && target.style) target.style.cursor = elements && elements.length ? 'pointer' : 'default';
    },
    plugins: { legend: { labels: { color: text } } },
    scales: {
      x: { ticks: { color: text }, grid: { color: grid } },
      y: { beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
    },
  };
}

/**
 * The stacked bars by day. `data`: figures.js byDayChart(); `onPick(part, day)`.
 * @returns {{destroy: () => void}}
 */
export function drawByDay(Chart, canvas, { win, doc, data, onPick }) {
  useConsoleFont(Chart, win, doc);
  const options = baseOptions(win, doc, (datasetIndex, index) => onPick(PARTS[datasetIndex], data.days[index]));
  options.scales.x.stacked = true;
  options.scales.y.stacked = true;
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: data.datasets.map((ds) => ({ label: ds.label, data: ds.data, backgroundColor: colour(win, doc, ds.key), borderWidth: 0, maxBarThickness: 56 })),
    },
    options,
  });
}

/**
 * The hand-offs by reason, one bar each. `data`: figures.js byReasonChart(); `onPick(reason)`.
 * @returns {{destroy: () => void}}
 */
export function drawByReason(Chart, canvas, { win, doc, data, label, onPick }) {
  useConsoleFont(Chart, win, doc);
  const options = baseOptions(win, doc, (_datasetIndex, index) => onPick(data.reasons[index]));
  options.indexAxis = 'y';
  options.plugins.legend = { display: false };
  options.scales = {
    x: { beginAtZero: true, ticks: { color: colour(win, doc, 'text'), precision: 0 }, grid: { color: colour(win, doc, 'grid') } },
    y: { ticks: { color: colour(win, doc, 'text') }, grid: { display: false } },
  };
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: data.labels, datasets: [{ label, data: data.data, backgroundColor: colour(win, doc, 'reason'), borderWidth: 0, maxBarThickness: 40 }] },
    options,
  });
}
