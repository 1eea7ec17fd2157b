/** ws-bridge's fields (nodes/ws-bridge/ws-bridge.html; read by lib/handoff/bridge-config.ts). */
import { choice, defineSchema, fillMissing, flag, num, text } from './schema';

export const wsBridgeSchema = defineSchema(
  'ws-bridge',
  {
    name: text(),
    mode: choice(['server', 'client'], 'server'),
    path: text('/wecom/ws'),
    url: text(),
    headers: text(),
    origins: text(),
    maxPerAgent: num(5, { min: 0 }),
    bufferSize: num(500, { min: 1 }),
    graceSec: num(60, { min: 0 }),
    heartbeatSec: num(30, { min: 0 }),
    maxFrameKb: num(64, { min: 1 }),
    reconnectMaxSec: num(30, { min: 1 }),
    maxMediaMb: num(20, { min: 1 }),
    mediaOrigins: text(),
    /** Longest lifetime of an agent token / sign-in, days (lib/bridge/agent-token.ts). */
    agentCredentialDays: num(30, { min: 1 / 24 }),
    console: flag(true),
    ops: flag(true),
    metrics: flag(false),
    eventsRetentionDays: num(30, { min: 0 }),
    eventsMaxMb: num(50, { min: 0 }),
  },
  [
    {
      to: 1,
      note: 'the agent console and the ops view were on when the node did not say (the editor showed them off)',
      up: (c) => fillMissing(c, { console: true, ops: true, metrics: false }),
    },
  ],
  /** The shared agent token, the ops view's password, the metrics token. */
  { token: {}, opsPassword: {}, metricsToken: {} },
);
