// @ts-check
/**
 * The editor kit of node-red-contrib-wecom: the edit-dialog code several of its nodes share, in one place.
 * Node-RED (1.3 or later) serves this package's resources/ folder at resources/node-red-contrib-wecom/; every
 * node's .html loads this file with <script src="resources/node-red-contrib-wecom/editor-kit.js"> before its
 * own script and calls the helpers as WecomEditorKit.<name>. Node-RED loads that tag once per node set, so the
 * kit defines itself once. Type-checked by `npm run build` (tsconfig.editor.json).
 */
(function (win) {
  if (win.WecomEditorKit) return;
  const RED = win.RED;
  const $ = win.jQuery;

  /** @param {EditorNode} node */
  const isConfig = (node) => !!node._def && node._def.category === 'config';

  /**
   * The selector of a field's input in the open dialog: #node-input-<field>, or #node-config-input-<field> for
   * a config node.
   * @param {EditorNode} node
   * @param {string} field
   */
  function inputId(node, field) {
    return `#node-${isConfig(node) ? 'config-' : ''}input-${field}`;
  }

  /**
   * Placeholders from the catalog: each field's input gets `<keyPrefix>.<key>` (key = the field, or the second
   * item of a [field, key] pair).
   * @param {EditorNode} node
   * @param {string} keyPrefix e.g. 'handoff.placeholder'
   * @param {Array<string | [string, string]>} fields
   */
  function placeholders(node, keyPrefix, fields) {
    for (const f of fields) {
      const [field, key] = typeof f === 'string' ? [f, f] : f;
      $(inputId(node, field)).attr('placeholder', node._(`${keyPrefix}.${key}`));
    }
  }

  /**
   * Rows that show only for some values of a field (a checkbox gives true/false, a select its value):
   * `rows` maps a selector to the test of the value; kept up to date as the field changes.
   * @param {EditorNode} node
   * @param {string} field
   * @param {Record<string, (value: any) => boolean>} rows
   */
  function showRows(node, field, rows) {
    const el = $(inputId(node, field));
    const update = () => {
      const value = el.is(':checkbox') ? el.is(':checked') : el.val();
      for (const [sel, test] of Object.entries(rows)) $(sel).toggle(!!test(value));
    };
    el.on('change', update);
    update();
  }

  /**
   * Append one <option> per value to a select, labelled from the catalog (`<keyPrefix>.<value>`).
   * @param {JQuery} select
   * @param {EditorNode} node
   * @param {string} keyPrefix
   * @param {string[]} values
   */
  function options(select, node, keyPrefix, values) {
    for (const v of values) select.append($('<option></option>').val(v).text(node._(`${keyPrefix}.${v}`)));
    return select;
  }

  /** An empty field (the runtime's default) or a value a test accepts. @param {unknown} v */
  const blank = (v) => v === undefined || v === '';

  /**
   * Validator: empty, a stored secret (the editor shows it as __PWRD__, never its value), or matching `re`.
   * @param {RegExp} re
   * @returns {(v: string) => boolean}
   */
  function blankOr(re) {
    return (v) => blank(v) || v === '__PWRD__' || re.test(v);
  }

  /**
   * Validator: empty, or a number from `min` to `max` (no upper bound when max is left out).
   * @param {number} min
   * @param {number} [max]
   * @returns {(v: string) => boolean}
   */
  function range(min, max) {
    return (v) => {
      if (blank(v)) return true;
      const n = Number(v);
      return !isNaN(n) && n >= min && (max === undefined || n <= max);
    };
  }

  /**
   * outputLabels from the catalog: output i is `<keyPrefix><names[i]>`, or `<keyPrefix><i>` without names.
   * @param {string} keyPrefix
   * @param {string[]} [names]
   * @returns {(this: EditorNode, i: number) => string}
   */
  function outputLabels(keyPrefix, names) {
    return function (i) {
      return this._(keyPrefix + (names ? names[i] : i));
    };
  }

  /** "a | b |" → ['a', 'b']: the list fields of the dialogs. @param {unknown} v */
  function splitList(v) {
    return String(v || '')
      .split('|')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  /**
   * A sortable, removable editableList on `container`, filled with `items` (`opts` adds addItem and the rest).
   * @template T
   * @param {string} container selector of the <ol>
   * @param {T[] | undefined} items
   * @param {import('@node-red/editor-client').WidgetEditableListOptions<T>} opts
   */
  function list(container, items, opts) {
    const el = $(container).editableList(Object.assign({ sortable: true, removable: true }, opts));
    for (const item of items || []) $(container).editableList('addItem', /** @type {object} */ (item));
    return el;
  }

  /**
   * The values read from the rows of an editableList, in order; rows `read` returns null or undefined for
   * are left out.
   * @template T
   * @param {string} container
   * @param {(row: JQuery, i: number) => T | null | undefined} read
   * @returns {T[]}
   */
  function listValues(container, read) {
    /** @type {T[]} */
    const out = [];
    $(container)
      .editableList('items')
      .each(function (i) {
        const v = read($(this), i);
        if (v !== null && v !== undefined) out.push(v);
      });
    return out;
  }

  /** JSON with object keys sorted: equal for equal data whatever the key order. @param {unknown} v @returns {string} */
  function canonical(v) {
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    if (v && typeof v === 'object') {
      const o = /** @type {Record<string, unknown>} */ (v);
      return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
    }
    return JSON.stringify(v);
  }

  /**
   * A list row read back in oneditsave: the object the node held (`orig`) when the row says the same as it
   * (`shape(orig)`, the row's reading of it, equals `value`, keys in any order), else `value`. So Done on an
   * unchanged list leaves the node exactly as saved.
   * @template T
   * @param {T | undefined} orig
   * @param {T} value
   * @param {(orig: T) => unknown} shape
   * @returns {T}
   */
  function kept(orig, value, shape) {
    return orig !== undefined && orig !== null && canonical(shape(orig)) === canonical(value) ? orig : value;
  }

  /**
   * oneditresize of a dialog with an editableList: the list gets the height the other rows leave. The list's
   * own row has the class `<container id>-row`.
   * @param {string} container '#<id>' of the <ol>
   * @param {{ height: number }} size
   * @param {number} [min]
   */
  function fitList(container, size, min) {
    let height = size.height;
    $(`#dialog-form>div:not(.${container.slice(1)}-row)`).each(function () {
      height -= $(this).outerHeight(true) || 0;
    });
    height -= 20;
    $(container).editableList('height', min === undefined ? height : Math.max(min, height));
  }

  /**
   * The outputs among `ports` that no wire leaves from (ports count from 0).
   * @param {EditorNode} node
   * @param {number[]} ports
   */
  function unwiredPorts(node, ports) {
    if (!RED.nodes.filterLinks || !node.id) return [];
    // after an edit the editor may hold a moved port as a string: compare as numbers
    const wired = RED.nodes.filterLinks({ source: node }).map((l) => Number(l.sourcePort));
    return ports.filter((p) => wired.indexOf(p) === -1);
  }

  /** @type {Set<string>} */
  const revalidated = new Set();
  /**
   * Wiring changes do not re-validate a node by themselves: do it for nodes of `type`, so a validator that
   * looks at the wires (and its warning triangle) follows them.
   * @param {string} type
   */
  function revalidateOnWiring(type) {
    if (revalidated.has(type)) return;
    revalidated.add(type);
    /** @param {{ source?: EditorNode }} link */
    const revalidate = (link) => {
      if (link && link.source && link.source.type === type) {
        RED.editor.validateNode(link.source);
        RED.view.redraw();
      }
    };
    RED.events.on('links:add', revalidate);
    RED.events.on('links:remove', revalidate);
  }

  // Config schemas (nodes/lib/config/, bundled by the build as resources/config-schemas.js → window.WecomConfig):
  // each dialog's registerType `defaults` is written from its node's schema, every field checked by `validator`.

  /** @param {string} type */
  function schemaOf(type) {
    const config = win.WecomConfig;
    return config ? config.SCHEMAS[type] : undefined;
  }

  /** @type {Record<string, Record<string, FieldCheck>>} */
  const extraChecks = {};
  /**
   * Checks a dialog adds to its schema's (run after the schema accepts the value), e.g. wiring rules.
   * @param {string} type
   * @param {Record<string, FieldCheck>} fns
   */
  function checks(type, fns) {
    extraChecks[type] = Object.assign(extraChecks[type] || {}, fns);
  }

  /**
   * The `validate` of a field in registerType's defaults: the schema's check, then the dialog's own.
   * @param {string} type
   * @param {string} field
   * @returns {FieldCheck}
   */
  function validator(type, field) {
    return function (v, opt) {
      const schema = schemaOf(type);
      if (schema && win.WecomConfig && !win.WecomConfig.validField(schema.fields[field], v)) return false;
      const extra = (extraChecks[type] || {})[field];
      return extra ? extra.call(this, v, opt) : true;
    };
  }

  /**
   * Bring a node saved by an older version (or missing fields) to the current version by its schema's
   * migrations, the same code the runtime runs; a node at the current version with every field is left exactly
   * as it is. A migrated node is marked changed (Deploy saves it). Returns the fields that changed.
   * @param {EditorNode} node
   * @returns {string[]}
   */
  function migrateNode(node) {
    const schema = schemaOf(node.type);
    if (!schema || !win.WecomConfig) return [];
    const props = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (node));
    const names = ['version'].concat(Object.keys(schema.fields));
    /** @type {Record<string, unknown>} */
    const saved = {};
    for (const f of names) if (props[f] !== undefined) saved[f] = props[f];
    const now = win.WecomConfig.loadConfig(schema, saved);
    const changed = names.filter((f) => JSON.stringify(now[f]) !== JSON.stringify(props[f]));
    if (!changed.length) return changed;
    for (const f of changed) {
      if (now[f] === undefined) delete props[f];
      else props[f] = now[f];
    }
    props.changed = true;
    node.dirty = true;
    return changed;
  }

  // Nodes are migrated as the editor loads them (the flows, an import), not only when a dialog opens, so an
  // export or a Deploy carries the current version. A migrated node leaves the flow to deploy.
  let migratedOnLoad = false;
  RED.events.on('nodes:add', (/** @type {EditorNode} */ node) => {
    if (migrateNode(node).length) {
      migratedOnLoad = true;
      RED.nodes.dirty(true);
    }
  });
  // the editor marks freshly loaded flows clean after adding their nodes: what was migrated still waits
  RED.events.on('flows:loaded', () => {
    if (migratedOnLoad) RED.nodes.dirty(true);
    migratedOnLoad = false;
  });

  /**
   * First thing in oneditprepare: the node is migrated (see migrateNode) and the inputs Node-RED has already
   * filled show the migrated values, so Done keeps the node's meaning.
   * @param {EditorNode} node
   */
  function upgrade(node) {
    // Node-RED answers {} for a node with no stored credentials; Done would then count each empty password input
    // as a change. Nothing stored means no password is set: say so.
    const creds = (node._def && node._def.credentials) || {};
    for (const k of Object.keys(creds)) {
      if (creds[k].type === 'password' && node.credentials && !(`has_${k}` in node.credentials) && node.credentials[k] === undefined) {
        node.credentials[`has_${k}`] = false;
      }
    }
    const changed = migrateNode(node);
    if (!changed.length) return;
    const props = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (node));
    for (const f of changed) {
      const el = $(inputId(node, f));
      if (!el.length) continue;
      if (el.is(':checkbox')) el.prop('checked', props[f] === true);
      else el.val(props[f] === undefined || props[f] === null ? '' : String(props[f]));
    }
    RED.nodes.dirty(true);
  }

  // A status text "<type>.status.<key>?n=5" is a catalog key with parameters (nodes/shared/status-text.ts):
  // show it in the editor's language. Keys without parameters are translated by Node-RED itself.
  const STATUS_KEY = /^([a-z][\w-]*\.status\.[\w.]+)(?:\?(.*))?$/;
  /**
   * A parameter may itself be a status key with parameters (wecom-out: "sent (1) · queue 0").
   * @param {EditorNode} node
   * @param {string} text
   * @returns {string}
   */
  function statusText(node, text) {
    const m = STATUS_KEY.exec(text);
    if (!m) return text;
    /** @type {Record<string, string>} */
    const params = {};
    new URLSearchParams(m[2] || '').forEach((v, k) => {
      params[k] = statusText(node, v);
    });
    return node._(m[1], params);
  }
  RED.comms.subscribe('status/#', (topic, msg) => {
    const node = RED.nodes.node(topic.split('/')[1]);
    const status = /** @type {{ text?: unknown } | null} */ (msg);
    if (!node || !node._ || !status || typeof status.text !== 'string' || !/^[a-z][\w-]*\.status\.[\w.]+\?/.test(status.text)) return;
    // the same msg object is (or becomes) node.status, whichever subscriber runs first
    status.text = statusText(node, status.text);
    if (node.status && node.status !== status) node.status.text = status.text;
    node.dirtyStatus = true;
    node.dirty = true;
    RED.view.redrawStatus(node);
  });

  win.WecomEditorKit = {
    inputId,
    placeholders,
    showRows,
    options,
    blankOr,
    range,
    outputLabels,
    splitList,
    list,
    listValues,
    kept,
    fitList,
    unwiredPorts,
    revalidateOnWiring,
    statusText,
    checks,
    validator,
    upgrade,
  };
})(/** @type {KitWindow} */ (/** @type {unknown} */ (window)));

