/**
 * `npm start`: Node-RED 4 embedded, with this package's nodes loaded from the working tree and the example
 * flow deployed on first start. Configuration comes from the WECOM_* environment variables; without
 * WECOM_CORP_ID it runs in SANDBOX MODE: a loopback WeCom simulator with generated credentials stands in
 * for WeCom, and a WeChat-user simulator page is served under /sandbox/ (the agent console is the packaged one, served by ws-bridge at /wecom/console/).
 *
 * `startSandbox()` runs the same set-up in-process for tests. Node-RED itself can be started only once per
 * process (see node-red's RED.stop), so a second call in the same process is rejected.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startSimulator, type Simulator } from './simulator';
import { startAiSimulator, SIMULATOR_MODEL, type AiSimulator } from './ai-simulator';
import { staticType } from '../nodes/lib/ops/static-files';

/** An express app called as a handler, with what to do when no route answers. */
type AppHandler = (q: http.IncomingMessage, s: http.ServerResponse, next: () => void) => void;

/** The small part of node-red's embedding API used here. */
interface NodeRedApp {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  events: { once(event: string, cb: () => void): void };
  httpAdmin: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;
  httpNode: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;
}

export interface SandboxOptions {
  /** HTTP port; 0 picks a free one. Default: $PORT or 3416. */
  port?: number;
  /** Bind address. Default: $HOST or 127.0.0.1. */
  host?: string;
  /** Node-RED user dir. Default: <repo>/.userdir */
  userDir?: string;
  /** Only warnings and errors from Node-RED, and no banner. */
  quiet?: boolean;
  /** Request / header time limits of the HTTP server (ms): slow clients get 408. Default 30 000 / 10 000. */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Write Node-RED's log (info and above) to this file instead of the console (tests keep mocha's output clean). */
  logFile?: string;
  /** Environment to read WECOM_* from; default process.env (sandbox mode writes the generated values into it). */
  env?: NodeJS.ProcessEnv;
}

export interface Sandbox {
  /** Base URL of the editor, e.g. http://127.0.0.1:3416/ */
  url: string;
  /** WeChat-user simulator page (sandbox mode) */
  userPageUrl: string;
  /** True when running against the loopback simulator (no WECOM_CORP_ID) */
  sandboxMode: boolean;
  /** The WeCom simulator (sandbox mode), or null */
  simulator: Simulator | null;
  /** The AI simulator (sandbox mode without WECOM_AI_BASE_URL; not a model), or null */
  aiSimulator: AiSimulator | null;
  /** Token agents use on /wecom/ws (WECOM_AGENT_WS_TOKEN) */
  agentToken: string;
  /** The packaged agent console served by ws-bridge (token and agent id in its #fragment in sandbox mode) */
  consoleUrl: string;
  /** The ops view served by ws-bridge, and its password (WECOM_OPS_PASSWORD; generated in sandbox mode) */
  opsUrl: string;
  opsPassword: string;
  /** The deployed flow file, and whether the example flow was deployed on this start */
  flowFile: string;
  exampleDeployed: boolean;
  userDir: string;
  stop(): Promise<void>;
}

export const PACKAGE_NAME = 'node-red-contrib-wecom';
export const EXAMPLE_FLOW = 'wecom-customer-service.json';
export const DEFAULT_PORT = 3416;
export const CALLBACK_PATH = '/wecom/callback';
export const AGENT_WS_PATH = '/wecom/ws';

/** Repo root: dist/sandbox/start.js → ../.. */
const ROOT = path.resolve(__dirname, '..', '..');
const PUBLIC_DIR = path.join(__dirname, 'public');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** n random letters/digits (unbiased). */
export function randomAlnum(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of crypto.randomBytes(n * 2)) {
      if (b < 248 && out.length < n) out += ALNUM[b % 62];
    }
  }
  return out;
}

export interface SandboxCredentials {
  corpId: string;
  agentId: string;
  agentSecret: string;
  kfSecret: string;
  token: string;
  encodingAESKey: string;
  agentWsToken: string;
  openKfIds: string[];
}

