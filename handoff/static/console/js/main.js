// The console page's entry point: mount the console once the document is ready (app.js does the rest).

import { mount } from './app.js';

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mount(), { once: true });
else mount();
