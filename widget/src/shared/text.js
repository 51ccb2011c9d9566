// Text helpers shared by the widget and the agent console (the console imports this folder too):
// safe link detection and initials for avatars. No DOM here.

const SAFE_PROTOCOLS = new Set(['http:', 'https:']);
// A candidate link starts with http:// or https:// (so "javascript:", "data:" never match) and runs
// to whitespace or a character that cannot be part of a bare URL in prose.
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}»]+$/;

/** Only absolute http(s) URLs are safe to link; everything else (javascript:, data:, vbscript:…) is text. */
export function safeHref(candidate) {
  try {
    const url = new URL(candidate);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Split text into plain and link segments. Only http(s) URLs become links.
 * @returns {Array<{type: 'text', text: string} | {type: 'link', text: string, href: string}>}
 */
export function linkify(text) {
  const s = text == null ? '' : String(text);
  const out = [];
  let last = 0;
  for (const m of s.matchAll(URL_RE)) {
    let raw = m[0];
    const trail = TRAILING.exec(raw);
    if (trail) raw = raw.slice(0, raw.length - trail[0].length);
    const start = m.index;
    // "xhttps://…" or "javascript:https://…" are not links: require a boundary before the scheme.
    const before = start > 0 ? s[start - 1] : '';
    const href = before && /[\w:/.@-]/.test(before) ? null : safeHref(raw);
    if (!href || raw.length <= 'https://'.length) continue;
    if (start > last) out.push({ type: 'text', text: s.slice(last, start) });
    out.push({ type: 'link', text: raw, href });
    last = start + raw.length;
  }
  if (last < s.length) out.push({ type: 'text', text: s.slice(last) });
  return out;
}

/** "Serena Rossi" → "SR", "serena" → "S", "" → "?". */
export function initials(name) {
  const parts = String(name || '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (parts.length === 0) return '?';
  const first = [...parts[0]][0] || '';
  const last = parts.length > 1 ? [...parts[parts.length - 1]][0] || '' : '';
  return (first + last).toUpperCase() || '?';
}