export function generateCredentials(): SandboxCredentials {
  return {
    corpId: `wwsandbox${randomAlnum(8).toLowerCase()}`,
    agentId: '1000002',
    agentSecret: randomAlnum(43),
    kfSecret: randomAlnum(43),
    token: randomAlnum(32),
    encodingAESKey: randomAlnum(43),
    agentWsToken: randomAlnum(32),
    openKfIds: ['wkSandboxKf01'],
  };
}

function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
}

/** Generated sandbox credentials are kept in the user dir so URLs and tokens survive a restart. */
function sandboxCredentials(userDir: string): SandboxCredentials {
  const file = path.join(userDir, 'sandbox-credentials.json');
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxCredentials;
    if (saved && /^[A-Za-z0-9]{43}$/.test(saved.encodingAESKey) && saved.agentWsToken) return saved;
  } catch {
    /* none yet */
  }
  const fresh = generateCredentials();
  writePrivate(file, JSON.stringify(fresh, null, 2));
  return fresh;
}

function credentialSecret(userDir: string, env: NodeJS.ProcessEnv): string {
  if (env.NODE_RED_CREDENTIAL_SECRET) return env.NODE_RED_CREDENTIAL_SECRET;
  const file = path.join(userDir, '.credential-secret');
  try {
    const s = fs.readFileSync(file, 'utf8').trim();
    if (s) return s;
  } catch {
    /* none yet */
  }
  const s = crypto.randomBytes(32).toString('hex');
  writePrivate(file, s);
  return s;
}

/**
 * Prepare the user dir: package.json listing this package, node_modules/<package> → the repo root, and the
 * example flow as the flow file when there is none yet. Returns whether the example was deployed.
 */
export function prepareUserDir(userDir: string, root = ROOT): { flowFile: string; exampleDeployed: boolean; exampleMissing: boolean } {
  fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  const pkgFile = path.join(userDir, 'package.json');
  let pkg: { name?: string; dependencies?: Record<string, string> } = {};
  try {
    pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  } catch {
    pkg = { name: 'node-red-wecom-sandbox' };
  }
  pkg.dependencies = Object.assign({}, pkg.dependencies, { [PACKAGE_NAME]: `file:${root}` });
  fs.writeFileSync(pkgFile, JSON.stringify(Object.assign({ description: 'Node-RED user dir of the node-red-contrib-wecom sandbox', private: true }, pkg), null, 2));

  // Only ever replace our own symlink; a real directory there (someone installed a copy) is left alone.
  const link = path.join(userDir, 'node_modules', PACKAGE_NAME);
  let stat: fs.Stats | null = null;
  try {
    stat = fs.lstatSync(link);
  } catch {
    stat = null;
  }
  if (stat === null) fs.symlinkSync(root, link, 'dir');
  else if (stat.isSymbolicLink() && fs.readlinkSync(link) !== root) {
    fs.unlinkSync(link);
    fs.symlinkSync(root, link, 'dir');
  }

  const flowFile = path.join(userDir, 'flows.json');
  const example = path.join(root, 'examples', EXAMPLE_FLOW);
  const exampleMissing = !fs.existsSync(example);
  let exampleDeployed = false;
  if (!fs.existsSync(flowFile)) {
    fs.writeFileSync(flowFile, exampleMissing ? '[]' : fs.readFileSync(example, 'utf8'));
    exampleDeployed = !exampleMissing;
  }
  // the example documents ai-answer reads (its documents folder, kb-docs, is relative to the user dir)
  const docs = path.join(root, 'examples', 'kb-docs');
  if (fs.existsSync(docs) && !fs.existsSync(path.join(userDir, 'kb-docs'))) fs.cpSync(docs, path.join(userDir, 'kb-docs'), { recursive: true });
  return { flowFile, exampleDeployed, exampleMissing };
}

/** Serve a file from sandbox/public (no directory listing, no path escapes). */
function serveStatic(urlPath: string, res: http.ServerResponse): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return false; // malformed %-escape: a 404, never a crash
  }
  const rel = decoded.replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(PUBLIC_DIR, rel);
  if (!file.startsWith(PUBLIC_DIR + path.sep)) return false;
  let body: Buffer;
  try {
    body = fs.readFileSync(file);
  } catch {
    return false;
  }
  res.writeHead(200, { 'content-type': staticType(file) ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  res.end(body);
  return true;
}

/** Pipe /sandbox/sim/<x> to the simulator's /_sim/<x> (streams, so SSE works). */
function proxyToSimulator(simUrl: string, rest: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const target = new URL(`/_sim/${rest}`, simUrl);
  const headers = { ...req.headers, host: target.host };
  delete headers.cookie;
  delete headers.authorization;
  const up = http.request(target, { method: req.method, headers }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'simulator unreachable' }));
  });
  res.on('close', () => up.destroy());
  req.pipe(up);
}

