/** Types of the wecom-account config node as other nodes of this package see it. */
import type { Node } from 'node-red';
import type { CallbackKeys } from '../lib/wecom/callback';
import type { AccountSettings } from '../lib/contract/wecom-meta';
import type { SettingsProblem } from '../lib/wecom/account-settings';
import type { WecomApi } from '../lib/wecom/wecom-api';
import type { StoreUserLimiter } from '../lib/wecom/send/user-limiter';
import type { StoreKfBudget } from '../lib/wecom/kf/budget';
import type { KfSessionKeeper } from '../lib/wecom/kf/session';
import type { PassiveReplies } from '../lib/wecom/passive-reply';

/** Which secret a client uses: the app Secret, or for 微信客服 the kf Secret when set (else the app Secret). */
export type ApiKind = 'agent' | 'kf';

/** The secrets of AccountSettings, kept as Node-RED credentials (never in the flow file). */
export type AccountCredentials = Pick<AccountSettings, 'agentSecret' | 'kfSecret' | 'token' | 'encodingAESKey' | 'previousToken' | 'previousEncodingAESKey'>;

export interface WecomAccountNode extends Node<AccountCredentials> {
  settings: AccountSettings;
  problems: SettingsProblem[];
  /** The first problem as a translated, secret-free sentence, or null when the account is usable. */
  problemText(): string | null;
  /** Keys for the callback crypto; throws a clear Error when Token or EncodingAESKey is missing/invalid. */
  callbackKeys(): CallbackKeys;
  /**
   * The shared API client of this account (created on first use, closed with the node). Throws a
   * clear Error when the Corp ID or the needed Secret is missing.
   */
  api(kind?: ApiKind): WecomApi;
  /** Per-member app-message budget (30/min, 1000/h), in the state store: shared by every wecom-out and instance. */
  readonly appLimiter: StoreUserLimiter;
  /** 微信客服 48 h / 5-reply budget per customer, in the state store; fed by the puller and used by wecom-out. */
  readonly kfBudget: StoreKfBudget;
  /** Keeps 微信客服 sessions in service state 1 before API sends. */
  readonly kfSessions: KfSessionKeeper;
  /** Callbacks held open for a passive reply (wecom-in opens, wecom-out of this account claims). */
  readonly passiveReplies: PassiveReplies;
}
