// A tiny DOM stand-in for unit tests: enough of Document/Element for the widget and console views.
// innerHTML / outerHTML / insertAdjacentHTML throw, so any use of HTML parsing fails the tests.

class Node {
  constructor(doc) {
    this.ownerDocument = doc;
    this.parentNode = null;
    this.childNodes = [];
  }
  get firstChild() {
    return this.childNodes[0] || null;
  }
  get lastChild() {
    return this.childNodes[this.childNodes.length - 1] || null;
  }
  get isConnected() {
    let n = this;
    while (n.parentNode) n = n.parentNode;
    return n === this.ownerDocument.body || n === this.ownerDocument.documentElement || n === this.ownerDocument;
  }
  appendChild(child) {
    if (child.nodeType === 11) {
      for (const c of [...child.childNodes]) this.appendChild(c);
      return child;
    }
    if (child.parentNode) child.parentNode.removeChild(child);
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }
  append(...nodes) {
    for (const n of nodes) this.appendChild(typeof n === 'string' ? this.ownerDocument.createTextNode(n) : n);
  }
  insertBefore(child, ref) {
    if (ref === null || ref === undefined) return this.appendChild(child);
    if (child.parentNode) child.parentNode.removeChild(child);
    const i = this.childNodes.indexOf(ref);
    if (i < 0) throw new Error('insertBefore: reference is not a child');
    child.parentNode = this;
    this.childNodes.splice(i, 0, child);
    return child;
  }
  removeChild(child) {
    const i = this.childNodes.indexOf(child);
    if (i < 0) throw new Error('removeChild: not a child');
    this.childNodes.splice(i, 1);
    child.parentNode = null;
    return child;
  }
  remove() {
    if (this.parentNode) this.parentNode.removeChild(this);
  }
  replaceWith(other) {
    const p = this.parentNode;
    if (!p) return;
    p.insertBefore(other, this);
    p.removeChild(this);
  }
  get textContent() {
    return this.childNodes.map((c) => c.textContent).join('');
  }
  set textContent(v) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes = [];
    const s = v == null ? '' : String(v);
    if (s) this.appendChild(this.ownerDocument.createTextNode(s));
  }
}

class Text extends Node {
  constructor(doc, data) {
    super(doc);
    this.nodeType = 3;
    this.data = String(data);
  }
  get textContent() {
    return this.data;
  }
  set textContent(v) {
    this.data = String(v);
  }
}

class ClassList {
  constructor(el) {
    this.el = el;
  }
  list() {
    return (this.el.getAttribute('class') || '').split(/\s+/).filter(Boolean);
  }
  add(...c) {
    const s = new Set(this.list());
    c.forEach((x) => s.add(x));
    this.el.setAttribute('class', [...s].join(' '));
  }
  remove(...c) {
    this.el.setAttribute('class', this.list().filter((x) => !c.includes(x)).join(' '));
  }
  contains(c) {
    return this.list().includes(c);
  }
  toggle(c, force) {
    const on = force === undefined ? !this.contains(c) : !!force;
    if (on) this.add(c);
    else this.remove(c);
    return on;
  }
}

class Element extends Node {
  constructor(doc, tag, ns) {
    super(doc);
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.namespaceURI = ns || 'http://www.w3.org/1999/xhtml';
    this.attributes = new Map();
    this.listeners = {};
    this.classList = new ClassList(this);
    this.value = '';
    this.style = {};
  }
  setAttribute(k, v) {
    this.attributes.set(k, String(v));
  }
  getAttribute(k) {
    return this.attributes.has(k) ? this.attributes.get(k) : null;
  }
  hasAttribute(k) {
    return this.attributes.has(k);
  }
  removeAttribute(k) {
    this.attributes.delete(k);
  }
  get className() {
    return this.getAttribute('class') || '';
  }
  set className(v) {
    this.setAttribute('class', v);
  }
  get id() {
    return this.getAttribute('id') || '';
  }
  set id(v) {
    this.setAttribute('id', v);
  }
  get hidden() {
    return this.hasAttribute('hidden');
  }
  set hidden(v) {
    if (v) this.setAttribute('hidden', '');
    else this.removeAttribute('hidden');
  }
  get children() {
    return this.childNodes.filter((c) => c.nodeType === 1);
  }
  set innerHTML(_) {
    throw new Error('innerHTML must never be used');
  }
  get innerHTML() {
    throw new Error('innerHTML must never be used');
  }
  set outerHTML(_) {
    throw new Error('outerHTML must never be used');
  }
  insertAdjacentHTML() {
    throw new Error('insertAdjacentHTML must never be used');
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  removeEventListener(type, fn) {
    this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn);
  }
  dispatch(type, props = {}) {
    const ev = { type, target: this, currentTarget: this, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; }, ...props };
    for (const fn of this.listeners[type] || []) fn(ev);
    return ev;
  }
  click() {
    return this.dispatch('click');
  }
  focus() {
    this.ownerDocument.activeElement = this;
  }
  /** All descendant elements, depth first. */
  descendants() {
    const out = [];
    const walk = (n) => {
      for (const c of n.childNodes) {
        if (c.nodeType === 1) {
          out.push(c);
          walk(c);
        }
      }
    };
    walk(this);
    return out;
  }
  matches(sel) {
    // supports ".class", "tag", "tag.class", "[attr]", "[attr=value]"
    const m = /^([a-z0-9]+)?(?:\.([\w-]+))?(?:\[([\w-]+)(?:="?([^"\]]*)"?)?\])?$/i.exec(sel.trim());
    if (!m) throw new Error(`fakedom: unsupported selector ${sel}`);
    const [, tag, cls, attr, val] = m;
    if (tag && this.tagName !== tag.toUpperCase()) return false;
    if (cls && !this.classList.contains(cls)) return false;
    if (attr && (!this.hasAttribute(attr) || (val !== undefined && this.getAttribute(attr) !== val))) return false;
    return true;
  }
  querySelectorAll(sel) {
    const alts = sel.split(',').map((s) => s.trim());
    return this.descendants().filter((e) => alts.some((s) => e.matches(s)));
  }
  querySelector(sel) {
    return this.querySelectorAll(sel)[0] || null;
  }
}

class Fragment extends Node {
  constructor(doc) {
    super(doc);
    this.nodeType = 11;
  }
}

export class FakeDocument {
  constructor() {
    this.nodeType = 9;
    this.activeElement = null;
    this.documentElement = new Element(this, 'html');
    this.head = new Element(this, 'head');
    this.body = new Element(this, 'body');
    this.documentElement.appendChild(this.head);
    this.documentElement.appendChild(this.body);
    this.visibilityState = 'visible';
  }
  createElement(tag) {
    return new Element(this, tag);
  }
  createElementNS(ns, tag) {
    return new Element(this, tag, ns);
  }
  createTextNode(text) {
    return new Text(this, text);
  }
  createDocumentFragment() {
    return new Fragment(this);
  }
  getElementById(id) {
    return this.documentElement.descendants().find((e) => e.id === id) || null;
  }
  querySelector(sel) {
    return this.documentElement.querySelector(sel);
  }
  querySelectorAll(sel) {
    return this.documentElement.querySelectorAll(sel);
  }
  addEventListener(type, fn) {
    ((this.listeners ||= {})[type] ||= []).push(fn);
  }
  removeEventListener(type, fn) {
    if (this.listeners && this.listeners[type]) this.listeners[type] = this.listeners[type].filter((f) => f !== fn);
  }
}

/** Every element under root, for assertions like "no <img>/<script> was created". */
export function allElements(root) {
  return root.descendants();
}
