// The process editor's bundle (esbuild → web/static/vendor/gridcase-modeler/gridcase-modeler.js):
// the bpmn-js modeler with the properties panel, the spiffworkflow moddle extension (so the
// properties gridcase reads are typed elements, and round-trip unchanged) and the gridcase
// properties group. web/static/modeler.js calls window.GridcaseModeler.create.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import GridcasePropertiesModule from './gridcase-properties.js';
import spiffworkflow from './spiffworkflow.json';
import translateZh from './translate-zh.js';

/**
 * A modeler drawing into `container` with its properties panel in `panelContainer`.
 * `choices` lists the allowed values of the select entries, by property:
 * {status: [[value, label], …], lane: […], emit: […]}. `chinese`: the editor's own words
 * (palette, context pad, panel) in Chinese.
 */
export function create(container, panelContainer, choices = {}, chinese = false) {
  const words = chinese ? [{ translate: ['value', translateZh] }] : [];
  return new BpmnModeler({
    container,
    propertiesPanel: { parent: panelContainer },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      GridcasePropertiesModule,
      ...words,
    ],
    moddleExtensions: { spiffworkflow },
    gridcase: { choices },
  });
}
