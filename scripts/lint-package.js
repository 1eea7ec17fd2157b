#!/usr/bin/env node
// Offline check of the Node-RED Flow Library scorecard rules that need no network (node-red-dev's
// P01, P03–P07, N02, D01), plus this package's own packaging rules: every node set's .js is built with
// its .html beside it, registerType uses literal values, each type is registered once, each node has
// en-US and zh-CN catalogs and help, secrets are credentials of type password, and the editor files an .html
// loads from resources/ exist and ship.
//
// Every check is a pure function of a package root on disk, so test/lint-package.spec.js can run them
// on small fixture trees. `node scripts/lint-package.js [root]` prints a table and exits 1 on failure.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const semver = require('semver');

/** Node-RED release lines the scorecard checks against (P06): current `maintenance` and `latest`. */
const NODE_RED_VERSIONS = ['4.1.15', '5.0.7'];
/** Minimum Node.js of the latest Node-RED (P07). */
const MIN_NODE_OF_LATEST = '22.9.0';
const MAX_DEPENDENCIES = 6;
const LANGS = ['en-US', 'zh-CN'];
/** Names that hold secrets: they must be credentials of type 'password'. */
const SECRET_NAME = /secret|password|passwd|token|aeskey|apikey|api_key|privatekey/i;

/** Does `version` satisfy `range`? Throws on a range it cannot read (semver would only answer false). */
function satisfies(version, range) {
  if (semver.validRange(String(range)) === null) throw new Error(`not a version range: ${range}`);
  return semver.satisfies(String(version), String(range));
}

// ---------------------------------------------------------------------------------------------------
// A small JavaScript tokenizer: enough to find RED.nodes.registerType(...) calls and read the top-level
// properties of their object arguments without evaluating anything.

const PUNCT = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', '**'];
const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/** Tokens: {t:'str'|'tpl'|'num'|'id'|'re'|'p', v, s, e} (v = decoded value for strings). */
function tokenize(src) {
  const toks = [];
  let i = 0;
  const n = src.length;
  const regexAllowed = () => {
    const prev = toks[toks.length - 1];
    if (!prev) return true;
    if (prev.t === 'num' || prev.t === 'str' || prev.t === 'tpl' || prev.t === 're') return false;
    if (prev.t === 'id') return KEYWORDS_BEFORE_REGEX.has(prev.v);
    return !(prev.v === ')' || prev.v === ']' || prev.v === '}');
  };
  while (i < n) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && src[i + 1] === '/') { while (i < n && src[i] !== '\n') i++; continue; }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 2;
      continue;
    }
    const s = i;
    if (c === '"' || c === "'") {
      let v = '';
      i++;
      while (i < n && src[i] !== c) {
        if (src[i] === '\n') throw new Error('unterminated string');
        if (src[i] === '\\') {
          const e = src[i + 1];
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          i += 2;
        } else v += src[i++];
      }
      if (i >= n) throw new Error('unterminated string');
      i++;
      toks.push({ t: 'str', v, s, e: i });
      continue;
    }
    if (c === '`') {
      // Template literal; ${...} parts are skipped by brace depth (good enough for editor code).
      i++;
      let depth = 0;
      let plain = true;
      while (i < n) {
        if (depth === 0 && src[i] === '`') break;
        if (src[i] === '\\') { i += 2; continue; }
        if (depth === 0 && src[i] === '$' && src[i + 1] === '{') { depth = 1; plain = false; i += 2; continue; }
        if (depth > 0 && src[i] === '{') depth++;
        if (depth > 0 && src[i] === '}') depth--;
        i++;
      }
      if (i >= n) throw new Error('unterminated template literal');
      i++;
      toks.push({ t: 'tpl', v: plain ? src.slice(s + 1, i - 1) : null, s, e: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] || ''))) {
      const m = /** @type {RegExpExecArray} */ (/^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?n?)/.exec(src.slice(i)));
      i += Math.max(1, m[0].length);
      toks.push({ t: 'num', v: Number(m[0].replace(/_/g, '').replace(/n$/, '')), s, e: i });
      continue;
    }
    if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(src[i])) i++;
      toks.push({ t: 'id', v: src.slice(s, i), s, e: i });
      continue;
    }
    if (c === '/' && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < n) {
        const ch = src[i];
        if (ch === '\n') throw new Error('unterminated regular expression');
        if (ch === '\\') { i += 2; continue; }
        if (ch === '[') inClass = true;
        else if (ch === ']') inClass = false;
        else if (ch === '/' && !inClass) break;
        i++;
      }
      if (i >= n) throw new Error('unterminated regular expression');
      i++;
      while (i < n && /[a-z]/i.test(src[i])) i++;
      toks.push({ t: 're', v: src.slice(s, i), s, e: i });
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i)) || c;
    i += p.length;
    toks.push({ t: 'p', v: p, s, e: i });
  }
  return toks;
}

