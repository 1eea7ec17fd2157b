/**
 * Config node `wecom-account`: one WeCom corp + self-built app (and optionally its 微信客服 access).
 * Holds the secrets as `password` credentials, resolves blank fields from WECOM_* environment
 * variables, validates them, and owns what every node of that account shares.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { resolveSettings, validateSettings } from '../lib/account-settings';
import { aesKeyFrom } from '../lib/crypto';
import type { CallbackKeys } from '../lib/callback';
import type { WecomAccountNode } from '../shared/account-node';

interface AccountDef extends NodeDef {
  corpId?: string;
  agentId?: string;
  apiBase?: string;
}

export = function register(RED: NodeAPI): void {
  function WecomAccount(this: WecomAccountNode, def: AccountDef) {
    RED.nodes.createNode(this, def);
    const creds = this.credentials ?? {};
    this.settings = resolveSettings({
      corpId: def.corpId,
      agentId: def.agentId,
      apiBase: def.apiBase,
      agentSecret: creds.agentSecret,
      kfSecret: creds.kfSecret,
      token: creds.token,
      encodingAESKey: creds.encodingAESKey,
    });
    this.problems = validateSettings(this.settings);
    let keys: CallbackKeys | undefined;

    this.problemText = () => {
      const p = this.problems[0];
      return p ? RED._(`wecom-account.errors.${p.key}`) : null;
    };

    this.callbackKeys = () => {
      if (keys) return keys;
      const bad = this.problemText();
      if (bad) throw new Error(bad);
      const { token, encodingAESKey, corpId } = this.settings;
      if (!token || !encodingAESKey) throw new Error(RED._('wecom-account.errors.callbackKeys'));
      keys = { token, aesKey: aesKeyFrom(encodingAESKey), receiveId: corpId };
      return keys;
    };

    if (this.problems.length > 0) this.warn(this.problemText() as string);
  }

  RED.nodes.registerType('wecom-account', WecomAccount as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      agentSecret: { type: 'password' },
      kfSecret: { type: 'password' },
      token: { type: 'password' },
      encodingAESKey: { type: 'password' },
    },
  });
};
