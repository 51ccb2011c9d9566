// One Italian date and time format for the widget and the agent console (the console imports this
// folder too): "24/11/2026, 14:05", and a time of today as just "14:05". Local time, no Intl
// dependency (the same output in every browser and in Node). No words here: numbers only.

const pad = (n) => String(n).padStart(2, '0');

/** A Date from milliseconds (or a Date); null when there is no valid time. */
function asDate(ms) {
  if (ms instanceof Date) return Number.isNaN(ms.getTime()) ? null : ms;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return null;
  return new Date(ms);
}

/** Do two times fall on the same local calendar day? */
export function sameDay(a, b) {
  const x = asDate(a);
  const y = asDate(b);
  return !!x && !!y && x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

/** "14:05" (24 h, local); '' for no time. */
export function formatTime(ms) {
  const d = asDate(ms);
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : '';
}

/** "24/11/2026" (local); '' for no time. */
export function formatDate(ms) {
  const d = asDate(ms);
  return d ? `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}` : '';
}

/** "24/11/2026, 14:05", or "14:05" when it is today (relative to `now`); '' for no time. */
export function formatDateTime(ms, now = Date.now()) {
  const d = asDate(ms);
  if (!d) return '';
  return sameDay(d, now) ? formatTime(d) : `${formatDate(d)}, ${formatTime(d)}`;
}
