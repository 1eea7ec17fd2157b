/**
 * The WeCom simulator (sandbox/simulator/, built on its own branch) is loaded at run time, so the sandbox
 * compiles and its editor still starts when the simulator is absent. These types restate its interface.
 */
export interface SimulatorOptions {
  port?: number;
  corpId: string;
  agentId: string;
  agentSecret: string;
  kfSecret?: string;
  token: string;
  encodingAESKey: string;
  callbackUrl?: string;
  openKfIds?: string[];
}

export interface SimRecord {
  seq: number;
  ts: number;
  direction: 'user' | 'bot';
  channel: 'app' | 'kf';
  userId: string;
  openKfId?: string;
  msgtype: string;
  text: string;
  data?: unknown;
}

export interface Simulator {
  url: string;
  stop(): Promise<void>;
  setCallbackUrl(url: string): void;
  userSays(o: { channel: 'app' | 'kf'; userId: string; text: string; openKfId?: string }): Promise<{ msgId: string; status: number }>;
  records(sinceSeq?: number): SimRecord[];
  on(event: 'record', cb: (r: SimRecord) => void): void;
  setFaults(f: { errorRate?: number; latencyMs?: number }): void;
  invalidateTokens(): void;
  stats(): { gettoken: number };
}

export type StartSimulator = (opts: SimulatorOptions) => Promise<Simulator>;

/** startSimulator from dist/sandbox/simulator; throws a clear Error when it is not built. */
export function loadSimulator(): StartSimulator {
  const candidates = ['./simulator', './simulator/simulator'];
  for (const c of candidates) {
    let mod: { startSimulator?: StartSimulator };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(c);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(c.slice(2))) continue;
      throw err;
    }
    if (typeof mod.startSimulator === 'function') return mod.startSimulator;
  }
  throw new Error('sandbox/simulator is not built yet (no startSimulator in dist/sandbox/simulator)');
}
