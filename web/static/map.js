// The map (地图) with Leaflet, served from /static/vendor: grid polygons filled by the number
// of matching cases (density), the outlines of the units above them, and the cases as points,
// clustered and coloured by status or by deadline. With no tile server configured the
// polygons are drawn on a plain background.
//   <div id="map" data-grids data-cases data-case-url data-tiles data-attribution>
//   <div class="case-map" data-src data-tiles data-attribution>: one case's point and grid.
// Tiles: a Leaflet URL template, {s:01234567} names the subdomains for {s}; several templates
// separated by spaces are drawn bottom up (天地图: the map layer, then its labels).
(function () {
  "use strict";
  const english = document.documentElement.lang === "en";
  const STATUS_GROUP = {
    reported: "new", verifying: "new", registered: "new",
    dispatched: "handling", in_progress: "handling", coordinating: "handling",
    resolved: "checking", checking: "checking",
    closed: "closed", evaluated: "closed",
    rejected: "void", merged: "void",
  };
  const CLOSED = new Set(["closed", "evaluated", "rejected", "merged"]);
  const URGENCY = ["overdue", "warning", "ontime", "done"];  // a cluster takes the first it holds
  const SCALE = ["#f7f4e8", "#fee8a0", "#fdc35a", "#f98e3a", "#e0502b", "#a5192a"];
  const OUTLINE = {
    city: {color: "#1f2933", weight: 3.5},
    district: {color: "#1f2933", weight: 3.5},
    street: {color: "#0a4f95", weight: 2.8},
    community: {color: "#0a559f", weight: 1.8, dashArray: "6 4"},
  };

  function escapeHtml(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  function baseMap(el, options) {
    const map = L.map(el, Object.assign({zoomSnap: 0.25, minZoom: 3, maxZoom: 19}, options));
    const attribution = escapeHtml(el.dataset.attribution || "");
    (el.dataset.tiles || "").split(/\s+/).filter(Boolean).forEach((template, i) => {
      let subdomains = "abc";
      const named = template.match(/\{s:([^}]+)\}/);
      if (named) {
        subdomains = named[1];
        template = template.replace(named[0], "{s}");
      }
      L.tileLayer(template, {subdomains, maxZoom: 19, attribution: i === 0 ? attribution : ""})
        .addTo(map);
    });
    if (!el.dataset.tiles) el.classList.add("no-tiles");
    return map;
  }

  function unitName(props) {
    return (english ? props.name_en : props.name_zh) || props.name_zh || props.key;
  }

  function pinGroup(p, mode) {
    if (mode === "deadline") {
      if (CLOSED.has(p.status)) return "done";
      if (p.overdue) return "overdue";
      return p.alert_level === "yellow" ? "warning" : "ontime";
    }
    return STATUS_GROUP[p.status] || "new";
  }

  function pinIcon(group) {
    return L.divIcon({className: "gc-pin g-" + group, iconSize: [18, 18]});
  }

  async function getJson(url) {
    const resp = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (!resp.ok) throw new Error(resp.status + " " + url);
    return resp.json();
  }

  function gridStyle(count, step, showDensity) {
    const level = count ? Math.min(SCALE.length - 1, 1 + Math.floor((count - 1) / step)) : 0;
    return {
      color: "#5f6b7a", weight: 1, opacity: 0.9,
      fillColor: SCALE[level], fillOpacity: showDensity ? 0.62 : 0.08,
    };
  }

  // ---- the map page ----
  async function mapPage(el) {
    const labels = JSON.parse(document.getElementById("map-labels").textContent);
    const note = document.getElementById("map-note");
    const map = baseMap(el, {});
    const say = (text) => { note.textContent = text; note.hidden = !text; };
    let grids, cases;
    try {
      [grids, cases] = await Promise.all([getJson(el.dataset.grids), getJson(el.dataset.cases)]);
    } catch (err) {
      map.setView([35, 105], 4);
      say(labels.failed);
      el.dataset.ready = "error";
      return;
    }

    // Density: grids filled by their matching cases; the units above them as outlines.
    const gridFeatures = grids.features.filter((f) => f.properties.level === "grid" && f.geometry);
    const max = Math.max(0, ...gridFeatures.map((f) => f.properties.cases));
    const step = Math.max(1, Math.ceil(max / (SCALE.length - 1)));
    const density = () => document.querySelector("input[name=layer][value=density]").checked;
    const gridLayer = L.geoJSON({type: "FeatureCollection", features: gridFeatures}, {
      style: (f) => gridStyle(f.properties.cases, step, density()),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        let text = escapeHtml(unitName(p)) + "<br>" + fill(labels.cases, {n: p.cases});
        if (p.overdue) text += " · " + fill(labels.overdue, {n: p.overdue});
        if (p.care_overdue) text += "<br>" + fill(labels.care_overdue, {n: p.care_overdue});
        layer.bindTooltip(text, {sticky: true, className: "map-tip"});
        layer.on("add", () => layer.getElement()?.setAttribute("data-grid", p.key));
      },
    }).addTo(map);
    // Coarse to fine (the API orders by the tree): the finer, thinner lines lie on top.
    const outlines = grids.features.filter((f) => f.properties.level !== "grid" && f.geometry);
    const outlineLayer = L.geoJSON({type: "FeatureCollection", features: outlines}, {
      interactive: false,
      style: (f) => Object.assign({fill: false, opacity: 0.9}, OUTLINE[f.properties.level] || {}),
    }).addTo(map);
    densityLegend(max, step);

    // Points, clustered; a cluster is coloured by its most urgent or most common case.
    let mode = "status";
    const clusters = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 44,
      spiderfyOnMaxZoom: true,
      iconCreateFunction: (cluster) => clusterIcon(cluster.getAllChildMarkers(), mode, labels),
    });
    const markers = cases.features.map((f) => {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      const marker = L.marker([lat, lon], {
        icon: pinIcon(pinGroup(p, mode)),
        title: p.number + " " + p.title,
        alt: p.number,
        riseOnHover: true,
      });
      marker.gcCase = p;
      marker.bindPopup(() => popup(p, labels, el.dataset.caseUrl), {minWidth: 200, maxWidth: 280});
      marker.on("add", () => marker.getElement()?.setAttribute("data-number", p.number));
      return marker;
    });
    clusters.addLayers(markers);
    clusters.addTo(map);

    const bounds = gridLayer.getBounds().isValid() ? gridLayer.getBounds()
      : outlineLayer.getBounds().isValid() ? outlineLayer.getBounds()
      : clusters.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, {padding: [12, 12], maxZoom: 17});
    } else {
      map.setView([35, 105], 4);
    }
    const notes = [];
    if (!grids.features.length && !cases.features.length) notes.push(labels.nothing);
    if (cases.truncated) {
      notes.push(fill(labels.truncated, {shown: cases.features.length, total: cases.total}));
    }
    if (cases.unplaced) notes.push(fill(labels.unplaced, {n: cases.unplaced}));
    say(notes.join(" "));

    // The controls: colour by status or deadline; points and density on or off.
    document.querySelectorAll("input[name=colour]").forEach((input) => {
      input.addEventListener("change", () => {
        mode = input.value;
        markers.forEach((m) => m.setIcon(pinIcon(pinGroup(m.gcCase, mode))));
        clusters.refreshClusters();
        document.querySelectorAll(".map-legend[data-mode]").forEach((legend) => {
          legend.hidden = legend.dataset.mode !== mode;
        });
        el.dataset.mode = mode;
      });
    });
    document.querySelectorAll("input[name=layer]").forEach((input) => {
      input.addEventListener("change", () => {
        if (input.value === "points") {
          if (input.checked) map.addLayer(clusters); else map.removeLayer(clusters);
        } else {
          gridLayer.setStyle((f) => gridStyle(f.properties.cases, step, input.checked));
          document.getElementById("density-legend").hidden = !input.checked;
        }
      });
    });
    el.dataset.mode = mode;
    el.dataset.pointCount = String(markers.length);
    el.dataset.gridCount = String(gridFeatures.length);
    el.dataset.ready = "1";
  }

  function clusterIcon(children, mode, labels) {
    const counts = {};
    let late = 0;
    for (const m of children) {
      const group = pinGroup(m.gcCase, mode);
      counts[group] = (counts[group] || 0) + 1;
      if (m.gcCase.overdue) late += 1;
    }
    const group = mode === "deadline"
      ? URGENCY.find((g) => counts[g])
      : Object.keys(counts).sort((a, b) => counts[b] - counts[a])[0];
    const n = children.length;
    const size = n < 10 ? 34 : n < 100 ? 40 : 48;
    let title = fill(labels.cases, {n});
    if (late) title += " · " + fill(labels.overdue, {n: late});
    return L.divIcon({
      html: `<span title="${escapeHtml(title)}">${n}</span>`,
      className: "gc-cluster g-" + group,
      iconSize: [size, size],
    });
  }

  function popup(p, labels, caseUrl) {
    const box = document.createElement("div");
    box.className = "map-popup";
    const head = document.createElement("p");
    const code = document.createElement("code");
    code.textContent = p.number;
    const status = document.createElement("span");
    status.className = "badge st-" + p.status;
    status.textContent = labels.status[p.status] || p.status;
    head.append(code, " ", status);
    if (p.overdue) {
      const late = document.createElement("span");
      late.className = "badge alert-red";
      late.textContent = labels.late;
      head.append(" ", late);
    }
    const title = document.createElement("p");
    title.className = "map-popup-title";
    title.textContent = p.title;
    box.append(head, title);
    if (p.approximate) {
      const where = document.createElement("p");
      where.className = "muted";
      where.textContent = labels.approximate;
      box.append(where);
    }
    const link = document.createElement("a");
    link.className = "open-case";
    link.href = caseUrl.replace("NUMBER", encodeURIComponent(p.number));
    link.textContent = labels.open + " →";
    box.append(link);
    return box;
  }

  function densityLegend(max, step) {
    const list = document.getElementById("density-legend");
    if (!list) return;
    const title = document.createElement("li");
    title.className = "legend-title";
    title.textContent = list.getAttribute("aria-label");
    list.replaceChildren(title);
    const add = (colour, text) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colour;
      item.append(swatch, text);
      list.append(item);
    };
    add(SCALE[0], "0");
    for (let i = 1; i < SCALE.length && (i - 1) * step + 1 <= max; i += 1) {
      const low = (i - 1) * step + 1;
      const high = Math.min(i * step, max);
      add(SCALE[i], low === high ? String(low) : low + "–" + high);
    }
  }

  // ---- a case's point on its page ----
  async function caseMap(el) {
    const map = baseMap(el, {scrollWheelZoom: false});
    let data;
    try {
      data = await getJson(el.dataset.src);
    } catch (err) {
      map.setView([35, 105], 4);
      el.dataset.ready = "error";
      return;
    }
    const grid = data.features.find((f) => f.properties.level);
    const point = data.features.find((f) => f.geometry && f.geometry.type === "Point");
    let bounds = null;
    if (grid && grid.geometry) {
      const layer = L.geoJSON(grid, {
        style: {color: "#0a559f", weight: 2, fillColor: "#e6f0fb", fillOpacity: 0.5},
      }).bindTooltip(escapeHtml(unitName(grid.properties)), {sticky: true}).addTo(map);
      bounds = layer.getBounds();
    }
    if (point) {
      const [lon, lat] = point.geometry.coordinates;
      L.marker([lat, lon], {
        icon: pinIcon(pinGroup(point.properties, "status")),
        title: point.properties.number,
        keyboard: false,
      }).addTo(map);
      if (bounds) bounds.extend([lat, lon]);
      else map.setView([lat, lon], 16);
    }
    if (bounds) map.fitBounds(bounds, {padding: [16, 16], maxZoom: 17});
    else if (!point) map.setView([35, 105], 4);
    el.dataset.ready = "1";
  }

  function start() {
    const page = document.getElementById("map");
    if (page && page.dataset.grids) mapPage(page);
    document.querySelectorAll(".case-map[data-src]").forEach(caseMap);
  }
  start();
})();
