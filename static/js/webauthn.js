// Security keys and passkeys (WebAuthn) for the second factor (agencies/mfa.py).
// The server sends the options as JSON with binary fields in base64url (py_webauthn's
// options_to_json); the browser API wants ArrayBuffers, and its answer goes back as JSON in
// base64url again. No inline script: the buttons carry their URLs in data- attributes.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok && data.next) { window.location.assign(data.next); }
        if (!response.ok) { throw new Error(data.error || "The portal refused the request."); }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function showError(button, error) {
    var box = button.closest("section").querySelector(".mfa-key-error");
    var message = error && error.name === "NotAllowedError"
      ? "The key did not answer (cancelled, or timed out). Try again."
      : (error && error.message) || String(error);
    if (box) { box.textContent = message; }
    button.disabled = false;
  }

  function register(button) {
    var csrf = button.dataset.csrf;
    var nameInput = document.getElementById(button.dataset.nameInput);
    button.disabled = true;
    post(button.dataset.optionsUrl, csrf).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return post(button.dataset.registerUrl, csrf, {
        name: nameInput ? nameInput.value : "",
        credential: {
          id: credential.id,
          rawId: toBase64url(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toBase64url(response.clientDataJSON),
            attestationObject: toBase64url(response.attestationObject),
            transports: response.getTransports ? response.getTransports() : []
          },
          clientExtensionResults: credential.getClientExtensionResults(),
          authenticatorAttachment: credential.authenticatorAttachment
        }
      });
    }).then(function (data) {
      window.location.assign(data.next);
    }).catch(function (error) { showError(button, error); });
  }

  function authenticate(button) {
    var csrf = button.dataset.csrf;
    button.disabled = true;
    post(button.dataset.optionsUrl, csrf).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.allowCredentials = descriptors(options.allowCredentials);
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return post(button.dataset.authUrl, csrf, {
        next: button.dataset.next || "",
        credential: {
          id: credential.id,
          rawId: toBase64url(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toBase64url(response.clientDataJSON),
            authenticatorData: toBase64url(response.authenticatorData),
            signature: toBase64url(response.signature),
            userHandle: response.userHandle ? toBase64url(response.userHandle) : null
          },
          clientExtensionResults: credential.getClientExtensionResults(),
          authenticatorAttachment: credential.authenticatorAttachment
        }
      });
    }).then(function (data) {
      window.location.assign(data.next);
    }).catch(function (error) { showError(button, error); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.mfa-key-register, button.mfa-key-auth");
    if (!button) { return; }
    if (!window.PublicKeyCredential) {
      showError(button, new Error("This browser does not support security keys."));
      return;
    }
    if (button.classList.contains("mfa-key-register")) { register(button); } else { authenticate(button); }
  });
})();
