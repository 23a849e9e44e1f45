// The dashboard (总览): tiles, rankings and charts (Apache ECharts, from /static/vendor) drawn
// from /api/v1/dashboard. Every number links to the cases behind it (/dashboard/cases).
// Words come from the page (#dashboard-labels), in the page's language.
(function () {
  "use strict";
  const root = document.getElementById("dashboard");
  if (!root) return;
  const L = JSON.parse(document.getElementById("dashboard-labels").textContent);
  const status = document.getElementById("dash-status");
  const locale = document.documentElement.lang === "en" ? "en" : "zh-CN";
  const asked = root.dataset;
  const COLOURS = ["#0b6bcb", "#2f9e55", "#e6a23c", "#c81e1e", "#6b21a8"];
  // The count whose cases lie behind each ranking column.
  const COLUMNS = [
    ["reported", "reported"],
    ["due_to_close", "due_to_close"],
    ["closure_rate", "closed"],
    ["on_time_closure_rate", "closed_on_time"],
    ["overdue", "overdue"],
  ];
  const BEHIND = Object.fromEntries(COLUMNS);
  // Columns a phone leaves out unless the ranking is ordered by them.
  const OPTIONAL = new Set(["due_to_close", "on_time_closure_rate"]);
  const charts = [];

  function drill(extra) {
    const query = new URLSearchParams({from: asked.from, to: asked.to, unit: asked.unit});
    for (const [name, value] of Object.entries(extra)) {
      if (value !== null && value !== undefined) query.set(name, value);
    }
    return `${asked.cases}?${query}`;
  }

  function node(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (name === "className") el.className = value;
      else el.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const count = (n) => Number(n).toLocaleString(locale);
  const percent = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);
  const signed = (text, v) => (v > 0 ? `+${text}` : v < 0 ? `−${text.replace("-", "")}` : text);

  function shown(kind, v) {
    if (v === null || v === undefined) return "—";
    if (kind === "rate") return percent(v);
    if (kind === "hours") return `${v.toFixed(1)} ${L.hours}`;
    return count(v);
  }

  function change(kpi) {
    const c = kpi.change;
    if (kpi.kind === "rate") return `${signed((c * 100).toFixed(1), c)} ${L.points}`;
    if (kpi.kind === "hours") return `${signed(c.toFixed(1), c)} ${L.hours}`;
    const relative = kpi.previous ? ` (${signed(Math.round((c / kpi.previous) * 100) + "%", c)})` : "";
    return signed(count(c), c) + relative;
  }

  function tile(kpi) {
    let trend;
    if (kpi.trend === null) {
      trend = node("span", {className: "kpi-trend none"}, L.noPrevious);
    } else {
      const mood = kpi.good === true ? "good" : kpi.good === false ? "bad" : "neutral";
      const arrow = {up: "▲", down: "▼", flat: "＝"}[kpi.trend];
      trend = node(
        "span",
        {className: `kpi-trend ${kpi.trend} ${mood}`},
        node("span", {"aria-hidden": "true"}, arrow),
        node("span", {className: "sr"}, L[kpi.trend]),
        ` ${change(kpi)}`,
      );
    }
    const fraction = kpi.kind === "rate" && kpi.denominator !== null
      ? node("small", {className: "kpi-frac"}, `${count(kpi.numerator)} / ${count(kpi.denominator)}`)
      : null;
    return node(
      "li",
      {className: `kpi kpi-${kpi.name}`, "data-name": kpi.name},
      node(
        "a",
        {href: drill({measure: kpi.measure})},
        node("span", {className: "kpi-name"}, L.names[kpi.name] || kpi.name),
        node("strong", {className: "kpi-value"}, shown(kpi.kind, kpi.value), fraction),
        trend,
        node("span", {className: "kpi-prev"}, `${L.previous} ${shown(kpi.kind, kpi.previous)}`),
      ),
    );
  }

  function liveTile(n) {
    return node(
      "li",
      {className: `kpi kpi-live${n ? " alarm" : ""}`, "data-name": "overdue_now"},
      node(
        "a",
        {href: drill({measure: "overdue_now"})},
        node("span", {className: "kpi-name"}, L.names.overdue_now),
        node("strong", {className: "kpi-value"}, count(n)),
        node("span", {className: "kpi-trend none"}, L.live),
      ),
    );
  }

  function ranking(r, rank) {
    const kind = (name) => `num${name === rank ? " ranked" : OPTIONAL.has(name) ? " opt" : ""}`;
    const head = node(
      "tr",
      {},
      node("th", {scope: "col", className: "rank"}, L.rank),
      node("th", {scope: "col"}, L.name),
      ...COLUMNS.map(([name]) =>
        node("th", {scope: "col", className: kind(name)}, L.names[name]),
      ),
    );
    const rows = r.rows.map((row) => {
      const cells = COLUMNS.map(([name, measure]) => {
        const value = name.endsWith("_rate") ? percent(row[name]) : count(row[name]);
        const link = node("a", {href: drill({by: r.by, key: row.key, measure})}, value);
        return node("td", {className: kind(name)}, link);
      });
      const place = row.rank === null ? "—" : String(row.rank);
      return node(
        "tr",
        {"data-key": row.key},
        node("td", {className: `rank place-${row.rank}`}, node("span", {}, place)),
        node("th", {scope: "row"}, node("a", {href: drill({by: r.by, key: row.key, measure: BEHIND[rank]})}, row.name)),
        ...cells,
      );
    });
    const note = r.rows.length < r.size
      ? node("small", {}, L.shown.replace("{n}", r.rows.length).replace("{total}", r.size))
      : null;
    return node(
      "section",
      {className: "card ranking", "data-by": r.by, "aria-labelledby": `ranking-${r.by}`},
      node("h2", {id: `ranking-${r.by}`}, `${L.rankings[r.by] || r.by} `, note),
      r.rows.length
        ? node("div", {className: "table-scroll"}, node("table", {className: "rank-table"}, node("thead", {}, head), node("tbody", {}, ...rows)))
        : node("p", {className: "empty"}, L.empty),
    );
  }

  function draw(id, option, onClick) {
    const el = document.getElementById(id);
    const chart = echarts.init(el, null, {renderer: "canvas"});
    const done = new Promise((resolve) => chart.on("finished", resolve));
    chart.setOption(option);
    if (onClick) chart.on("click", onClick);
    charts.push(chart);
    return done;
  }

  function daily(days) {
    return draw(
      "chart-daily",
      {
        color: COLOURS,
        aria: {enabled: true},
        tooltip: {trigger: "axis"},
        legend: {top: 0},
        grid: {left: 8, right: 12, top: 36, bottom: 4, containLabel: true},
        xAxis: {type: "category", data: days.map((d) => d.day.slice(5))},
        yAxis: {type: "value", minInterval: 1},
        series: [
          {name: L.names.reported, type: "bar", barMaxWidth: 18, data: days.map((d) => d.reported)},
          {name: L.registered, type: "line", symbolSize: 6, data: days.map((d) => d.registered)},
        ],
      },
      (p) => {
        const day = days[p.dataIndex].day;
        const measure = p.seriesIndex === 0 ? "reported" : "due_to_close";
        window.location.assign(drill({from: day, to: day, measure}));
      },
    );
  }

  function categories(list) {
    const el = document.getElementById("chart-category");
    if (!list.length) {
      el.replaceWith(node("p", {className: "empty"}, L.empty));
      return Promise.resolve();
    }
    const shown = list.slice().reverse(); // largest on top
    el.style.height = `${Math.max(220, 34 * shown.length + 70)}px`;
    return draw(
      "chart-category",
      {
        color: [COLOURS[0], COLOURS[1]],
        aria: {enabled: true},
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        legend: {top: 0},
        grid: {left: 8, right: 28, top: 36, bottom: 4, containLabel: true},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", data: shown.map((c) => c.name), axisLabel: {width: 112, overflow: "truncate"}},
        series: [
          {name: L.names.reported, type: "bar", barMaxWidth: 14, label: {show: true, position: "right"}, data: shown.map((c) => c.reported)},
          {name: L.names.closed, type: "bar", barMaxWidth: 14, data: shown.map((c) => c.closed)},
        ],
      },
      (p) => {
        const measure = p.seriesIndex === 0 ? "reported" : "closed";
        window.location.assign(drill({by: "category", key: shown[p.dataIndex].key, measure}));
      },
    );
  }

  async function load() {
    const query = new URLSearchParams({from: asked.from, to: asked.to, unit: asked.unit, rank: asked.rank});
    const resp = await fetch(`${asked.api}?${query}`, {credentials: "same-origin", headers: {Accept: "application/json"}});
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(body.message || resp.statusText);
    const tiles = document.getElementById("kpis");
    tiles.replaceChildren(...body.kpis.map(tile), liveTile(body.overdue_now));
    document.getElementById("rankings").replaceChildren(...body.rankings.map((r) => ranking(r, body.rank)));
    await Promise.all([daily(body.daily), categories(body.categories)]);
  }

  let pending;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => charts.forEach((c) => c.resize()), 100);
  });

  load().then(
    () => {
      status.hidden = true;
      root.dataset.ready = "1";
    },
    (err) => {
      status.textContent = `${L.failed} ${err.message}`;
      status.className = "flash error";
      status.setAttribute("role", "alert");
      root.dataset.ready = "error";
    },
  );
})();