let started = false;

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  if (started) throw new Error('Node-RED can be started only once per process; stop() does not allow a restart');
  started = true;
  const env = opts.env ?? process.env;
  const quiet = opts.quiet === true;
  const userDir = path.resolve(opts.userDir ?? path.join(ROOT, '.userdir'));
  const host = opts.host ?? env.HOST ?? '127.0.0.1';
  const port = opts.port ?? (env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : DEFAULT_PORT);
  // Everything this process writes (flows, credentials, the transcript of the file nodes, events, state) is
  // private to its user, whatever umask it was started with: new folders 0700, files 0600.
  process.umask(0o077);
  fs.mkdirSync(userDir, { recursive: true, mode: 0o700 });

  const prepared = prepareUserDir(userDir);
  const sandboxMode = !env.WECOM_CORP_ID;
  const assign = (name: string, value: string) => {
    env[name] = value;
  };

  let simulator: Simulator | null = null;
  let aiSimulator: AiSimulator | null = null;
  let creds: SandboxCredentials | null = null;
  let simulatorProblem: string | null = null;
  let generatedTokenFile: string | null = null;
  if (sandboxMode) {
    creds = sandboxCredentials(userDir);
    try {
      simulator = await startSimulator({
        port: 0,
        corpId: creds.corpId,
        agentId: creds.agentId,
        agentSecret: creds.agentSecret,
        kfSecret: creds.kfSecret,
        token: creds.token,
        encodingAESKey: creds.encodingAESKey,
        openKfIds: creds.openKfIds,
      });
    } catch (err) {
      simulatorProblem = (err as Error).message;
    }
    assign('WECOM_CORP_ID', creds.corpId);
    assign('WECOM_AGENT_ID', creds.agentId);
    assign('WECOM_AGENT_SECRET', creds.agentSecret);
    assign('WECOM_KF_SECRET', creds.kfSecret);
    assign('WECOM_TOKEN', creds.token);
    assign('WECOM_ENCODING_AES_KEY', creds.encodingAESKey);
    if (simulator) assign('WECOM_API_BASE', simulator.url.replace(/\/+$/, ''));
    assign('WECOM_AGENT_WS_TOKEN', creds.agentWsToken);
    // the AI path of the bundled flow, shown without a real model: a loopback AI SIMULATOR (not a model)
    if (!env.WECOM_AI_BASE_URL) {
      aiSimulator = await startAiSimulator().catch(() => null);
      if (aiSimulator) {
        assign('WECOM_AI_BASE_URL', aiSimulator.url);
        assign('WECOM_AI_MODEL', SIMULATOR_MODEL);
        assign('WECOM_AI_PROVIDER', 'openai');
      }
    }
  } else if (!env.WECOM_AGENT_WS_TOKEN) {
    // Agents must authenticate; generate a token (kept in the user dir) rather than leave the bridge open.
    const file = path.join(userDir, '.agent-ws-token');
    generatedTokenFile = file;
    let tok = '';
    try {
      tok = fs.readFileSync(file, 'utf8').trim();
    } catch {
      tok = randomAlnum(32);
      writePrivate(file, tok);
    }
    assign('WECOM_AGENT_WS_TOKEN', tok);
  }
  const agentToken = env.WECOM_AGENT_WS_TOKEN as string;
  if (sandboxMode && !env.WECOM_OPS_PASSWORD) assign('WECOM_OPS_PASSWORD', randomAlnum(16));
  const opsPassword = env.WECOM_OPS_PASSWORD ?? '';

  // node-red is required lazily so that importing this module (e.g. for its helpers) does not load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as NodeRedApp;
  // Who may use the editor and admin API: in sandbox mode pages of this machine; with real credentials only a
  // logged-in admin (NODE_RED_ADMIN_PASSWORD, else a generated password printed once).
  const adminAccess = editorAccess(sandboxMode, env, userDir, host);
  let app: AppHandler | null = null;
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(opts.headersTimeoutMs ?? 10_000, requestTimeout);
  const server = http.createServer({ requestTimeout, headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) }, (req, res) => {
    const url = req.url ?? '/';
    const notFound = () => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found');
    };
    if (url === '/sandbox' || url.startsWith('/sandbox/')) {
      const pathname = url.split('?')[0].slice('/sandbox'.length);
      if (pathname.startsWith('/sim/')) {
        if (!simulator) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: simulatorProblem ?? 'not in sandbox mode' }));
        } else proxyToSimulator(simulator.url, url.slice('/sandbox/sim/'.length), req, res);
        return;
      }
      if (pathname === '/config.json') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(
          JSON.stringify({
            sandboxMode,
            simulator: !!simulator,
            aiSimulator: !!aiSimulator,
            agentWsPath: AGENT_WS_PATH,
            corpId: sandboxMode && creds ? creds.corpId : undefined,
            agentId: sandboxMode && creds ? creds.agentId : undefined,
            openKfIds: sandboxMode && creds ? creds.openKfIds : [],
          })
        );
        return;
      }
      if (pathname === '' || pathname === '/') {
        res.writeHead(302, { location: '/sandbox/user.html' });
        res.end();
        return;
      }
      if (!serveStatic(pathname, res)) notFound();
      return;
    }
    if (app) app(req, res, notFound);
    else notFound();
  });

  const settings: Record<string, unknown> = {
    userDir,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: credentialSecret(userDir, env),
    // relative file names of file nodes (the example flow's transcript) land in the user dir, not the cwd
    fileWorkingDirectory: userDir,
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    uiHost: host,
    uiPort: port,
    contextStorage: { default: 'file', file: { module: 'localfilesystem' }, memory: { module: 'memory' } },
    logging: opts.logFile ? fileLogging(opts.logFile) : { console: { level: quiet ? 'warn' : 'info', metrics: false, audit: false } },
    editorTheme: {
      page: { title: 'node-red-contrib-wecom' },
      header: { title: sandboxMode ? 'node-red-contrib-wecom · sandbox' : 'node-red-contrib-wecom' },
      tours: false,
      projects: { enabled: false },
    },
    // no phone-home from a local sandbox, and no consent dialog over the editor
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
  };
  if (adminAccess.adminAuth) settings.adminAuth = adminAccess.adminAuth;
  RED.init(server, settings);
  // One root app, as node-red's own launcher builds it: the editor/admin API (for whom it is allowed), then the
  // flows' routes. Routes that read raw bodies (wecom-in) put their reader first on it (shared/http-routes.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express') as () => AppHandler & { use(fn: unknown): void };
  const root = express();
  root.use((req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => (adminAccess.allows(req) ? RED.httpAdmin(req, res, next) : next()));
  root.use(RED.httpNode);
  app = root;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const base = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actualPort}`;
  if (simulator) simulator.setCallbackUrl(`http://127.0.0.1:${actualPort}${CALLBACK_PATH}`);

  // RED.start() resolves before the flows run; wait for them so routes and the agent WebSocket are live.
  const flowsStarted = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  try {
    await RED.start();
    await Promise.race([flowsStarted, new Promise((resolve) => setTimeout(resolve, 30000).unref())]);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (simulator) await simulator.stop();
    if (aiSimulator) await aiSimulator.stop();
    throw err;
  }

  const sandbox: Sandbox = {
    url: `${base}/`,
    userPageUrl: `${base}/sandbox/user.html`,
    sandboxMode,
    simulator,
    aiSimulator,
    agentToken,
    consoleUrl: `${base}/wecom/console/${sandboxMode ? `#token=${encodeURIComponent(agentToken)}&agent=sandbox-agent` : ''}`,
    opsUrl: `${base}/wecom/ops/`,
    opsPassword,
    flowFile: prepared.flowFile,
    exampleDeployed: prepared.exampleDeployed,
    userDir,
    stop: once(async () => {
      await RED.stop().catch(() => undefined);
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (simulator) await simulator.stop().catch(() => undefined);
      if (aiSimulator) await aiSimulator.stop().catch(() => undefined);
      // The WECOM_* variables set for sandbox mode stay set: a flow restart still in flight may read them.
    }),
  };

  if (!quiet) {
    const lines = [
      '',
      sandboxMode ? '  node-red-contrib-wecom — SANDBOX MODE (no WECOM_CORP_ID: WeCom is simulated on loopback)' : '  node-red-contrib-wecom',
      '',
      `  Node-RED editor      ${sandbox.url}`,
    ];
    if (sandboxMode) {
      lines.push(`  WeChat user page     ${sandbox.userPageUrl}   (微信用户模拟器)`);
      lines.push(`  Agent console        ${sandbox.consoleUrl}   (坐席工作台)`);
      lines.push(`  Ops view             ${sandbox.opsUrl}   (运营视图; any user name, password ${opsPassword})`);
      if (aiSimulator) lines.push(`  AI SIMULATOR         ${aiSimulator.url.replace(/\/v1$/, '/')}   (AI 模拟器 — not a language model: answers from the retrieved material by a simple rule; set WECOM_AI_* for a real one)`);
      if (!simulator) lines.push('', `  ! WeCom simulator not available: ${simulatorProblem}`);
    } else {
      lines.push(`  WeCom callback URL   ${base}${CALLBACK_PATH}  (expose it over HTTPS and enter it in the WeCom admin console)`);
      lines.push(`  Agent WebSocket      ${base.replace(/^http/, 'ws')}${AGENT_WS_PATH}  (Authorization: Bearer $WECOM_AGENT_WS_TOKEN)`);
      lines.push(`  Agent console        ${sandbox.consoleUrl}`);
      lines.push(`  Ops view             ${sandbox.opsUrl}  (password: $WECOM_OPS_PASSWORD)`);
      lines.push(`  Editor access        ${adminAccess.note}`);
      lines.push(generatedTokenFile ? `  Agent token          generated, saved in ${generatedTokenFile} (set WECOM_AGENT_WS_TOKEN to choose one)` : '  Agent token          $WECOM_AGENT_WS_TOKEN');
    }
    if (adminAccess.generatedPassword) {
      lines.push('', `  Editor password      ${adminAccess.generatedPassword}   (user ${env.NODE_RED_ADMIN_USER || 'admin'}; shown only now, stored as a hash in ${path.join(userDir, ADMIN_HASH_FILE)})`);
    }
    if (prepared.exampleMissing) lines.push('', `  ! examples/${EXAMPLE_FLOW} not found: started with an empty flow`);
    else if (prepared.exampleDeployed) lines.push('', `  Deployed examples/${EXAMPLE_FLOW} into ${path.relative(process.cwd(), prepared.flowFile) || prepared.flowFile}`);
    lines.push('');
    console.log(lines.join('\n'));
  } else if (adminAccess.generatedPassword) {
    // quiet start (no banner): the generated password is still shown, once, or nobody could ever log in
    console.log(`Editor password (user ${env.NODE_RED_ADMIN_USER || 'admin'}, shown only now): ${adminAccess.generatedPassword}`);
  }
  return sandbox;
}

