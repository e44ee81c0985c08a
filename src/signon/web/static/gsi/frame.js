// @ts-check
/**
 * signon GIS iframe script: the rendered button (/gsi/button) and the One Tap prompt
 * (/gsi/iframe/select). It talks to the page that frames it, whose origin the server checked
 * against the client and pinned with `frame-ancestors`; every message goes to that origin
 * only, and every message it accepts is checked by origin and source.
 */
(() => {
  'use strict';
  const body = document.body;
  const parentOrigin = body.dataset.origin || '';
  const fid = body.dataset.fid || '';
  const SOURCE = 'signon-gsi';

  /** @param {string} kind @param {Record<string, unknown>} [extra] */
  function post(kind, extra) {
    if (window.parent === window || !parentOrigin) return;
    window.parent.postMessage({ source: SOURCE, fid, kind, ...extra }, parentOrigin);
  }

  /** @param {Element} el */
  function reportSize(el) {
    const rect = el.getBoundingClientRect();
    post('resize', { width: Math.ceil(rect.width), height: Math.ceil(rect.height) });
  }

  function button() {
    const btn = /** @type {HTMLButtonElement} */ (document.getElementById('gsi-button'));
    let popupUrl = new URL(body.dataset.popupUrl || '/gsi/select', location.origin);
    let uxMode = body.dataset.uxMode || 'popup';
    /** @type {Window | null} */
    let popup = null;
    // A fresh random value per click, sent to the popup and echoed back with the credential.
    // The popup also has no window name: a page that frames this button must not be able to
    // point the popup (e.g. with <a target=...>) at another client's flow and have the
    // credential for that client forwarded to it.
    let channel = '';
    new ResizeObserver(() => reportSize(btn)).observe(btn);
    reportSize(btn);

    btn.addEventListener('click', () => {
      if (uxMode === 'popup') {
        // Opened here, inside the click, so the browser's popup blocker lets it through.
        const w = 500, h = 620;
        const left = Math.max(0, (screen.width - w) / 2), top = Math.max(0, (screen.height - h) / 2);
        const bytes = crypto.getRandomValues(new Uint8Array(16));
        channel = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
        const url = new URL(popupUrl.href);
        url.searchParams.set('channel', channel);
        popup = window.open(url.href, '_blank',
          `popup,width=${w},height=${h},left=${left},top=${top}`);
      }
      post('click');
    });

    window.addEventListener('message', (event) => {
      const data = event.data;
      if (!data || typeof data !== 'object') return;
      if (event.origin === location.origin && popup && event.source === popup) {
        const ours = channel !== '' && data.channel === channel &&
          data.client_id === popupUrl.searchParams.get('client_id') &&
          data.origin === popupUrl.searchParams.get('origin');
        if (ours && data.type === 'signon:gsi_credential') {
          channel = '';  // one credential per click
          post('credential', { credential: data.credential, select_by: data.select_by });
        }
        return;
      }
      // The page pushes a newer initialize() configuration (the last call wins).
      if (event.origin === parentOrigin && event.source === window.parent &&
          data.source === SOURCE && data.kind === 'config') {
        for (const name of ['nonce', 'login_hint', 'hd', 'context']) {
          const value = data[name];
          if (typeof value === 'string' && value) popupUrl.searchParams.set(name, value);
          else if (name !== 'login_hint') popupUrl.searchParams.delete(name);
        }
        if (data.ux_mode === 'redirect' || data.ux_mode === 'popup') uxMode = data.ux_mode;
      }
    });
  }

  function oneTap() {
    if (body.dataset.noSession) {
      post('no_session');
      return;
    }
    const card = /** @type {HTMLElement} */ (document.querySelector('.ot'));
    const status = /** @type {HTMLElement} */ (document.getElementById('ot-status'));
    const ticket = body.dataset.ticket || '';
    let busy = false;
    new ResizeObserver(() => reportSize(card)).observe(card);

    /** @param {string} sub @param {'user' | 'auto'} mode */
    async function choose(sub, mode) {
      if (busy) return;
      busy = true;
      status.hidden = false;
      document.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      try {
        const response = await fetch('/gsi/credential', {
          method: 'POST',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'XmlHttpRequest' },
          body: JSON.stringify({ ticket, sub, mode }),
        });
        const data = await response.json();
        if (response.ok && data.credential) {
          post('credential', { credential: data.credential, select_by: data.select_by });
          return;
        }
        if (mode === 'auto' && data.error === 'consent_required') {
          ready();  // no auto sign-in without earlier consent: show the prompt instead
          return;
        }
        post('error', { reason: 'issuing_failed' });
      } catch (e) {
        post('error', { reason: 'issuing_failed' });
      } finally {
        busy = false;
        status.hidden = true;
        document.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      }
    }

    function ready() {
      reportSize(card);
      post('ready', { auto: false });
    }

    document.getElementById('ot-close')?.addEventListener('click', () => post('close'));
    document.querySelectorAll('button.ot-account, #ot-continue').forEach((el) => {
      el.addEventListener('click', () => choose(/** @type {HTMLElement} */ (el).dataset.sub || '', 'user'));
    });

    const autoSub = body.dataset.auto;
    if (autoSub) {
      reportSize(card);
      post('ready', { auto: true });
      choose(autoSub, 'auto');
    } else {
      ready();
    }
  }

  if (body.dataset.kind === 'button') button();
  else if (body.dataset.kind === 'onetap') oneTap();
})();
