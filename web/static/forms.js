// Fields with data-show-when='{"other": ["value", …]}' show only while the other field has
// one of those values; hidden fields are disabled so they are not posted.
(function () {
  const fields = [...document.querySelectorAll(".field[data-show-when]")];
  if (!fields.length) return;
  function valueOf(form, name) {
    const inputs = [...form.querySelectorAll(`[name="${name}"]`)];
    const chosen = inputs.find((i) => (i.type === "radio" ? i.checked : true));
    return chosen && !chosen.disabled ? chosen.value : "";
  }
  function update() {
    for (const field of fields) {
      const rule = JSON.parse(field.dataset.showWhen);
      const form = field.closest("form");
      const shown = Object.entries(rule).every(([name, values]) =>
        values.includes(valueOf(form, name)));
      field.hidden = !shown;
      field.querySelectorAll("input, select, textarea").forEach((i) => (i.disabled = !shown));
    }
  }
  document.addEventListener("change", update);
  update();
})();
