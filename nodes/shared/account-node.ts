/** Types of the wecom-account config node as other nodes of this package see it. */
import type { Node } from 'node-red';
import type { CallbackKeys } from '../lib/callback';
import type { AccountSettings } from '../lib/types';
import type { SettingsProblem } from '../lib/account-settings';

export interface AccountCredentials {
  agentSecret?: string;
  kfSecret?: string;
  token?: string;
  encodingAESKey?: string;
}

export interface WecomAccountNode extends Node<AccountCredentials> {
  settings: AccountSettings;
  problems: SettingsProblem[];
  /** The first problem as a translated, secret-free sentence, or null when the account is usable. */
  problemText(): string | null;
  /** Keys for the callback crypto; throws a clear Error when Token or EncodingAESKey is missing/invalid. */
  callbackKeys(): CallbackKeys;
}
