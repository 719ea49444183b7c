/* The report form: one identifier per form, made when it is first opened, so a double tap or a
 * resend after a lost connection is the same report (the server's idempotency key). */
(function () {
  "use strict";
  var id = document.querySelector("form[data-testid=report-form] input[name=client_id]");
  if (id && !id.value && window.crypto && crypto.randomUUID) { id.value = crypto.randomUUID(); }
})();
