/**
 * ws-bridge's node settings as the runtime uses them: every number with its default and bounds, the token and
 * passwords (a blank credential is read from the environment, so a flow can deploy from it), origin lists,
 * the hub's options and client mode's extra headers. No Node-RED import.
 */
import type { HubOptions } from './types';
import { DEFAULT_MAX_TOKEN_DAYS } from './agent-token';
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
const on = (v: unknown, dflt: boolean) => (v === undefined || v === '' ? dflt : v === true || v === 'true');
/** A credential, else the environment variable. */
const secret = (given: string | undefined, env: string | undefined) => (given ?? '').trim() || (env ?? '').trim();

export function bridgeConfig(def: WsBridgeDef, creds: WsBridgeCreds | undefined, read: FieldReader): BridgeConfig {
  const num = (v: unknown, dflt: number) => read.num(v, dflt, 0);
  const env = read.env;
  const mode = def.mode === 'client' ? 'client' : 'server';
  // WeCom's largest media is a 20 MB file: frames never need to carry more than that
  const maxMedia = Math.min(20, Math.max(1, num(def.maxMediaMb, 20))) * 1024 * 1024;
  const token = secret(creds?.token, env.WECOM_AGENT_WS_TOKEN);
  const previousToken = secret(undefined, env.WECOM_AGENT_WS_TOKEN_PREVIOUS);
  const weak = mode === 'server' ? [token, previousToken].filter(Boolean).map(sharedTokenProblem).find(Boolean) : null;
  return {
    mode,
    token,
    previousToken,
    tokenProblem: weak ?? null,
    maxTokenMs: Math.max(1 / 24, num(def.agentCredentialDays, DEFAULT_MAX_TOKEN_DAYS)) * 86_400_000,
    path: def.path || '/wecom/ws',
    heartbeatMs: num(def.heartbeatSec, 30) * 1000,
    maxMedia,
    maxPayload: Math.max(1, num(def.maxFrameKb, 64)) * 1024 + Math.ceil((maxMedia * 4) / 3),
    origins: list(def.origins),
    mediaOrigins: list(def.mediaOrigins).map((s) => s.replace(/\/+$/, '')),
    reconnectMaxMs: Math.max(1, num(def.reconnectMaxSec, 30)) * 1000,
    hub: {
      maxPerAgent: mode === 'client' ? 0 : Math.floor(num(def.maxPerAgent, 5)),
      bufferSize: Math.max(1, Math.floor(num(def.bufferSize, 500))),
      graceMs: mode === 'client' ? -1 : num(def.graceSec, 60) * 1000,
    },
    console: on(def.console, true),
    ops: on(def.ops, true),
    opsPassword: secret(creds?.opsPassword, env.WECOM_OPS_PASSWORD),
    metrics: on(def.metrics, false),
    metricsToken: secret(creds?.metricsToken, env.WECOM_METRICS_TOKEN),
    events: { retentionDays: num(def.eventsRetentionDays, 30), maxMb: num(def.eventsMaxMb, 50) },
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
