/**
 * Prometheus text exposition format (version 0.0.4), written by hand: a few counters and gauges do not
 * need a client library (and its default process metrics). Pure: no Node-RED import.
 */
export interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'summary';
  samples: Array<{ labels?: Record<string, string>; value: number }>;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const num = (v: number) => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');
const labels = (l?: Record<string, string>) => {
  const e = Object.entries(l ?? {});
  return e.length ? '{' + e.map(([k, v]) => `${k}="${esc(v)}"`).join(',') + '}' : '';
};

export function renderMetrics(metrics: Metric[]): string {
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) out.push(`${m.name}${labels(s.labels)} ${num(s.value)}`);
  }
  return out.join('\n') + '\n';
}