/** Where `npm start` keeps the bcrypt hash of the admin password it generated (real credentials, no NODE_RED_ADMIN_PASSWORD). */
export const ADMIN_HASH_FILE = '.admin-password-hash';

export interface EditorAccess {
  /** Whether the editor / admin API may answer this request at all (a login is still asked when adminAuth is set). */
  allows(req: http.IncomingMessage): boolean;
  adminAuth?: Record<string, unknown>;
  note: string;
  /** The admin password generated on this start (printed once, never stored in clear), else undefined. */
  generatedPassword?: string;
}

const LOCAL_HOST_NAMES = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * Sandbox only (simulated WeCom, no login): a page elsewhere must not drive the editor through the browser of
 * whoever runs it. A request is served when its Host names this machine (no DNS rebinding) and, when it carries an
 * Origin, that Origin is this machine too (no cross-site POST /flows). Real credentials never rely on this: they
 * always need a login.
 */
function sameMachineRequest(listenHost: string | undefined): (req: http.IncomingMessage) => boolean {
  const bare = (h: string) => h.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  const ours = (h: string) => LOCAL_HOST_NAMES.test(h) || (!!listenHost && bare(h) === bare(listenHost));
  return (req) => {
    if (!ours(req.headers.host ?? '')) return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      return ours(new URL(origin).host);
    } catch {
      return false;
    }
  };
}

