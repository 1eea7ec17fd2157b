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

/** A conversation as the console holds it (history.js reads and fills it). */
type ConsoleConv = Record<string, any>;

interface WecomHistoryApi {
  /** A history entry or user message → what the page shows (system lines as notices). */
  item(h: Record<string, any>, from?: string): Record<string, any>;
  /** Customer, 客服 account and budget from a frame, when it carries them. */
  about(c: ConsoleConv, f: Record<string, any> | null | undefined): void;
  /** A sync frame's conversation, whole. */
  fromSnapshot(c: ConsoleConv, s: Record<string, any>): void;
  name(c: ConsoleConv): string;
  avatar(c: ConsoleConv): HTMLElement;
  details(c: ConsoleConv): string[];
  budgetText(c: ConsoleConv): string;
  /** 'window', 'spent' or ''. */
  blocked(c: ConsoleConv): string;
  /** Why a reply was refused, in the agent's language. */
  refusal(f: Record<string, any>): string;
  word(prefix: string, code: string): string;
}

/** What console.js gives tools.js (canned replies, notes, status, search, alerts). */
interface WecomConsoleApi {
  state: Record<string, any>;
  /** Send a frame; onAck/onError get its answer. False when not connected. */
  send(frame: Record<string, any>, onAck?: (f: Record<string, any>) => void, onError?: (f: Record<string, any>) => void): boolean;
  render(): void;
  /** Called with every frame from the bridge, after the console handled it. */
  listeners: Array<(f: Record<string, any>) => void>;
  conv(id: string, f?: Record<string, any> | null): ConsoleConv;
  fail(e: Record<string, any>): void;
  selected(): ConsoleConv | undefined;
  select(id: string): void;
}

interface Window {
  WecomUi: WecomUiApi;
  WecomHistory: WecomHistoryApi;
  WecomCharts: WecomChartsApi;
  WecomConsole: WecomConsoleApi;
  /** Called with every api/summary answer of the ops view (supervisor.js). */
  WecomOpsHooks?: Array<(data: Record<string, any>) => void>;
  webkitAudioContext?: typeof AudioContext;
}
