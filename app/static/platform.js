// Behaviour the back-office templates ask for with data- attributes. Inline event
// handlers (onsubmit="...") would be refused by the Content-Security-Policy.
// Loaded in the head, not deferred: it marks the page as scripted before it is drawn (the
// phone menu of the back offices starts closed only then); the rest listens on document.
(function () {
  document.documentElement.classList.add("js");
  // data-confirm on a form or on its submit button: ask before sending.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var source = button && button.hasAttribute("data-confirm") ? button : event.target;
    var message = source.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // A form sent with a token the session no longer holds (the owner logged out and in again
  // in another tab) is refused and its page drawn again, empty: what was typed is kept in
  // this tab's sessionStorage when it is sent, and put back when the server says the form
  // expired (data-form-expired). Never a password, a file or a token; kept for one page only.
  var DRAFT = "flagship:sent-form";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // getAttribute: a field named "action" or "method" would stand for form.action or form.method
    if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.name === "csrf_token" || /^(password|file|hidden|submit|button|reset)$/.test(field.type)) return;
      if (field.type === "checkbox" || field.type === "radio") fields.push([field.name, field.value, field.checked]);
      else if (field.type !== "select-multiple") fields.push([field.name, field.value]);
    });
    try {
      sessionStorage.setItem(DRAFT, JSON.stringify({page: location.pathname + location.search, action: form.getAttribute("action"), fields: fields}));
    } catch (error) { /* storage full or refused: the form is sent all the same */ }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var sent = null;
    try {
      sent = JSON.parse(sessionStorage.getItem(DRAFT));
      sessionStorage.removeItem(DRAFT);
    } catch (error) { return; }
    var notice = document.querySelector("[data-form-expired]");
    if (!sent || !notice || sent.page !== location.pathname + location.search) return;
    var form = Array.prototype.filter.call(document.forms, function (candidate) {
      return (candidate.getAttribute("method") || "").toLowerCase() === "post" && candidate.getAttribute("action") === sent.action;
    })[0];
    if (!form) return;
    var taken = {};
    sent.fields.forEach(function (entry) {
      var named = Array.prototype.filter.call(form.elements, function (field) { return field.name === entry[0]; });
      if (entry.length === 3) {
        named.forEach(function (field) { if (field.value === entry[1]) field.checked = entry[2]; });
        return;
      }
      var field = named[taken[entry[0]] || 0];
      taken[entry[0]] = (taken[entry[0]] || 0) + 1;
      if (field) field.value = entry[1];
    });
    notice.hidden = true;
    var restored = document.querySelector("[data-form-restored]");
    if (restored) restored.hidden = false;
  });
  // data-nav-toggle: the back offices' Menu button on a phone opens and closes the links.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-nav-toggle]");
    if (!button) return;
    var nav = button.closest(".sidenav");
    var open = !nav.classList.contains("nav-open");
    nav.classList.toggle("nav-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // data-filters-toggle: on a phone, a filter bar's "More filters" shows its other fields.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-filters-toggle]");
    if (!button) return;
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    var open = !panel.classList.contains("is-open");
    panel.classList.toggle("is-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var first = open && panel.querySelector("input, select");
    if (first) first.focus();
  });
  // data-select-on-focus: a read-only field whose whole value is meant to be copied.
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-select-on-focus")) field.select();
  });
  // A field the server marked wrong: once it is edited, its message no longer describes
  // it, so it goes (the server checks the field again when the form is sent).
  document.addEventListener("input", clearError);
  document.addEventListener("change", clearError);
  function clearError(event) {
    var field = event.target;
    if (!field.getAttribute || field.getAttribute("aria-invalid") !== "true") return;
    field.removeAttribute("aria-invalid");
    var box = field.closest(".field");
    if (box) box.classList.remove("has-error");
    var message = document.getElementById(field.id + "-error") || (box && box.querySelector(".error"));
    if (message) message.hidden = true;
  }
  // data-address-check on a new shop's web address: while the owner has not typed one of
  // their own, the shop's name (the field data-address-from names) suggests a free one;
  // what is typed is checked as it is typed. The server says both (the same rules as
  // opening the shop); without this script the form checks it when sent.
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.form) return;
    if (field.hasAttribute("data-address-check")) {
      checkAddress(field, {subdomain: field.value});
      return;
    }
    var address = field.form.querySelector("[data-address-check]");
    if (address && address.getAttribute("data-address-from") === field.name &&
        (address.value === "" || address.value === address.getAttribute("data-suggested"))) {
      checkAddress(address, {name: field.value});
    }
  });
  function checkAddress(field, question) {
    var status = document.getElementById(field.id + "-status");
    var asked = (field.addressAsked || 0) + 1;
    field.addressAsked = asked;
    clearTimeout(field.addressTimer);
    field.addressTimer = setTimeout(function () {
      if (!(question.subdomain || question.name || "").trim()) {
        if (question.name !== undefined) field.value = "";
        show(status, "", "");
        return;
      }
      fetch(field.getAttribute("data-address-check") + "?" + new URLSearchParams(question),
            {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer || asked !== field.addressAsked) return;  // a later question is on its way
          if (question.name !== undefined) {
            field.value = answer.subdomain;
            field.setAttribute("data-suggested", answer.subdomain);
          }
          show(status, answer.message, answer.free ? "is-free" : "is-taken");
          if (answer.suggestion && status) {
            var use = document.createElement("button");
            use.type = "button";
            use.className = "link";
            use.textContent = answer.use;
            use.addEventListener("click", function () {
              field.value = answer.suggestion;
              field.focus();
              checkAddress(field, {subdomain: field.value});
            });
            status.append(" ", use);
          }
        })
        .catch(function () {});  // offline: the form still checks it when sent
    }, 250);
  }
  function show(status, message, state) {
    if (!status) return;
    status.textContent = message;
    status.className = "address-status " + state;
  }
})();