function credentialsAuth(username: string, hash: string): Record<string, unknown> {
  return { type: 'credentials', users: [{ username, password: hash, permissions: '*' }] };
}

/** The stored hash of the generated admin password, or a new password and its hash (written 0600). */
function generatedAdminHash(userDir: string): { hash: string; password?: string; file: string } {
  const file = path.join(userDir, ADMIN_HASH_FILE);
  try {
    const hash = fs.readFileSync(file, 'utf8').trim();
    if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return { hash, file };
  } catch {
    /* none yet */
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bcrypt = require('bcryptjs') as { hashSync(p: string, rounds: number): string };
  const password = randomAlnum(24);
  const hash = bcrypt.hashSync(password, 10);
  writePrivate(file, `${hash}\n`);
  return { hash, password, file };
}

/**
 * Who may use the editor and admin API (which include /context, where transcripts live, and /comms).
 * Sandbox mode → no login, only requests that name this machine or the listen address (Host and Origin; it binds to
 * loopback by default).
 * Real credentials → always a login, whatever the client's address or Host: NODE_RED_ADMIN_PASSWORD (user
 * NODE_RED_ADMIN_USER or "admin"), or else a strong password generated on the first start, printed once, and kept
 * only as a bcrypt hash in <userDir>/.admin-password-hash (delete that file to get a new one).
 */
export function editorAccess(sandboxMode: boolean, env: NodeJS.ProcessEnv, userDir?: string, listenHost?: string): EditorAccess {
  if (sandboxMode) return { allows: sameMachineRequest(listenHost), note: 'open (sandbox), only to pages of this machine' };
  const username = env.NODE_RED_ADMIN_USER || 'admin';
  const password = env.NODE_RED_ADMIN_PASSWORD;
  if (password) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bcrypt = require('bcryptjs') as { hashSync(p: string, rounds: number): string };
    return {
      allows: () => true,
      adminAuth: credentialsAuth(username, bcrypt.hashSync(password, 10)),
      note: `login required (user ${username}, password from NODE_RED_ADMIN_PASSWORD)`,
    };
  }
  if (!userDir) throw new Error('editorAccess: a user dir is needed to keep the generated admin password');
  const generated = generatedAdminHash(userDir);
  return {
    allows: () => true,
    adminAuth: credentialsAuth(username, generated.hash),
    note: generated.password
      ? `login required (user ${username}, generated password printed below, only this once)`
      : `login required (user ${username}, the password generated on the first start; delete ${generated.file} for a new one, or set NODE_RED_ADMIN_PASSWORD)`,
    generatedPassword: generated.password,
  };
}

const LEVELS: Record<number, string> = { 10: 'fatal', 20: 'error', 30: 'warn', 40: 'info', 50: 'debug', 60: 'trace' };

/** Node-RED logging settings that append its log lines to `file` (a custom logger; the console logger off). */
function fileLogging(file: string): Record<string, unknown> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const handler = () => (m: { level: number; msg: unknown; type?: string; name?: string; id?: string }) => {
    const who = m.type ? `[${m.type}:${m.name || m.id || ''}] ` : '';
    const text = typeof m.msg === 'string' ? m.msg : m.msg instanceof Error ? (m.msg.stack ?? m.msg.message) : JSON.stringify(m.msg);
    fs.appendFileSync(file, `${new Date().toISOString()} [${LEVELS[m.level] ?? m.level}] ${who}${text}\n`);
  };
  return { console: { level: 'off' }, file: { level: 'info', metrics: false, audit: false, handler } };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= fn());
}

/** `node sandbox/start.js`: start, print the URLs, stop cleanly on SIGINT/SIGTERM. */
export async function main(): Promise<void> {
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    console.error(e.code === 'EADDRINUSE' ? `Port in use: set PORT to another port (${e.message})` : `Failed to start: ${e.stack ?? e.message}`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1)
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
