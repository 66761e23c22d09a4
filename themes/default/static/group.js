// The group page: a live countdown to the deadline and live progress ("Copy" is share.js's).
// Without JavaScript the page still shows the deadline and the link.
(function () {
  var WORDS = (function () {
    try { return JSON.parse(document.getElementById("theme-words").textContent); } catch (e) { return {}; }
  })();
  function word(key) { return WORDS[key] || ""; }
  var time = document.querySelector("[data-countdown]");
  if (time) {
    var end = Date.parse(time.getAttribute("datetime"));
    var tick = function () {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
          m = Math.floor(left % 3600 / 60), s = left % 60;
      var unit = function (key, n) { return word(key).replace("{n}", n); };
      // Two digits after the first unit ("3 d 04 h 05 min 09 s"): the text keeps its width.
      var two = function (n) { return n < 10 ? "0" + n : String(n); };
      var parts = (d ? [unit("days", d)] : []).concat(
        d || h ? [unit("hours", d ? two(h) : h)] : [], [unit("minutes", d || h ? two(m) : m), unit("seconds", two(s))]);
      time.textContent = left === 0 ? word("now") : word("in_time").replace("{time}", parts.join(" "));
      if (left === 0) { window.clearInterval(timer); }
    };
    var timer = window.setInterval(tick, 1000);
    tick();
  }
  // Live progress: while the group is open (or a payment is being confirmed), ask every
  // 10 s and reload the page when anything changed.
  var live = document.querySelector("[data-live]");
  if (live && window.fetch && (/^open /.test(live.getAttribute("data-state")) || / true$/.test(live.getAttribute("data-state")))) {
    var poll = window.setInterval(function () {
      fetch(live.getAttribute("data-live"), {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (now) {
          if (!now) { return; }
          var state = now.status + " " + now.progress + " " + now.paying;
          if (state !== live.getAttribute("data-state")) { window.clearInterval(poll); window.location.reload(); }
        }).catch(function () {});
    }, 10000);
  }
})();
