// Checkout: as the shopper changes the country (or picks a pickup point), show that choice's
// shipping and total. The figures are the server's, for each choice, in the summary's
// data-rates; the total the page shows goes back with the form, and an order whose total
// differs from it is shown again before it is placed. Without this script the page works
// the same: the server shows the chosen country's shipping before anything is charged.
(function () {
  // A field the server marked wrong: once the shopper edits it, its message goes (the
  // server checks it again when the form is sent). Before the rates: it needs no summary.
  document.addEventListener("input", clearError);
  document.addEventListener("change", clearError);
  function clearError(event) {
    var field = event.target;
    if (!field.getAttribute || field.getAttribute("aria-invalid") !== "true") { return; }
    field.removeAttribute("aria-invalid");
    var box = field.closest(".field");
    if (box) { box.classList.remove("has-error"); }
    var message = document.getElementById(field.id + "-error") || (box && box.querySelector(".field-error"));
    if (message) { message.hidden = true; }
  }

  var summary = document.querySelector("[data-rates]");
  var form = document.getElementById("checkout-form");
  if (!summary || !form) { return; }
  var rates;
  try { rates = JSON.parse(summary.getAttribute("data-rates")); } catch (e) { return; }
  var country = form.querySelector("select[name=country]");

  function chosen() {
    var delivery = form.querySelector("input[name=delivery]:checked");
    if (delivery && delivery.value.indexOf("pickup-") === 0) { return "pickup"; }
    return country ? country.value : "";
  }

  function setText(selector, text) {
    document.querySelectorAll(selector).forEach(function (node) { node.textContent = text; });
  }

  function show() {
    var figures = rates[chosen()];
    if (!figures) { return; }
    setText("[data-shipping]", figures.shipping);
    setText("[data-total]", figures.total);
    if (figures.balance) { setText("[data-balance]", figures.balance); }
    var note = document.querySelector("[data-shipping-note]");
    if (note) { note.textContent = figures.note; note.hidden = !figures.note; }
    var quoted = form.querySelector("[data-quoted-total]");
    if (quoted) { quoted.value = figures.amount; }
  }

  if (country) { country.addEventListener("change", show); }
  form.querySelectorAll("input[name=delivery]").forEach(function (input) {
    input.addEventListener("change", show);
  });
  show();
})();
