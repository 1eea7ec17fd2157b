/**
 * Editor endpoint: the 微信客服 accounts (kf/account/list) of a deployed wecom-account node, by name, so the
 * handoff dialog can map each 客服账号 to an agents' group. GET <httpAdmin>/wecom/kf-accounts/<account id>,
 * with the editor's permission `handoff.read`. Never answers secrets or tokens.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import type { WecomAccountNode } from '../shared/account-node';

/** The admin apps the route is on (once per app; a new runtime brings a new app). */
const mounted = new WeakSet<object>();

export function mountKfAccounts(RED: NodeAPI): void {
  if (!RED.httpAdmin || mounted.has(RED.httpAdmin)) return;
  mounted.add(RED.httpAdmin);
  const auth = RED.auth?.needsPermission ? RED.auth.needsPermission('handoff.read') : (_q: Request, _r: Response, next: () => void) => next();
  RED.httpAdmin.get('/wecom/kf-accounts/:id', auth, (req: Request, res: Response) => {
    const account = RED.nodes.getNode(String(req.params.id ?? '')) as WecomAccountNode | null;
    if (!account || typeof account.api !== 'function') {
      res.status(404).json({ error: RED._('handoff.errors.accountNotDeployed') });
      return;
    }
    Promise.resolve()
      .then(() => account.api('kf').kfListAccounts())
      .then((list) => res.json(list.map((a) => ({ open_kfid: a.open_kfid, name: a.name ?? '' }))))
      .catch((err: Error) => res.status(502).json({ error: err.message }));
  });
}
