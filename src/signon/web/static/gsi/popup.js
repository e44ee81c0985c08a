// @ts-check
/**
 * The last page of the button's popup: hand the message to the opener (the button iframe, on
 * this same origin; never any other origin) and close.
 */
(() => {
  'use strict';
  const el = document.getElementById('gsi-message');
  const message = el ? JSON.parse(el.textContent || '{}') : {};
  if (window.opener) window.opener.postMessage(message, location.origin);
  window.close();
})();
