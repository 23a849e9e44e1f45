// Small page actions without inline script (the Content-Security-Policy allows none):
// buttons that print the page or copy a text, and the report form's "use my location".
(function () {
  "use strict";
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent.trim();
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = button.dataset.done;
      } catch (err) {
        window.getSelection().selectAllChildren(document.getElementById(button.dataset.copy));
      }
    });
  }
  const locate = document.getElementById("locate");
  if (locate && locate.dataset.fills) {
    locate.addEventListener("click", () => {
      if (!navigator.geolocation) { return; }
      navigator.geolocation.getCurrentPosition((p) => {
        document.getElementById("in-lat").value = p.coords.latitude.toFixed(6);
        document.getElementById("in-lon").value = p.coords.longitude.toFixed(6);
      });
    });
  }
})();
