// @ts-check
// The FedCM login_url popup, once signed in: the response already said `Set-Login: logged-in`;
// closing tells the browser to fetch the accounts again and show them (docs/gsi.md, FedCM).
(() => {
  const W = /** @type {any} */ (window);
  if (W.IdentityProvider && typeof W.IdentityProvider.close === 'function') W.IdentityProvider.close();
})();