const OPEN = { '(': ')', '[': ']', '{': '}' };

/** Index of the token that closes the bracket opened at toks[i]. */
function matching(toks, i) {
  const stack = [];
  for (let k = i; k < toks.length; k++) {
    const v = toks[k].t === 'p' ? toks[k].v : null;
    if (v && OPEN[v]) stack.push(OPEN[v]);
    else if (v && (v === ')' || v === ']' || v === '}')) {
      if (stack.pop() !== v) throw new Error(`unbalanced '${v}'`);
      if (stack.length === 0) return k;
    }
  }
  throw new Error('unbalanced brackets');
}

/** Split toks[a+1 .. b-1] (inside a bracket pair) at top-level commas: [[start, end]] inclusive. */
function splitTop(toks, a, b) {
  const parts = [];
  let start = a + 1;
  for (let k = a + 1; k < b; k++) {
    const v = toks[k].t === 'p' ? toks[k].v : null;
    if (v && OPEN[v]) { k = matching(toks, k); continue; }
    if (v === ',') { if (k > start) parts.push([start, k - 1]); start = k + 1; }
  }
  if (start < b) parts.push([start, b - 1]);
  return parts;
}

/**
 * Read an object literal at toks[a] ('{'): a map name → {tokens:[first,last], kind}, where kind is
 * 'str'|'num'|'bool'|'object'|'other' and `value` is set for literal values. Methods and spreads
 * become kind 'method'/'spread'.
 */
/**
 * @typedef {{ kind: string, value?: string | number | boolean | null, open?: number, text?: string }} PropInfo
 * @returns {Map<string, PropInfo>}
 */
function readObject(toks, a, src) {
  const b = matching(toks, a);
  /** @type {Map<string, PropInfo>} */
  const props = new Map();
  for (const [s, e] of splitTop(toks, a, b)) {
    const first = toks[s];
    if (first.t === 'p' && first.v === '...') { props.set(`...${s}`, { kind: 'spread' }); continue; }
    let k = s;
    if (first.t === 'id' && (first.v === 'get' || first.v === 'set' || first.v === 'async') && toks[s + 1] && toks[s + 1].t !== 'p') k++;
    const keyTok = toks[k];
    const key = keyTok.t === 'str' || keyTok.t === 'id' ? keyTok.v : keyTok.t === 'num' ? String(keyTok.v) : null;
    if (key === null) { props.set(`?${s}`, { kind: 'computed' }); continue; }
    const next = toks[k + 1];
    if (!next || (next.t === 'p' && next.v === '(')) { props.set(key, { kind: 'method' }); continue; }
    if (next.t === 'p' && next.v !== ':') { props.set(key, { kind: 'shorthand' }); continue; }
    const vs = k + 2;
    const single = vs === e;
    const vt = toks[vs];
    let info;
    if (single && (vt.t === 'str' || (vt.t === 'tpl' && vt.v !== null))) info = { kind: 'str', value: vt.v };
    else if (single && vt.t === 'num') info = { kind: 'num', value: vt.v };
    else if (single && vt.t === 'id' && (vt.v === 'true' || vt.v === 'false')) info = { kind: 'bool', value: vt.v === 'true' };
    else if (vt.t === 'p' && vt.v === '{' && matching(toks, vs) === e) info = { kind: 'object', open: vs };
    else info = { kind: 'other', text: src ? src.slice(vt.s, toks[e].e) : undefined };
    props.set(key, info);
  }
  return props;
}

