// Poll for new requests; announce them and reload when the cadre is not typing.
(function () {
  var box = document.getElementById("arrivals");
  if (!box) return;
  var url = box.dataset.poll + "?after=" + encodeURIComponent(box.dataset.latest);
  var title = document.title;
  function busy() {
    var a = document.activeElement;
    return a && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName);
  }
  function check() {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d || !d.new) return;
        box.hidden = false;
        box.textContent = "新到 " + d.new + " 件诉求，页面马上刷新。";
        document.title = "（" + d.new + " 件新诉求）" + title;
        if (!busy()) setTimeout(function () { location.reload(); }, 5000);
      })
      .catch(function () {});
  }
  window.inboxCheck = check;   // the end-to-end test calls it instead of waiting for the interval
  setInterval(check, 30000);
})();
