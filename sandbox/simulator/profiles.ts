/**
 * The simulated directory: who each user is, for kf/customer/batchget (微信客服 customers: nickname, avatar,
 * gender, enter_session_context) and user/get (app members: name, department, avatar). A test or the sandbox
 * sets a profile with setProfile; anyone else gets a made-up one (客户/成员 + the id's last 4 characters) and a
 * generated avatar the simulator serves at /_sim/avatar/<id>.svg.
 */
export interface SimProfile {
  name?: string;
  avatar?: string;
  gender?: 0 | 1 | 2;
  scene?: string;
  sceneParam?: string;
  /** 视频号 nickname of enter_session_context.wechat_channels. */
  channelsName?: string;
  department?: number[];
  /** WeCom does not know this user (batchget lists it as invalid; user/get answers 60111). */
  unknown?: boolean;
}

const COLOURS = ['#07c160', '#2b7cff', '#f5a623', '#e5484d', '#8e5cf7', '#13a8a8'];

export class SimDirectory {
  readonly profiles = new Map<string, SimProfile>();
  /** Base URL of the generated avatars (set once the server listens). */
  avatarBase = '';

  set(userId: string, p: SimProfile): void {
    this.profiles.set(userId, { ...p });
  }

  private avatar(userId: string, p: SimProfile): string {
    return p.avatar ?? `${this.avatarBase}${encodeURIComponent(userId)}.svg`;
  }

  /** A kf/customer/batchget customer_list entry, or null when WeCom would not know the id. */
  customer(userId: string): Record<string, unknown> | null {
    const p = this.profiles.get(userId) ?? {};
    if (p.unknown) return null;
    const entry: Record<string, unknown> = { external_userid: userId, nickname: p.name ?? `客户${userId.slice(-4)}`, avatar: this.avatar(userId, p), gender: p.gender ?? 0, unionid: '' };
    if (p.scene || p.sceneParam || p.channelsName) {
      const ctx: Record<string, unknown> = { scene: p.scene ?? '', scene_param: p.sceneParam ?? '' };
      if (p.channelsName) ctx.wechat_channels = { nickname: p.channelsName, scene: 1 };
      entry.enter_session_context = ctx;
    }
    return entry;
  }

  /** user/get's fields for an app member, or null (60111). */
  member(userId: string): Record<string, unknown> | null {
    const p = this.profiles.get(userId) ?? {};
    if (p.unknown) return null;
    return { userid: userId, name: p.name ?? `成员${userId.slice(-4)}`, department: p.department ?? [1], gender: String(p.gender ?? 0), avatar: this.avatar(userId, p), status: 1 };
  }

  /** The generated avatar: the first character of the name on a colour of the id. */
  svg(userId: string): string {
    const name = String(this.customer(userId)?.nickname ?? userId);
    let h = 0;
    for (const ch of userId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    const letter = name.slice(0, 1).replace(/[<>&"']/g, '?');
    return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="${COLOURS[h % COLOURS.length]}"/><text x="32" y="42" font-size="30" text-anchor="middle" fill="#fff" font-family="sans-serif">${letter}</text></svg>`;
  }
}