/**
 * Every `RED.nodes.registerType(...)` call (also `.registerType(` on any receiver) in a JS source:
 * [{type, typeLiteral, props: Map|null, third: Map|null, error?}]. props = the 2nd argument when it is an
 * object literal (editor definitions); third = the 3rd argument when it is an object literal (runtime
 * options such as credentials).
 */
function findRegisterTypes(src) {
  const toks = tokenize(src);
  const calls = [];
  for (let k = 0; k < toks.length - 1; k++) {
    if (!(toks[k].t === 'id' && toks[k].v === 'registerType' && toks[k + 1].v === '(' && toks[k - 1] && toks[k - 1].v === '.')) continue;
    const close = matching(toks, k + 1);
    const args = splitTop(toks, k + 1, close);
    /**
     * @type {{ type: string | null, typeLiteral: boolean, props: Map<string, PropInfo> | null, third: Map<string, PropInfo> | null,
     *   propsNotInline?: boolean, _toks?: ReturnType<typeof tokenize> }}
     */
    const call = { type: null, typeLiteral: false, props: null, third: null };
    if (args.length > 0) {
      const [s, e] = args[0];
      if (s === e && (toks[s].t === 'str' || (toks[s].t === 'tpl' && toks[s].v !== null))) {
        call.type = toks[s].v;
        call.typeLiteral = true;
      } else call.type = src.slice(toks[s].s, toks[e].e);
    }
    for (const [idx, field] of /** @type {Array<[number, 'props' | 'third']>} */ ([[1, 'props'], [2, 'third']])) {
      if (args.length > idx) {
        const [s, e] = args[idx];
        if (toks[s].v === '{' && matching(toks, s) === e) call[field] = readObject(toks, s, src);
        else if (field === 'props') call.propsNotInline = true;
      }
    }
    // keep the token list so nested objects (defaults/credentials entries) can be read
    call._toks = toks;
    calls.push(call);
    k = close;
  }
  return calls;
}

/** The `<script type="text/javascript">` blocks of an editor HTML file (also type-less <script>). */
function scriptBlocks(html) {
  const out = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  let m;
  while ((m = re.exec(html))) {
    const type = /\btype\s*=\s*["']([^"']*)["']/i.exec(m[1]);
    if (!type || /^(text|application)\/javascript$/i.test(type[1].trim())) out.push(m[2]);
  }
  return out;
}

/** Optional syntax check with acorn when it resolves from the package root; null when unavailable. */
function acornCheck(root, src) {
  let acorn;
  try {
    acorn = require(require.resolve('acorn', { paths: [root] }));
  } catch {
    return null;
  }
  try {
    acorn.parse(src, { ecmaVersion: 'latest', sourceType: 'script' });
    return { ok: true };
  } catch (err) {
    return { ok: false, message: /** @type {Error} */ (err).message };
  }
}

/** The src/href values of an editor HTML file that point into a module's resources/ folder. */
function resourceRefs(html) {
  const out = [];
  const re = /\b(?:src|href)\s*=\s*["']([^"']+)["']/gi;
  let m;
  while ((m = re.exec(html))) if (/^\/?resources\//.test(m[1])) out.push(m[1]);
  return out;
}

/** Does package.json "files" (paths and simple globs) include the file `rel`? No "files" = everything. */
function inFiles(pkg, rel) {
  if (!Array.isArray(pkg.files)) return true;
  const parts = rel.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  return pkg.files.some((entry) => {
    const e = String(entry).replace(/^\.\//, '').replace(/\/+$/, '');
    if (e.startsWith('!')) return false;
    // eslint-disable-next-line no-control-regex -- NUL stands in for '**' while '*' is rewritten; no path contains it
    const glob = new RegExp(`^${e.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '.*')}$`);
    return prefixes.some((p) => glob.test(p));
  });
}

// ---------------------------------------------------------------------------------------------------
// Reading a package

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function listFiles(dir, test) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, test));
    else if (test(p)) out.push(p);
  }
  return out.sort();
}

