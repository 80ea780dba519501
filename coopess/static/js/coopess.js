/* CoopESS — the little JavaScript the pages use (no inline script: a strict CSP holds).
 *
 * 1. Autosaved forms keep a copy of what is typed on this device (localStorage) until the
 *    server confirms it; after a lost connection or an expired session, the copy is put back.
 * 2. Questions shown only for a given earlier answer.
 */
(function () {
  "use strict";

  var PREFIX = "coopess:draft:";

  function formValues(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "hidden" || el.type === "submit") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (!values[el.name]) values[el.name] = [];
        if (el.checked) values[el.name].push(el.value);
      } else {
        values[el.name] = [el.value];
      }
    });
    return values;
  }

  function applyValues(form, values) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in values) || el.type === "file" || el.type === "hidden") return;
      var wanted = values[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = wanted.indexOf(el.value) !== -1;
      } else {
        el.value = wanted[0] === undefined ? "" : wanted[0];
      }
    });
  }

  function status(form, text, isProblem) {
    var box = document.getElementById("autosave-status");
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("autosave-problem", !!isProblem);
    if (isProblem && form.dataset.loginUrl) {
      var link = document.createElement("a");
      link.href = form.dataset.loginUrl;
      link.textContent = " Se reconnecter";
      box.appendChild(link);
    }
  }

  function setUpAutosave(form) {
    var key = PREFIX + form.dataset.autosaveKey;
    var savedAt = parseInt(form.dataset.savedAt || "0", 10) * 1000;
    // The copy is dated on the server's clock (the device's may be off by hours): the gap
    // between the two is measured when the page arrives.
    var serverNow = parseInt(form.dataset.serverNow || "0", 10) * 1000;
    var skew = serverNow ? Date.now() - serverNow : 0;
    var stored = null;
    try { stored = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
    if (stored && stored.at > savedAt && !form.closest("fieldset[disabled]")) {
      applyValues(form, stored.values);
      status(form, "Des saisies de cet appareil n'avaient pas été enregistrées : elles ont été remises dans le formulaire et vont être enregistrées.");
      window.setTimeout(function () { if (window.htmx) window.htmx.trigger(form, "change"); }, 300);
    }
    function keep() {
      try { window.localStorage.setItem(key, JSON.stringify({ at: Date.now() - skew, values: formValues(form) })); } catch (e) { /* storage full or disabled */ }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail.xhr;
      if (event.detail.successful) {
        try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
      } else if (xhr && (xhr.status === 401 || xhr.status === 403)) {
        status(form, "Votre session a expiré : vos saisies sont gardées sur cet appareil. Reconnectez-vous, elles seront remises dans le formulaire.", true);
      } else {
        status(form, "Enregistrement impossible pour le moment (connexion perdue ?) : vos saisies sont gardées sur cet appareil et seront envoyées dès que possible.", true);
      }
    });
    form.addEventListener("htmx:sendError", function () {
      status(form, "Connexion perdue : vos saisies sont gardées sur cet appareil et seront envoyées dès le retour de la connexion.", true);
    });
    window.addEventListener("online", function () { if (window.htmx) window.htmx.trigger(form, "change"); });
  }

  function setUpConditionalQuestions(root) {
    var dependants = root.querySelectorAll("[data-show-if]");
    if (!dependants.length) return;
    function refresh() {
      Array.prototype.forEach.call(dependants, function (block) {
        var name = block.dataset.showIf;
        var wanted = block.dataset.showIfValue;
        var inputs = root.querySelectorAll('[name="' + name + '"]');
        var shown = Array.prototype.some.call(inputs, function (input) {
          if (input.type === "checkbox" || input.type === "radio") return input.checked && input.value === wanted;
          return input.value === wanted;
        });
        block.hidden = !shown;
      });
    }
    root.addEventListener("change", refresh);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.autosave"), setUpAutosave);
    setUpConditionalQuestions(document);
  });
})();
