// Accessibility and CSP check of the built pages (not shipped). Serves dist/
// with `vite preview`, adds the production Content-Security-Policy to every
// page, fakes the REST API and both WebSockets inside the browser, walks
// through sign-in, a paired and a live console session, and the sharer's
// code entry, consent and active stages in light and dark mode, runs
// axe-core on each and saves screenshots to /tmp/web-shots (or $SHOTS).
//
//   npm run build && node scripts/axe-check.mjs
//
// Needs the wasm bindings that scripts/build-web makes in src/wasm/.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const ROOT = new URL('..', import.meta.url);
const PORT = Number(process.env.PORT ?? 4173);
const BASE = `http://127.0.0.1:${PORT}`;
const SHOTS = process.env.SHOTS ?? '/tmp/web-shots';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const AXE = readFileSync(new URL('node_modules/axe-core/axe.min.js', ROOT), 'utf8');
const STUB = readFileSync(new URL('src/wasm/deskmate_wasm.js', ROOT), 'utf8').includes('STAND-IN');

mkdirSync(SHOTS, { recursive: true });

// ---- fake data ---------------------------------------------------------

const SESSION_ID = 'rs_01J9Z8K7MQ2XPA';
const me = {
  user: {
    id: 'u_helper', tenant_id: 't_1', email: 'sam.rivera@contoso.com', first_name: 'Sam', last_name: 'Rivera',
    job_title: 'IT support engineer', company_name: 'Contoso Ltd', picture_url: null, verified_domain: 'contoso.com',
  },
  tenant: { id: 't_1', name: 'Contoso Ltd', verified_domain: 'contoso.com' },
  permissions: ['view_screen', 'take_full_control', 'chat', 'laser_pointer', 'reports_read'],
};
const sharer = {
  id: 'u_sharer', first_name: 'Ana', last_name: 'Silva', job_title: 'Accountant', company_name: 'Contoso Ltd',
  picture_url: null, verified_domain: 'contoso.com', email: 'ana.silva@contoso.com',
};
const helperProfile = { ...me.user, picture_url: null };
const sessionView = (state) => ({
  id: SESSION_ID, state, helper: helperProfile,
  sharer: state === 'waiting' ? null : sharer,
  device: state === 'waiting' ? null : {
    name: 'ana-laptop', os: 'Ubuntu 24.04 LTS', enrolled: false, compliant: false,
    compliance_reasons: ['the device is not enrolled, so its compliance is unknown'],
  },
  permissions: state === 'waiting' ? [] : ['view_screen', 'take_full_control', 'chat', 'laser_pointer'],
  mode: null, refusal: null, refusal_message: null, chat_used: false, elevation_used: false, ended_by: null,
  code_expires_at: new Date(Date.now() + 600_000).toISOString(), created_at: new Date().toISOString(),
  started_at: null, ended_at: null,
});
const state = (mode, pending = null) => ({
  mode, pending, allowed_modes: ['view', 'control'], chat_enabled: true, pointer_enabled: true, ended: null,
});
const now = Date.now();
const chat = [
  { seq: 1, from: 'sharer', text: 'Hi Sam, Excel closes every time I open the budget file.', at: now - 120_000 },
  { seq: 2, from: 'helper', text: 'Hello Ana, let me have a look. Please allow the request.', at: now - 90_000 },
  { seq: 3, from: 'sharer', text: 'مرحبا، شكرا لك 👍', at: now - 60_000 },
];

/** A fake desktop as solid rectangles [x, y, w, h, [r, g, b]], drawn in order. */
function desktopRects(W, H) {
  const rects = [];
  for (let y = 0; y < H; y += 20) rects.push([0, y, W, Math.min(20, H - y), [30 + (y * 40) / H, 80 + (y * 50) / H, 120 + (y * 60) / H].map(Math.round)]);
  rects.push([0, 0, W, 28, [32, 34, 38]], [160, 110, 720, 460, [250, 250, 250]], [160, 110, 720, 34, [225, 228, 232]]);
  for (let row = 0; row < 12; row++) {
    rects.push([190, 170 + row * 30, 660, 1, [200, 204, 210]]);
    rects.push([190 + (row % 3) * 30, 178 + row * 30, 180 + ((row * 97) % 300), 10, [90, 100, 115]]);
  }
  rects.push([640, 360, 560, 330, [24, 26, 30]], [640, 360, 560, 30, [50, 54, 60]]);
  for (let row = 0; row < 8; row++) rects.push([660, 405 + row * 30, 120 + ((row * 131) % 380), 10, [90, 210, 120]]);
  return rects;
}

