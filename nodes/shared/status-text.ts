/**
 * Status texts the editor shows in its own language. Node-RED's editor translates a status text that is a
 * catalog key ("keyword-match.status.badRule"); a key with parameters travels as "key?n=5" and the package's
 * editor hook (keyword-match.html) translates it with those parameters. So a zh-CN editor shows Chinese
 * statuses whatever the runtime's language.
 */
export function statusText(key: string, params?: Record<string, string | number | boolean>): string {
  const entries = Object.entries(params ?? {}).map(([k, v]) => [k, String(v)]);
  return entries.length ? `${key}?${new URLSearchParams(entries).toString()}` : key;
}

/** Status and log of a node that cannot work (or refuses an input): a red ring with `key`, and the error logged. */
export function showFault(node: { status(s: object): void; error(msg: string): void }, key: string, error: string): void {
  node.status({ fill: 'red', shape: 'ring', text: key });
  node.error(error);
}
