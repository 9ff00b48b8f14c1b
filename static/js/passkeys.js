// Passkeys (allauth's webauthn.js does the WebAuthn ceremony): when the browser gives no passkey (the person
// cancelled, the device has none for Runback, or the browser can't make one), say so on the page instead of leaving
// the button silently doing nothing.
"use strict";

document.addEventListener("allauth.error", (event) => {
  const tags = (event.detail && event.detail.tags) || [];
  if (!tags.includes("webauthn")) return;
  event.preventDefault();
  document.querySelectorAll("[data-passkey-error]").forEach((message) => {
    message.hidden = false;
  });
});
