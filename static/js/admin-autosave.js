// Autosave in the form of a post, page or blurb: while the author types, the text goes to the server every few
// seconds when it changed (an autosave, never the post itself), and leaving the page with changes
// not saved asks first. No build step, nothing inline (the admin's CSP); without this file the
// form saves as before, with nothing autosaved and no warning.
"use strict";
(function () {
  function start() {
    var config = document.getElementById("escribe-autosave");
    var form = config && config.closest("form");
    if (!form || !window.fetch) return;
    // The fields kept for this kind of document, and the one naming a saved document ("post", "page"...).
    var names = config.dataset.fields.split(" "), kind = config.dataset.kind;
    var unsaved = config.hasAttribute("data-unsaved"), leaving = false, busy = false;
    var status = document.createElement("p");
    status.className = "escribe-autosave-status help";
    status.setAttribute("role", "status");
    config.after(status);

    function value(name) {
      var field = form.elements.namedItem(name);
      return field ? field.value : "";
    }
    function text() {
      return JSON.stringify(names.map(value));
    }
    var sent = text();

    function autosave() {
      var now = text();
      if (busy || leaving || now === sent) return;
      var data = new FormData();
      names.forEach(function (name) { data.append(name, value(name)); });
      if (config.dataset[kind]) data.append(kind, config.dataset[kind]);
      else data.append("autosave_key", value("autosave_key"));
      busy = true;
      fetch(config.dataset.url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": value("csrfmiddlewaretoken"), "X-Requested-With": "XMLHttpRequest"}
      }).then(function (response) {
        return response.json().catch(function () {
          return {error: "the server answered " + response.status + " (are you still logged in?)"};
        });
      }).then(function (answer) {
        if (answer.error) throw new Error(answer.error);
        sent = now;
        status.textContent = "Autosaved " + answer.when + " (not published; save to keep it).";
      }).catch(function (error) {
        status.textContent = "Not autosaved: " + error.message;
      }).then(function () { busy = false; });
    }
    setInterval(autosave, 1000 * (Number(config.dataset.seconds) || 30));

    form.addEventListener("input", function () { unsaved = true; });
    form.addEventListener("change", function () { unsaved = true; });
    form.addEventListener("submit", function (event) {
      // The preview opens a new tab and leaves this page as it is; every other button leaves it.
      var button = event.submitter;
      if (!(button && button.formTarget === "_blank")) leaving = true;
    });
    window.addEventListener("beforeunload", function (event) {
      if (!unsaved || leaving) return;
      event.preventDefault();
      event.returnValue = "";  // older browsers ask only when a value is set
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
