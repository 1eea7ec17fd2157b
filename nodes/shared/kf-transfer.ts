/** Native WeCom transfer for `handoff` through a wecom-account node (the transfer itself: lib/handoff/native-transfer.ts). */
import { nativeTransfer as transferWith, NativeTransferError } from '../lib/handoff/native-transfer';
import type { WecomMeta } from '../lib/contract/wecom-meta';
import type { WecomAccountNode } from './account-node';

export { NativeTransferError };

export function nativeTransfer(account: WecomAccountNode | null, servicerUserId?: string): (w: WecomMeta) => Promise<void> {
  return transferWith(account ? () => account.api('kf') : null, servicerUserId);
}
