// The bpmn-js modeler on a process version, with the properties panel beside it (the
// gridcase properties: form, unit, status …; see web/assets/src). "Check" and "Check and
// deploy" send the edited XML to POST /api/v1/processes; problems come back by element and
// are drawn on the canvas.
(async function () {
  const BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
  const el = document.getElementById("modeler");
  const panel = document.getElementById("properties");
  const result = document.getElementById("save-result");
  const list = document.getElementById("problems");
  const source = await (await fetch(el.dataset.src, {credentials: "same-origin"})).json();
  document.getElementById("file-name").textContent = source.file_name;
  // The selects' values by property, {status: {value: label}, …}, as [value, label] pairs.
  const choices = Object.fromEntries(Object.entries(JSON.parse(panel.dataset.choices || "{}"))
    .map(([name, values]) => [name, Object.entries(values)]));
  const chinese = document.documentElement.lang !== "en";
  const modeler = GridcaseModeler.create(el, panel, choices, chinese);
  const loopRefs = readLoopRefs(source.xml);
  await modeler.importXML(source.xml);
  modeler.get("canvas").zoom("fit-viewport");
  el.dataset.ready = "1";
  let marked = [];

  function clear() {
    const canvas = modeler.get("canvas");
    marked.forEach((id) => canvas.removeMarker(id, "gc-error"));
    modeler.get("overlays").remove({type: "gc-problem"});
    marked = [];
    list.replaceChildren();
    result.textContent = "";
  }

  function show(problems) {
    const canvas = modeler.get("canvas");
    const registry = modeler.get("elementRegistry");
    for (const p of problems) {
      const message = p.said || p.message;  // `said`: in the page's language
      const li = document.createElement("li");
      li.dataset.element = p.element_id || "";
      li.textContent = `${p.element_id || p.file}${p.line ? " · " + p.line : ""}: ${message}`;
      list.append(li);
      if (p.element_id && registry.get(p.element_id)) {
        canvas.addMarker(p.element_id, "gc-error");
        marked.push(p.element_id);
        const note = document.createElement("span");
        note.className = "gc-note";
        note.textContent = message;
        modeler.get("overlays").add(p.element_id, "gc-problem",
          {position: {bottom: -6, left: 0}, html: note});
      }
    }
  }

  async function save(deploy) {
    clear();
    const xml = restoreLoopRefs((await modeler.saveXML({format: true})).xml, loopRefs);
    const response = await fetch(el.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content},
      body: JSON.stringify({file_name: source.file_name, xml, deploy}),
    });
    const body = await response.json();
    if (response.status === 422) {
      show(body.problems || []);
      result.className = "flash error";
      result.textContent = `${(body.problems || []).length} ✗`;
      return;
    }
    if (!response.ok) {
      result.className = "flash error";
      result.textContent = body.message || response.statusText;
      return;
    }
    result.className = "flash";
    if (!body.deployed) {
      result.textContent = result.dataset.okCheck;
    } else if (!body.created) {
      result.textContent = result.dataset.unchanged;
    } else {
      const link = document.createElement("a");
      link.href = result.dataset.versionUrl.replace(/0$/, body.version.id);
      link.textContent = result.dataset.open;
      result.textContent = `${result.dataset.okCreated} ${body.version.version}. `;
      result.append(link);
    }
  }

  // SpiffWorkflow names a multi-instance collection by its variable name in
  // loopDataInputRef/loopDataOutputRef; bpmn-js expects an element id there and drops the
  // unresolved reference on export. Keep what the file had for each element.
  function readLoopRefs(text) {
    const refs = {};
    const doc = new DOMParser().parseFromString(text, "application/xml");
    for (const loop of doc.getElementsByTagNameNS(BPMN, "multiInstanceLoopCharacteristics")) {
      const id = loop.parentElement.getAttribute("id");
      for (const name of ["loopDataInputRef", "loopDataOutputRef"]) {
        const ref = loop.getElementsByTagNameNS(BPMN, name)[0];
        if (ref) (refs[id] ||= {})[name] = ref.textContent;
      }
    }
    return refs;
  }

  const ORDER = ["loopCardinality", "loopDataInputRef", "loopDataOutputRef", "inputDataItem",
    "outputDataItem", "complexBehaviorDefinition", "completionCondition"];

  function restoreLoopRefs(text, refs) {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    let touched = false;
    for (const loop of doc.getElementsByTagNameNS(BPMN, "multiInstanceLoopCharacteristics")) {
      const kept = refs[loop.parentElement.getAttribute("id")] || {};
      for (const name of ["loopDataInputRef", "loopDataOutputRef"]) {
        if (!kept[name] || loop.getElementsByTagNameNS(BPMN, name).length) continue;
        const ref = doc.createElementNS(BPMN, loop.prefix ? `${loop.prefix}:${name}` : name);
        ref.textContent = kept[name];
        const after = [...loop.children].find(
          (c) => ORDER.indexOf(c.localName) > ORDER.indexOf(name));
        loop.insertBefore(ref, after || null);
        touched = true;
      }
    }
    return touched ? new XMLSerializer().serializeToString(doc) : text;
  }

  // A problem in the list selects its element, so the panel shows what to fix.
  list.addEventListener("click", (event) => {
    const element = modeler.get("elementRegistry").get(event.target.closest("li")?.dataset.element);
    if (element) modeler.get("selection").select(element);
  });

  document.querySelectorAll("[data-save]").forEach((button) =>
    button.addEventListener("click", () => save(button.dataset.save === "deploy")));
})();
