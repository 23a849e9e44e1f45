// The hotline desk: the caller's earlier cases by phone, the event-code search, and the place
// picked on a map of the grids (plain background; the server finds the grid of the point).
(function () {
  "use strict";
  const english = document.documentElement.lang === "en";

  function text(zh, en) { return english ? en : zh; }

  function escapeHtml(value) {
    const span = document.createElement("span");
    span.textContent = value;
    return span.innerHTML;
  }

  // Earlier cases of the caller.
  const earlier = document.getElementById("earlier");
  document.getElementById("history").addEventListener("click", async () => {
    const phone = document.getElementById("in-caller_phone").value.trim();
    if (!phone) { return; }
    earlier.textContent = text("查询中…", "Looking up…");
    const response = await fetch(`${earlier.dataset.url}?phone=${encodeURIComponent(phone)}`,
      {headers: {Accept: "application/json"}});
    const body = await response.json();
    if (!response.ok) {
      const fields = body.fields || {};
      earlier.textContent = (fields.phone || [body.message]).join(" ");
      return;
    }
    if (!body.cases.length) {
      earlier.textContent = text("该号码此前没有来电记录", "No earlier case from this number");
      return;
    }
    earlier.innerHTML = `<p class="meta">${text("此前来电", "Earlier cases")} (${body.cases.length})</p><ul>` +
      body.cases.map((c) => `<li><a href="${earlier.dataset.caseUrl.replace("NUMBER", c.number)}"><code>${escapeHtml(c.number)}</code></a> ` +
        `${escapeHtml(c.reported_on)} · ${escapeHtml(c.category_name)} · <span class="badge">${escapeHtml(c.status_name)}</span><br>${escapeHtml(c.title)}</li>`).join("") +
      "</ul>";
  });

  // Event codes: search by code or words; picking one fills an empty category.
  const search = document.getElementById("in-event_search");
  const codes = document.getElementById("in-event_code");
  const category = document.getElementById("in-category");
  search.addEventListener("input", () => {
    const wanted = search.value.trim().toLowerCase();
    for (const option of codes.querySelectorAll("option[data-category]")) {
      option.hidden = Boolean(wanted) && !option.textContent.toLowerCase().includes(wanted);
    }
  });
  codes.addEventListener("change", () => {
    const chosen = codes.selectedOptions[0];
    if (chosen && chosen.dataset.category && !category.value) { category.value = chosen.dataset.category; }
  });

  // The place: a click on the map.
  const holder = document.getElementById("pick");
  const grids = JSON.parse(holder.dataset.grids);
  const map = L.map(holder, {zoomSnap: 0.25, attributionControl: false});
  const shapes = L.geoJSON({type: "FeatureCollection", features: grids.filter((g) => g.boundary).map((g) => ({
    type: "Feature", geometry: g.boundary, properties: {key: g.key, name: g.name},
  }))}, {style: {color: "#0a559f", weight: 1.2, fillColor: "#dbe8f5", fillOpacity: 0.5}}).addTo(map);
  if (shapes.getLayers().length) { map.fitBounds(shapes.getBounds()); } else { map.setView([30.29, 120.19], 13); }
  const picked = document.getElementById("picked");
  let marker = null;
  function place(latlng, name) {
    document.getElementById("in-lat").value = latlng.lat.toFixed(6);
    document.getElementById("in-lon").value = latlng.lng.toFixed(6);
    if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, {radius: 7, color: "#c0392b"}).addTo(map); }
    picked.textContent = `${text("已选位置", "Picked")} ${latlng.lat.toFixed(5)}, ${latlng.lng.toFixed(5)}` +
      (name ? ` · ${name}` : ` · ${text("不在任何网格内", "outside every grid")}`);
    holder.dataset.picked = "1";
  }
  map.on("click", (event) => place(event.latlng, null));
  shapes.eachLayer((layer) => layer.on("click", (event) => {
    L.DomEvent.stopPropagation(event);
    place(event.latlng, layer.feature.properties.name);
  }));
  holder.dataset.ready = "1";
})();
