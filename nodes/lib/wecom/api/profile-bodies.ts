/**
 * Who a user is, from WeCom's answers: kf/customer/batchget (微信客服 customers, ≤ 100 per call, with
 * need_enter_session_context) and user/get (app members), as the package's CustomerProfile.
 */
import type { CustomerProfile } from '../../contract/wecom-meta';

/** kf/customer/batchget takes at most this many external_userid per call. */
export const KF_BATCH_MAX = 100;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** One entry of kf/customer/batchget's customer_list. */
export function kfCustomerProfile(c: Record<string, unknown>): CustomerProfile {
  const p: CustomerProfile = {};
  const name = str(c.nickname);
  if (name) p.name = name;
  const avatar = str(c.avatar);
  if (avatar) p.avatar = avatar;
  if (c.gender === 1 || c.gender === 2 || c.gender === 0) p.gender = c.gender;
  const ctx = c.enter_session_context as Record<string, unknown> | undefined;
  if (ctx && typeof ctx === 'object') {
    const scene = str(ctx.scene);
    if (scene) p.scene = scene;
    const param = str(ctx.scene_param);
    if (param) p.sceneParam = param;
    const channels = ctx.wechat_channels as Record<string, unknown> | undefined;
    const cn = channels && typeof channels === 'object' ? str(channels.nickname) : undefined;
    if (cn) p.channelsName = cn;
  }
  return p;
}

/** user/get's answer for an app member. */
export function memberProfile(u: Record<string, unknown>): CustomerProfile {
  const p: CustomerProfile = {};
  const name = str(u.name);
  if (name) p.name = name;
  const avatar = str(u.avatar) ?? str(u.thumb_avatar);
  if (avatar) p.avatar = avatar;
  const g = Number(u.gender);
  if (g === 1 || g === 2) p.gender = g;
  if (Array.isArray(u.department)) p.department = u.department.map(String);
  return p;
}
