'use strict';
// The sandbox's pure set-up helpers: generated credentials and the Node-RED user dir it prepares.
// (startSandbox itself runs in test/e2e, once per process, because Node-RED cannot restart in-process.)
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateCredentials, randomAlnum, prepareUserDir, PACKAGE_NAME, EXAMPLE_FLOW } = require('../dist/sandbox/start.js');
const { aesKeyFrom, isValidToken } = require('../dist/nodes/lib/wecom/crypto.js');
const { resolveSettings, validateSettings } = require('../dist/nodes/lib/wecom/account-settings.js');

describe('sandbox set-up', function () {
  let tmp;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-spec-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('randomAlnum gives letters and digits of the asked length', () => {
    for (const n of [1, 32, 43, 100]) assert.match(randomAlnum(n), new RegExp(`^[A-Za-z0-9]{${n}}$`));
    assert.notEqual(randomAlnum(43), randomAlnum(43));
  });

  it('generated credentials are valid WeCom account settings', () => {
    const c = generateCredentials();
    assert.equal(aesKeyFrom(c.encodingAESKey).length, 32);
    assert.ok(isValidToken(c.token));
    const env = {
      WECOM_CORP_ID: c.corpId,
      WECOM_AGENT_ID: c.agentId,
      WECOM_AGENT_SECRET: c.agentSecret,
      WECOM_KF_SECRET: c.kfSecret,
      WECOM_TOKEN: c.token,
      WECOM_ENCODING_AES_KEY: c.encodingAESKey,
      WECOM_API_BASE: 'http://127.0.0.1:1',
    };
    assert.deepEqual(validateSettings(resolveSettings({}, env)), []);
    assert.notEqual(c.agentWsToken, c.token);
  });

  function fakeRoot(withExample) {
    const root = path.join(tmp, 'repo');
    fs.mkdirSync(path.join(root, 'examples'), { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: PACKAGE_NAME }));
    if (withExample) fs.writeFileSync(path.join(root, 'examples', EXAMPLE_FLOW), JSON.stringify([{ id: 't1', type: 'tab' }]));
    return root;
  }

  it('links the package into the user dir, lists it, and deploys the example flow once', () => {
    const root = fakeRoot(true);
    const userDir = path.join(tmp, 'ud');
    const first = prepareUserDir(userDir, root);
    assert.equal(first.exampleDeployed, true);
    assert.equal(fs.realpathSync(path.join(userDir, 'node_modules', PACKAGE_NAME)), fs.realpathSync(root));
    const pkg = JSON.parse(fs.readFileSync(path.join(userDir, 'package.json'), 'utf8'));
    assert.ok(pkg.dependencies[PACKAGE_NAME]);
    assert.deepEqual(JSON.parse(fs.readFileSync(first.flowFile, 'utf8')), [{ id: 't1', type: 'tab' }]);
    // a later start keeps the user's edited flows
    fs.writeFileSync(first.flowFile, '[{"id":"mine","type":"tab"}]');
    const second = prepareUserDir(userDir, root);
    assert.equal(second.exampleDeployed, false);
    assert.equal(JSON.parse(fs.readFileSync(second.flowFile, 'utf8'))[0].id, 'mine');
  });

  it('starts with an empty flow when the example flow does not exist', () => {
    const r = prepareUserDir(path.join(tmp, 'ud'), fakeRoot(false));
    assert.equal(r.exampleMissing, true);
    assert.equal(r.exampleDeployed, false);
    assert.deepEqual(JSON.parse(fs.readFileSync(r.flowFile, 'utf8')), []);
  });

  it('re-points a stale package link at the current working tree', () => {
    const userDir = path.join(tmp, 'ud');
    const elsewhere = path.join(tmp, 'old');
    fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(userDir, 'node_modules', PACKAGE_NAME));
    const root = fakeRoot(false);
    prepareUserDir(userDir, root);
    assert.equal(fs.realpathSync(path.join(userDir, 'node_modules', PACKAGE_NAME)), fs.realpathSync(root));
  });
});