/**
 * A keyframe of the fake desktop as a whole screen frame (channel byte
 * included): in the codec's wire format (deskmate-codec wire.rs, solid
 * rectangles only) for the real bindings, in the stand-in's toy format else.
 */
function desktop(seq, W = 1280, H = 800) {
  const rects = desktopRects(W, H);
  if (!STUB) {
    const head = Buffer.alloc(12);
    head[0] = 1; // version
    head[1] = 1; // keyframe
    head.writeUInt32LE(seq, 2);
    head.writeUInt16LE(W, 6);
    head.writeUInt16LE(H, 8);
    head.writeUInt16LE(rects.length, 10);
    const body = rects.map(([x, y, w, h, rgb]) => {
      const r = Buffer.alloc(16);
      [x, y, w, h].forEach((v, i) => r.writeUInt16LE(v, i * 2));
      r[8] = 0; // solid
      r.writeUInt32LE(3, 9);
      r[13] = rgb[0]; r[14] = rgb[1]; r[15] = rgb[2];
      return r;
    });
    return Buffer.concat([Buffer.from([1]), head, ...body]);
  }
  const rgba = Buffer.alloc(W * H * 4);
  for (const [x0, y0, w, h, [r, g, b]] of rects) {
    for (let y = y0; y < Math.min(H, y0 + h); y++) {
      for (let x = x0; x < Math.min(W, x0 + w); x++) {
        const i = (y * W + x) * 4;
        rgba[i] = r; rgba[i + 1] = g; rgba[i + 2] = b; rgba[i + 3] = 255;
      }
    }
  }
  const head = Buffer.alloc(16);
  head.writeUInt32LE(seq, 0);
  for (const [i, v] of [W, H, 0, 0, W, H].entries()) head.writeUInt16LE(v, 4 + i * 2);
  return Buffer.concat([Buffer.from([1]), head, rgba]);
}

/** An arrow cursor: shape then position (channel 4 payloads). */
function cursorFrames(x, y) {
  const w = 12;
  const h = 19;
  const shape = Buffer.alloc(1 + 8 + w * h * 4);
  shape[0] = 1;
  [w, h, 0, 0].forEach((v, i) => shape.writeUInt16LE(v, 1 + i * 2));
  for (let py = 0; py < h; py++) {
    for (let px = 0; px < w; px++) {
      const inside = px <= py * 0.62 && py < 17 - Math.max(0, px - 6);
      const edge = inside && (px === 0 || px >= py * 0.62 - 1 || py >= 16 - Math.max(0, px - 6));
      const argb = !inside ? 0 : edge ? 0xff000000 : 0xffffffff;
      shape.writeUInt32LE(argb >>> 0, 9 + (py * w + px) * 4);
    }
  }
  const position = Buffer.alloc(9);
  position[0] = 0;
  position.writeInt32LE(x, 1);
  position.writeInt32LE(y, 5);
  return [Buffer.concat([Buffer.from([4]), shape]), Buffer.concat([Buffer.from([4]), position])];
}

// ---- harness -----------------------------------------------------------

const problems = [];
const results = [];

function serve() {
  const vite = new URL('node_modules/vite/bin/vite.js', ROOT).pathname;
  const child = spawn(process.execPath, [vite, 'preview', '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('vite preview did not start')), 20_000);
    child.stdout.on('data', (d) => {
      if (String(d).includes(String(PORT))) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`vite preview exited with ${code}`)));
  });
}

async function check(page, name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  await page.evaluate(AXE);
  const outcome = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')} :: ${n.failureSummary?.split('\n').slice(1).join(' ')}`),
    }));
  });
  results.push({ name, violations: outcome.length });
  for (const v of outcome) problems.push(`${name}: [${v.impact}] ${v.id} — ${v.help}\n    ${v.nodes.join('\n    ')}`);
  console.log(`${outcome.length ? '✗' : '✓'} ${name}: ${outcome.length} axe violations`);
}

async function newPage(browser, scheme, api, sockets) {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.startsWith('/api/v1/')) return api(route, url);
    const response = await route.fetch();
    const headers = { ...response.headers(), 'content-security-policy': CSP };
    return route.fulfill({ response, headers });
  });
  for (const [pattern, handler] of sockets) await context.routeWebSocket(pattern, handler);
  const page = await context.newPage();
  page.on('console', (m) => {
    // The fake API answers 401 on purpose (not signed in, second factor needed).
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`${scheme} console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${scheme} page error: ${e.message}`));
  return { context, page };
}

const json = (route, status, body) =>
  route.fulfill({
    status,
    contentType: status >= 400 ? 'application/problem+json' : 'application/json',
    body: JSON.stringify(body),
  });

