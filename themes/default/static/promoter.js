// The promoter page: "Copy link" buttons. Without JavaScript the links are still there to select.
(function () {
  var WORDS = (function () {
    try { return JSON.parse(document.getElementById("theme-words").textContent); } catch (e) { return {}; }
  })();
  function word(key) { return WORDS[key] || ""; }
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(field.value).then(function () { button.textContent = word("copied"); });
    });
  });
})();
