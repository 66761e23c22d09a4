// Behaviour the back-office templates ask for with data- attributes. Inline event
// handlers (onsubmit="...") would be refused by the Content-Security-Policy.
(function () {
  // data-confirm on a form or on its submit button: ask before sending.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var source = button && button.hasAttribute("data-confirm") ? button : event.target;
    var message = source.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // data-select-on-focus: a read-only field whose whole value is meant to be copied.
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-select-on-focus")) field.select();
  });
})();
