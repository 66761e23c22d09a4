// Share panels (themes/default/templates/_share.html): "Copy" puts the short link on the
// clipboard and "Share to an app" opens the phone's own share sheet (Web Share API). Both
// buttons stay hidden without JavaScript or where the browser lacks the API: the panel
// still shows the link to select, the picture and the QR code. Escape closes the panel.
(function () {
  var WORDS = (function () {
    try { return JSON.parse(document.getElementById("theme-words").textContent); } catch (e) { return {}; }
  })();
  function word(key) { return WORDS[key] || ""; }
  function say(button, text) {
    var panel = button.closest(".share-panel");
    var status = panel && panel.querySelector(".share-status");
    if (status) { status.textContent = text; }
  }

  function copyByHand(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    field.addEventListener("focus", function () { field.select(); });
    var label = button.querySelector("span") || button;
    var done = function () {
      label.textContent = word("copied");
      say(button, word("link_copied"));
      window.setTimeout(function () { label.textContent = word("copy"); }, 2500);
    };
    var failed = function () { say(button, word("copy_failed")); };
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (copyByHand(field)) { done(); } else { failed(); }
        });
      } else if (copyByHand(field)) {
        done();
      } else {
        failed();
      }
    });
  });

  if (navigator.share) {
    document.querySelectorAll("[data-share-native]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({
          title: button.getAttribute("data-title"),
          text: button.getAttribute("data-text"),
          url: button.getAttribute("data-url")
        }).catch(function () {});  // the shopper closed the sheet
      });
    });
  }

  document.querySelectorAll("details[data-share]").forEach(function (details) {
    details.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && details.open) {
        details.open = false;
        details.querySelector("summary").focus();
      }
    });
  });
})();
