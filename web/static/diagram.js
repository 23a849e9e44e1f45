// Draw a process with bpmn-js (served from /static/vendor) and mark where the case stands.
// <div class="diagram" data-src="…json"> or data-inline="<id of a JSON script element>";
// the JSON is {xml, completed?, active?, overdue?, errors?: [{element_id, message}], heat?}.
(async function () {
  // The heatmap's numbers as a table too, busiest step first: readable at any size.
  function fillHeatTable(table, heat) {
    const body = table.querySelector("tbody");
    body.replaceChildren();
    const rows = Object.values(heat).sort((a, b) => b.count - a.count);
    for (const h of rows) {
      const tr = document.createElement("tr");
      for (const [text, cls] of [[h.name || "—", ""], [h.count, "num"], [h.avg_hours, "num"]]) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    table.hidden = rows.length === 0;
  }
  async function draw(el) {
    const data = el.dataset.inline
      ? JSON.parse(document.getElementById(el.dataset.inline).textContent)
      : await (await fetch(el.dataset.src, {credentials: "same-origin"})).json();
    const viewer = new BpmnJS({container: el});
    try {
      await viewer.importXML(data.xml);
    } catch (err) {
      el.textContent = "⚠ " + err.message;
      el.dataset.ready = "error";
      return;
    }
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    const overlays = viewer.get("overlays");
    const mark = (ids, cls) => (ids || []).forEach((id) => {
      if (registry.get(id)) canvas.addMarker(id, cls);
    });
    mark(data.completed, "gc-done");
    mark(data.active, "gc-active");
    mark(data.overdue, "gc-overdue");
    for (const problem of data.errors || []) {
      if (!problem.element_id || !registry.get(problem.element_id)) continue;
      canvas.addMarker(problem.element_id, "gc-error");
      const note = document.createElement("span");
      note.className = "gc-note";
      note.textContent = problem.message;
      overlays.add(problem.element_id, {position: {bottom: -6, left: 0}, html: note});
    }
    for (const [id, h] of Object.entries(data.heat || {})) {
      if (!registry.get(id)) continue;
      const badge = document.createElement("span");
      badge.className = "gc-heat";
      badge.title = `${h.count} · ${h.avg_hours} h`;
      badge.textContent = h.count;
      overlays.add(id, {position: {top: -14, right: 10}, html: badge});
      canvas.addMarker(id, h.count >= 5 ? "gc-hot" : "gc-warm");
    }
    canvas.zoom("fit-viewport");
    const active = (data.active || []).find((id) => registry.get(id));
    if (el.dataset.focusActive && active) {  // open on where the case stands, readable
      canvas.zoom(1);
      canvas.scrollToElement(active);
    }
    const table = el.dataset.heatTable && document.getElementById(el.dataset.heatTable);
    if (table) fillHeatTable(table, data.heat || {});
    el.viewer = viewer;
    el.dataset.ready = "1";
  }
  // A diagram inside a closed <details> is drawn when it is first opened (bpmn-js needs
  // the room it is shown in); the others at once.
  for (const el of document.querySelectorAll(".diagram[data-src], .diagram[data-inline]")) {
    const folded = el.closest("details");
    if (folded && !folded.open) {
      folded.addEventListener("toggle", () => { if (folded.open && !el.dataset.ready) draw(el); });
    } else {
      await draw(el);
    }
  }
  // <button data-focus="element id">: zoom the diagram onto that element.
  document.addEventListener("click", (event) => {
    const id = event.target.closest("[data-focus]")?.dataset.focus;
    const el = document.querySelector(".diagram[data-ready='1']");
    if (!id || !el || !el.viewer.get("elementRegistry").get(id)) return;
    const canvas = el.viewer.get("canvas");
    canvas.zoom(1.2);
    canvas.scrollToElement(id);
    el.scrollIntoView({behavior: "smooth", block: "center"});
  });
})();
