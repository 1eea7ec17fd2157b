/**
 * ws-bridge's node settings as the runtime uses them: every number with its default and bounds, the token and
 * passwords (a blank credential is read from the environment, so a flow can deploy from it), origin lists,
 * the hub's options and client mode's extra headers. No Node-RED import.
 */
import { flagOf } from '../config/schema';
import { wsBridgeSchema } from '../config/ws-bridge';
import type { HubOptions } from './types';
import { sharedTokenProblem } from './secrets';

export interface WsBridgeDef {
  mode?: 'server' | 'client';
  path?: string;
  url?: string;
  headers?: string;
  origins?: string;
  maxPerAgent?: number | string;
  bufferSize?: number | string;
  graceSec?: number | string;
  heartbeatSec?: number | string;
  maxFrameKb?: number | string;
  reconnectMaxSec?: number | string;
  maxMediaMb?: number | string;
  mediaOrigins?: string;
  /** Longest agent-token lifetime accepted, days. */
  agentCredentialDays?: number | string;
  // agent console, ops view, metrics and the event record (nodes/shared/ops/console-routes.ts, events.ts)
  console?: boolean | string;
  ops?: boolean | string;
  metrics?: boolean | string;
  eventsRetentionDays?: number | string;
  eventsMaxMb?: number | string;
}
export interface WsBridgeCreds {
  token?: string;
  opsPassword?: string;
  metricsToken?: string;
}

export interface BridgeConfig {
  mode: 'server' | 'client';
  token: string;
  /** The shared token before a rotation (env WECOM_AGENT_WS_TOKEN_PREVIOUS), still accepted; '' when none. */
  previousToken: string;
  /** Why the shared token (or the previous one) is too weak to serve agents (server mode), else null. */
  tokenProblem: string | null;
  /** Agent tokens reaching further into the future than this are refused (ms). */
  maxTokenMs: number;
  /** The path as configured (relative to httpNodeRoot), default /wecom/ws. */
  path: string;
  heartbeatMs: number;
  /** Largest media an agent may send, bytes. */
  maxMedia: number;
  /** Largest WebSocket frame: the frame cap plus base64 media as large as the media cap allows. */
  maxPayload: number;
  origins: string[];
  mediaOrigins: string[];
  reconnectMaxMs: number;
  hub: Pick<HubOptions, 'maxPerAgent' | 'bufferSize' | 'graceMs'>;
  console: boolean;
  ops: boolean;
  opsPassword: string;
  metrics: boolean;
  metricsToken: string;
  events: { retentionDays: number; maxMb: number };
}

/** How the node reads its fields: the node kit's numeric field parser (blank = default) and the environment. */
export interface FieldReader {
  num(v: unknown, dflt: number, min: number): number;
  env: Record<string, string | undefined>;
}
const list = (s: string | undefined) => (s ?? '').split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
/** A credential, else the environment variable. */
const secret = (given: string | undefined, env: string | undefined) => (given ?? '').trim() || (env ?? '').trim();

const F = wsBridgeSchema.fields;
type NumKey = { [K in keyof typeof F]: (typeof F)[K] extends { kind: 'number' } ? K : never }[keyof typeof F];

export function bridgeConfig(def: WsBridgeDef, creds: WsBridgeCreds | undefined, read: FieldReader): BridgeConfig {
  // defaults and lower bounds from the schema (nodes/lib/config/ws-bridge.ts)
  const num = (k: NumKey) => read.num(def[k], Number(F[k].value), F[k].min ?? 0);
  const env = read.env;
  const mode = def.mode === 'client' ? 'client' : 'server';
  // WeCom's largest media is a 20 MB file: frames never need to carry more than that
  const maxMedia = Math.min(20, num('maxMediaMb')) * 1024 * 1024;
  const token = secret(creds?.token, env.WECOM_AGENT_WS_TOKEN);
  const previousToken = secret(undefined, env.WECOM_AGENT_WS_TOKEN_PREVIOUS);
  const weak = mode === 'server' ? [token, previousToken].filter(Boolean).map(sharedTokenProblem).find(Boolean) : null;
  return {
    mode,
    token,
    previousToken,
    tokenProblem: weak ?? null,
    maxTokenMs: num('agentCredentialDays') * 86_400_000,
    path: def.path || F.path.value,
    heartbeatMs: num('heartbeatSec') * 1000,
    maxMedia,
    maxPayload: num('maxFrameKb') * 1024 + Math.ceil((maxMedia * 4) / 3),
    origins: list(def.origins),
    mediaOrigins: list(def.mediaOrigins).map((s) => s.replace(/\/+$/, '')),
    reconnectMaxMs: num('reconnectMaxSec') * 1000,
    hub: {
      maxPerAgent: mode === 'client' ? 0 : Math.floor(num('maxPerAgent')),
      bufferSize: Math.floor(num('bufferSize')),
      graceMs: mode === 'client' ? -1 : num('graceSec') * 1000,
    },
    console: flagOf(F.console, def.console),
    ops: flagOf(F.ops, def.ops),
    opsPassword: secret(creds?.opsPassword, env.WECOM_OPS_PASSWORD),
    metrics: flagOf(F.metrics, def.metrics),
    metricsToken: secret(creds?.metricsToken, env.WECOM_METRICS_TOKEN),
    events: { retentionDays: num('eventsRetentionDays'), maxMb: num('eventsMaxMb') },
  };
}

/** Client mode's extra headers (a JSON object) with the token as Bearer; `bad` when the JSON was unusable. */
export function clientHeaders(json: string | undefined, token: string): { headers: Record<string, string>; bad: boolean } {
  let headers: Record<string, string> = {};
  let bad = false;
  try {
    const h = json && json.trim() ? (JSON.parse(json) as unknown) : {};
    if (h && typeof h === 'object' && !Array.isArray(h)) headers = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
  } catch {
    bad = true;
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  return { headers, bad };
}

/** Wait before reconnect number `attempt` (0-based): 0.5 s doubling up to `maxMs`, ±20 % jitter. */
export function reconnectDelay(attempt: number, maxMs: number, random: () => number = Math.random): number {
  return Math.min(maxMs, 500 * 2 ** attempt) * (0.8 + random() * 0.4);
}