// ---- scenarios -----------------------------------------------------------

async function consoleScenario(browser, scheme) {
  let signedIn = false;
  let record = 'waiting';
  const { context, page } = await newPage(browser, scheme, (route, url) => {
    const p = url.pathname;
    const method = route.request().method();
    if (p === '/api/v1/me') return signedIn ? json(route, 200, me) : json(route, 401, { type: 'urn:deskmate:problem:unauthorized', title: 'Sign-in required', status: 401, detail: 'sign in first' });
    if (p === '/api/v1/auth/login') {
      const body = JSON.parse(route.request().postData() ?? '{}');
      if (!body.totp_code) return json(route, 401, { type: 'urn:deskmate:problem:totp-required', title: 'A second factor is required', status: 401, detail: 'enter the 6-digit code from your authenticator app' });
      signedIn = true;
      return json(route, 200, { me, expires_in: 3600, csrf_token: 'csrf123' });
    }
    if (p === '/api/v1/remote-help/codes' && method === 'POST') {
      if (route.request().headers()['x-csrf-token'] !== 'csrf123') problems.push('POST /codes without the CSRF token');
      return json(route, 201, { session_id: SESSION_ID, code: 'K7MQ-2XPA', expires_at: new Date(Date.now() + 600_000).toISOString(), expires_in: 600 });
    }
    if (p === '/api/v1/remote-help/sessions') return json(route, 200, []);
    if (p === `/api/v1/remote-help/sessions/${SESSION_ID}`) return json(route, 200, sessionView(record));
    return json(route, 404, { type: 'urn:deskmate:problem:not-found', title: 'Not found', status: 404, detail: 'nothing here' });
  }, [[/\/remote-help\/sessions\/.*\/connect$/, (ws) => {
    ws.onMessage((text) => {
      const m = JSON.parse(String(text));
      if (m.type === 'hello') {
        if (m.protocol !== 1 || !('last_chat_seq' in m)) problems.push(`bad hello ${text}`);
        ws.send(JSON.stringify({ type: 'welcome', protocol: 1, role: 'helper', state: state(null), peer_online: true, chat }));
      } else if (m.type === 'request_mode') {
        ws.send(JSON.stringify({ type: 'state', state: state(null, m.mode) }));
        setTimeout(() => {
          ws.send(JSON.stringify({ type: 'consent_result', mode: m.mode, allowed: true }));
          ws.send(JSON.stringify({ type: 'state', state: state(m.mode) }));
          ws.send(JSON.stringify({ type: 'monitors', monitors: [
            { index: 0, name: 'eDP-1', x: 0, y: 0, width: 1280, height: 800, primary: true },
            { index: 1, name: 'HDMI-1', x: 1280, y: 0, width: 1920, height: 1080, primary: false },
          ] }));
          ws.send(desktop(1));
          for (const f of cursorFrames(520, 300)) ws.send(f);
        }, 300);
      } else if (m.type === 'chat') {
        ws.send(JSON.stringify({ type: 'chat', message: { seq: 4, from: 'helper', text: m.text, at: Date.now() } }));
      } else if (m.type === 'screen_ack') {
        if (m.seq !== 1) problems.push(`screen_ack for ${m.seq}, expected 1`);
        ws.acked = m.seq;
      }
    });
  }]]);

  await page.goto(`${BASE}/`);
  await page.waitForSelector('#email:focus');
  await check(page, `${scheme}-sign-in`);
  await page.fill('#email', 'sam.rivera@contoso.com');
  await page.fill('#password', 'correct horse battery');
  await page.click('#sign-in');
  await page.waitForSelector('#totp:focus');
  await check(page, `${scheme}-sign-in-totp`);
  await page.fill('#totp', '123456');
  await page.click('#sign-in');
  await page.waitForSelector('#get-code:focus');
  await check(page, `${scheme}-console-empty`);
  await page.click('#get-code');
  await page.waitForSelector('.code-value');
  const code = await page.textContent('.code-value');
  if (code !== 'K7MQ-2XPA') problems.push(`code shown as ${code}`);
  await check(page, `${scheme}-console-code`);
  record = 'paired';
  await page.waitForSelector('.mode-control:not([disabled])');
  await page.waitForSelector('.compliance-warning');
  await check(page, `${scheme}-console-paired`);
  await page.click('.mode-control');
  await page.waitForSelector('.screen');
  await page.fill('.chat-input', 'I can see the screen now. Opening Excel.');
  await page.press('.chat-input', 'Enter');
  await page.waitForSelector('.chat-message[data-seq="4"]');
  await page.waitForFunction(() => (window.deskmateStats?.().updates ?? 0) > 0, null, { timeout: 5000 }).catch(() => undefined);
  const stats = await page.evaluate(() => window.deskmateStats?.());
  console.log(`  deskmateStats: ${JSON.stringify({ ...stats, decodeDrawMs: stats.decodeDrawMs.map((v) => +v.toFixed(2)) })}`);
  if (!(stats.updates >= 1 && stats.firstFullFrameAt !== null && stats.consentAt !== null)) {
    problems.push(`stats after the first frame: ${JSON.stringify(stats)}`);
  }
  await check(page, `${scheme}-console-live`);
  await page.click('.special-keys');
  await check(page, `${scheme}-console-keys-menu`);
  await page.keyboard.press('Escape');
  await context.close();
}

