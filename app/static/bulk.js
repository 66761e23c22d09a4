// Bulk work in the dashboard, asked for with data- attributes (the Content-Security-Policy
// refuses inline scripts):
// - data-select-all="NAME" on a checkbox ticks or unticks every checkbox NAME of its form
//   (the Products page's "Select all on this page"); data-selected-count shows how many.
// - data-reorder-url on a list (a <tbody> or an <ol>) whose children carry data-reorder-id:
//   a row is dragged by its data-drag-handle (mouse, pen or finger), or moved with the arrow
//   keys while its handle has the focus; the list's new order is saved with one POST of every
//   id ("order", in order): on a page of a longer order, its rows swap places among
//   themselves. A refused save puts the rows back and says why.
// What it says comes in the page's language, as JSON in its <script>'s data-words (the
// bulk_script macro of _ui.html), with {slots} it fills in.
// Without scripts the handles and "Select all" are hidden, and the ↑ ↓ buttons move rows.
(function () {
  "use strict";

  var words = JSON.parse(document.currentScript.getAttribute("data-words"));

  function word(key, slots) {
    return words[key].replace(/\{(\w+)\}/g, function (slot, name) {
      return Object.prototype.hasOwnProperty.call(slots || {}, name) ? String(slots[name]) : slot;
    });
  }

  // Select all ------------------------------------------------------------------------------

  function boxesOf(master) {
    var name = master.getAttribute("data-select-all");
    return Array.prototype.filter.call(master.form ? master.form.elements : [], function (box) {
      return box.type === "checkbox" && box.name === name;
    });
  }

  function showSelection(form) {
    var master = form && form.querySelector("[data-select-all]");
    if (!master) return;
    var boxes = boxesOf(master);
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    master.checked = ticked > 0 && ticked === boxes.length;
    master.indeterminate = ticked > 0 && ticked < boxes.length;
    var count = form.querySelector("[data-selected-count]");
    if (count) count.textContent = ticked === 0 ? word("none") : word("some", { ticked: ticked, total: boxes.length });
    // Keep the bar's place before it may float (a phone's stylesheet floats .has-selection).
    var slot = form.parentElement;
    if (slot && slot.classList.contains("bulk-slot") && !form.classList.contains("has-selection")) {
      slot.style.minHeight = form.offsetHeight + "px";
    }
    form.classList.toggle("has-selection", ticked > 0);
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.form) return;
    if (box.hasAttribute("data-select-all")) {
      boxesOf(box).forEach(function (other) { other.checked = box.checked; });
    }
    showSelection(box.form);
  });
  // The browser may bring ticks back (Back button): count them.
  document.querySelectorAll("[data-select-all]").forEach(function (master) { showSelection(master.form); });
  // Mark the bar "away" while its place is scrolled out of sight (under the sticky top bars,
  // about 120px on a phone, counts as out of sight): a phone floats it then.
  if ("IntersectionObserver" in window) {
    document.querySelectorAll(".bulk-slot").forEach(function (slot) {
      new IntersectionObserver(function (entries) {
        var bar = slot.firstElementChild;
        if (bar) bar.classList.toggle("is-away", !entries[entries.length - 1].isIntersecting);
      }, { rootMargin: "-120px 0px 0px 0px" }).observe(slot);
    });
  }

  // Reordering ------------------------------------------------------------------------------

  function rowsOf(list) {
    return Array.prototype.filter.call(list.children, function (row) { return row.hasAttribute("data-reorder-id"); });
  }

  function orderOf(list) {
    return rowsOf(list).map(function (row) { return row.getAttribute("data-reorder-id"); });
  }

  // A list that is one page of a longer order says where it starts (data-position-from) and
  // how long the whole order is (data-position-total): its rows are numbered from there, and
  // ↑ ↓ stay usable at the page's edges (they move a product onto the next page).
  function places(list) {
    var from = parseInt(list.getAttribute("data-position-from"), 10) || 1;
    var total = parseInt(list.getAttribute("data-position-total"), 10) || from - 1 + rowsOf(list).length;
    return { from: from, total: total };
  }

  function renumber(list) {
    var span = places(list);
    rowsOf(list).forEach(function (row, index) {
      var place = span.from + index;
      var position = row.querySelector("[data-position]");
      if (position) position.textContent = String(place);
      row.querySelectorAll("[data-move='up']").forEach(function (button) { button.disabled = place === 1; });
      row.querySelectorAll("[data-move='down']").forEach(function (button) { button.disabled = place === span.total; });
    });
  }

  function putBack(list, order) {
    var byId = {};
    rowsOf(list).forEach(function (row) { byId[row.getAttribute("data-reorder-id")] = row; });
    order.forEach(function (id) { if (byId[id]) list.appendChild(byId[id]); });
    renumber(list);
  }

  function say(list, text, failed) {
    var status = document.getElementById(list.getAttribute("data-reorder-status"));
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("is-error", Boolean(failed));
  }

  // One save at a time per list: a move made while one is on its way is sent after it, so
  // the last order the owner made is the one kept.
  var saves = new WeakMap();

  function save(list) {
    var state = saves.get(list) || { saved: null, busy: false, again: false };
    saves.set(list, state);
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    state.again = false;
    var order = orderOf(list);
    var body = new URLSearchParams();
    body.append("csrf_token", list.getAttribute("data-reorder-token") || "");
    order.forEach(function (id) { body.append("order", id); });
    list.setAttribute("aria-busy", "true");
    fetch(list.getAttribute("data-reorder-url"), {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) throw new Error(answer.error || word("failed"));
        state.saved = order;
        if (!state.again) say(list, answer.message || word("saved"));
      });
    }).catch(function (error) {
      state.again = false;
      if (state.saved) putBack(list, state.saved);
      say(list, error.message || word("failed"), true);
    }).then(function () {
      state.busy = false;
      list.removeAttribute("aria-busy");
      if (state.again) save(list);
    });
  }

  function remember(list) {
    // The order last saved: what a refused save goes back to.
    var state = saves.get(list);
    if (!state) saves.set(list, { saved: orderOf(list), busy: false, again: false });
  }

  function moved(list, row) {
    var span = places(list);
    say(list, word("moved", { name: row.getAttribute("data-reorder-name") || "", place: span.from + rowsOf(list).indexOf(row),
                             total: span.total }));
    save(list);
  }

  // Dragging: the row follows the pointer; it goes before the first other row whose middle
  // is below the pointer.
  var drag = null;

  function handleIn(event) {
    var handle = event.target.closest && event.target.closest("[data-drag-handle]");
    var row = handle && handle.closest("[data-reorder-id]");
    var list = row && row.parentElement;
    return list && list.hasAttribute("data-reorder-url") ? { handle: handle, row: row, list: list } : null;
  }

  document.addEventListener("pointerdown", function (event) {
    var found = handleIn(event);
    if (!found || event.button !== 0) return;
    event.preventDefault();
    remember(found.list);
    drag = { row: found.row, list: found.list, pointer: event.pointerId, before: orderOf(found.list) };
    found.row.classList.add("is-dragging");
    found.list.classList.add("is-sorting");
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    event.preventDefault();
    var y = event.clientY;
    var target = null;
    rowsOf(drag.list).some(function (other) {
      if (other === drag.row) return false;
      var box = other.getBoundingClientRect();
      if (y < box.top + box.height / 2) { target = other; return true; }
      return false;
    });
    if (target && drag.row.nextElementSibling !== target) drag.list.insertBefore(drag.row, target);
    if (!target && drag.list.lastElementChild !== drag.row) drag.list.appendChild(drag.row);
    if (y < 48) window.scrollBy(0, -16);
    else if (y > window.innerHeight - 48) window.scrollBy(0, 16);
  });

  function endDrag(cancelled) {
    if (!drag) return;
    var current = drag;
    drag = null;
    current.row.classList.remove("is-dragging");
    current.list.classList.remove("is-sorting");
    if (cancelled) { putBack(current.list, current.before); return; }
    renumber(current.list);
    if (orderOf(current.list).join() !== current.before.join()) moved(current.list, current.row);
  }

  document.addEventListener("pointerup", function (event) {
    if (drag && event.pointerId === drag.pointer) endDrag(false);
  });
  document.addEventListener("pointercancel", function () { endDrag(true); });
  window.addEventListener("blur", function () { endDrag(true); });

  // The keyboard: arrow keys on a focused handle move its row one place; Escape ends a drag
  // where it began.
  document.addEventListener("keydown", function (event) {
    if (drag && event.key === "Escape") { endDrag(true); return; }
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    var found = handleIn(event);
    if (!found) return;
    event.preventDefault();
    var up = event.key === "ArrowUp";
    var neighbour = up ? found.row.previousElementSibling : found.row.nextElementSibling;
    if (!neighbour || !neighbour.hasAttribute("data-reorder-id")) return;
    remember(found.list);
    if (up) found.list.insertBefore(found.row, neighbour);
    else found.list.insertBefore(neighbour, found.row);
    found.handle.focus();
    renumber(found.list);
    moved(found.list, found.row);
  });
})();
