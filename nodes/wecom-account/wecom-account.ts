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
import { StoreUserLimiter } from '../lib/wecom/send/user-limiter';
import { StoreKfBudget } from '../lib/wecom/kf/budget';
import { KfSessionKeeper } from '../lib/wecom/kf/session';
import { PassiveReplies } from '../lib/wecom/passive-reply';
import { acquireStore, stateOptions, type StoreHandle } from '../shared/state';
import { nodeType, settingsOf } from '../shared/node-kit';
import { wecomAccountSchema } from '../lib/config/wecom-account';
import { credentialTypes } from '../lib/config/schema';

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
      previousToken: creds.previousToken,
      previousEncodingAESKey: creds.previousEncodingAESKey,
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
    const settingsRetry = settingsOf(RED).wecom?.retry;
    const retry: RetryOptions | undefined = def.retry ?? settingsRetry;
    const clients = new Map<string, WecomApi>();
    // The state store (on first use): per-user send budgets, and on Redis one access_token for all instances.
    let shared: StoreHandle | null = null;
    let closed = false;
    const stateStore = () => {
      if (closed) throw new Error('wecom-account: closed');
      return (shared ??= acquireStore(RED)).store;
    };
    const tokenStore = () => (stateOptions(settingsOf(RED)).kind === 'redis' ? stateStore() : undefined);
    self.appLimiter = new StoreUserLimiter(stateStore, `${this.settings.corpId}:${this.settings.agentId}`);
    self.kfBudget = new StoreKfBudget(stateStore, this.settings.corpId);
    self.kfSessions = new KfSessionKeeper();
    self.passiveReplies = new PassiveReplies();

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
      closed = true;
      shared?.release();
      shared = null;
      Promise.all(all.map((c) => c.close())).then(() => done(), () => done());
    });

    if (this.problems.length > 0) this.warn(this.problemText() as string);
  }

  RED.nodes.registerType('wecom-account', nodeType(WecomAccount, wecomAccountSchema), { credentials: credentialTypes(wecomAccountSchema) });
};
