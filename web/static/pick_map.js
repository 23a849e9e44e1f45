// A map of the grids to pick a place on (plain background; the server finds the grid of the
// point). Used by the hotline desk and the residents' report page.
window.gridcasePickMap = function (holder, english) {
  "use strict";
  function text(zh, en) { return english ? en : zh; }
  const grids = JSON.parse(holder.dataset.grids);
  const map = L.map(holder, {zoomSnap: 0.25, attributionControl: false});
  const shapes = L.geoJSON({type: "FeatureCollection", features: grids.filter((g) => g.boundary).map((g) => ({
    type: "Feature", geometry: g.boundary, properties: {key: g.key, name: g.name},
  }))}, {style: {color: "#0a559f", weight: 1.2, fillColor: "#dbe8f5", fillOpacity: 0.5}}).addTo(map);
  if (shapes.getLayers().length) { map.fitBounds(shapes.getBounds()); } else { map.setView([30.29, 120.19], 13); }
  const picked = document.getElementById("picked");
  let marker = null;
  function gridAt(latlng) {
    let name = null;
    shapes.eachLayer((layer) => {
      if (!name && layer.getBounds().contains(latlng) && inside(latlng, layer.getLatLngs())) { name = layer.feature.properties.name; }
    });
    return name;
  }
  // Ray casting over the polygon's outer ring.
  function inside(latlng, rings) {
    let ring = rings;
    while (Array.isArray(ring[0])) { ring = ring[0]; }
    let hit = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i], b = ring[j];
      if ((a.lat > latlng.lat) !== (b.lat > latlng.lat) &&
          latlng.lng < (b.lng - a.lng) * (latlng.lat - a.lat) / (b.lat - a.lat) + a.lng) { hit = !hit; }
    }
    return hit;
  }
  function place(latlng) {
    const name = gridAt(latlng);
    document.getElementById("in-lat").value = latlng.lat.toFixed(6);
    document.getElementById("in-lon").value = latlng.lng.toFixed(6);
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, {draggable: true}).addTo(map); marker.on("dragend", () => place(marker.getLatLng())); }
    picked.textContent = `${text("已选位置", "Picked")} ${latlng.lat.toFixed(5)}, ${latlng.lng.toFixed(5)}` +
      (name ? ` · ${name}` : ` · ${text("不在任何网格内", "outside every grid")}`);
    holder.dataset.picked = "1";
  }
  map.on("click", (event) => place(event.latlng));
  shapes.eachLayer((layer) => layer.on("click", (event) => { L.DomEvent.stopPropagation(event); place(event.latlng); }));
  const lat = parseFloat(document.getElementById("in-lat").value);
  const lon = parseFloat(document.getElementById("in-lon").value);
  if (!Number.isNaN(lat) && !Number.isNaN(lon)) { place(L.latLng(lat, lon)); }
  holder.dataset.ready = "1";
  return {map, place};
};
