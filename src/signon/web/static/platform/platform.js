// @ts-check
/**
 * signon's platform library, served at <issuer>/js/platform.js (and /js/client:platform.js):
 * the legacy `gapi.load`, `gapi.auth2` and `gapi.signin2` surface of
 * https://apis.google.com/js/platform.js, so a page written for Google Sign-In works by changing
 * only the host of its <script src>. See docs/platform-js.md.
 *
 * Interactive steps (signIn, grantOfflineAccess, grant) run the issuer's authorization endpoint
 * in a popup with redirect_uri=postmessage; the non-interactive ones (restoring a returning
 * user on page load, reloadAuthResponse) load a hidden iframe on the issuer that answers a
 * prompt=none request. Every message received is checked by origin and source window.
 */
(() => {
  'use strict';

  /**
   * @typedef {{
   *   client_id?: string, scope?: string, fetch_basic_profile?: boolean, hosted_domain?: string,
   *   cookie_policy?: string, openid_realm?: string, ux_mode?: 'popup' | 'redirect',
   *   redirect_uri?: string
   * }} ClientConfig
   * @typedef {{
   *   scope?: string, prompt?: string, login_hint?: string, fetch_basic_profile?: boolean,
   *   ux_mode?: 'popup' | 'redirect', redirect_uri?: string, app_package_name?: string
   * }} SigninOptions
   * @typedef {{
   *   token_type?: string, access_token?: string, scope?: string, id_token?: string,
   *   login_hint?: string, expires_in?: number, first_issued_at?: number, expires_at?: number,
   *   idpId?: string
   * }} AuthResponse
   * @typedef {{error: string, details?: string}} AuthError
   * @typedef {Record<string, string>} Params
   * @typedef {{
   *   scope?: string, width?: number | string, height?: number | string, longtitle?: boolean,
   *   theme?: string, onsuccess?: (u: GoogleUser) => void, onfailure?: (e: AuthError) => void,
   *   app_package_name?: string
   * }} ButtonOptions
   */

  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript)
    || /** @type {HTMLScriptElement | null} */ (document.querySelector('script[src*="platform.js"], script[src*="/js/api"]'));
  const SRC = new URL(script && script.src ? script.src : '/js/platform.js', location.href);
  const ISSUER_ORIGIN = SRC.origin;
  const BASE = SRC.href.slice(0, SRC.href.lastIndexOf('/js/')) || SRC.origin;
  const BASIC_SCOPES = ['openid', 'email', 'profile'];
  const SHORT_SCOPES = /** @type {Record<string, string>} */ ({
    email: 'https://www.googleapis.com/auth/userinfo.email',
    profile: 'https://www.googleapis.com/auth/userinfo.profile',
  });
  const FRAME_TIMEOUT_MS = 10e3;
  const REFRESH_MARGIN_MS = 5 * 60e3;  // reload the access token 5 minutes before it expires
  const REDIRECT_KEY = 'signon.platform.redirect';

  /** @type {any} */
  const win = window;
  /** @type {any} */
  const gapi = win.gapi = win.gapi || {};

  // ---------------------------------------------------------------- helpers

  /** @param {number} n */
  const randomId = (n = 16) => {
    const bytes = crypto.getRandomValues(new Uint8Array(n));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  };

  /** @param {string} name */
  const meta = (name) => {
    const el = document.querySelector(`meta[name="google-signin-${name}"]`);
    return el ? el.getAttribute('content') || undefined : undefined;
  };

  /** @param {string | undefined} scope */
  const splitScopes = (scope) => (scope || '').split(/[\s,]+/).filter(Boolean);

  /** @param {string} s */
  const longScope = (s) => SHORT_SCOPES[s] || s;

  /** @param {string[]} lists */
  const joinScopes = (...lists) => {
    /** @type {string[]} */
    const out = [];
    for (const s of lists.flatMap(splitScopes)) if (!out.includes(s)) out.push(s);
    return out.join(' ');
  };

  /** @param {string} jwt */
  const decodeJwt = (jwt) => {
    try {
      const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bin = atob(part + '='.repeat((4 - (part.length % 4)) % 4));
      const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      return /** @type {Record<string, any>} */ (JSON.parse(new TextDecoder().decode(bytes)));
    } catch (_) {
      return {};
    }
  };

  /** @param {Params} params */
  const query = (params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
    return q.toString();
  };

  /** @param {string} name @param {unknown[]} args */
  const callGlobal = (name, ...args) => {
    const fn = name && name.split('.').reduce((o, k) => (o == null ? o : o[k]), win);
    if (typeof fn === 'function') fn(...args);
    else if (name) console.warn(`[platform.js] ${name} is not a function`);
  };

  /** @param {any} error @returns {AuthError} */
  const asAuthError = (error) =>
    error && typeof error === 'object' && 'error' in error ? error : { error: String(error) };

  /**
   * A popup on the issuer's authorization endpoint, answered with postMessage by the issuer
   * only to this page's origin. Opened synchronously, so a click handler's user activation lets
   * it through popup blockers.
   * @param {Params} params @returns {Promise<Params>}
   */
  const popupAuthorize = (params) => new Promise((resolve, reject) => {
    const state = randomId();
    const url = `${BASE}/o/oauth2/v2/auth?${query({
      ...params, redirect_uri: 'postmessage', origin: location.origin, state,
    })}`;
    const w = 500, h = 640;
    const left = Math.max(0, (window.screenX || 0) + (window.outerWidth - w) / 2);
    const top = Math.max(0, (window.screenY || 0) + (window.outerHeight - h) / 2);
    const popup = window.open(url, `signon_${state}`,
      `popup=yes,width=${w},height=${h},left=${left},top=${top}`);
    if (!popup) {
      reject({ error: 'popup_blocked_by_browser' });
      return;
    }
    let settled = false;
    /** @param {MessageEvent} event */
    const onMessage = (event) => {
      if (event.origin !== ISSUER_ORIGIN || event.source !== popup) return;
      const data = event.data;
      if (!data || data.type !== 'signon:authorization_response' || !data.params) return;
      if (data.params.state !== state) return;
      finish();
      const p = /** @type {Params} */ (data.params);
      if (p.error) reject({ error: p.error, details: p.error_description });
      else resolve(p);
    };
    const finish = () => {
      settled = true;
      window.removeEventListener('message', onMessage);
      clearInterval(timer);
    };
    const timer = setInterval(() => {
      if (!popup.closed || settled) return;
      clearInterval(timer);
      // The popup posts its answer and then closes itself: give that message time to arrive.
      setTimeout(() => {
        if (settled) return;
        finish();
        reject({ error: 'popup_closed_by_user' });
      }, 500);
    }, 250);
    window.addEventListener('message', onMessage);
  });

  /**
   * A hidden iframe on the issuer that runs prompt=none for the signed-in account and posts the
   * answer to this page (the issuer only lets registered origins frame it).
   * @param {Params} params @returns {Promise<Params>}
   */
  const frameAuthorize = (params) => new Promise((resolve, reject) => {
    const id = randomId();
    const iframe = document.createElement('iframe');
    iframe.src = `${BASE}/js/platform/frame?${query({ ...params, origin: location.origin, id })}`;
    iframe.title = 'signon session';
    iframe.setAttribute('aria-hidden', 'true');
    iframe.tabIndex = -1;
    iframe.style.cssText = 'position:absolute;width:1px;height:1px;left:-9999px;top:-9999px;border:0';
    /** @param {MessageEvent} event */
    const onMessage = (event) => {
      if (event.origin !== ISSUER_ORIGIN || event.source !== iframe.contentWindow) return;
      const data = event.data;
      if (!data || data.type !== 'signon:platform:frame' || data.id !== id) return;
      done();
      if (data.error) reject({ error: data.error, details: data.details });
      else resolve(/** @type {Params} */ (data.params || {}));
    };
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      iframe.remove();
    };
    const timer = setTimeout(() => {
      done();
      resolve({ error: 'immediate_failed', error_description: 'The session check timed out.' });
    }, FRAME_TIMEOUT_MS);
    window.addEventListener('message', onMessage);
    (document.body || document.documentElement).appendChild(iframe);
  });

  // ---------------------------------------------------------------- GoogleUser

  class BasicProfile {
    /** @param {Record<string, any>} claims */
    constructor(claims) { this._c = claims; }
    getId() { return /** @type {string} */ (this._c.sub); }
    getName() { return this._c.name; }
    getGivenName() { return this._c.given_name; }
    getFamilyName() { return this._c.family_name; }
    getImageUrl() { return this._c.picture; }
    getEmail() { return this._c.email; }
  }

  class GoogleUser {
    /** @param {GoogleAuth} auth @param {AuthResponse | null} response */
    constructor(auth, response) {
      this._auth = auth;
      /** @type {AuthResponse} */
      this._response = {};
      /** @type {Record<string, any>} */
      this._claims = {};
      this._update(response);
    }

    /** @param {AuthResponse | null} response */
    _update(response) {
      this._response = response || {};
      this._claims = response && response.id_token ? decodeJwt(response.id_token) : {};
    }

    getId() { return this.isSignedIn() ? /** @type {string} */ (this._claims.sub) : null; }
    isSignedIn() { return Boolean(this._response.id_token); }
    getHostedDomain() { return this._claims.hd || ''; }
    getGrantedScopes() { return this._response.scope || ''; }
    getBasicProfile() {
      return this.isSignedIn() && this._auth._config.fetch_basic_profile !== false
        ? new BasicProfile(this._claims) : undefined;
    }

    /** @param {boolean} [includeAuthorizationData] @returns {AuthResponse} */
    getAuthResponse(includeAuthorizationData) {
      if (!this.isSignedIn()) return {};
      const r = { ...this._response };
      // Google's library left the access token out when only the basic profile was asked for.
      if (!includeAuthorizationData && this._auth._onlyBasicProfile()) {
        delete r.access_token;
        delete r.scope;
      }
      return r;
    }

    /** @returns {Promise<AuthResponse>} */
    reloadAuthResponse() {
      return this._auth._reload(this).then(() => this.getAuthResponse(true));
    }

    /** @param {string} scopes */
    hasGrantedScopes(scopes) {
      const granted = splitScopes(this.getGrantedScopes()).map(longScope);
      return splitScopes(scopes).map(longScope).every((s) => granted.includes(s));
    }

    /** @param {SigninOptions | SigninOptionsBuilder} [options] */
    grant(options) {
      const o = options instanceof SigninOptionsBuilder ? options.get() : (options || {});
      return this._auth.signIn({ ...o, login_hint: this._claims.sub || undefined });
    }

    /** @param {string | {scope?: string}} [scopes] */
    grantOfflineAccess(scopes) {
      const scope = typeof scopes === 'string' ? scopes : scopes && scopes.scope;
      return this._auth.grantOfflineAccess({ scope, login_hint: this._claims.sub || undefined });
    }

    disconnect() { return this._auth.disconnect(); }
    signIn() { return this._auth.signIn({ login_hint: this._claims.sub || undefined }); }
  }

  // ---------------------------------------------------------------- GoogleAuth

  class GoogleAuth {
    /** @param {ClientConfig} config */
    constructor(config) {
      /** @type {ClientConfig} */
      this._config = config;
      // Mutable state lives in one object, so the non-thenable view handed to Promise
      // resolution (see then()) shares it.
      this._s = {
        user: new GoogleUser(this, null),
        /** @type {((b: boolean) => void)[]} */ signedInListeners: [],
        /** @type {((u: GoogleUser) => void)[]} */ userListeners: [],
        /** @type {ReturnType<typeof setTimeout> | undefined} */ refreshTimer: undefined,
      };
      this.isSignedIn = {
        get: () => this._s.user.isSignedIn(),
        /** @param {(b: boolean) => void} fn */
        listen: (fn) => { this._s.signedInListeners.push(fn); },
      };
      this.currentUser = {
        get: () => this._s.user,
        /** @param {(u: GoogleUser) => void} fn */
        listen: (fn) => { this._s.userListeners.push(fn); },
      };
      /** @type {Promise<void>} */
      this._ready = this._initialize();
      this._ready.catch(() => {});
    }

    get _storageKey() { return `signon.platform.${this._config.client_id}`; }

    /** @returns {{lastSub?: string, signedOut?: boolean}} */
    _memory() {
      try {
        return JSON.parse(localStorage.getItem(this._storageKey) || '{}');
      } catch (_) {
        return {};
      }
    }

    /** @param {{lastSub?: string, signedOut?: boolean}} value */
    _remember(value) {
      try {
        localStorage.setItem(this._storageKey, JSON.stringify({ ...this._memory(), ...value }));
      } catch (_) { /* storage disabled: restore falls back to the single signed-in account */ }
    }

    _onlyBasicProfile() {
      const extra = splitScopes(this._config.scope).map(longScope)
        .filter((s) => !['openid', ...Object.values(SHORT_SCOPES)].includes(s));
      return extra.length === 0;
    }

    /** @param {string | undefined} more */
    _scope(more) {
      return joinScopes(this._config.fetch_basic_profile === false ? '' : BASIC_SCOPES.join(' '),
        this._config.scope || '', more || '');
    }

    async _initialize() {
      if (!this._config.client_id) {
        throw { error: 'idpiframe_initialization_failed',
          details: "Missing required parameter 'client_id'" };
      }
      const redirected = this._takeRedirectResponse();
      if (redirected) {
        this._setUser(redirected);
        return;
      }
      const memory = this._memory();
      if (memory.signedOut) return;  // signOut() signs out of this app until the next signIn()
      const params = await frameAuthorize(this._frameParams(memory.lastSub));
      if (params.id_token) this._setUser(this._authResponse(params));
    }

    /** @param {string | undefined} loginHint @param {string} [scope] */
    _frameParams(loginHint, scope) {
      return {
        client_id: /** @type {string} */ (this._config.client_id),
        scope: scope || this._scope(undefined),
        nonce: randomId(),
        login_hint: loginHint || '',
        hd: this._config.hosted_domain || '',
        include_granted_scopes: 'true',
      };
    }

    /** @param {Params} params @returns {AuthResponse} */
    _authResponse(params) {
      const now = Date.now();
      const expiresIn = Number(params.expires_in || 3600);
      const claims = params.id_token ? decodeJwt(params.id_token) : {};
      return {
        token_type: params.token_type || 'Bearer',
        access_token: params.access_token,
        scope: params.scope,
        login_hint: claims.sub,
        expires_in: expiresIn,
        id_token: params.id_token,
        first_issued_at: now,
        expires_at: now + expiresIn * 1000,
        idpId: 'google',
      };
    }

    /** @param {AuthResponse | null} response */
    _setUser(response) {
      const before = this._s.user;
      const wasSignedIn = before.isSignedIn();
      const sub = response && response.id_token ? decodeJwt(response.id_token).sub : undefined;
      // The same person with fresh tokens keeps the same GoogleUser object, as with Google.
      if (wasSignedIn && sub && sub === before.getId()) before._update(response);
      else this._s.user = new GoogleUser(this, response);
      clearTimeout(this._s.refreshTimer);
      const user = this._s.user;
      if (response && response.expires_at) {
        const delay = Math.max(30e3, response.expires_at - Date.now() - REFRESH_MARGIN_MS);
        this._s.refreshTimer = setTimeout(() => { this._reload(user).catch(() => {}); }, delay);
      }
      if (user.isSignedIn()) this._remember({ lastSub: user.getId() || undefined, signedOut: false });
      for (const fn of this._s.userListeners) fn(user);
      if (wasSignedIn !== user.isSignedIn()) {
        for (const fn of this._s.signedInListeners) fn(user.isSignedIn());
      }
    }

    /** @param {GoogleUser} user */
    async _reload(user) {
      if (!user.isSignedIn()) throw { error: 'user_signed_out' };
      const params = await frameAuthorize(
        this._frameParams(user.getId() || undefined, user.getGrantedScopes()));
      if (params.error) throw { error: params.error, details: params.error_description };
      if (this._s.user === user) this._setUser(this._authResponse(params));
    }

    /**
     * Resolves with this GoogleAuth once initialised. Google's object resolved with itself, so
     * `await gapi.auth2.init()` recursed forever; when a Promise adopts it we hand over a view
     * of the same object without `then`.
     * @param {(a: GoogleAuth) => any} [onInit] @param {(e: AuthError) => any} [onError]
     */
    then(onInit, onError) {
      const view = Object.create(this, { then: { value: undefined } });
      return this._ready.then(
        () => (onInit ? onInit(isNative(onInit) ? view : this) : undefined),
        (e) => (onError ? onError(e) : undefined));
    }

    /** @param {SigninOptions | SigninOptionsBuilder} [options] @returns {Promise<GoogleUser>} */
    signIn(options) {
      const o = options instanceof SigninOptionsBuilder ? options.get() : (options || {});
      const scope = o.fetch_basic_profile === false
        ? joinScopes(this._config.scope || '', o.scope || '') : this._scope(o.scope);
      const nonce = randomId();
      const params = {
        client_id: /** @type {string} */ (this._config.client_id),
        response_type: 'id_token token',
        scope,
        nonce,
        include_granted_scopes: 'true',
        prompt: o.prompt || '',
        login_hint: o.login_hint || '',
        hd: this._config.hosted_domain || '',
      };
      if ((o.ux_mode || this._config.ux_mode) === 'redirect') {
        this._redirect(params, o.redirect_uri || this._config.redirect_uri);
        return new Promise(() => {});
      }
      return popupAuthorize(params).then((p) => {
        if (decodeJwt(p.id_token || '').nonce !== nonce) throw { error: 'invalid_response' };
        this._setUser(this._authResponse(p));
        return this._s.user;
      }, (e) => { throw asAuthError(e); });
    }

    /** @param {Params} params @param {string | undefined} redirectUri */
    _redirect(params, redirectUri) {
      const state = randomId();
      const target = redirectUri || location.origin + location.pathname;
      try {
        sessionStorage.setItem(REDIRECT_KEY, JSON.stringify({ state, nonce: params.nonce }));
      } catch (_) { /* the response is refused without its state */ }
      location.assign(`${BASE}/o/oauth2/v2/auth?${query({
        ...params, redirect_uri: target, state,
      })}`);
    }

    /** @returns {AuthResponse | null} */
    _takeRedirectResponse() {
      if (!location.hash) return null;
      const p = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
      let saved = null;
      try {
        saved = JSON.parse(sessionStorage.getItem(REDIRECT_KEY) || 'null');
      } catch (_) { /* no saved request */ }
      if (!saved || !p.state || p.state !== saved.state) return null;
      sessionStorage.removeItem(REDIRECT_KEY);
      history.replaceState(null, '', location.pathname + location.search);
      if (!p.id_token || decodeJwt(p.id_token).nonce !== saved.nonce) return null;
      return this._authResponse(p);
    }

    /** @returns {Promise<void>} */
    signOut() {
      this._remember({ signedOut: true });
      if (this._s.user.isSignedIn()) this._setUser(null);
      return Promise.resolve();
    }

    /** @returns {Promise<void>} */
    async disconnect() {
      const token = this._s.user.getAuthResponse(true).access_token;
      await this.signOut();
      if (!token) return;
      try {
        await fetch(`${BASE}/revoke`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: query({ token }),
        });
      } catch (_) { /* signed out locally either way */ }
    }

    /**
     * Popup consent for offline access; resolves {code}, which the app's server exchanges at
     * the token endpoint with redirect_uri=postmessage and its client secret. The user is
     * signed in to the page as well, as with Google's library.
     * @param {{scope?: string, prompt?: string, login_hint?: string, app_package_name?: string}} [options]
     * @returns {Promise<{code: string}>}
     */
    grantOfflineAccess(options) {
      const o = options || {};
      const nonce = randomId();
      return popupAuthorize({
        client_id: /** @type {string} */ (this._config.client_id),
        response_type: 'code id_token token',
        access_type: 'offline',
        scope: this._scope(o.scope),
        nonce,
        include_granted_scopes: 'true',
        prompt: o.prompt || '',
        login_hint: o.login_hint || '',
        hd: this._config.hosted_domain || '',
      }).then((p) => {
        if (p.id_token && decodeJwt(p.id_token).nonce === nonce) {
          this._setUser(this._authResponse(p));
        }
        return { code: p.code };
      }, (e) => { throw asAuthError(e); });
    }

    /**
     * @param {string | HTMLElement} container @param {SigninOptions} options
     * @param {(u: GoogleUser) => void} onsuccess @param {(e: AuthError) => void} onfailure
     */
    attachClickHandler(container, options, onsuccess, onfailure) {
      const el = typeof container === 'string' ? document.getElementById(container) : container;
      if (!el) throw new Error(`[platform.js] no element ${String(container)}`);
      el.addEventListener('click', () => {
        this.signIn(options).then(onsuccess, (e) => { if (onfailure) onfailure(e); });
      });
    }
  }

  /** @param {Function} fn */
  const isNative = (fn) => /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));

  class SigninOptionsBuilder {
    /** Google's reference builds one from options: `new SigninOptionsBuilder({scope: ...})`.
     * @param {SigninOptions} [options] */
    constructor(options) { /** @type {SigninOptions} */ this._o = { ...(options || {}) }; }
    get() { return { ...this._o }; }
    /** @param {string} v */ setAppPackageName(v) { this._o.app_package_name = v; return this; }
    /** @param {boolean} v */ setFetchBasicProfile(v) { this._o.fetch_basic_profile = v; return this; }
    /** @param {string} v */ setPrompt(v) { this._o.prompt = v; return this; }
    /** @param {string} v */ setScope(v) { this._o.scope = v; return this; }
    /** @param {string} v */ setLoginHint(v) { this._o.login_hint = v; return this; }
    /** @param {'popup' | 'redirect'} v */ setUxMode(v) { this._o.ux_mode = v; return this; }
    /** @param {string} v */ setRedirectUri(v) { this._o.redirect_uri = v; return this; }
  }

  // ---------------------------------------------------------------- gapi.auth2

  /** @type {GoogleAuth | null} */
  let instance = null;

  /** @returns {ClientConfig} */
  const metaConfig = () => {
    const basic = meta('fetch_basic_profile');
    return {
      client_id: meta('client_id'),
      scope: meta('scope'),
      cookie_policy: meta('cookiepolicy'),
      hosted_domain: meta('hosted_domain'),
      fetch_basic_profile: basic === undefined ? true : basic !== 'false',
      redirect_uri: meta('redirect_uri'),
      ux_mode: meta('ux_mode') === 'redirect' ? 'redirect' : undefined,
    };
  };

  /** @param {ClientConfig} [params] */
  const init = (params) => {
    const fromMeta = metaConfig();
    /** @type {ClientConfig} */
    const config = { ...fromMeta };
    for (const [k, v] of Object.entries(params || {})) if (v !== undefined) (/** @type {any} */ (config))[k] = v;
    if (config.fetch_basic_profile === undefined) config.fetch_basic_profile = true;
    if (instance) {
      if (instance._config.client_id !== config.client_id) {
        throw new Error('gapi.auth2 has been initialized with different options. Consider '
          + 'calling gapi.auth2.getAuthInstance() instead of gapi.auth2.init().');
      }
      return instance;
    }
    instance = new GoogleAuth(config);
    return instance;
  };

  /**
   * One-shot authorization without a GoogleAuth (gapi.auth2.authorize).
   * @param {ClientConfig & {response_type?: string, prompt?: string, login_hint?: string,
   *   include_granted_scopes?: boolean}} config
   * @param {(r: Record<string, any>) => void} callback
   */
  const authorize = (config, callback) => {
    const types = splitScopes(config.response_type || 'token id_token')
      .map((t) => (t === 'permission' ? 'token' : t));
    const nonce = randomId();
    popupAuthorize({
      client_id: config.client_id || '',
      response_type: types.join(' '),
      scope: joinScopes(config.scope || '', types.includes('id_token') ? 'openid' : ''),
      nonce,
      prompt: config.prompt || '',
      login_hint: config.login_hint || '',
      hd: config.hosted_domain || '',
      include_granted_scopes: config.include_granted_scopes === false ? '' : 'true',
      ...(types.includes('code') ? { access_type: 'offline' } : {}),
    }).then((p) => {
      const now = Date.now();
      const expiresIn = Number(p.expires_in || 0);
      callback({
        access_token: p.access_token, id_token: p.id_token, code: p.code, scope: p.scope,
        expires_in: expiresIn || undefined, first_issued_at: now,
        expires_at: expiresIn ? now + expiresIn * 1000 : undefined,
      });
    }, (e) => callback({ error: asAuthError(e).error, error_subtype: asAuthError(e).details }));
  };

  gapi.auth2 = {
    init,
    getAuthInstance: () => instance,
    authorize,
    SigninOptionsBuilder,
    GoogleAuth,
    GoogleUser,
    BasicProfile,
  };

  // ---------------------------------------------------------------- gapi.signin2

  const CHECK_LOGO = '<svg viewBox="0 0 48 48" width="18" height="18" aria-hidden="true" focusable="false">'
    + '<circle cx="24" cy="24" r="22" fill="#1a73e8"/><path d="M15 25.5l6 6 12-14" stroke="#fff"'
    + ' stroke-width="4.5" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';

  const STYLE = `
.signon-signin2{box-sizing:border-box;display:inline-flex;align-items:center;overflow:hidden;
  cursor:pointer;user-select:none;border-radius:2px;white-space:nowrap;outline:none;
  font:500 14px/1 Roboto,"Segoe UI",system-ui,-apple-system,Arial,sans-serif;letter-spacing:.21px;
  transition:box-shadow .2s,background-color .2s}
.signon-signin2__icon{display:flex;align-items:center;justify-content:center;flex:none;
  height:100%;aspect-ratio:1;max-width:48px}
.signon-signin2__text{flex:1;padding:0 12px 0 4px;text-align:center;overflow:hidden;
  text-overflow:ellipsis}
.signon-signin2--light{background:#fff;color:#3c4043;
  box-shadow:0 1px 1px rgba(0,0,0,.24),0 0 1px rgba(0,0,0,.12)}
.signon-signin2--light:hover{box-shadow:0 1px 3px rgba(0,0,0,.3),0 0 2px rgba(0,0,0,.15)}
.signon-signin2--light:active{background:#eef3fd}
.signon-signin2--dark{background:#1a73e8;color:#fff;padding:1px;
  box-shadow:0 1px 1px rgba(0,0,0,.24),0 0 1px rgba(0,0,0,.12)}
.signon-signin2--dark .signon-signin2__icon{background:#fff;border-radius:1px}
.signon-signin2--dark .signon-signin2__text{padding-left:12px}
.signon-signin2--dark:hover{background:#1967d2;box-shadow:0 1px 3px rgba(0,0,0,.35)}
.signon-signin2--dark:active{background:#185abc}
.signon-signin2:focus-visible{box-shadow:0 0 0 3px rgba(26,115,232,.45)}
`;

  const addStyle = () => {
    if (document.getElementById('signon-signin2-style')) return;
    const style = document.createElement('style');
    style.id = 'signon-signin2-style';
    style.textContent = STYLE;
    (document.head || document.documentElement).appendChild(style);
  };

  /** @param {number | string | undefined} v @param {number} fallback */
  const px = (v, fallback) => {
    const n = typeof v === 'number' ? v : parseInt(String(v || ''), 10);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };

  /** @param {string | HTMLElement} idOrElement @param {ButtonOptions} [options] */
  const render = (idOrElement, options) => {
    const o = options || {};
    const host = typeof idOrElement === 'string' ? document.getElementById(idOrElement) : idOrElement;
    if (!host) throw new Error(`[platform.js] no element ${String(idOrElement)}`);
    addStyle();
    const auth = instance || init({});
    const long = Boolean(o.longtitle);
    const width = px(o.width, long ? 0 : 120);
    const height = px(o.height, 36);
    const theme = o.theme === 'dark' ? 'dark' : 'light';
    const button = document.createElement('div');
    button.className = `signon-signin2 signon-signin2--${theme}`;
    button.setAttribute('role', 'button');
    button.tabIndex = 0;
    button.style.height = `${height}px`;
    button.style.fontSize = `${Math.max(11, Math.min(16, Math.round(height * 0.39)))}px`;
    if (width) button.style.width = `${width}px`;
    else button.style.minWidth = `${Math.round(height * 5.2)}px`;
    const icon = document.createElement('span');
    icon.className = 'signon-signin2__icon';
    icon.innerHTML = CHECK_LOGO;
    const svg = icon.querySelector('svg');
    const iconSize = String(Math.round(Math.min(height, 48) * 0.5));
    if (svg) { svg.setAttribute('width', iconSize); svg.setAttribute('height', iconSize); }
    const text = document.createElement('span');
    text.className = 'signon-signin2__text';
    button.append(icon, text);
    const label = () => {
      const signedIn = auth.isSignedIn.get();
      text.textContent = signedIn ? (long ? 'Signed in with signon' : 'Signed in')
        : (long ? 'Sign in with signon' : 'Sign in');
      button.setAttribute('aria-label', text.textContent);
    };
    label();
    auth.isSignedIn.listen(label);
    const click = () => {
      auth.signIn({ scope: o.scope }).then((user) => { if (o.onsuccess) o.onsuccess(user); },
        (e) => { if (o.onfailure) o.onfailure(e); });
    };
    button.addEventListener('click', click);
    button.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); click(); }
    });
    host.replaceChildren(button);
    host.setAttribute('data-gapiattached', 'true');
    // A returning user is signed in on load, and the page hears about it as after a click.
    auth.then(() => {
      label();
      if (auth.isSignedIn.get() && o.onsuccess) o.onsuccess(auth.currentUser.get());
    }, (e) => { if (o.onfailure) o.onfailure(e); });
  };

  const renderDeclared = () => {
    for (const el of Array.from(document.querySelectorAll('.g-signin2'))) {
      const host = /** @type {HTMLElement} */ (el);
      if (host.getAttribute('data-gapiattached')) continue;
      const d = host.dataset;
      render(host, {
        scope: d.scope,
        width: d.width,
        height: d.height,
        longtitle: d.longtitle === 'true',
        theme: d.theme,
        onsuccess: d.onsuccess ? (u) => callGlobal(/** @type {string} */ (d.onsuccess), u) : undefined,
        onfailure: d.onfailure ? (e) => callGlobal(/** @type {string} */ (d.onfailure), e) : undefined,
      });
    }
  };

  gapi.signin2 = { render };

  // ---------------------------------------------------------------- gapi.client (small)

  /** @type {{access_token?: string} | null} */
  let clientToken = null;
  gapi.client = gapi.client || {
    /** @param {{clientId?: string, scope?: string}} args */
    init: (args) => {
      if (!args || !args.clientId) return Promise.resolve();
      const auth = init({ client_id: args.clientId, scope: args.scope });
      return new Promise((resolve, reject) => { auth._ready.then(() => resolve(undefined), reject); });
    },
    getToken: () => clientToken
      || (instance && instance.isSignedIn.get() ? instance.currentUser.get().getAuthResponse(true) : null),
    /** @param {{access_token?: string} | null} token */
    setToken: (token) => { clientToken = token; },
  };

  // ---------------------------------------------------------------- gapi.load

  const MODULES = ['auth2', 'signin2', 'client', 'auth'];

  /**
   * @param {string} features
   * @param {Function | {callback?: Function, onerror?: Function, timeout?: number, ontimeout?: Function}} cb
   */
  gapi.load = (features, cb) => {
    const handlers = typeof cb === 'function' ? { callback: cb } : (cb || {});
    const unknown = features.split(':').filter((f) => f && !MODULES.includes(f));
    setTimeout(() => {
      if (unknown.length) {
        if (handlers.onerror) handlers.onerror(new Error(`Failed to load ${unknown.join(', ')}`));
        return;
      }
      if (handlers.callback) handlers.callback();
    }, 0);
  };

  // ---------------------------------------------------------------- start-up

  const start = () => {
    renderDeclared();
    const onload = SRC.searchParams.get('onload');
    if (onload) callGlobal(onload);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else setTimeout(start, 0);
})();
