// Intermediate pages of django-tamara's admin actions.
// 1. Put the form's one-time token in the address, so the back button brings back a URL the
//    server recognises as already submitted, even when the browser reloads the page.
// 2. Disable the submit button once clicked: a double click sends one request (the server
//    refuses the second use of the token anyway).
"use strict";
(function () {
  const form = document.getElementById("tamara-action-form");
  if (!form) {
    return;
  }
  const token = form.dataset.token;
  if (token && window.history && window.history.replaceState) {
    const url = new URL(window.location.href);
    url.searchParams.set("t", token);
    window.history.replaceState(window.history.state, "", url.toString());
  }
  form.addEventListener("submit", function () {
    const button = document.getElementById("tamara-confirm");
    if (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });
})();
