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
  // data-nav-toggle: the back offices' Menu button on a phone opens and closes the links.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-nav-toggle]");
    if (!button) return;
    var nav = button.closest(".sidenav");
    var open = !nav.classList.contains("nav-open");
    nav.classList.toggle("nav-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
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
})();
