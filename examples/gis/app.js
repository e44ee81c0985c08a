// The app's side of signing in, shared by both pages: the server verifies every credential and
// keeps its own session; the page only shows what the server says.
var currentUser = null;

function showUser(user) {
  currentUser = user;
  document.getElementById('status').textContent = user
    ? 'Signed in as ' + user.email
    : 'Not signed in.';
  document.getElementById('account').hidden = !user;
}

// The session this app's server has, if any (null when signed out).
function loadSession() {
  return fetch('/me').then(function (r) { return r.ok ? r.json() : null; })
    .then(function (user) { showUser(user); return user; });
}

// Send the ID token to your server; never trust the decoded payload in the browser.
function sendCredentialToServer(credential, selectBy) {
  return fetch('/signin', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest' },
    body: JSON.stringify({ credential: credential })
  }).then(function (r) {
    if (!r.ok) return r.text().then(function (t) { throw new Error(t); });
    return r.json();
  }).then(function (user) {
    showUser(user);
    document.getElementById('status').textContent += ' (' + selectBy + ')';
  }, function (error) {
    document.getElementById('status').textContent = 'Sign-in refused: ' + error.message;
  });
}

function endSession() {
  return fetch('/signout', { method: 'POST', headers: { 'X-Requested-With': 'XMLHttpRequest' } });
}

// Sign out of this app (not of Google); stop One Tap from signing the user straight back in.
function signOut() {
  google.accounts.id.disableAutoSelect();
  endSession().then(function () {
    showUser(null);
    document.getElementById('status').textContent = 'Signed out.';
  });
}

// Withdraw this app's access to the account altogether, then end the app's session.
function revokeAccess() {
  var email = currentUser.email;
  google.accounts.id.revoke(email, function (done) {
    if (!done.successful) {
      document.getElementById('status').textContent = 'Revoke failed: ' + done.error;
      return;
    }
    endSession().then(function () {
      showUser(null);
      document.getElementById('status').textContent = 'Access revoked for ' + email + '.';
    });
  });
}