/** @typedef {ReturnType<typeof findRegisterTypes>[number]} RegisterCall */
/**
 * @typedef {{ name: string, rel: string, js: string, html: string, jsExists: boolean, htmlExists: boolean,
 *   registrations: RegisterCall[], runtime: RegisterCall[], parseErrors: string[] }} NodeSet
 */

/**
 * Read the package at `root`: package.json, its node sets, and every type registered in each set's HTML.
 * Returns {pkg, sets:[{name, js, html, jsExists, htmlExists, registrations:[...], parseErrors:[]}], types}.
 */
function readPackage(root) {
  const pkg = readJson(path.join(root, 'package.json'));
  const nodes = (pkg['node-red'] && pkg['node-red'].nodes) || {};
  const sets = [];
  for (const [name, rel] of Object.entries(nodes)) {
    const js = path.join(root, rel);
    const html = js.replace(/\.js$/, '.html');
    /** @type {NodeSet} */
    const set = { name, rel, js, html, jsExists: fs.existsSync(js), htmlExists: fs.existsSync(html), registrations: [], runtime: [], parseErrors: [] };
    if (set.htmlExists) {
      const blocks = scriptBlocks(fs.readFileSync(html, 'utf8'));
      blocks.forEach((code, i) => {
        const syntax = acornCheck(root, code);
        if (syntax && !syntax.ok) set.parseErrors.push(`script block ${i + 1}: ${syntax.message}`);
        try {
          for (const call of findRegisterTypes(code)) set.registrations.push(call);
        } catch (err) {
          set.parseErrors.push(`script block ${i + 1}: ${/** @type {Error} */ (err).message}`);
        }
      });
    }
    if (set.jsExists) {
      try {
        set.runtime = findRegisterTypes(fs.readFileSync(js, 'utf8'));
      } catch (err) {
        set.parseErrors.push(`${path.basename(js)}: ${/** @type {Error} */ (err).message}`);
      }
    }
    sets.push(set);
  }
  return { root, pkg, sets };
}

const isConfig = (reg) => reg.props && reg.props.get('category') && reg.props.get('category').value === 'config';

// ---------------------------------------------------------------------------------------------------
// Rules. Each returns {id, title, ok, reasons: string[]}.

function rule(id, title, reasons) {
  return { id, title, ok: reasons.length === 0, reasons };
}

function checkLicense({ pkg, root }) {
  const r = [];
  const hasFile = fs.existsSync(root) && fs.readdirSync(root).some((f) => /^(licen[sc]e|copying)(\.|$)/i.test(f));
  if (!(typeof pkg.license === 'string' && pkg.license.trim()) && !hasFile) r.push('package.json has no "license" and there is no LICENSE file');
  return rule('P01', 'license', r);
}

function checkRepository({ pkg }) {
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository && pkg.repository.url;
  const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs && (pkg.bugs.url || pkg.bugs.email);
  return rule('P03', 'repository or bugs', repo || bugs ? [] : ['package.json has neither "repository" nor "bugs"']);
}

function checkName({ pkg }) {
  const r = [];
  const name = String(pkg.name || '');
  if (!name) r.push('package.json has no "name"');
  else if (!name.startsWith('@') && name.startsWith('node-red') && !name.startsWith('node-red-contrib-')) {
    r.push(`unscoped name "${name}" starts with node-red but not node-red-contrib-`);
  }
  return rule('P04', 'name', r);
}

function checkKeyword({ pkg }) {
  const ok = Array.isArray(pkg.keywords) && pkg.keywords.includes('node-red');
  return rule('P05', 'keyword node-red', ok ? [] : ['"keywords" does not include "node-red"']);
}

function checkNodeRedVersion({ pkg }, versions = NODE_RED_VERSIONS) {
  const range = pkg['node-red'] && pkg['node-red'].version;
  if (!range) return rule('P06', 'node-red.version', ['package.json has no "node-red.version"']);
  const r = [];
  for (const v of versions) {
    try {
      if (!satisfies(v, range)) r.push(`"${range}" does not accept Node-RED ${v}`);
    } catch (err) {
      r.push(`cannot read range "${range}": ${/** @type {Error} */ (err).message}`);
      break;
    }
  }
  return rule('P06', 'node-red.version', r);
}

