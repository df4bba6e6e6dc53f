// Moves focus to a form's error summary (or a marked result such as a preview) after a post,
// so screen readers announce it; a static file because the CSP allows no inline script.
(function () {
  "use strict";
  var target = document.getElementById("error-summary") || document.querySelector("[data-autofocus]");
  if (target) target.focus();
})();
