/**
 * The hub's side of the asynchronous agent tools: a `canned` or `search` frame is answered, once the state
 * store has answered, by one `ack` carrying the lists or results (or an `unavailable` error).
 */
import { ack, FrameError, type AckFrame } from './protocol';
import type { CannedFrame, SearchFrame } from './tool-frames';
import type { AgentToolsStore, Connection } from './types';

export function answerTool(tools: AgentToolsStore | undefined, conn: Connection, agentId: string, f: CannedFrame | SearchFrame): void {
  const fail = (why: string) => conn.sink.send(new FrameError('unavailable', why, f.id, f.type).toFrame());
  if (!tools) {
    fail(`"${f.type}" needs the bridge's state store`);
    return;
  }
  const answer: Promise<AckFrame> =
    f.type === 'canned' ? tools.canned(agentId, f).then((canned) => ({ ...ack('canned', f.id), canned })) : tools.search(agentId, f.q).then((results) => ({ ...ack('search', f.id), results }));
  answer.then(
    (frame) => conn.sink.send(frame),
    (err: Error) => fail(`"${f.type}" could not be answered: ${err.message}`),
  );
}
