'use strict';
// Every bundled example loads into a real Node-RED runtime (all node types known, no node in error).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { helper, load } = require('./helpers/runtime');
const { ACCOUNT } = require('./helpers/fixtures');

const dir = path.join(__dirname, '..', 'examples');
const mods = ['wecom-account', 'wecom-in', 'wecom-out', 'keyword-match', 'faq-lookup', 'handoff', 'ws-bridge', 'wecom-events', 'ai-endpoint', 'ai-answer'].map((t) => require(`../dist/nodes/${t}/${t}.js`));
const core = ['@node-red/nodes/core/function/10-switch.js', '@node-red/nodes/core/function/15-change.js', '@node-red/nodes/core/storage/10-file.js', '@node-red/nodes/core/common/21-debug.js', '@node-red/nodes/core/common/90-comment.js', '@node-red/nodes/core/common/60-link.js'].map((m) => require(m));

describe('examples', function () {
  const saved = {};
  before(function () {
    for (const k of ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'WECOM_AGENT_SECRET', 'WECOM_AGENT_WS_TOKEN']) saved[k] = process.env[k];
    Object.assign(process.env, { WECOM_CORP_ID: ACCOUNT.corpId, WECOM_AGENT_ID: ACCOUNT.agentId, WECOM_TOKEN: ACCOUNT.token, WECOM_ENCODING_AES_KEY: ACCOUNT.encodingAESKey, WECOM_AGENT_SECRET: ACCOUNT.agentSecret, WECOM_AGENT_WS_TOKEN: 'example-agent-token-Pm3Kv7Ty' });
  });
  after(function () {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });
  before(() => helper.startServer()); // ws-bridge needs RED.server for its upgrade handler
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    it(`${file} loads with every node created and none in error`, async function () {
      const flow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      assert.ok(Array.isArray(flow), 'a top-level JSON array');
      await load([...mods, ...core], flow, {});
      for (const n of flow.filter((x) => x.type !== 'tab' && x.type !== 'group')) assert.ok(helper.getNode(n.id), `${n.type} ${n.id} was created`);
      const errors = helper.log().args.filter((a) => a[0] && a[0].level === helper.log().ERROR).map((a) => `${a[0].type} ${a[0].id}: ${a[0].msg}`);
      assert.deepEqual(errors, [], 'no node logged an error');
    });
  }
});
