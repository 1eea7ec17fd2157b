// Types of the globals the console pages share (ui.js, charts.js); checked with tsconfig.console.json.
/** An element of the page looked up by id: form controls, links and buttons among them. */
type UiElement = HTMLElement & {
  value?: string;
  disabled?: boolean;
  checked?: boolean;
  href?: string;
  requestSubmit?(): void;
};

interface WecomUiApi {
  /** document.getElementById */
  $(id: string): UiElement;
  /** The current language's text for a key, with {name} placeholders filled. */
  t(key: string, vars?: Record<string, unknown>): string;
  /** Make an element; text always via textContent. */
  el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string | null, text?: unknown): HTMLElementTagNameMap[K];
  toast(text: string, isErr?: boolean): void;
  hhmm(ts: number | string | undefined): string;
  dur(ms: number | null | undefined): string;
  /** Only http(s), blob: and same-origin relative URLs; null otherwise. */
  safeUrl(u: unknown): string | null;
  applyI18n(root?: ParentNode): void;
  setLang(lang: string, onChange?: () => void): void;
  lang(): string;
  /** Add texts: key → [中文, English]. */
  words(d: Record<string, string[]>): void;
}

interface WecomChartsApi {
  /** Stacked bars: rows = [{label, values}], series = [{name, color}]. */
  stacked(svg: SVGSVGElement | Element, rows: Array<{ label: string; values: number[] }>, series: Array<{ name: string; color: string }>): void;
  bars(box: HTMLElement | Element, items: Array<{ label: string; value: number }>, color?: string): void;
}

interface Window {
  WecomUi: WecomUiApi;
  WecomCharts: WecomChartsApi;
}
