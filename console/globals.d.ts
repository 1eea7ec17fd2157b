// Types of the globals the console pages share (ui.js, charts.js, the agent console's modules); checked with tsconfig.console.json.
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
  /** A <select> whose first option (value '') says what to pick. */
  picker(cls: string, placeholder: string): HTMLSelectElement;
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

/** The agent console's state, shared by its modules (console.js makes it). */
interface ConsoleState {
  ws: WebSocket | null;
  token: string;
  agentId: string;
  /** Comma-separated. */
  groups: string;
  wsPath: string;
  nextId: number;
  /** Frames sent and not yet answered (ack / error). */
  pending: Array<{ frame: Record<string, any>; onAck?: (f: Record<string, any>) => void; onError?: (f: Record<string, any>) => void }>;
  convs: Record<string, ConsoleConv>;
  order: number;
  selected: string | null;
  queuedCount: number;
  welcomed: boolean;
  retry: number;
  retryTimer: ReturnType<typeof setTimeout> | null;
  /** Signed out on purpose: no reconnect. */
  manual: boolean;
  features: Record<string, boolean>;
  lastSeq: number;
  ackTimer: ReturnType<typeof setTimeout> | null;
  attachment: { data: string; mime: string; name: string; size: number; preview: string } | null;
  renderQueued: boolean;
  system: boolean;
  /** The connection state shown: [state, text key, vars]. */
  conn?: [string, string, Record<string, unknown>?];
  windowTimer?: ReturnType<typeof setTimeout>;
}

/** A media of the bridge fetched with the credential, as a blob: URL. */
type MediaBlob = { ready: boolean; failed?: boolean; href?: string; type?: string; name?: string; p?: Promise<MediaBlob | null> };

interface WecomMediaApi {
  /** What the history shows for a media item. */
  node(m: Record<string, any>): HTMLElement;
  /** Drop every fetched media. */
  forget(): void;
}

interface ConnectionHooks {
  /** Show the connection state: [state, text key, vars]. */
  status(s: string, key: string, vars?: Record<string, unknown>): void;
  /** The credential was refused or ended: back to sign-in with this error. */
  signin(err: string): void;
  /** Every frame that was not a replay, after the connection took its part. */
  frame(f: Record<string, any>): void;
}

interface WecomConnectionApi {
  connect(): void;
  /** Sign out: close without reconnecting, forget this tab's credential. */
  close(): void;
  send: WecomConsoleApi['send'];
  receivedUpTo(seq: number): void;
  /** The sign-in kept: this tab's token, the agent id last used. */
  saved(): { token: string; agentId: string };
}

interface WecomConversationsApi {
  conv: WecomConsoleApi['conv'];
  /** Apply a frame; false for one that concerns no conversation. */
  apply(f: Record<string, any>): boolean;
  fail(e: Record<string, any>): void;
  selected(): ConsoleConv | undefined;
  accept(c: ConsoleConv): void;
  reply(c: ConsoleConv, text: string, media: ConsoleState['attachment']): void;
  close(c: ConsoleConv): void;
  transfer(c: ConsoleConv, to: string, note: string): void;
}

interface WecomViewApi {
  status: ConnectionHooks['status'];
  showSignin(err?: string): void;
  showConsole(): void;
  render(): void;
  /** One render at the next animation frame, however often it is asked for. */
  schedule(): void;
  /** The language changed. */
  relabel(): void;
}

interface Window {
  WecomUi: WecomUiApi;
  WecomHistory: WecomHistoryApi;
  WecomCharts: WecomChartsApi;
  WecomConsole: WecomConsoleApi;
  WecomMedia: { create(credential: () => string, loaded: () => void): WecomMediaApi };
  WecomConnection: { create(state: ConsoleState, on: ConnectionHooks): WecomConnectionApi };
  WecomConversations: { create(state: ConsoleState, deps: { send: WecomConsoleApi['send']; render: () => void; receivedUpTo: (seq: number) => void }): WecomConversationsApi };
  WecomView: { create(state: ConsoleState, media: WecomMediaApi): WecomViewApi };
  /** Called with every api/summary answer of the ops view and the faq-lookup nodes of api/faq (supervisor.js). */
  WecomOpsHooks?: Array<(data: Record<string, any>, faqNodes: Array<Record<string, any>>) => void>;
  webkitAudioContext?: typeof AudioContext;
}
