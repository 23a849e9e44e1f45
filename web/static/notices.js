// The header's unread-notices badge, kept current without reloading: it asks the server
// every minute (and when the tab comes back into view). Polling rather than server-sent
// events: an open event stream holds one of the few synchronous web workers per tab.
(function () {
  "use strict";
  var badge = document.getElementById("unread-badge");
  if (!badge) return;
  var source = badge.getAttribute("data-source");
  function show(count) {
    badge.hidden = count === 0;
    badge.textContent = count >= 100 ? "99+" : String(count);
  }
  function refresh() {
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) show(body.unread); })
      .catch(function () { /* offline for a moment: keep the last count */ });
  }
  refresh();
  setInterval(refresh, 60000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refresh();
  });
})();
