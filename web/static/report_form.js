// A report page (residents' /r and the staff's /report; the order pool's post page): previews of the photos taken, the
// place from the browser's location or a tap on the map (a pin that can be dragged).
(function () {
  "use strict";
  const english = document.documentElement.lang === "en";
  function text(zh, en) { return english ? en : zh; }

  const photos = document.getElementById("in-photos");
  const previews = document.getElementById("previews");
  function preview() {
    previews.replaceChildren();
    for (const file of photos.files) {
      const img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      previews.append(img);
    }
  }
  if (photos) {  // a volunteer order's place is picked without photos
    photos.addEventListener("change", preview);
    preview();  // files chosen before this script ran (a slow page, the back button)
  }

  const pick = window.gridcasePickMap(document.getElementById("pick"), english);
  const locate = document.getElementById("locate");
  const picked = document.getElementById("picked");
  locate.addEventListener("click", () => {
    if (!navigator.geolocation) {
      picked.textContent = text("此浏览器不能定位，请在地图上点选", "This browser cannot tell the place: tap the map");
      return;
    }
    picked.textContent = text("正在定位…", "Finding you…");
    navigator.geolocation.getCurrentPosition((position) => {
      const here = L.latLng(position.coords.latitude, position.coords.longitude);
      pick.place(here);
      pick.map.setView(here, Math.max(pick.map.getZoom(), 16));
    }, () => {
      picked.textContent = text("未能定位，请在地图上点选", "Could not find you: tap the map");
    }, {enableHighAccuracy: true, timeout: 10000});
  });
})();
