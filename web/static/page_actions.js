// Small page actions without inline script (the Content-Security-Policy allows none):
// buttons that print the page or copy a text.
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
})();
