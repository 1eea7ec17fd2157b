/**
 * Config node `wecom-account`: one WeCom corp + self-built app (and optionally its 微信客服 access).
 * Holds the secrets as `password` credentials, resolves blank fields from WECOM_* environment
 * variables, validates them, and owns what every node of that account shares.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { apiSecret, callbackKeysOf, resolveSettings, validateSettings } from '../lib/wecom/account-settings';
import type { CallbackKeys } from '../lib/wecom/callback';
import type { ApiKind, WecomAccountNode } from '../shared/account-node';
import { WecomApi } from '../lib/wecom/wecom-api';
import type { RetryOptions } from '../lib/wecom/api/retry';
import { UserRateLimiter } from '../lib/wecom/send/user-limiter';
import { KfBudget } from '../lib/wecom/kf/budget';
import { KfSessionKeeper } from '../lib/wecom/kf/session';
import { acquireStore, stateOptions, type StoreHandle } from '../shared/state';
import { nodeType, settingsOf } from '../shared/node-kit';

interface AccountDef extends NodeDef {
  corpId?: string;
  agentId?: string;
  apiBase?: string;
  /** Advanced (flow JSON / tests only): retry tuning, see lib/api/retry.ts. */
  retry?: RetryOptions;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

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
    const errorText = (key: string) => RED._(`wecom-account.errors.${key}`);

    this.problemText = () => (this.problems[0] ? errorText(this.problems[0].key) : null);

    this.callbackKeys = () => {
      if (keys) return keys;
      const k = callbackKeysOf(this.settings, this.problems);
      if (k.problem !== undefined) throw new Error(errorText(k.problem));
      return (keys = k.ok);
    };

    const self = this as Writable<WecomAccountNode>;
    self.appLimiter = new UserRateLimiter();
    self.kfBudget = new KfBudget();
    self.kfSessions = new KfSessionKeeper();
    const settingsRetry = settingsOf(RED).wecom?.retry;
    const retry: RetryOptions | undefined = def.retry ?? settingsRetry;
    const clients = new Map<string, WecomApi>();
    // Several instances on one Redis share one access_token (one gettoken for all of them).
    let shared: StoreHandle | null = null;
    const tokenStore = () => {
      if (stateOptions(settingsOf(RED)).kind !== 'redis') return undefined;
      shared ??= acquireStore(RED);
      return shared.store;
    };

    this.api = (kind: ApiKind = 'agent') => {
      const secret = apiSecret(this.settings, this.problems, kind);
      if (secret.problem !== undefined) throw new Error(errorText(secret.problem));
      let c = clients.get(secret.ok);
      if (!c) {
        const s = this.settings;
        c = new WecomApi({ corpId: s.corpId, secret: secret.ok, agentId: s.agentId, apiBase: s.apiBase, retry, tokenStore: tokenStore() });
        clients.set(secret.ok, c);
      }
      return c;
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      const all = [...clients.values()];
      clients.clear();
      shared?.release();
      shared = null;
      Promise.all(all.map((c) => c.close())).then(() => done(), () => done());
    });

    if (this.problems.length > 0) this.warn(this.problemText() as string);
  }

  RED.nodes.registerType('wecom-account', nodeType(WecomAccount), {
    credentials: {
      agentSecret: { type: 'password' },
      kfSecret: { type: 'password' },
      token: { type: 'password' },
      encodingAESKey: { type: 'password' },
    },
  });
};
