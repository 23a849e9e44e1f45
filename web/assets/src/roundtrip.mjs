// Round-trip check of the spiffworkflow moddle extension: every BPMN file given is read and
// written back the way the modeler does (bpmn-moddle with src/spiffworkflow.json), and the
// spiffworkflow elements of the result — where they sit, their names, values and texts —
// must be exactly those of the file. Usage: node src/roundtrip.mjs ../../bpmn/*.bpmn
import { readFileSync } from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';
import { Parser } from 'saxen';

const SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';
const spiffworkflow = JSON.parse(readFileSync(new URL('./spiffworkflow.json', import.meta.url)));

// The spiffworkflow elements of a document, each as "owner id / element: attributes | text",
// where the owner is the nearest enclosing element with an id; sorted, so order inside one
// owner does not matter but anything lost, added or changed does.
function spiffElements(xml) {
  const found = [];
  const stack = [];
  const parser = new Parser();
  parser.ns({ [SPIFF]: 'spiffworkflow' });
  parser.on('openTag', (name, attrs, decode, selfClosing) => {
    const a = attrs();
    const owner = [...stack].reverse().find((e) => e.id)?.id || '';
    const entry = { id: a.id, name, owner, attrs: a, text: '' };
    if (name.startsWith('spiffworkflow:')) found.push(entry);
    if (!selfClosing) stack.push(entry);
  });
  parser.on('text', (text, decode) => {
    const top = stack[stack.length - 1];
    if (top && top.name.startsWith('spiffworkflow:')) top.text += decode(text);
  });
  parser.on('closeTag', () => stack.pop());
  parser.on('error', (err) => { throw err; });
  parser.parse(xml);
  return found.map((e) => {
    const attrs = Object.entries(e.attrs).filter(([k]) => !k.startsWith('xmlns')).sort();
    return `${e.owner} / ${e.name}: ${JSON.stringify(attrs)} | ${e.text.trim()}`;
  }).sort();
}

const moddle = new BpmnModdle({ spiffworkflow });
let failed = false;
for (const file of process.argv.slice(2)) {
  const xml = readFileSync(file, 'utf8');
  const read = await moddle.fromXML(xml, 'bpmn:Definitions');
  // Unresolved loopDataInputRef/loopDataOutputRef (variable names, not ids) are expected:
  // web/static/modeler.js puts them back.
  const warnings = read.warnings.filter((w) => !/^unresolved reference/.test(w.message));
  const rootElement = read.rootElement;
  const { xml: out } = await moddle.toXML(rootElement, { format: true });
  const before = spiffElements(xml);
  const after = spiffElements(out);
  const lost = before.filter((e) => !after.includes(e));
  const added = after.filter((e) => !before.includes(e));
  const ok = !warnings.length && !lost.length && !added.length && before.length === after.length;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${file}: ${before.length} spiffworkflow elements`);
  for (const w of warnings) console.log(`  warning: ${w.message}`);
  for (const e of lost) console.log(`  lost:  ${e}`);
  for (const e of added) console.log(`  added: ${e}`);
  failed ||= !ok;
}
process.exit(failed ? 1 : 0);
