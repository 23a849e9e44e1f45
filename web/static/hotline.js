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
  window.gridcasePickMap(document.getElementById("pick"), english);
})();
