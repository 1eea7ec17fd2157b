/**
 * Resolve and validate a wecom-account's settings: each field from the node, or when blank from its
 * environment variable, so a flow can deploy from the environment alone.
 */
import { aesKeyFrom, isValidEncodingAESKey, isValidToken } from './crypto';
import type { AccountSettings } from '../contract/wecom-meta';
import type { CallbackKeys } from './callback';

export const ENV_NAMES = {
  corpId: 'WECOM_CORP_ID',
  agentId: 'WECOM_AGENT_ID',
  agentSecret: 'WECOM_AGENT_SECRET',
  kfSecret: 'WECOM_KF_SECRET',
  token: 'WECOM_TOKEN',
  encodingAESKey: 'WECOM_ENCODING_AES_KEY',
  previousToken: 'WECOM_TOKEN_PREVIOUS',
  previousEncodingAESKey: 'WECOM_ENCODING_AES_KEY_PREVIOUS',
  apiBase: 'WECOM_API_BASE',
} as const;

export const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';

type Field = keyof typeof ENV_NAMES;
export type RawAccount = Partial<Record<Field, string>>;

/** A problem with one field; `key` is a message id under `wecom-account.errors`. */
export interface SettingsProblem {
  field: Field;
  key: string;
}

export function resolveSettings(raw: RawAccount, env: NodeJS.ProcessEnv = process.env): AccountSettings {
  const pick = (f: Field): string => {
    const v = raw[f];
    const own = typeof v === 'string' ? v.trim() : '';
    return own !== '' ? own : (env[ENV_NAMES[f]] ?? '').trim();
  };
  return {
    corpId: pick('corpId'),
    agentId: pick('agentId'),
    apiBase: (pick('apiBase') || DEFAULT_API_BASE).replace(/\/+$/, ''),
    agentSecret: pick('agentSecret') || undefined,
    kfSecret: pick('kfSecret') || undefined,
    token: pick('token') || undefined,
    encodingAESKey: pick('encodingAESKey') || undefined,
    previousToken: pick('previousToken') || undefined,
    previousEncodingAESKey: pick('previousEncodingAESKey') || undefined,
  };
}

/** Problems that stop the account from working; empty when all is well. */
export function validateSettings(s: AccountSettings): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(s.corpId)) problems.push({ field: 'corpId', key: 'corpId' });
  if (s.agentId !== '' && !/^\d{1,12}$/.test(s.agentId)) problems.push({ field: 'agentId', key: 'agentId' });
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(s.apiBase)) problems.push({ field: 'apiBase', key: 'apiBase' });
  if (s.token !== undefined && !isValidToken(s.token)) problems.push({ field: 'token', key: 'token' });
  if (s.encodingAESKey !== undefined && !usableAesKey(s.encodingAESKey)) problems.push({ field: 'encodingAESKey', key: 'encodingAESKey' });
  if (s.previousToken !== undefined && !isValidToken(s.previousToken)) problems.push({ field: 'previousToken', key: 'previousToken' });
  if (s.previousEncodingAESKey !== undefined && !usableAesKey(s.previousEncodingAESKey)) problems.push({ field: 'previousEncodingAESKey', key: 'previousEncodingAESKey' });
  return problems;
}

function usableAesKey(k: string): boolean {
  if (!isValidEncodingAESKey(k)) return false;
  try {
    aesKeyFrom(k);
    return true;
  } catch {
    return false;
  }
}

/** What stops a use of the account: a message id under `wecom-account.errors`, or null when nothing does. */
type Usable<T> = { ok: T; problem?: undefined } | { ok?: undefined; problem: string };

/**
 * The secret an API client uses ('kf': the 微信客服 Secret when set, else the app Secret). Only the fields the
 * API needs count: a bad callback Token does not stop sending.
 */
export function apiSecret(s: AccountSettings, problems: SettingsProblem[], kind: 'agent' | 'kf'): Usable<string> {
  const p = problems.find((x) => x.field === 'corpId' || x.field === 'agentId' || x.field === 'apiBase');
  if (p) return { problem: p.key };
  const secret = kind === 'kf' ? s.kfSecret || s.agentSecret : s.agentSecret;
  return secret ? { ok: secret } : { problem: 'noSecret' };
}

/** The callback crypto keys: any problem of the account stops them, as does a missing Token or EncodingAESKey. */
export function callbackKeysOf(s: AccountSettings, problems: SettingsProblem[]): Usable<CallbackKeys> {
  if (problems[0]) return { problem: problems[0].key };
  if (!s.token || !s.encodingAESKey) return { problem: 'callbackKeys' };
  const keys: CallbackKeys = { token: s.token, aesKey: aesKeyFrom(s.encodingAESKey), receiveId: s.corpId };
  if (s.previousToken || s.previousEncodingAESKey) {
    keys.previous = { token: s.previousToken ?? s.token, aesKey: s.previousEncodingAESKey ? aesKeyFrom(s.previousEncodingAESKey) : keys.aesKey };
  }
  return { ok: keys };
}
