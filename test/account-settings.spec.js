'use strict';
// The wecom-account config node's decisions without Node-RED (lib/wecom/account-settings.ts): which secret an
// API client uses, when the callback keys can be made, and what stops each.
const assert = require('node:assert/strict');
const { resolveSettings, validateSettings, apiSecret, callbackKeysOf } = require('../dist/nodes/lib/wecom/account-settings');

const KEY = 'a'.repeat(43);
/** @param {Record<string, string>} raw */
const account = (raw) => {
  const s = resolveSettings(raw, {});
  return { s, problems: validateSettings(s) };
};

describe('account settings: API secret and callback keys', function () {
  it('the app Secret for app messages; for 微信客服 the kf Secret when set, else the app Secret', function () {
    const both = account({ corpId: 'ww1', agentId: '1000002', agentSecret: 'APP', kfSecret: 'KF' });
    assert.deepEqual(apiSecret(both.s, both.problems, 'agent'), { ok: 'APP' });
    assert.deepEqual(apiSecret(both.s, both.problems, 'kf'), { ok: 'KF' });
    const app = account({ corpId: 'ww1', agentSecret: 'APP' });
    assert.deepEqual(apiSecret(app.s, app.problems, 'kf'), { ok: 'APP' });
    const none = account({ corpId: 'ww1' });
    assert.deepEqual(apiSecret(none.s, none.problems, 'agent'), { problem: 'noSecret' });
  });

  it('a bad Corp ID stops the API, a bad callback Token does not', function () {
    const badCorp = account({ corpId: 'not a corp id', agentSecret: 'APP' });
    assert.deepEqual(apiSecret(badCorp.s, badCorp.problems, 'agent'), { problem: 'corpId' });
    const badToken = account({ corpId: 'ww1', agentSecret: 'APP', token: 'bad token!', encodingAESKey: KEY });
    assert.deepEqual(apiSecret(badToken.s, badToken.problems, 'agent'), { ok: 'APP' });
    assert.deepEqual(callbackKeysOf(badToken.s, badToken.problems), { problem: 'token' });
  });

  it('callback keys need Token and EncodingAESKey, with the Corp ID as receive id', function () {
    const ok = account({ corpId: 'ww1', token: 'tok123', encodingAESKey: KEY });
    const keys = callbackKeysOf(ok.s, ok.problems);
    assert.ok(keys.ok);
    assert.deepEqual([keys.ok.token, keys.ok.receiveId, keys.ok.aesKey.length], ['tok123', 'ww1', 32]);
    const missing = account({ corpId: 'ww1', token: 'tok123' });
    assert.deepEqual(callbackKeysOf(missing.s, missing.problems), { problem: 'callbackKeys' });
  });
});