async function sharerScenario(browser, scheme) {
  let ui = null;
  const sent = [];
  const { context, page } = await newPage(browser, scheme, (route) => json(route, 404, {}), [[/\/ui\?key=/, (ws) => {
    ui = ws;
    ws.send(JSON.stringify({ type: 'hello', me: { first_name: 'Ana', last_name: 'Silva', email: 'ana.silva@contoso.com' } }));
    ws.send(JSON.stringify({ type: 'stage', stage: 'enter_code' }));
    ws.onMessage((text) => {
      const m = JSON.parse(String(text));
      sent.push(m);
      if (m.type === 'redeem') {
        ws.send(JSON.stringify({ type: 'stage', stage: 'redeeming' }));
        setTimeout(() => {
          ws.send(JSON.stringify({ type: 'paired', helper: { first_name: 'Sam', last_name: 'Rivera', job_title: 'IT support engineer', company_name: 'Contoso Ltd', email: 'sam.rivera@contoso.com', verified_domain: 'contoso.com' } }));
          ws.send(JSON.stringify({ type: 'stage', stage: 'waiting' }));
          ws.send(JSON.stringify({ type: 'state', mode: null, chat_enabled: true, peer_online: true }));
          for (const message of chat) ws.send(JSON.stringify({ type: 'chat', message }));
        }, 200);
      } else if (m.type === 'consent' && m.allow) {
        ws.send(JSON.stringify({ type: 'state', mode: m.mode, chat_enabled: true, peer_online: true }));
        ws.send(JSON.stringify({ type: 'stage', stage: 'active' }));
      } else if (m.type === 'leave') {
        ws.send(JSON.stringify({ type: 'ended', by: 'sharer', reason: 'the sharer left' }));
        ws.send(JSON.stringify({ type: 'stage', stage: 'ended' }));
      }
    });
  }]]);
  await page.goto(`${BASE}/share.html#key=test-key-123`);
  await page.waitForSelector('#code:focus');
  if (new URL(page.url()).hash) problems.push('the key stayed in the address bar');
  await check(page, `${scheme}-share-code`);
  await page.fill('#code', 'hello');
  await page.click('#code-submit');
  await page.waitForSelector('.code-error:not(:empty)');
  await check(page, `${scheme}-share-code-invalid`);
  await page.fill('#code', 'k7mq 2xpa');
  await page.click('#code-submit');
  await page.waitForSelector('.helper-card');
  if (!sent.some((m) => m.type === 'redeem' && m.code === 'K7MQ2XPA')) problems.push(`redeem not normalised: ${JSON.stringify(sent)}`);
  await check(page, `${scheme}-share-waiting`);
  ui.send(JSON.stringify({ type: 'consent_requested', mode: 'control' }));
  await page.waitForSelector('#consent-allow');
  await page.waitForFunction(() => document.activeElement?.id === 'consent-title');
  await check(page, `${scheme}-share-consent`);
  await page.click('#consent-allow');
  await page.waitForSelector('#stage-active:not([hidden])');
  await check(page, `${scheme}-share-active`);
  await page.click('#leave');
  await page.waitForSelector('#stage-ended:not([hidden])');
  await check(page, `${scheme}-share-ended`);
  await context.close();
}

const server = await serve();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (const scheme of ['light', 'dark']) {
    await consoleScenario(browser, scheme);
    await sharerScenario(browser, scheme);
  }
} catch (error) {
  problems.push(`scenario failed: ${error.stack ?? error}`);
} finally {
  await browser.close();
  server.kill();
}
console.log(`\n${results.length} pages checked, ${results.reduce((n, r) => n + r.violations, 0)} axe violations; screenshots in ${SHOTS}`);
if (problems.length) {
  console.log(`\nProblems:\n${problems.join('\n')}`);
  process.exit(1);
}
