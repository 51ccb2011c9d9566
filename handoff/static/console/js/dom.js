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

/** A dl from [label, value] rows; each pair in a div (valid in HTML), long values marked wide. */
export function rowsList(doc, rows, cls) {
  return h(
    doc,
    'dl',
    { class: cls || 'c-rows' },
    rows.map(([k, v]) => h(doc, 'div', { class: String(v).length > 40 ? 'c-row c-row--wide' : 'c-row' }, h(doc, 'dt', {}, k), h(doc, 'dd', {}, richText(doc, v)))),
  );
}
