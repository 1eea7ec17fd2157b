'use strict';
// The e2e specs share one sandbox (./sandbox.js), so a console spec may start while an earlier spec's agent
// socket is still closing, or with a conversation an earlier spec left queued: the hub would then give the new
// conversation to that agent. hubIdle() closes what is live (as a supervisor would) and waits until the hub
// has no agent online, naming the agents still connected if they never go.
const { opsAuth } = require('./sandbox');
const { request, until } = require('../helpers/runtime');

/**
 * @param {{ opsUrl: string, opsPassword: string }} sb the shared sandbox
 * @param {number} [ms]
 */
async function hubIdle(sb, ms = 20000) {
  const headers = { ...opsAuth(sb.opsPassword), 'content-type': 'application/json' };
  /** @returns {Promise<{ agents: Array<{ id: string, online: boolean }>, conversations: Array<{ conversationId: string }> }>} */
  const live = async () => {
    const r = await request('GET', `${sb.opsUrl}api/live`, null, headers);
    if (r.status !== 200) throw new Error(`ops api/live answered ${r.status}`);
    return JSON.parse(r.body);
  };
  let last = await live();
  for (const c of last.conversations) {
    await request('POST', `${sb.opsUrl}api/supervise`, JSON.stringify({ op: 'close', conversationId: c.conversationId }), headers);
  }
  try {
    await until(async () => {
      last = await live();
      return !last.agents.some((a) => a.online) && last.conversations.length === 0;
    }, 'an idle hub', ms);
  } catch {
    const online = last.agents.filter((a) => a.online).map((a) => a.id);
    throw new Error(`the shared hub is not idle: agents online [${online.join(', ')}], ${last.conversations.length} live conversation(s)`);
  }
}

module.exports = { hubIdle };