function checkEnginesNode({ pkg }, minNode = MIN_NODE_OF_LATEST) {
  const range = pkg.engines && pkg.engines.node;
  if (!range) return rule('P07', 'engines.node', []);
  try {
    return rule('P07', 'engines.node', satisfies(minNode, range) ? [] : [`engines.node "${range}" does not accept Node ${minNode}`]);
  } catch (err) {
    return rule('P07', 'engines.node', [`cannot read range "${range}": ${/** @type {Error} */ (err).message}`]);
  }
}

function checkDependencies({ pkg }) {
  const n = Object.keys(pkg.dependencies || {}).length;
  return rule('D01', `≤ ${MAX_DEPENDENCIES} dependencies`, n > MAX_DEPENDENCIES ? [`${n} runtime dependencies`] : []);
}

function checkFiles({ sets }) {
  const r = [];
  if (sets.length === 0) r.push('package.json "node-red.nodes" is empty');
  for (const s of sets) {
    if (!s.jsExists) r.push(`${s.name}: ${s.rel} does not exist (build first?)`);
    if (!s.htmlExists) r.push(`${s.name}: no ${path.basename(s.html)} beside ${path.basename(s.js)}`);
  }
  return rule('FILES', 'node .js built with .html beside it', r);
}

/**
 * Editor files from the package's resources/ folder (Node-RED ≥ 1.3 serves it at resources/<module>/): each
 * URL is relative (the editor waits for a relative <script src> before the node's own scripts run), names this
 * module, and the file exists and is shipped by package.json "files". A missing one stops the editor loading.
 */
function checkResources({ root, pkg, sets }) {
  const r = [];
  const prefix = `resources/${pkg.name}/`;
  for (const s of sets) {
    if (!s.htmlExists) continue;
    for (const url of resourceRefs(fs.readFileSync(s.html, 'utf8'))) {
      const who = `${s.name}: ${url}`;
      if (url.startsWith('/')) r.push(`${who} is absolute; use a relative URL (resources/${pkg.name}/…)`);
      else if (!url.startsWith(prefix)) r.push(`${who} does not name this module (${prefix}…)`);
      else {
        const rel = `resources/${url.slice(prefix.length).split(/[?#]/)[0]}`;
        if (!fs.existsSync(path.join(root, rel))) r.push(`${who}: ${rel} does not exist`);
        else if (!inFiles(pkg, rel)) r.push(`${who}: ${rel} is not in package.json "files"`);
      }
    }
  }
  return rule('RESOURCES', 'editor resources exist and ship', r);
}

function checkRegisterLiterals({ sets }) {
  const r = [];
  for (const s of sets) {
    if (!s.htmlExists) continue;
    r.push(...s.parseErrors.map((e) => `${s.name}: ${e}`));
    if (s.registrations.length === 0) r.push(`${s.name}: no RED.nodes.registerType call in ${path.basename(s.html)}`);
    for (const reg of s.registrations) {
      const who = `${s.name}: registerType(${reg.typeLiteral ? `'${reg.type}'` : reg.type})`;
      if (!reg.typeLiteral) r.push(`${who}: type is not a string literal`);
      if (!reg.props) { r.push(`${who}: definition is not an inline object`); continue; }
      const cat = reg.props.get('category');
      if (!cat || cat.kind !== 'str') r.push(`${who}: category ${cat ? 'is not a string literal' : 'is missing'}`);
      const config = cat && cat.value === 'config';
      for (const f of config ? [] : ['color', 'icon']) {
        const p = reg.props.get(f);
        if (!p || p.kind !== 'str') r.push(`${who}: ${f} ${p ? 'is not a string literal' : 'is missing'}`);
      }
      for (const f of config ? [] : ['inputs', 'outputs']) {
        const p = reg.props.get(f);
        if (p && p.kind !== 'num') r.push(`${who}: ${f} is not a number literal`);
      }
      if (config && reg.props.get('color') && reg.props.get('color').kind !== 'str') r.push(`${who}: color is not a string literal`);
      const defaults = reg.props.get('defaults');
      if (!defaults || defaults.kind !== 'object') r.push(`${who}: defaults ${defaults ? 'is not an inline object' : 'is missing'}`);
      const creds = reg.props.get('credentials');
      if (creds && creds.kind !== 'object') r.push(`${who}: credentials is not an inline object`);
    }
  }
  return rule('LITERALS', 'registerType literal values', r);
}

