// Photos open in a viewer on the page instead of a new tab: a click on the picture zooms
// in (twice the size, scrolled to where it was clicked), another zooms out; Esc closes.
(function () {
  "use strict";
  var dialog = document.createElement("dialog");
  dialog.className = "viewer";
  var close = document.createElement("button");
  close.type = "button";
  close.className = "close secondary";
  close.textContent = document.documentElement.lang === "en" ? "Close" : "关闭";
  var img = document.createElement("img");
  dialog.appendChild(close);
  dialog.appendChild(img);
  document.body.appendChild(dialog);
  close.addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { img.classList.remove("zoomed"); });
  img.addEventListener("click", function (event) {
    var x = event.offsetX / img.clientWidth, y = event.offsetY / img.clientHeight;
    img.classList.toggle("zoomed");
    if (img.classList.contains("zoomed")) {
      dialog.scrollLeft = x * img.clientWidth - dialog.clientWidth / 2;
      dialog.scrollTop = y * img.clientHeight - dialog.clientHeight / 2;
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".photos a");
    if (!link || !link.querySelector("img") || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    img.src = link.getAttribute("href");
    img.alt = link.querySelector("img").alt;
    dialog.showModal();
  });
})();