/**
 * The part of a node in the editor the kit uses.
 * @typedef {object} EditorNode
 * @property {string} id
 * @property {string} type
 * @property {(key: string, params?: object) => string} _ the node's catalog
 * @property {{ category?: string, credentials?: Record<string, { type?: string }> }} [_def]
 * @property {Record<string, unknown>} [credentials] as the editor holds them (has_<name> for a password)
 * @property {{ text?: unknown }} [status]
 * @property {boolean} [dirty]
 * @property {boolean} [dirtyStatus]
 */
/**
 * The part of Node-RED's editor API the kit uses (@types/node-red__editor-client types nodes and links as
 * plain objects).
 * @typedef {object} EditorApi
 * @property {{ node(id: string): EditorNode | null, dirty(d: boolean): void, filterLinks?(f: { source: EditorNode }): Array<{ sourcePort: number | string }> }} nodes
 * @property {{ validateNode(node: EditorNode): void }} editor
 * @property {{ redraw(): void, redrawStatus(node: EditorNode): void }} view
 * @property {{ on(event: string, fn: (arg: any) => void): void }} events
 * @property {{ subscribe(topic: string, fn: (topic: string, msg: unknown) => void): void }} comms
 */
/** @typedef {(this: EditorNode, v: any, opt?: object) => boolean | string} FieldCheck */
/**
 * window.WecomConfig: nodes/lib/config/index.ts compiled (resources/config-schemas.js).
 * @typedef {object} WecomConfig
 * @property {Record<string, { type: string, version: number, fields: Record<string, object> }>} SCHEMAS
 * @property {(field: object, v: unknown) => boolean} validField
 * @property {(schema: object, config: Record<string, unknown>) => Record<string, unknown>} loadConfig
 */
/** @typedef {Window & { RED: EditorApi, jQuery: JQueryStatic, WecomEditorKit?: object, WecomConfig?: WecomConfig }} KitWindow */
