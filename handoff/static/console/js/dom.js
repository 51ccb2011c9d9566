// A tiny, safe element builder: strings and numbers become text nodes, never HTML.

import { linkify } from '../shared/text.js';

/**
 * h(doc, 'button', {class: 'c-btn', onclick: fn, 'aria-label': '…'}, 'text', childNode, [more])
 * Attributes: "class", "on<event>" handlers, booleans (true → present, false/null → absent).
 */
export function h(doc, tag, attrs, ...children) {
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(doc, node, children);
  return node;
}

export function append(doc, node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c === 'string' || typeof c === 'number') node.appendChild(doc.createTextNode(String(c)));
    else node.appendChild(c);
  }
  return node;
}

/** Remove every child. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Text with safe links (http/https only, new tab, noopener). */
export function richText(doc, text) {
  const frag = doc.createElement('span');
  for (const seg of linkify(text)) {
    if (seg.type === 'link') {
      const a = doc.createElement('a');
      a.setAttribute('href', seg.href);
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
      a.textContent = seg.text;
      frag.appendChild(a);
    } else {
      frag.appendChild(doc.createTextNode(seg.text));
    }
  }
  return frag;
}

/** A dl from [label, value] rows; each pair in a div (valid in HTML), values longer than `wideAt` marked wide. */
export function rowsList(doc, rows, cls, wideAt = 40) {
  return h(
    doc,
    'dl',
    { class: cls || 'c-rows' },
    rows.map(([k, v]) => h(doc, 'div', { class: String(v).length > wideAt ? 'c-row c-row--wide' : 'c-row' }, h(doc, 'dt', {}, k), h(doc, 'dd', {}, richText(doc, v)))),
  );
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS = {
  // a padlock (internal notes): drawn, so it never depends on an emoji font
  lock: 'M4 7V5a4 4 0 1 1 8 0v2h.5A1.5 1.5 0 0 1 14 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 13.5v-5A1.5 1.5 0 0 1 3.5 7H4zm2 0h4V5a2 2 0 1 0-4 0v2z',
};

/** A small inline SVG icon, hidden from screen readers (the words next to it say what it means). */
export function icon(doc, name) {
  const svg = doc.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', `c-icon c-icon--${name}`);
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '12');
  svg.setAttribute('height', '12');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = doc.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.appendChild(path);
  return svg;
}
