// The pickup desk: where the phone's browser can read QR codes (BarcodeDetector) and has a
// camera, a "Scan" button reads the shopper's code from their screen and hands it over.
// Without either, the page works as it is: type the code.
(function () {
  var WORDS = (function () {
    try { return JSON.parse(document.getElementById("theme-words").textContent); } catch (e) { return {}; }
  })();
  function word(key) { return WORDS[key] || ""; }
  var form = document.querySelector("[data-pickup-form]");
  if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var input = form.querySelector("input[name=code]");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button button-secondary button-lg";
  button.textContent = word("scan");
  form.appendChild(button);
  button.addEventListener("click", function () {
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.className = "pickup-camera";
    form.parentNode.insertBefore(video, form.nextSibling);
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.remove(); };
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) { input.value = codes[0].rawValue; stop(); form.submit(); }
          else { window.setTimeout(look, 300); }
        }).catch(function () { window.setTimeout(look, 500); });
      };
      look();
    }).catch(function () { video.remove(); button.textContent = word("no_camera"); button.disabled = true; });
  });
})();
