/**
 * Media agents sent, kept in memory so the conversation's history can show them to the agent it goes to next
 * (a picture stays a picture after a transfer or a reload): bounded by total bytes (oldest dropped first) and
 * by WeCom's 72 hours. Served at <bridge path>/media/s1.<id> with an agent's credential, like users' media.
 * Not kept across a restart: the transcript then carries WeCom's media_id of the upload instead.
 */
import { randomBytes } from 'node:crypto';
import { MEDIA_URL_TTL_SEC } from './link';

export interface SentItem {
  data: Buffer;
  mime: string;
  name: string;
  at: number;
}

export class SentMedia {
  private items = new Map<string, SentItem>();
  private bytes = 0;

  constructor(
    /** URL path prefix, e.g. /wecom/ws/media/ */
    private base: string,
    private maxBytes = 32 * 1024 * 1024,
    private now: () => number = Date.now,
  ) {}

  /** Keep the bytes; the URL agents read them from (null when larger than the whole cache). */
  put(data: Buffer, mime: string, name: string): string | null {
    if (data.length > this.maxBytes) return null;
    const id = randomBytes(16).toString('hex');
    this.items.set(id, { data, mime, name, at: this.now() });
    this.bytes += data.length;
    for (const [k, v] of this.items) {
      if (this.bytes <= this.maxBytes) break;
      this.items.delete(k);
      this.bytes -= v.data.length;
    }
    return `${this.base}s1.${id}`;
  }

  /** The item behind a URL's last segment (`s1.<id>`): undefined when unknown, dropped or older than 72 h. */
  get(ref: string): SentItem | undefined {
    const m = /^s1\.([0-9a-f]{32})$/.exec(ref);
    const it = m ? this.items.get(m[1]) : undefined;
    if (!it) return undefined;
    if (this.now() - it.at > MEDIA_URL_TTL_SEC * 1000) {
      this.items.delete(m![1]);
      this.bytes -= it.data.length;
      return undefined;
    }
    return it;
  }
}
