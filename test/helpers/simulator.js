'use strict';
// Start the WeCom simulator (dist/sandbox/simulator) with the test ACCOUNT, and a flow account node
// whose API base is the simulator and whose retries are fast (tiny backoff, short timeouts).
const { startSimulator } = require('../../dist/sandbox/simulator');
const { ACCOUNT, accountNode } = require('./fixtures');
const { until } = require('./runtime');

const FAST_RETRY = { baseDelayMs: 2, maxDelayMs: 20, timeoutMs: 300, maxRetries: 12, rateLimitWaitMs: 50 };

/** @param {Partial<import('../../dist/sandbox/simulator').SimulatorOptions>} [extra] */
function startSim(extra) {
  return startSimulator(Object.assign({
    corpId: ACCOUNT.corpId,
    agentId: ACCOUNT.agentId,
    agentSecret: ACCOUNT.agentSecret,
    kfSecret: ACCOUNT.kfSecret,
    token: ACCOUNT.token,
    encodingAESKey: ACCOUNT.encodingAESKey,
    hangMs: 800,
    callbackDeadlineMs: 2000,
  }, extra || {}));
}

/** A wecom-account node pointed at the simulator. */
/**
 * @param {string} id
 * @param {{ url: string }} sim
 * @param {Record<string, unknown>} [props]
 */
function simAccount(id, sim, props) {
  return accountNode(id, Object.assign({ apiBase: sim.url, retry: FAST_RETRY }, props || {}));
}

/** Resolve when `pred()` holds (see runtime.until); kept for the (pred, ms, what) argument order. */
/**
 * @template T
 * @param {() => T | Promise<T>} pred
 * @param {number} [ms]
 * @param {string} [what]
 */
const waitFor = (pred, ms, what) => until(pred, what, ms || 10000);

module.exports = { startSim, simAccount, waitFor, FAST_RETRY };
