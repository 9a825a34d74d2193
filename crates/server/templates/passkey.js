// The hosted UI's passkey page: reads the PublicKeyCredentialRequestOptions the page carries (binary members as
// base64url), asks the browser for an assertion with navigator.credentials.get, and posts it back as
// AuthenticationResponseJSON in the page's form, which carries the sign-in's Session, the username and the CSRF
// token. On failure the page says so and offers to try again; the link back to sign-in is always there.
(function () {
  "use strict";

  function fromBase64url(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toBase64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function requestOptions() {
    var options = JSON.parse(document.getElementById("passkey-options").textContent);
    var publicKey = Object.assign({}, options, { challenge: fromBase64url(options.challenge) });
    if (Array.isArray(options.allowCredentials)) {
      publicKey.allowCredentials = options.allowCredentials.map(function (c) {
        return Object.assign({}, c, { id: fromBase64url(c.id) });
      });
    }
    // webauthn-rs writes members a browser does not take (hints, extensions it may not know) only when set.
    return publicKey;
  }

  function responseJson(cred) {
    var r = cred.response;
    return JSON.stringify({
      id: cred.id,
      rawId: toBase64url(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: {
        clientDataJSON: toBase64url(r.clientDataJSON),
        authenticatorData: toBase64url(r.authenticatorData),
        signature: toBase64url(r.signature),
        userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined,
      },
    });
  }

  var form = document.getElementById("passkey-form");
  var status = document.getElementById("passkey-status");
  var failed = document.getElementById("passkey-failed");
  var retry = document.getElementById("passkey-retry");

  function fail() {
    status.hidden = true;
    failed.hidden = false;
    retry.hidden = false;
  }

  function start() {
    failed.hidden = true;
    retry.hidden = true;
    status.hidden = false;
    if (!window.PublicKeyCredential || !navigator.credentials) {
      fail();
      return;
    }
    var publicKey;
    try {
      publicKey = requestOptions();
    } catch (e) {
      fail();
      return;
    }
    navigator.credentials.get({ publicKey: publicKey }).then(function (cred) {
      if (!cred) {
        fail();
        return;
      }
      form.elements.credential.value = responseJson(cred);
      form.submit();
    }, fail);
  }

  retry.addEventListener("click", start);
  start();
})();