function checkUniqueTypes({ sets }) {
  const seen = new Map();
  const r = [];
  for (const s of sets) {
    for (const reg of s.registrations) {
      if (!reg.typeLiteral) continue;
      if (seen.has(reg.type)) r.push(`type "${reg.type}" registered in ${seen.get(reg.type)} and again in ${s.name}`);
      else seen.set(reg.type, s.name);
    }
  }
  return rule('UNIQUE', 'each type registered once', r);
}

/** Catalog `locales/<lang>/<set basename>.json` with the type's top-level key, and help naming the type. */
function checkLocales({ sets }, langs = LANGS) {
  const r = [];
  for (const s of sets) {
    if (!s.jsExists) continue;
    const dir = path.dirname(s.js);
    const base = path.basename(s.js, '.js');
    const types = s.registrations.filter((x) => x.typeLiteral).map((x) => x.type);
    for (const lang of langs) {
      const cat = path.join(dir, 'locales', lang, `${base}.json`);
      const help = path.join(dir, 'locales', lang, `${base}.html`);
      if (!fs.existsSync(cat)) r.push(`${s.name}: missing locales/${lang}/${base}.json`);
      else {
        let json = null;
        try {
          json = readJson(cat);
        } catch (err) {
          r.push(`${s.name}: locales/${lang}/${base}.json is not valid JSON (${/** @type {Error} */ (err).message})`);
        }
        if (json) for (const t of types) if (!json[t] || typeof json[t] !== 'object') r.push(`${s.name}: locales/${lang}/${base}.json has no "${t}" section`);
      }
      if (!fs.existsSync(help)) r.push(`${s.name}: missing locales/${lang}/${base}.html (help)`);
      else {
        const text = fs.readFileSync(help, 'utf8');
        for (const t of types) {
          if (!new RegExp(`data-help-name\\s*=\\s*["']${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']`).test(text)) {
            r.push(`${s.name}: locales/${lang}/${base}.html has no help for "${t}" (data-help-name)`);
          }
        }
      }
    }
  }
  return rule('I18N', `catalogs and help in ${langs.join(', ')}`, r);
}

function passwordProp(toks, info) {
  if (!info || info.kind !== 'object') return false;
  const inner = readObject(toks, info.open);
  const t = inner.get('type');
  return !!t && t.kind === 'str' && t.value === 'password';
}

/**
 * Secrets: no secret-looking name in `defaults`; secret-looking credentials are type 'password' in the
 * editor; and every editor password credential is also declared password in the runtime registerType.
 */
/** The secrets the package's built config schema of `type` declares (dist/nodes/lib/config/), or [] without one. */
function schemaSecrets(root, type) {
  const file = path.join(root, 'dist', 'nodes', 'lib', 'config', 'index.js');
  if (!fs.existsSync(file)) return [];
  const schema = require(file).SCHEMAS[type];
  return schema && schema.secrets ? Object.keys(schema.secrets) : [];
}

