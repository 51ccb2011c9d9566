/*
 * Sportello chat widget — loader.
 *
 *   <script src="https://hub.example/widget/sportello.js" data-hub="https://hub.example"
 *           data-lang="it" data-customer-token="…" defer></script>
 *
 * A classic script so one tag is enough: it reads its own attributes and imports the ES modules
 * that live next to it (no build step). data-hub defaults to the origin this file came from;
 * a relative value (e.g. "/") is resolved against the page.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.__sportelloLoading) return;
  window.__sportelloLoading = true;
  var src = script.src;
  var hub = script.getAttribute('data-hub') || new URL(src).origin;
  var lang = script.getAttribute('data-lang') || '';
  // a signed-in customer: the shop's signed token (docs/widget.md), so their orders need no proof
  var customerToken = script.getAttribute('data-customer-token') || '';

  function start() {
    import(new URL('./src/main.js', src).href)
      .then(function (m) {
        m.mount({ hub: hub, lang: lang, customerToken: customerToken });
      })
      .catch(function (err) {
        window.__sportelloLoading = false;
        if (window.console) window.console.error('Sportello widget could not start:', err);
      });
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
})();
