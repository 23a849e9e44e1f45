// The "网格化属性 gridcase" group of the properties panel: the spiffworkflow:property
// name/value pairs gridcase reads from a diagram (workflows/domain/bpmn_contract.py,
// `gridcase bpmn properties`), each on the kinds of element the contract allows.
//
//   <bpmn:extensionElements>
//     <spiffworkflow:properties>
//       <spiffworkflow:property name="unit" value="review_unit"/>
//
// Every change is one command on the command stack (so one undo reverts it): the
// extensionElements and the properties container are created with the first property and
// removed with the last; an emptied field removes its property. The panel only helps: the
// check on the server ("检查") stays the judge of what a valid file is.
import { h } from '@bpmn-io/properties-panel/preact';
import {
  SelectEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';

const USER_TASKS = ['bpmn:UserTask', 'bpmn:ManualTask'];
const WAIT_POINTS = [...USER_TASKS, 'bpmn:EndEvent', 'bpmn:IntermediateCatchEvent'];
const TIMER_EVENTS = ['bpmn:BoundaryEvent', 'bpmn:IntermediateCatchEvent'];
// "any element" in the contract: whatever the flow passes (nodes and sequence flows).
const ANY_ELEMENT = ['bpmn:FlowElement'];

// The selects' values (statuses, lanes, events, milestones, timer kinds) come from the server
// with the page (config.gridcase.choices), as the contract and the catalog say them.

// The contract, in the order the group shows it. `choices` makes the entry a select.
const RULES = [
  { name: 'formJsonSchemaFilename', label: '表单', on: USER_TASKS,
    description: 'bpmn/forms/ 中的 JSON 表单文件名' },
  { name: 'unit', label: '办理单位', on: USER_TASKS, required: true,
    description: '存放办理单位的流程变量（用户任务必填）' },
  { name: 'status', label: '案件状态', on: WAIT_POINTS, choices: 'status',
    description: '案件停在这里（或在此结束）时的状态' },
  { name: 'due', label: '办理期限', on: USER_TASKS, description: '存放期限（ISO 时间）的流程变量' },
  { name: 'warn', label: '预警时间', on: USER_TASKS, description: '存放黄牌预警时间的流程变量' },
  { name: 'subject', label: '事项', on: USER_TASKS,
    description: '并行任务各自所指（如评价哪个部门）的流程变量' },
  { name: 'shows', label: '显示变量', on: USER_TASKS, description: '在表单旁显示的流程变量，逗号分隔' },
  { name: 'lane', label: '泳道', on: USER_TASKS, choices: 'lane',
    description: '子流程中的任务另属的泳道（角色）' },
  { name: 'milestone', label: '里程碑', on: USER_TASKS, choices: 'milestone',
    description: '这一步对考核指标的含义' },
  { name: 'emit', label: '触发事件', on: ANY_ELEMENT, choices: 'emit',
    description: '流程经过这里时发出的事件' },
  { name: 'timer', label: '定时器含义', on: TIMER_EVENTS, choices: 'timer',
    description: 'warning、overdue 是所附任务的预警和期限' },
];

function propertiesOf(bo) {
  const values = bo.get('extensionElements')?.get('values') || [];
  return values.find((v) => is(v, 'spiffworkflow:Properties'));
}

function readProperty(element, name) {
  const container = propertiesOf(getBusinessObject(element));
  const property = container?.get('values').find((p) => p.get('name') === name);
  return property?.get('value') || '';
}

// The updateModdleProperties commands that make `name` say `value` ('' removes it).
function writeCommands(element, name, value, bpmnFactory) {
  const bo = getBusinessObject(element);
  const update = (moddleElement, properties) => (
    { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } });
  const extension = bo.get('extensionElements');
  const container = propertiesOf(bo);
  const property = container?.get('values').find((p) => p.get('name') === name);

  if (property && value) return [update(property, { value })];
  if (property) {
    const rest = container.get('values').filter((p) => p !== property);
    if (rest.length) return [update(container, { values: rest })];
    // The last property goes, and the containers that would be left empty with it.
    const others = extension.get('values').filter((v) => v !== container);
    return others.length ? [update(extension, { values: others })]
      : [update(bo, { extensionElements: undefined })];
  }
  if (!value) return [];

  const created = bpmnFactory.create('spiffworkflow:Property', { name, value });
  if (container) return [update(container, { values: [...container.get('values'), created] })];
  const newContainer = bpmnFactory.create('spiffworkflow:Properties', { values: [created] });
  created.$parent = newContainer;
  if (extension) {
    newContainer.$parent = extension;
    return [update(extension, { values: [...extension.get('values'), newContainer] })];
  }
  const newExtension = bpmnFactory.create('bpmn:ExtensionElements', { values: [newContainer] });
  newContainer.$parent = newExtension;
  newExtension.$parent = bo;
  return [update(bo, { extensionElements: newExtension })];
}

function PropertyEntry(props) {
  const { element, id, rule } = props;
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const config = useService('config.gridcase', false) || {};
  const common = {
    element,
    id,
    label: `${rule.label} ${rule.name}`,
    description: rule.description,
    getValue: () => readProperty(element, rule.name),
    setValue: (value) => {
      const commands = writeCommands(element, rule.name, (value || '').trim(), bpmnFactory);
      if (commands.length) {
        commandStack.execute('properties-panel.multi-command-executor', commands);
      }
    },
    validate: rule.required ? (value) => (value ? null : '必填 required') : undefined,
  };
  if (!rule.choices) return h(TextFieldEntry, { ...common, debounce });

  const choices = (config.choices || {})[rule.choices] || [];
  return h(SelectEntry, {
    ...common,
    getOptions: () => {
      const options = [{ value: '', label: '—' }].concat(
        choices.map(([value, label]) => ({ value, label: label ? `${label} ${value}` : value })));
      // A value the list does not know stays visible (the check will name it).
      const current = readProperty(element, rule.name);
      if (current && !choices.some(([value]) => value === current)) {
        options.push({ value: current, label: `${current} ?` });
      }
      return options;
    },
  });
}

class GridcasePropertiesProvider {
  constructor(propertiesPanel) {
    // After the BPMN provider (priority 1000 runs first), so our group can be placed.
    propertiesPanel.registerProvider(500, this);
  }

  getGroups(element) {
    return (groups) => {
      const rules = RULES.filter((rule) => isAny(element, rule.on));
      if (!rules.length) return groups;
      const group = {
        id: 'gridcase',
        label: '网格化属性 gridcase',
        shouldOpen: true,
        entries: rules.map((rule) => ({
          id: `gridcase-${rule.name}`,
          rule,
          component: PropertyEntry,
          isEdited: rule.choices ? isSelectEntryEdited : isTextFieldEntryEdited,
        })),
      };
      // Right under the name and id: these decide how the case runs.
      const general = groups.findIndex((g) => g.id === 'general');
      groups.splice(general + 1, 0, group);
      return groups;
    };
  }
}
GridcasePropertiesProvider.$inject = ['propertiesPanel'];

export default {
  __init__: ['gridcasePropertiesProvider'],
  gridcasePropertiesProvider: ['type', GridcasePropertiesProvider],
};
