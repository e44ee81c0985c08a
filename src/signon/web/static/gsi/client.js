// @ts-check
/**
 * signon's Sign In With Google library, served at <issuer>/gsi/client: the same
 * `google.accounts.id` and `google.accounts.oauth2` surface as https://accounts.google.com/gsi/client,
 * so a page written for Google works by changing only the <script src>. See docs/gsi.md.
 *
 * The issuer is wherever this script was loaded from. The button and the One Tap prompt are
 * iframes on the issuer; every postMessage names its target origin, and every message received
 * is checked by origin and source.
 */
(() => {
  'use strict';

  /**
   * @typedef {{credential: string, select_by: string, clientId?: string, client_id?: string, state?: string}} CredentialResponse
   * @typedef {{
   *   client_id?: string, auto_select?: boolean, callback?: (r: CredentialResponse) => void,
   *   login_uri?: string, native_callback?: (c: {id: string, password: string}) => void,
   *   cancel_on_tap_outside?: boolean, prompt_parent_id?: string, nonce?: string,
   *   context?: 'signin' | 'signup' | 'use', state_cookie_domain?: string,
   *   ux_mode?: 'popup' | 'redirect', allowed_parent_origin?: string | string[],
   *   intermediate_iframe_close_callback?: () => void, itp_support?: boolean,
   *   login_hint?: string, hd?: string, use_fedcm_for_prompt?: boolean,
   *   use_fedcm_for_button?: boolean, button_auto_select?: boolean, log_level?: string
   * }} IdConfiguration
   * @typedef {{
   *   type?: 'standard' | 'icon', theme?: 'outline' | 'filled_blue' | 'filled_black',
   *   size?: 'large' | 'medium' | 'small', text?: 'signin_with' | 'signup_with' | 'continue_with' | 'signin',
   *   shape?: 'rectangular' | 'pill' | 'circle' | 'square', logo_alignment?: 'left' | 'center',
   *   width?: number | string, locale?: string, click_listener?: (d: {state?: string}) => void, state?: string
   * }} GsiButtonConfiguration
   * @typedef {'display' | 'skipped' | 'dismissed'} MomentType
   * @typedef {{iframe: HTMLIFrameElement, options: GsiButtonConfiguration}} RenderedButton
   * @typedef {{fid: string, iframe: HTMLIFrameElement, holder: HTMLElement,
   *   listener: ((n: PromptMomentNotification) => void) | undefined, displayed: boolean,
   *   timer: number, outside: ((e: Event) => void) | null}} Prompt
   */

  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  const SRC = new URL(script && script.src ? script.src : '/gsi/client', location.href);
  const ISSUER_ORIGIN = SRC.origin;
  const BASE = SRC.href.slice(0, SRC.href.indexOf('/gsi/client')) || SRC.origin;
  const HL = SRC.searchParams.get('hl') || '';
  const SOURCE = 'signon-gsi';
  const STATE_COOKIE = 'g_state';
  const CSRF_COOKIE = 'g_csrf_token';
  const HOUR = 3600e3, DAY = 24 * HOUR;
  // spec 4.4: closing One Tap suppresses it for 2 hours, then 1 day, 1 week, 4 weeks.
  const COOLDOWNS = [2 * HOUR, DAY, 7 * DAY, 28 * DAY];
  const AUTO_CANCEL_MS = 90e3;  // spec 4.4: mobile One Tap dismisses itself after 90 s

  /** @type {IdConfiguration | null} */
  let config = null;
  /** @type {Prompt | null} */
  let prompt = null;
  /** @type {Map<string, RenderedButton>} */
  const buttons = new Map();
  /** @type {Map<string, Promise<{client: boolean, origin: boolean}>>} */
  const statusCache = new Map();
  let logLevel = 'warn';

  // ---- small helpers -------------------------------------------------------------------
  const log = {
    /** @param {...unknown} a */ debug: (...a) => { if (logLevel === 'debug') console.debug('[GSI_LOGGER]', ...a); },
    /** @param {...unknown} a */ warn: (...a) => { if (logLevel !== 'error') console.warn('[GSI_LOGGER]', ...a); },
    /** @param {...unknown} a */ error: (...a) => console.error('[GSI_LOGGER]', ...a),
  };

  function randomId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** @param {string} name */
  function readCookie(name) {
    for (const part of document.cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
    }
    return '';
  }

  /** @param {string} name @param {string} value @param {{maxAge?: number, crossSite?: boolean}} [opts] */
  function writeCookie(name, value, opts = {}) {
    let cookie = `${name}=${encodeURIComponent(value)}; path=/`;
    const domain = config && config.state_cookie_domain;
    if (domain) cookie += `; domain=${domain}`;
    if (opts.maxAge !== undefined) cookie += `; max-age=${opts.maxAge}`;
    // The redirect-mode POST comes from the issuer's page: a cross-site POST carries only
    // SameSite=None cookies, which must be Secure (fine on https and on localhost).
    cookie += opts.crossSite && window.isSecureContext ? '; SameSite=None; Secure' : '; SameSite=Lax';
    document.cookie = cookie;
  }

  /** @returns {{i_l?: number, i_p?: number, i_na?: number}} */
  function readState() {
    try {
      const value = JSON.parse(readCookie(STATE_COOKIE) || '{}');
      return value && typeof value === 'object' ? value : {};
    } catch (e) {
      return {};
    }
  }

  /** @param {{i_l?: number, i_p?: number, i_na?: number}} state */
  function writeState(state) {
    const clean = Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined && v !== 0));
    if (Object.keys(clean).length) writeCookie(STATE_COOKIE, JSON.stringify(clean), { maxAge: 180 * 86400 });
    else writeCookie(STATE_COOKIE, '', { maxAge: 0 });
  }

  /** A credential was returned: the cooldown resets and auto-select may run again. */
  function resetState() {
    writeState({});
  }

  function isSecureOrigin() {
    if (location.protocol === 'https:') return true;
    return ['localhost', '127.0.0.1', '[::1]'].includes(location.hostname) || location.hostname.endsWith('.localhost');
  }

  /** @param {string} clientId */
  function checkStatus(clientId) {
    let pending = statusCache.get(clientId);
    if (!pending) {
      pending = fetch(`${BASE}/gsi/status?client_id=${encodeURIComponent(clientId)}`, { credentials: 'omit' })
        .then((r) => r.json())
        .catch(() => ({ client: false, origin: false }));
      statusCache.set(clientId, pending);
    }
    return pending;
  }

  /** @param {string} path @param {Record<string, string | undefined>} params */
  function issuerUrl(path, params) {
    const url = new URL(BASE + path);
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
    return url.href;
  }

  /** @param {string} action @param {Record<string, string>} fields */
  function postForm(action, fields) {
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = action;
    form.style.display = 'none';
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
  }

  /** @param {string} name */
  function globalFunction(name) {
    const fn = name ? /** @type {any} */ (window)[name] : undefined;
    return typeof fn === 'function' ? fn : undefined;
  }

  /** @param {string | undefined} uri */
  function absolute(uri) {
    try {
      return new URL(uri || location.href.split('#')[0], location.href).href;
    } catch (e) {
      return location.href.split('#')[0];
    }
  }

  /** Hand a credential to the page: `callback`, else a POST to `login_uri` (spec 4.3).
   * @param {CredentialResponse} response */
  function deliver(response) {
    resetState();
    const conf = config || {};
    if (typeof conf.callback === 'function') {
      conf.callback(response);
    } else if (conf.login_uri || document.getElementById('g_id_onload')) {
      const token = randomId();
      writeCookie(CSRF_COOKIE, token, { crossSite: true });
      postForm(absolute(conf.login_uri), {
        credential: response.credential, g_csrf_token: token, select_by: response.select_by,
        client_id: conf.client_id || '', clientId: conf.client_id || '',
        ...(response.state ? { state: response.state } : {}),
      });
    } else {
      log.error('No callback or login_uri to receive the credential.');
    }
  }

  // ---- moments -------------------------------------------------------------------------
  class PromptMomentNotification {
    /** @param {MomentType} type @param {string} [reason] @param {boolean} [displayed] */
    constructor(type, reason, displayed = false) {
      this.type = type;
      this.reason = reason;
      this.displayed = displayed;
    }
    isDisplayMoment() { return this.type === 'display'; }
    isDisplayed() { return this.type === 'display' && this.displayed; }
    isNotDisplayed() { return this.type === 'display' && !this.displayed; }
    getNotDisplayedReason() { return this.isNotDisplayed() ? this.reason : undefined; }
    isSkippedMoment() { return this.type === 'skipped'; }
    getSkippedReason() { return this.type === 'skipped' ? this.reason : undefined; }
    isDismissedMoment() { return this.type === 'dismissed'; }
    getDismissedReason() { return this.type === 'dismissed' ? this.reason : undefined; }
    getMomentType() { return this.type; }
  }

  /** @param {((n: PromptMomentNotification) => void) | undefined} listener @param {PromptMomentNotification} n */
  function notify(listener, n) {
    log.debug('moment', n.type, n.reason || '');
    if (!listener) return;
    try {
      listener(n);
    } catch (e) {
      log.error(e);
    }
  }

  // ---- One Tap -------------------------------------------------------------------------
  /** Remove the prompt and report why. @param {MomentType} type @param {string} reason */
  function endPrompt(type, reason) {
    const p = prompt;
    if (!p) return;
    prompt = null;
    clearTimeout(p.timer);
    if (p.outside) document.removeEventListener('click', p.outside, true);
    p.holder.remove();
    notify(p.listener, new PromptMomentNotification(type, reason));
  }

  /** @param {((n: PromptMomentNotification) => void) | undefined} listener @param {string} reason */
  function notDisplayed(listener, reason) {
    notify(listener, new PromptMomentNotification('display', reason, false));
  }

  /** @param {((n: PromptMomentNotification) => void)} [listener] */
  function showPrompt(listener) {
    const conf = config;
    if (!conf) {
      log.error('google.accounts.id.prompt() called before initialize().');
      return;
    }
    if (prompt) endPrompt('dismissed', 'flow_restarted');
    if (fedcmRequest) endFedcm('flow_restarted');
    if (!conf.client_id) return notDisplayed(listener, 'missing_client_id');
    if (!isSecureOrigin()) return notDisplayed(listener, 'secure_http_required');
    const useFedcm = !!conf.use_fedcm_for_prompt && fedcmSupported();
    // Under FedCM the browser keeps its own cooldown after a dismissal (spec 4.4).
    const state = readState();
    if (!useFedcm && state.i_p && Date.now() < state.i_p) return notDisplayed(listener, 'suppressed_by_user');
    const clientId = conf.client_id;
    checkStatus(clientId).then((status) => {
      if (config !== conf) return;  // re-initialized meanwhile; the newer prompt() decides
      if (!status.client) return notDisplayed(listener, 'invalid_client');
      if (!status.origin) return notDisplayed(listener, 'unregistered_origin');
      if (useFedcm) fedcmPrompt(conf, clientId, listener);
      else openPrompt(conf, clientId, listener);
    });
  }

  // ---- FedCM (use_fedcm_for_prompt) ----------------------------------------------------
  // The browser shows its own account chooser and fetches signon's FedCM endpoints itself, with
  // signon's cookie, so this works where third-party cookies are blocked (docs/gsi.md, FedCM).
  // Moments as Google documents them under FedCM: no display moments once the browser has the
  // prompt; skipped and dismissed moments still fire.

  /** @type {{controller: AbortController, listener: ((n: PromptMomentNotification) => void) | undefined} | null} */
  let fedcmRequest = null;

  function fedcmSupported() {
    return 'IdentityCredential' in window && !!navigator.credentials && typeof navigator.credentials.get === 'function';
  }

  /** Abandon the pending FedCM request and say why. @param {string} reason */
  function endFedcm(reason) {
    const r = fedcmRequest;
    if (!r) return;
    fedcmRequest = null;
    r.controller.abort();
    notify(r.listener, new PromptMomentNotification('dismissed', reason));
  }

  /** @param {IdConfiguration} conf @param {string} clientId @param {((n: PromptMomentNotification) => void) | undefined} listener */
  function fedcmPrompt(conf, clientId, listener) {
    if (fedcmRequest) endFedcm('flow_restarted');
    const request = { controller: new AbortController(), listener };
    fedcmRequest = request;
    const autoSelect = !!conf.auto_select && !readState().i_na;
    /** @type {Record<string, unknown>} */
    const provider = { configURL: `${BASE}/fedcm/config.json`, clientId };
    if (conf.nonce) provider.params = { nonce: conf.nonce };
    if (conf.login_hint) provider.loginHint = conf.login_hint;
    if (conf.hd) provider.domainHint = conf.hd;
    /** @type {Record<string, unknown>} */
    const identity = { providers: [provider] };
    if (conf.context === 'signup' || conf.context === 'use' || conf.context === 'signin') identity.context = conf.context;
    const options = /** @type {any} */ ({
      identity,
      // 'optional' lets the browser sign a returning user straight back in (auto re-authn);
      // 'required' always shows the account chooser.
      mediation: autoSelect ? 'optional' : 'required',
      signal: request.controller.signal,
    });
    navigator.credentials.get(options).then((/** @type {any} */ credential) => {
      if (fedcmRequest !== request) return;  // cancelled or restarted meanwhile
      fedcmRequest = null;
      if (!credential || typeof credential.token !== 'string') {
        notDisplayed(listener, 'opt_out_or_no_session');
        return;
      }
      notify(listener, new PromptMomentNotification('dismissed', 'credential_returned'));
      deliver({ credential: credential.token, select_by: credential.isAutoSelected ? 'fedcm_auto' : 'fedcm',
        clientId, client_id: clientId });
    }, (/** @type {any} */ error) => {
      if (fedcmRequest !== request) return;
      fedcmRequest = null;
      log.debug('FedCM', error && error.name, error && error.message);
      // signon answered with an error (IdentityCredentialError.error, e.g. unauthorized_client):
      // it could not issue. Anything else (no session, the user closed the dialog, FedCM
      // disabled or cooling down) the browser deliberately reports the same way.
      const code = error && (error.error || error.code);
      if (error && error.name === 'IdentityCredentialError' && code) {
        notify(listener, new PromptMomentNotification('skipped', 'issuing_failed'));
      } else {
        notDisplayed(listener, 'opt_out_or_no_session');
        tryNativeCredential();
      }
    });
  }

  /** @param {IdConfiguration} conf @param {string} clientId @param {((n: PromptMomentNotification) => void) | undefined} listener */
  function openPrompt(conf, clientId, listener) {
    if (prompt) endPrompt('dismissed', 'flow_restarted');
    const fid = randomId();
    const autoSelect = !!conf.auto_select && !readState().i_na;
    const iframe = document.createElement('iframe');
    iframe.src = issuerUrl('/gsi/iframe/select', {
      client_id: clientId, origin: location.origin, fid, context: conf.context, nonce: conf.nonce,
      login_hint: conf.login_hint, hd: conf.hd, auto_select: autoSelect ? 'true' : undefined, hl: HL,
    });
    iframe.title = 'Sign in with signon dialog';
    iframe.id = 'credential_picker_iframe';
    iframe.setAttribute('style', 'border:0;width:391px;max-width:100%;height:0;display:block;' +
      'background:#fff;border-radius:8px;color-scheme:light;' +
      'box-shadow:0 1px 3px rgba(60,64,67,.3),0 4px 8px 3px rgba(60,64,67,.15)');
    const holder = document.createElement('div');
    holder.id = 'credential_picker_container';
    const parent = conf.prompt_parent_id ? document.getElementById(conf.prompt_parent_id) : null;
    if (!parent) {
      holder.setAttribute('style', 'position:fixed;top:16px;right:16px;z-index:9999;visibility:hidden');
    } else {
      holder.setAttribute('style', 'visibility:hidden');
    }
    holder.appendChild(iframe);
    (parent || document.body).appendChild(holder);
    const p = /** @type {Prompt} */ ({ fid, iframe, holder, listener, displayed: false, timer: 0, outside: null });
    prompt = p;
    // No answer from the iframe at all (network, blocked frame): give up quietly.
    p.timer = window.setTimeout(() => {
      if (prompt === p && !p.displayed) {
        prompt = null;
        holder.remove();
        notDisplayed(listener, 'unknown_reason');
      }
    }, 15000);
  }

  /** @param {Prompt} p @param {any} data */
  function onPromptMessage(p, data) {
    switch (data.kind) {
      case 'no_session':
        prompt = null;
        clearTimeout(p.timer);
        p.holder.remove();
        notDisplayed(p.listener, 'opt_out_or_no_session');
        tryNativeCredential();
        break;
      case 'ready':
        if (p.displayed) break;
        p.displayed = true;
        clearTimeout(p.timer);
        p.holder.style.visibility = 'visible';
        notify(p.listener, new PromptMomentNotification('display', undefined, true));
        if (config && config.cancel_on_tap_outside !== false) {
          p.outside = (event) => {
            if (prompt === p && event.target instanceof Node && !p.holder.contains(event.target)) {
              endPrompt('skipped', 'tap_outside');
            }
          };
          document.addEventListener('click', p.outside, true);
        }
        if (matchMedia('(pointer: coarse)').matches) {
          p.timer = window.setTimeout(() => { if (prompt === p) endPrompt('skipped', 'auto_cancel'); }, AUTO_CANCEL_MS);
        }
        break;
      case 'resize':
        if (typeof data.height === 'number') p.iframe.style.height = `${data.height}px`;
        break;
      case 'close': {
        const state = readState();
        const level = Math.min((state.i_l || 0) + 1, COOLDOWNS.length);
        writeState({ ...state, i_l: level, i_p: Date.now() + COOLDOWNS[level - 1] });
        endPrompt('skipped', 'user_cancel');
        if (config && typeof config.intermediate_iframe_close_callback === 'function' && config.allowed_parent_origin) {
          config.intermediate_iframe_close_callback();
        }
        break;
      }
      case 'error':
        endPrompt('skipped', 'issuing_failed');
        break;
      case 'credential': {
        const conf = config || {};
        endPrompt('dismissed', 'credential_returned');
        deliver({ credential: String(data.credential), select_by: String(data.select_by),
          clientId: conf.client_id, client_id: conf.client_id });
        break;
      }
      default:
        break;
    }
  }

  function tryNativeCredential() {
    const conf = config;
    const nav = /** @type {any} */ (navigator);
    if (!conf || typeof conf.native_callback !== 'function' || !nav.credentials || !('PasswordCredential' in window)) return;
    nav.credentials.get({ password: true, mediation: 'optional' }).then((/** @type {any} */ cred) => {
      if (cred && cred.type === 'password' && conf.native_callback) conf.native_callback({ id: cred.id, password: cred.password });
    }).catch(() => undefined);
  }

  // ---- the button ----------------------------------------------------------------------
  const BUTTON_HEIGHTS = { large: 40, medium: 32, small: 20 };

  /** @param {HTMLElement} parent @param {GsiButtonConfiguration} options */
  function renderButton(parent, options = {}) {
    const conf = config;
    if (!conf || !conf.client_id) {
      log.error('google.accounts.id.renderButton() needs initialize({client_id}) first.');
      return;
    }
    if (!(parent instanceof HTMLElement)) {
      log.error('renderButton: the parent is not an element.');
      return;
    }
    const clientId = conf.client_id;
    if (!isSecureOrigin()) {
      log.error('Sign in with signon needs https (or localhost).');
      return;
    }
    for (const [fid, b] of buttons) if (parent.contains(b.iframe)) buttons.delete(fid);
    parent.replaceChildren();
    const fid = randomId();
    const size = options.size && options.size in BUTTON_HEIGHTS ? options.size : 'large';
    const iframe = document.createElement('iframe');
    iframe.src = issuerUrl('/gsi/button', {
      client_id: clientId, origin: location.origin, fid, ux_mode: conf.ux_mode, nonce: conf.nonce,
      login_hint: conf.login_hint, hd: conf.hd, context: conf.context, hl: HL,
      type: options.type, theme: options.theme, size: options.size, text: options.text,
      shape: options.shape, logo_alignment: options.logo_alignment, locale: options.locale,
      width: options.width !== undefined ? String(options.width) : undefined,
    });
    iframe.title = 'Sign in with signon button';
    const height = BUTTON_HEIGHTS[size];
    const width = options.type === 'icon' ? height : Math.min(Number(options.width) || 200, 400);
    iframe.setAttribute('style', `border:0;display:block;overflow:hidden;color-scheme:light;width:${width}px;height:${height}px`);
    const wrap = document.createElement('div');
    wrap.setAttribute('style', 'position:relative;display:inline-block');
    wrap.appendChild(iframe);
    if (conf.use_fedcm_for_button && fedcmSupported()) {
      // FedCM's active mode needs the click (user activation) in this page, not in the issuer's
      // iframe: a transparent control over the drawn button takes it.
      const shield = document.createElement('div');
      shield.setAttribute('role', 'button');
      shield.setAttribute('aria-label', iframe.title);
      shield.tabIndex = 0;
      shield.setAttribute('style', 'position:absolute;inset:0;cursor:pointer');
      const press = () => fedcmButton(options);
      shield.addEventListener('click', press);
      shield.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); press(); }
      });
      wrap.appendChild(shield);
    }
    checkStatus(clientId).then((status) => {
      if (!status.client || !status.origin) {
        log.error(status.client ? `The origin ${location.origin} is not registered for client ${clientId}.`
          : `The client ${clientId} was not found.`);
        return;
      }
      parent.appendChild(wrap);
      buttons.set(fid, { iframe, options });
    });
  }

  /** use_fedcm_for_button: the browser's active-mode dialog (it opens signon's sign-in popup
   * itself when nobody is signed in). @param {GsiButtonConfiguration} options */
  function fedcmButton(options) {
    const conf = config;
    if (!conf || !conf.client_id) return;
    const clientId = conf.client_id;
    const state = options.state;
    if (typeof options.click_listener === 'function') {
      try { options.click_listener(state !== undefined ? { state } : {}); } catch (e) { log.error(e); }
    }
    /** @type {Record<string, unknown>} */
    const provider = { configURL: `${BASE}/fedcm/config.json`, clientId };
    if (conf.nonce) provider.params = { nonce: conf.nonce };
    if (conf.login_hint) provider.loginHint = conf.login_hint;
    if (conf.hd) provider.domainHint = conf.hd;
    /** @type {Record<string, unknown>} */
    const identity = { providers: [provider], mode: 'active' };
    if (conf.context === 'signup' || conf.context === 'use' || conf.context === 'signin') identity.context = conf.context;
    navigator.credentials.get(/** @type {any} */ ({ identity, mediation: 'required' })).then((/** @type {any} */ credential) => {
      if (!credential || typeof credential.token !== 'string') return;
      deliver({ credential: credential.token, select_by: 'fedcm', clientId, client_id: clientId,
        ...(state !== undefined ? { state } : {}) });
    }, (/** @type {any} */ error) => {
      log.warn('Sign in with signon (FedCM) did not return a credential:', error && error.name, error && error.message);
    });
  }

  /** @param {RenderedButton} b @param {any} data */
  function onButtonMessage(b, data) {
    const conf = config || {};
    const state = b.options.state;
    switch (data.kind) {
      case 'resize':
        if (data.width > 0 && data.height > 0) {
          b.iframe.style.width = `${data.width}px`;
          b.iframe.style.height = `${data.height}px`;
        }
        break;
      case 'click':
        if (typeof b.options.click_listener === 'function') {
          try { b.options.click_listener(state !== undefined ? { state } : {}); } catch (e) { log.error(e); }
        }
        if (conf.ux_mode === 'redirect') redirectFlow(conf, state);
        break;
      case 'credential':
        deliver({ credential: String(data.credential), select_by: String(data.select_by),
          clientId: conf.client_id, client_id: conf.client_id, ...(state !== undefined ? { state } : {}) });
        break;
      default:
        break;
    }
  }

  /** ux_mode redirect: the issuer's page POSTs the credential to login_uri (spec 4.3).
   * @param {IdConfiguration} conf @param {string | undefined} state */
  function redirectFlow(conf, state) {
    const token = randomId();
    writeCookie(CSRF_COOKIE, token, { crossSite: true });
    location.assign(issuerUrl('/gsi/select', {
      client_id: conf.client_id, ux_mode: 'redirect', login_uri: absolute(conf.login_uri),
      g_csrf_token: token, nonce: conf.nonce, state, login_hint: conf.login_hint, hd: conf.hd,
    }));
  }

  window.addEventListener('message', (event) => {
    if (event.origin !== ISSUER_ORIGIN) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.source !== SOURCE || typeof data.fid !== 'string') return;
    const b = buttons.get(data.fid);
    if (b && event.source === b.iframe.contentWindow) return onButtonMessage(b, data);
    if (prompt && prompt.fid === data.fid && event.source === prompt.iframe.contentWindow) onPromptMessage(prompt, data);
  });

  // ---- google.accounts.id --------------------------------------------------------------
  const id = {
    /** @param {IdConfiguration} idConfig */
    initialize(idConfig) {
      config = { ...(idConfig || {}) };
      if (config.log_level) logLevel = config.log_level;
      for (const b of buttons.values()) {
        b.iframe.contentWindow?.postMessage({ source: SOURCE, kind: 'config', nonce: config.nonce || '',
          login_hint: config.login_hint || '', hd: config.hd || '', context: config.context || '',
          ux_mode: config.ux_mode || 'popup' }, ISSUER_ORIGIN);
      }
    },
    /** @param {(n: PromptMomentNotification) => void} [momentListener] */
    prompt(momentListener) { showPrompt(momentListener); },
    renderButton,
    disableAutoSelect() {
      writeState({ ...readState(), i_na: 1 });
      // FedCM's auto re-authentication is the browser's: ask it to mediate next time.
      if (config && config.use_fedcm_for_prompt && navigator.credentials && typeof navigator.credentials.preventSilentAccess === 'function') {
        navigator.credentials.preventSilentAccess().catch(() => undefined);
      }
    },
    /** @param {{id: string, password: string}} credential @param {() => void} [callback] */
    storeCredential(credential, callback) {
      const W = /** @type {any} */ (window);
      if (!W.PasswordCredential || !navigator.credentials) return;
      navigator.credentials.store(new W.PasswordCredential({ id: credential.id, password: credential.password }))
        .then(() => callback && callback(), () => undefined);
    },
    cancel() {
      if (prompt) endPrompt('dismissed', 'cancel_called');
      if (fedcmRequest) endFedcm('cancel_called');
    },
    /** @param {string} hint @param {(r: {successful: boolean, error?: string}) => void} [callback] */
    revoke(hint, callback) {
      const clientId = (config && config.client_id) || '';
      /** @param {{successful: boolean, error?: string}} result */
      const done = (result) => { if (callback) callback(result); };
      // With the browser's signon session (the SameSite=None cookie): the server revokes only
      // for an account signed in here, never on the say-so of an Origin header alone.
      const withSession = () => fetch(`${BASE}/gsi/revoke`, {
        method: 'POST', credentials: 'include',
        body: new URLSearchParams({ client_id: clientId, hint: String(hint || '') }),
      }).then((r) => r.json()).then((body) => {
        done(body.successful ? { successful: true } : { successful: false, error: String(body.error || 'unknown') });
      }, (e) => done({ successful: false, error: String(e) }));
      // Where third-party cookies are blocked that cookie never arrives; FedCM's disconnect()
      // reaches /fedcm/disconnect with the session all the same (the browser sends it). Pages
      // that opted into FedCM get that path, and the cookie request if the browser refuses.
      const W = /** @type {any} */ (window);
      if (config && config.use_fedcm_for_prompt && W.IdentityCredential &&
          typeof W.IdentityCredential.disconnect === 'function') {
        W.IdentityCredential.disconnect({
          configURL: `${BASE}/fedcm/config.json`, clientId, accountHint: String(hint || ''),
        }).then(() => done({ successful: true }), withSession);
        return;
      }
      withSession();
    },
    /** @param {string} level */
    setLogLevel(level) { logLevel = level; },
    PromptMomentNotification,
  };

  // ---- google.accounts.oauth2 ----------------------------------------------------------
  const SCOPE_ALIASES = /** @type {Record<string, string>} */ ({
    email: 'https://www.googleapis.com/auth/userinfo.email',
    profile: 'https://www.googleapis.com/auth/userinfo.profile',
  });

  /** @param {string} scope */
  function scopeSet(scope) {
    const out = new Set();
    for (const s of String(scope || '').split(/\s+/).filter(Boolean)) out.add(SCOPE_ALIASES[s] || s);
    return out;
  }

  /**
   * Open the authorization endpoint in a popup; its answer comes back by postMessage from
   * the issuer (redirect_uri=postmessage, origin = this page's registered origin).
   * @param {Record<string, string | undefined>} params
   * @param {(params: Record<string, string>) => void} onResponse
   * @param {((e: {type: string, message: string}) => void) | undefined} onError
   */
  function authorizePopup(params, onResponse, onError) {
    const url = issuerUrl('/o/oauth2/v2/auth', { ...params, redirect_uri: 'postmessage', origin: location.origin });
    const w = 500, h = 620;
    const popup = window.open(url, 'signon_oauth2_' + randomId(),
      `popup,width=${w},height=${h},left=${Math.max(0, (screen.width - w) / 2)},top=${Math.max(0, (screen.height - h) / 2)}`);
    if (!popup) {
      if (onError) onError({ type: 'popup_failed_to_open', message: 'Failed to open popup window' });
      return;
    }
    let done = false;
    /** @param {MessageEvent} event */
    const onMessage = (event) => {
      if (event.origin !== ISSUER_ORIGIN || event.source !== popup) return;
      const data = event.data;
      if (!data || data.type !== 'signon:authorization_response' || typeof data.params !== 'object') return;
      done = true;
      cleanup();
      onResponse(data.params);
    };
    const poll = window.setInterval(() => {
      if (!popup.closed || done) return;
      // The answer is posted just before the popup closes itself; let it arrive first.
      window.setTimeout(() => {
        if (done) return;
        done = true;
        cleanup();
        if (onError) onError({ type: 'popup_closed', message: 'Popup window closed' });
      }, 300);
      window.clearInterval(poll);
    }, 250);
    const cleanup = () => {
      window.clearInterval(poll);
      window.removeEventListener('message', onMessage);
    };
    window.addEventListener('message', onMessage);
  }

  /** @param {Record<string, string>} params */
  function tokenResponse(params) {
    /** @type {Record<string, string | number>} */
    const out = { ...params };
    if (params.expires_in !== undefined && /^\d+$/.test(params.expires_in)) out.expires_in = Number(params.expires_in);
    delete out.iss;
    return out;
  }

  const oauth2 = {
    /** @param {any} cfg */
    initTokenClient(cfg) {
      const base = { ...(cfg || {}) };
      return {
        /** @param {any} [overrides] */
        requestAccessToken(overrides) {
          const c = { ...base, ...(overrides || {}) };
          const promptValue = c.prompt === undefined ? 'select_account' : c.prompt;
          authorizePopup({
            client_id: c.client_id, response_type: 'token', scope: c.scope,
            include_granted_scopes: c.include_granted_scopes === false ? 'false' : 'true',
            prompt: promptValue || undefined, login_hint: c.login_hint || c.hint,
            hd: c.hd || c.hosted_domain, state: c.state,
          }, (params) => { if (typeof c.callback === 'function') c.callback(tokenResponse(params)); }, c.error_callback);
        },
      };
    },
    /** @param {any} cfg */
    initCodeClient(cfg) {
      const c = { ...(cfg || {}) };
      return {
        requestCode() {
          const params = {
            client_id: c.client_id, response_type: 'code', scope: c.scope, access_type: 'offline',
            include_granted_scopes: c.include_granted_scopes === false ? 'false' : 'true',
            prompt: c.select_account ? 'select_account' : undefined, login_hint: c.login_hint || c.hint,
            hd: c.hd || c.hosted_domain, state: c.state,
          };
          if (c.ux_mode === 'redirect') {
            location.assign(issuerUrl('/o/oauth2/v2/auth', { ...params, redirect_uri: c.redirect_uri || location.href.split(/[?#]/)[0] }));
            return;
          }
          authorizePopup(params, (p) => {
            if (typeof c.callback !== 'function') return;
            const { iss, authuser, prompt: _p, ...rest } = p;
            c.callback(rest);
          }, c.error_callback);
        },
      };
    },
    /** @param {{scope?: string}} response @param {...string} scopes */
    hasGrantedAllScopes(response, ...scopes) {
      const granted = scopeSet(response && response.scope || '');
      return scopes.length > 0 && scopes.every((s) => granted.has(SCOPE_ALIASES[s] || s));
    },
    /** @param {{scope?: string}} response @param {...string} scopes */
    hasGrantedAnyScope(response, ...scopes) {
      const granted = scopeSet(response && response.scope || '');
      return scopes.some((s) => granted.has(SCOPE_ALIASES[s] || s));
    },
    /** @param {string} accessToken @param {(r: {successful: boolean, error?: string, error_description?: string}) => void} [done] */
    revoke(accessToken, done) {
      fetch(`${BASE}/revoke`, { method: 'POST', credentials: 'omit', body: new URLSearchParams({ token: accessToken }) })
        .then(async (r) => {
          const body = await r.json().catch(() => ({}));
          if (done) done(r.ok ? { successful: true } : { successful: false, error: body.error, error_description: body.error_description });
        }, (e) => { if (done) done({ successful: false, error: String(e) }); });
    },
  };

  // ---- the HTML API (spec 4.2) ---------------------------------------------------------
  /** @param {Element} el @param {string} name */
  const attr = (el, name) => el.getAttribute('data-' + name);
  /** @param {string | null} v */
  const bool = (v) => v === null ? undefined : v === 'true';

  function processHtmlApi() {
    const onload = document.getElementById('g_id_onload');
    if (onload) {
      /** @type {any} */
      const conf = {};
      for (const name of ['client_id', 'login_uri', 'nonce', 'context', 'state_cookie_domain', 'ux_mode',
        'prompt_parent_id', 'login_hint', 'hd', 'log_level']) {
        const v = attr(onload, name);
        if (v !== null) conf[name] = v;
      }
      for (const name of ['auto_select', 'cancel_on_tap_outside', 'itp_support', 'use_fedcm_for_prompt', 'use_fedcm_for_button']) {
        const v = bool(attr(onload, name));
        if (v !== undefined) conf[name] = v;
      }
      const parents = attr(onload, 'allowed_parent_origin');
      if (parents) conf.allowed_parent_origin = parents.split(',').map((s) => s.trim());
      const callbackName = attr(onload, 'callback');
      if (callbackName) conf.callback = (/** @type {CredentialResponse} */ r) => {
        const fn = globalFunction(callbackName);
        if (fn) fn(r); else log.error(`data-callback: no global function ${callbackName}`);
      };
      const nativeName = attr(onload, 'native_callback');
      if (nativeName && globalFunction(nativeName)) conf.native_callback = globalFunction(nativeName);
      const closeName = attr(onload, 'intermediate_iframe_close_callback');
      if (closeName && globalFunction(closeName)) conf.intermediate_iframe_close_callback = globalFunction(closeName);
      id.initialize(conf);
      const skipCookie = attr(onload, 'skip_prompt_cookie');
      const skip = skipCookie && readCookie(skipCookie);
      if (attr(onload, 'auto_prompt') !== 'false' && !skip) {
        const momentName = attr(onload, 'moment_callback');
        id.prompt(momentName ? (n) => { const fn = globalFunction(momentName); if (fn) fn(n); } : undefined);
      }
    }
    document.querySelectorAll('.g_id_signin').forEach((el) => {
      /** @type {any} */
      const options = {};
      for (const name of ['type', 'theme', 'size', 'text', 'shape', 'logo_alignment', 'width', 'locale', 'state']) {
        const v = attr(el, name);
        if (v !== null) options[name] = v;
      }
      const listener = attr(el, 'click_listener');
      if (listener) options.click_listener = (/** @type {any} */ d) => { const fn = globalFunction(listener); if (fn) fn(d); };
      if (config) renderButton(/** @type {HTMLElement} */ (el), options);
    });
    document.querySelectorAll('.g_id_signout').forEach((el) => {
      el.addEventListener('click', () => id.disableAutoSelect());
    });
  }

  // ---- publish -------------------------------------------------------------------------
  const W = /** @type {any} */ (window);
  W.google = W.google || {};
  W.google.accounts = W.google.accounts || {};
  W.google.accounts.id = id;
  W.google.accounts.oauth2 = oauth2;

  function start() {
    processHtmlApi();
    if (typeof W.onGoogleLibraryLoad === 'function') {
      try { W.onGoogleLibraryLoad(); } catch (e) { log.error(e); }
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
})();
