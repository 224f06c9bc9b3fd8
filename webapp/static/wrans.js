/* wrans: optional enhancements. Every page works without this file.
 *
 * A <select data-autosubmit> submits its form when a new option is chosen with the
 * mouse or by touch. Choosing with the keyboard changes nothing until the form's
 * own button is pressed, so arrowing through options never reloads the
 * page under a keyboard or screen-reader user (WCAG 3.2.2, On Input).
 */
(function () {
  "use strict";
  // When did the keyboard last act on a select? Any pointer press forgets it.
  var lastKeyAt = 0;
  document.addEventListener("keydown", function (event) {
    if (event.target instanceof HTMLSelectElement) lastKeyAt = Date.now();
  }, true);
  document.addEventListener("pointerdown", function () { lastKeyAt = 0; }, true);

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-autosubmit")) return;
    if (Date.now() - lastKeyAt < 1000 || !select.form) return;
    if (typeof select.form.requestSubmit === "function") {
      select.form.requestSubmit();
    } else {
      select.form.submit();
    }
  });
})();

/* Answer page: a "Copy citation" button, shown only where the clipboard can be written
 * (the citation stays selectable text without it). "Copied" is announced through the
 * status element beside the button.
 */
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) return;
  document.querySelectorAll("button[data-copy-text]").forEach(function (button) {
    var status = button.parentNode.querySelector("[role=status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy-text")).then(function () {
        if (status) status.textContent = "Copied";
      }, function () {
        if (status) status.textContent = "Could not copy: select the citation and copy it";
      });
    });
  });
})();
