'use strict';
// What holds a heap: a V8 heap snapshot (.heapsnapshot, as v8.writeHeapSnapshot writes it) summed by constructor
// (objects) or node type (strings, arrays, code …), self sizes. Reads the flat `nodes` array without JSON.parse of
// the whole file (a Node-RED snapshot is ~100 MB).
const fs = require('node:fs');

/**
 * @param {string} file
 * @param {number} [top]
 * @returns {{ total: number, rows: { what: string, bytes: number, count: number }[] }}
 */
function summarize(file, top = 12) {
  const buf = fs.readFileSync(file);
  const nodesAt = buf.indexOf('"nodes":[');
  const header = JSON.parse(buf.subarray(0, nodesAt).toString('utf8').replace(/,\s*$/, '') + '}').snapshot;
  const fields = header.meta.node_fields;
  const types = header.meta.node_types[0];
  const width = fields.length;
  const nodes = new Float64Array(header.node_count * width);
  let n = 0;
  let v = -1;
  for (let i = nodesAt + 9; n < nodes.length; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) v = (v < 0 ? 0 : v * 10) + (c - 48);
    else if (v >= 0) {
      nodes[n++] = v;
      v = -1;
    }
  }
  const stringsAt = buf.lastIndexOf('"strings":[');
  const strings = JSON.parse(buf.subarray(stringsAt + 10, buf.lastIndexOf(']') + 1).toString('utf8'));
  const [T, NAME, SIZE] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  /** @type {Map<string, { bytes: number, count: number }>} */
  const by = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + T]];
    const what = type === 'object' ? strings[nodes[i + NAME]] : `(${type})`;
    const size = nodes[i + SIZE];
    total += size;
    const e = by.get(what) || { bytes: 0, count: 0 };
    e.bytes += size;
    e.count++;
    by.set(what, e);
  }
  const rows = [...by].map(([what, e]) => ({ what, ...e })).sort((a, b) => b.bytes - a.bytes).slice(0, top);
  return { total, rows };
}

module.exports = { summarize };
