// Product pages (themes/default/templates/product.html, _gallery.html, _variant_picker.html).
// Without JavaScript the gallery is a strip to swipe whose thumbnails link to each photo, and
// a plain select chooses the variant. Here the thumbnails slide the strip instead of jumping,
// one picker per option replaces the select, and the select (what the form sends) follows
// the variant the pickers name: its price, what is left of it, and its photo.
(function () {
  var WORDS = (function () {
    try { return JSON.parse(document.getElementById("theme-words").textContent); } catch (e) { return {}; }
  })();
  function word(key) { return WORDS[key] || ""; }
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var toArray = function (list) { return Array.prototype.slice.call(list); };

  function gallery(root) {
    var viewport = root.querySelector("[data-gallery-viewport]");
    var slides = toArray(root.querySelectorAll("[data-gallery-slide]"));
    var thumbs = toArray(root.querySelectorAll("[data-gallery-thumb]"));
    if (!viewport || !slides.length) { return null; }
    function mark(index) {
      thumbs.forEach(function (thumb, n) {
        if (n === index) { thumb.setAttribute("aria-current", "true"); } else { thumb.removeAttribute("aria-current"); }
      });
    }
    function show(index) {
      var slide = slides[index];
      if (!slide) { return; }
      viewport.scrollTo({ left: slide.offsetLeft, behavior: reduceMotion ? "auto" : "smooth" });
      mark(index);
    }
    thumbs.forEach(function (thumb, index) {
      thumb.addEventListener("click", function (event) { event.preventDefault(); show(index); });
    });
    var timer = null;
    viewport.addEventListener("scroll", function () {  // swiped: the thumbnails follow
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var index = Math.round(viewport.scrollLeft / Math.max(viewport.clientWidth, 1));
        mark(Math.max(0, Math.min(slides.length - 1, index)));
      }, 80);
    }, { passive: true });
    return show;
  }

  function pickers(root, showPicture) {
    var select = root.querySelector("select[name=variant_id]");
    var box = root.querySelector("[data-option-pickers]");
    if (!select || !box) { return; }
    var fieldsets = toArray(box.querySelectorAll("[data-option-index]"));
    var variants = toArray(select.options).map(function (option) {
      var values;
      try { values = JSON.parse(option.getAttribute("data-values") || "[]"); } catch (e) { values = []; }
      return { option: option, values: values, stock: parseInt(option.getAttribute("data-stock"), 10) || 0 };
    });
    if (!variants.length || variants.some(function (v) { return v.values.length !== fieldsets.length; })) { return; }
    var status = box.querySelector("[data-variant-status]");
    var form = root.closest("form");
    var price = document.querySelector("[data-product-price]");
    var addButton = form && form.querySelector("[type=submit]");

    function radios(index) { return toArray(fieldsets[index].querySelectorAll("input[type=radio]")); }
    function chosen() {
      return fieldsets.map(function (fieldset) {
        var checked = fieldset.querySelector("input[type=radio]:checked");
        return checked ? checked.value : null;
      });
    }
    // As app/shops/option_pickers.state_of: after the values chosen before it.
    function state(values, index, value) {
      var matching = variants.filter(function (v) {
        for (var i = 0; i < index; i += 1) { if (v.values[i] !== values[i]) { return false; } }
        return v.values[index] === value;
      });
      if (matching.some(function (v) { return v.stock > 0; })) { return "available"; }
      return matching.length ? "sold_out" : "unavailable";
    }

    function refresh(changed) {
      var values = chosen();
      fieldsets.forEach(function (fieldset, index) {
        var firstOpen = null, current = null;
        radios(index).forEach(function (radio) {
          var now = state(values, index, radio.value);
          radio.disabled = now !== "available";
          var note = radio.parentNode.querySelector("[data-option-note]");
          if (note) { note.textContent = now === "sold_out" ? word("sold_out") : now === "unavailable" ? word("unavailable") : ""; }
          if (!radio.disabled && !firstOpen) { firstOpen = radio; }
          if (radio.checked) { current = radio; }
        });
        // A later option whose value is no longer to be had moves to the first one that is.
        if (index > changed && firstOpen && (!current || current.disabled)) { firstOpen.checked = true; }
        values = chosen();
        var shown = fieldset.querySelector("[data-option-chosen]");
        if (shown) { shown.textContent = values[index] === null ? "" : ": " + values[index]; }
      });
      var match = variants.filter(function (v) {
        return v.values.every(function (value, i) { return value === values[i]; });
      })[0];
      if (!match) { return; }
      select.value = match.option.value;
      var label = match.option.getAttribute("data-stock-label");
      if (status) { status.textContent = values.join(" / ") + ": " + match.option.getAttribute("data-price") + " · " + label; }
      if (price && match.stock > 0) { price.textContent = match.option.getAttribute("data-price"); }
      if (addButton) { addButton.disabled = match.stock <= 0; }
      var picture = match.option.getAttribute("data-picture");
      if (changed >= 0 && picture !== null && showPicture) { showPicture(parseInt(picture, 10)); }
    }

    box.hidden = false;
    var plain = root.querySelector("[data-variant-select]");
    if (plain) { plain.hidden = true; }
    box.addEventListener("change", function (event) {
      var fieldset = event.target.closest("[data-option-index]");
      if (fieldset) { refresh(parseInt(fieldset.getAttribute("data-option-index"), 10)); }
    });
    refresh(-1);
  }

  var galleryRoot = document.querySelector("[data-gallery]");
  var showPicture = galleryRoot ? gallery(galleryRoot) : null;
  toArray(document.querySelectorAll("[data-variant-choice]")).forEach(function (root) { pickers(root, showPicture); });
})();