function checkSecrets({ root, sets }) {
  const r = [];
  for (const s of sets) {
    for (const reg of s.registrations) {
      if (!reg.props || !reg.typeLiteral) continue;
      const toks = reg._toks;
      const defaults = reg.props.get('defaults');
      if (defaults && defaults.kind === 'object') {
        for (const name of readObject(toks, defaults.open).keys()) {
          if (SECRET_NAME.test(name)) r.push(`${reg.type}: "${name}" is in defaults (exported with the flow); make it a password credential`);
        }
      }
      const creds = reg.props.get('credentials');
      const passwords = [];
      if (creds && creds.kind === 'object') {
        for (const [name, info] of readObject(toks, creds.open)) {
          const pw = passwordProp(toks, info);
          if (pw) passwords.push(name);
          else if (SECRET_NAME.test(name)) r.push(`${reg.type}: credential "${name}" is not of type 'password' in the editor`);
        }
      }
      if (passwords.length === 0) continue;
      const run = s.runtime.find((x) => x.typeLiteral && x.type === reg.type);
      if (!s.jsExists) continue;
      if (!run) { r.push(`${reg.type}: no registerType('${reg.type}', …) found in ${path.basename(s.js)}`); continue; }
      const runCreds = run.third && run.third.get('credentials');
      const runMap = runCreds && runCreds.kind === 'object' ? readObject(run._toks, runCreds.open) : new Map();
      // credentialTypes(schema): every secret of the node's config schema, each a password (nodes/lib/config/schema.ts)
      const fromSchema = runCreds && runCreds.kind === 'other' && /\bcredentialTypes\)?\s*\(/.test(runCreds.text || '') ? schemaSecrets(root, reg.type) : null;
      for (const name of passwords) {
        const declared = fromSchema ? fromSchema.includes(name) : passwordProp(run._toks, runMap.get(name));
        if (!declared) r.push(`${reg.type}: credential "${name}" is not declared {type:'password'} in the runtime registerType`);
      }
    }
  }
  return rule('SECRETS', 'secrets are password credentials', r);
}

/** Node types used in the top-level JSON arrays of examples/**\/*.json. */
function exampleTypes(root) {
  const used = new Set();
  const problems = [];
  for (const file of listFiles(path.join(root, 'examples'), (p) => p.endsWith('.json'))) {
    let flow;
    try {
      flow = readJson(file);
    } catch (err) {
      problems.push(`${path.relative(root, file)} is not valid JSON (${/** @type {Error} */ (err).message})`);
      continue;
    }
    if (!Array.isArray(flow)) { problems.push(`${path.relative(root, file)} is not a top-level JSON array`); continue; }
    for (const n of flow) if (n && typeof n.type === 'string') used.add(n.type);
  }
  return { used, problems };
}

function checkExamples(ctx) {
  const { used, problems } = exampleTypes(ctx.root);
  const r = [...problems];
  for (const s of ctx.sets) {
    for (const reg of s.registrations) {
      if (!reg.typeLiteral || isConfig(reg)) continue;
      if (!used.has(reg.type)) r.push(`no example in examples/ uses "${reg.type}"`);
    }
  }
  return rule('N02', 'examples use every node', r);
}

const RULES = [checkLicense, checkRepository, checkName, checkKeyword, checkNodeRedVersion, checkEnginesNode, checkExamples, checkDependencies, checkFiles, checkResources, checkRegisterLiterals, checkUniqueTypes, checkLocales, checkSecrets];

/** Run every rule on the package at `root`; a package.json that cannot be read is one failed rule. */
function lintPackage(root) {
  let ctx;
  try {
    ctx = readPackage(root);
  } catch (err) {
    return [rule('PKG', 'package.json readable', [/** @type {Error} */ (err).message])];
  }
  return RULES.map((f) => f(ctx));
}

function formatTable(results) {
  const lines = [];
  for (const x of results) {
    lines.push(`${x.ok ? 'pass' : 'FAIL'}  ${x.id.padEnd(8)} ${x.title}`);
    for (const reason of x.reasons) lines.push(`        - ${reason}`);
  }
  const failed = results.filter((x) => !x.ok).length;
  lines.push('', failed ? `${failed} of ${results.length} rules failed` : `all ${results.length} rules pass`);
  return lines.join('\n');
}

module.exports = {
  NODE_RED_VERSIONS,
  MIN_NODE_OF_LATEST,
  satisfies,
  tokenize,
  findRegisterTypes,
  scriptBlocks,
  readPackage,
  lintPackage,
  formatTable,
  rules: { checkLicense, checkRepository, checkName, checkKeyword, checkNodeRedVersion, checkEnginesNode, checkExamples, checkDependencies, checkFiles, checkResources, checkRegisterLiterals, checkUniqueTypes, checkLocales, checkSecrets },
};

if (require.main === module) {
  const root = path.resolve(process.argv[2] || path.join(__dirname, '..'));
  const results = lintPackage(root);
  console.log(`Node-RED scorecard lint (offline) — ${root}\n`);
  console.log(formatTable(results));
  process.exitCode = results.every((x) => x.ok) ? 0 : 1;
}
