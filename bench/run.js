#!/usr/bin/env node
// Runs every bench/*.bench.js in turn (each in this process, one after another) and prints one table.
// A bench module exports `async function run(log)` that resolves to rows:
//   { group, metric, value, unit, baseline?, baselineValue?, ratio?, target? }
// `ratio` is ours ÷ baseline, oriented so that > 1 means we are better (the bench decides).
// Usage: npm run bench [-- name-filter]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const filter = process.argv[2] || '';
const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.js') && f.includes(filter)).sort();

function fmt(v) {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'number') return String(v);
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(3);
}

(async () => {
  const rows = [];
  const failed = [];
  for (const f of files) {
    const mod = require(path.join(__dirname, f));
    process.stderr.write(`# ${f}\n`);
    try {
      const got = await mod.run((line) => process.stderr.write(`  ${line}\n`));
      rows.push(...got);
    } catch (err) {
      // One broken bench must not hide the others' rows: say so, and exit non-zero at the end.
      failed.push(f);
      process.stderr.write(`  FAILED: ${(err && /** @type {Error} */ (err).stack) || err}\n`);
    }
  }
  const header = ['group', 'metric', 'value', 'unit', 'baseline', 'baseline value', 'ratio', 'target'];
  const table = rows.map((r) => [r.group, r.metric, fmt(r.value), r.unit || '', r.baseline || '', fmt(r.baselineValue), r.ratio === undefined ? '' : `${fmt(r.ratio)}×`, r.target || '']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => String(t[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const t of table) console.log(line(t));
  fs.mkdirSync(path.join(__dirname, 'out'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'out', 'results.json'), JSON.stringify(rows, null, 2));
  if (failed.length) console.error(`benches that failed: ${failed.join(', ')}`);
  process.exit(failed.length ? 1 : 0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
