// Live "time left" next to every deadline; the colour classes come from the server.
(function () {
  const zh = document.documentElement.lang !== "en";
  function left(ms) {
    const past = ms < 0;
    let m = Math.floor(Math.abs(ms) / 60000);
    const d = Math.floor(m / 1440); m -= d * 1440;
    const h = Math.floor(m / 60); m -= h * 60;
    const text = zh ? (d ? d + "天" : "") + (h ? h + "小时" : "") + m + "分"
                    : (d ? d + "d " : "") + (h ? h + "h " : "") + m + "m";
    return past ? (zh ? "超期 " + text : text + " overdue") : (zh ? "剩余 " + text : text + " left");
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const ms = new Date(el.dataset.due) - new Date();
      el.querySelector(".left").textContent = left(ms);
      if (ms < 0) { el.classList.remove("ok", "warn"); el.classList.add("bad"); }
    });
  }
  tick(); setInterval(tick, 30000);
})();
