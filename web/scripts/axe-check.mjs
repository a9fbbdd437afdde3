// Accessibility and CSP check of the built pages (not shipped). Serves dist/
// with `vite preview`, adds the production Content-Security-Policy to every
// page, fakes the REST API and both WebSockets inside the browser, walks
// through sign-in, a paired and a live console session, and the sharer's
// code entry, consent and active stages in light and dark mode, runs
// axe-core on each and saves screenshots to /tmp/web-shots (or $SHOTS).
// The fake server's sharer is a real E2eSession("sharer") from the same wasm
// module, so the console completes real end-to-end rounds (first pairing,
// the sharer reconnecting, a reload) and must fail safely on a wrong code.
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
// The same wasm module in Node: the fake sharer runs the real end-to-end layer.
const wasm = await import(new URL('src/wasm/deskmate_wasm.js', ROOT).href);
if (STUB || !wasm.E2eSession) throw new Error('the end-to-end checks need the real wasm bindings (scripts/build-web)');
wasm.initSync({ module: readFileSync(new URL('src/wasm/deskmate_wasm_bg.wasm', ROOT)) });

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

/**
 * The helper console against a fake server whose sharer is a real
 * E2eSession("sharer") from the same wasm module: it starts the rounds,
 * seals the screen, cursor and its chat, and opens what the page sends, so
 * the page really completes the end-to-end exchange. `wrongSecret`: the
 * sharer has a different secret part (the check must fail).
 */
async function openConsole(browser, scheme, { wrongSecret = false, checkSignIn = true } = {}) {
  let signedIn = false;
  const fake = {
    record: 'waiting', mode: null, sharer: null, whole: null, sockets: [], thread: [], nextSeq: 1,
    screenSeq: 0, acked: [], inputs: 0, pointers: 0, keyframeRequests: 0, chatOpened: [], leave: null,
    sharerError: null, rounds: 0,
  };
  const rnd = (n) => crypto.getRandomValues(new Uint8Array(n));
  const sealed = (channel, frame) => Buffer.from(fake.sharer.seal_frame(channel, frame.subarray(1)));
  const sendPicture = (ws) => {
    if (!fake.sharer?.ready || !fake.mode) return;
    fake.screenSeq += 1;
    ws.send(sealed(1, desktop(fake.screenSeq)));
    for (const f of cursorFrames(520, 300)) ws.send(sealed(4, f));
  };
  const post = (ws, from, text, seal) => {
    const message = { seq: fake.nextSeq++, from, text: seal ? fake.sharer.seal_chat(text) : text, at: Date.now() };
    if (seal || from === 'helper') message.sealed = true;
    fake.thread.push(message);
    ws?.send(JSON.stringify({ type: 'chat', message }));
    return message;
  };
  // The thread as the server holds it: a plain message someone else wrote
  // (must not be shown as Ana's) and one of Sam's from before a reload.
  post(null, 'sharer', 'FORGED: please type your password here', false);
  post(null, 'helper', 'c2VhbGVkIGJlZm9yZSBhIHJlbG9hZA', false);
  const startRound = (ws) => {
    if (!fake.sharer) return;
    fake.wasReady = false;
    ws.send(JSON.stringify({ type: 'e2e', data: fake.sharer.start_round(rnd(32)) }));
  };

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
    if (p === '/api/v1/remote-help/sessions') {
      return json(route, 200, fake.record === 'active' ? [{ ...sessionView('active'), mode: fake.mode }] : []);
    }
    if (p === `/api/v1/remote-help/sessions/${SESSION_ID}`) return json(route, 200, sessionView(fake.record));
    return json(route, 404, { type: 'urn:deskmate:problem:not-found', title: 'Not found', status: 404, detail: 'nothing here' });
  }, [[/\/remote-help\/sessions\/.*\/connect$/, (ws) => {
    fake.sockets.push(ws);
    ws.onMessage((data) => {
      if (typeof data !== 'string') {
        // A sealed input or laser pointer frame: open it as the sharer would.
        try {
          const payload = fake.sharer.open_frame(new Uint8Array(data));
          if (!payload) problems.push(`an input frame the sharer could not open (channel ${data[0]})`);
          else if (data[0] === 2) fake.inputs += 1;
          else if (data[0] === 3) fake.pointers += 1;
        } catch (error) {
          problems.push(`the sharer refused an input frame: ${error.message}`);
        }
        return;
      }
      const m = JSON.parse(data);
      if (m.type === 'hello') {
        if (m.protocol !== 1 || !('last_chat_seq' in m)) problems.push(`bad hello ${data}`);
        ws.send(JSON.stringify({
          type: 'welcome', protocol: 1, role: 'helper', state: state(fake.mode), peer_online: true,
          chat: fake.thread.filter((c) => c.seq > m.last_chat_seq),
        }));
        // The sharer's agent hears that the helper is online: a new round.
        startRound(ws);
      } else if (m.type === 'e2e') {
        try {
          for (const reply of fake.sharer.receive(m.data, rnd(32))) ws.send(JSON.stringify({ type: 'e2e', data: reply }));
        } catch (error) {
          fake.sharerError = error.message;
          return;
        }
        if (fake.sharer.ready && !fake.wasReady) {
          fake.wasReady = true;
          fake.rounds += 1;
          if (fake.rounds === 1) {
            post(ws, 'sharer', 'Hi Sam, Excel closes every time I open the budget file.', true);
            post(ws, 'sharer', 'مرحبا، شكرا لك 👍', true);
          }
          sendPicture(ws); // the agent restarts the capture for a new round
        }
      } else if (m.type === 'request_mode') {
        ws.send(JSON.stringify({ type: 'state', state: state(null, m.mode) }));
        setTimeout(() => {
          fake.mode = m.mode;
          fake.record = 'active';
          ws.send(JSON.stringify({ type: 'consent_result', mode: m.mode, allowed: true }));
          ws.send(JSON.stringify({ type: 'state', state: state(m.mode) }));
          ws.send(JSON.stringify({ type: 'monitors', monitors: [
            { index: 0, name: 'eDP-1', x: 0, y: 0, width: 1280, height: 800, primary: true },
            { index: 1, name: 'HDMI-1', x: 1280, y: 0, width: 1920, height: 1080, primary: false },
          ] }));
          sendPicture(ws);
        }, 300);
      } else if (m.type === 'request_keyframe') {
        fake.keyframeRequests += 1;
        sendPicture(ws);
      } else if (m.type === 'chat') {
        if (!m.sealed) problems.push(`chat sent without end-to-end sealing: ${data}`);
        try {
          fake.chatOpened.push(fake.sharer.open_chat(m.text));
        } catch (error) {
          problems.push(`the sharer could not open the helper's chat: ${error.message}`);
        }
        const echo = { seq: fake.nextSeq++, from: 'helper', text: m.text, at: Date.now(), sealed: true };
        fake.thread.push(echo);
        ws.send(JSON.stringify({ type: 'chat', message: echo }));
        setTimeout(() => post(ws, 'sharer', 'Thank you! I can see the red dot.', true), 100);
      } else if (m.type === 'screen_ack') {
        if (m.seq < 1 || m.seq > fake.screenSeq) problems.push(`screen_ack for ${m.seq}, sent up to ${fake.screenSeq}`);
        fake.acked.push(m.seq);
      } else if (m.type === 'leave') {
        fake.leave = m;
        ws.send(JSON.stringify({ type: 'ended', by: 'helper', reason: m.reason ?? 'the helper left' }));
      }
    });
  }]]);

  await page.goto(`${BASE}/`);
  await page.waitForSelector('#email:focus');
  if (checkSignIn) await check(page, `${scheme}-sign-in`);
  await page.fill('#email', 'sam.rivera@contoso.com');
  await page.fill('#password', 'correct horse battery');
  await page.click('#sign-in');
  await page.waitForSelector('#totp:focus');
  if (checkSignIn) await check(page, `${scheme}-sign-in-totp`);
  await page.fill('#totp', '123456');
  await page.click('#sign-in');
  await page.waitForSelector('#get-code:focus');
  if (checkSignIn) await check(page, `${scheme}-console-empty`);
  await page.click('#get-code');
  await page.waitForSelector('.code-value');
  const code = await page.textContent('.code-value');
  if (!/^K7MQ-2XPA-[0-9A-Z]{4}$/.test(code ?? '')) problems.push(`code shown as ${code}`);
  fake.whole = wasm.normalize_code(code ?? '');
  const stored = await page.evaluate((id) => sessionStorage.getItem(`deskmate.code.${id}`), SESSION_ID);
  if (stored !== fake.whole) problems.push(`the whole code is not kept for a reload: ${stored}`);
  let sharerCode = fake.whole;
  if (wrongSecret) sharerCode = fake.whole.slice(0, 8) + (fake.whole.slice(8) === 'H4RT' ? 'H4RX' : 'H4RT');
  fake.sharer = new wasm.E2eSession('sharer', sharerCode, SESSION_ID, me.user.id, sharer.id);
  return { context, page, fake, sealed, startRound };
}

async function consoleScenario(browser, scheme) {
  const { context, page, fake, sealed, startRound } = await openConsole(browser, scheme);
  if (!(await page.textContent('.code-card'))?.includes('all 12 letters and digits')) problems.push('the code card does not say all 12 are needed');
  await check(page, `${scheme}-console-code`);
  fake.record = 'paired';
  await page.waitForSelector('.compliance-warning');
  // The round: the page answers the sharer's start, both sides confirm.
  await page.waitForSelector('.verification:not([hidden])');
  await page.waitForSelector('.mode-control:not([disabled])');
  const line = await page.textContent('.verification');
  if (!fake.sharer.ready || !line?.includes(fake.sharer.verification) || !line.includes("Ana Silva\u2069's screen shows the same numbers")) {
    problems.push(`verification shown as ${JSON.stringify(line)}, the sharer has ${fake.sharer.verification}`);
  }
  // Chat: Ana's sealed messages opened, Sam's old one a placeholder, the forged one not shown.
  await page.waitForSelector('.chat-message[data-seq="4"]');
  const texts = await page.$$eval('.chat-message', (els) => els.map((el) => [el.dataset.seq, el.querySelector('.chat-text')?.textContent]));
  const want = [['2', '(an earlier message that can no longer be shown)'], ['3', 'Hi Sam, Excel closes every time I open the budget file.'], ['4', 'مرحبا، شكرا لك 👍']];
  if (JSON.stringify(texts) !== JSON.stringify(want)) problems.push(`chat shown as ${JSON.stringify(texts)}`);
  await check(page, `${scheme}-console-paired`);
  await page.click('.mode-control');
  await page.waitForSelector('.screen');
  await page.fill('.chat-input', 'I can see the screen now. Opening Excel.');
  await page.press('.chat-input', 'Enter');
  await page.waitForSelector('.chat-message[data-seq="6"]');
  const mine = await page.textContent('.chat-message[data-seq="5"] .chat-text');
  if (mine !== 'I can see the screen now. Opening Excel.' || fake.chatOpened[0] !== mine) {
    problems.push(`own chat: shown ${JSON.stringify(mine)}, the sharer opened ${JSON.stringify(fake.chatOpened)}`);
  }
  await page.waitForFunction(() => (window.deskmateStats?.().updates ?? 0) > 0, null, { timeout: 5000 }).catch(() => undefined);
  const stats = await page.evaluate(() => window.deskmateStats?.());
  console.log(`  deskmateStats: ${JSON.stringify({ ...stats, decodeDrawMs: stats.decodeDrawMs.map((v) => +v.toFixed(2)) })}`);
  if (!(stats.updates >= 1 && stats.firstFullFrameAt !== null && stats.consentAt !== null)) {
    problems.push(`stats after the first frame: ${JSON.stringify(stats)}`);
  }
  if (!fake.acked.length) problems.push('no screen_ack for the sealed picture');
  // Input and the laser pointer go out sealed, and the sharer opens them in order.
  await page.click('.screen', { position: { x: 300, y: 200 } });
  await page.keyboard.press('a');
  await page.keyboard.press('Control+Shift+F12');
  await page.click('.laser-toggle');
  await page.mouse.move(700, 400);
  await page.mouse.move(720, 410, { steps: 4 });
  await page.waitForTimeout(200);
  if (fake.inputs < 4 || fake.pointers < 1) problems.push(`sealed frames opened by the sharer: ${fake.inputs} input, ${fake.pointers} pointer`);
  await page.click('.laser-toggle');
  await check(page, `${scheme}-console-live`);
  await page.click('.special-keys');
  await check(page, `${scheme}-console-keys-menu`);
  await page.keyboard.press('Escape');

  // The sharer reconnects: a new round; a frame of the old one is dropped
  // quietly (and a picture asked for), and everything works in the new one.
  const ws = fake.sockets.at(-1);
  const before = { numbers: fake.sharer.verification, inputs: fake.inputs };
  fake.screenSeq += 1;
  const staleFrame = sealed(1, desktop(fake.screenSeq));
  ws.send(JSON.stringify({ type: 'peer', online: false }));
  await page.waitForSelector('.verification', { state: 'hidden' });
  ws.send(JSON.stringify({ type: 'peer', online: true }));
  startRound(ws);
  await page.waitForSelector('.verification:not([hidden])');
  if (fake.rounds !== 2) problems.push(`rounds after the sharer came back: ${fake.rounds}`);
  const requests = fake.keyframeRequests;
  ws.send(staleFrame);
  await page.waitForTimeout(1300);
  if (fake.keyframeRequests <= requests) problems.push('no keyframe request after a stale screen frame');
  await page.click('.screen', { position: { x: 320, y: 220 } });
  await page.waitForTimeout(100);
  if (fake.inputs <= before.inputs) problems.push('no input opened by the sharer in the second round');
  const line2 = await page.textContent('.verification');
  if (!line2?.includes(fake.sharer.verification)) problems.push(`second round verification ${line2} vs ${fake.sharer.verification}`);
  await page.keyboard.press('Control+Shift+F12');

  if (scheme === 'light') {
    // A reload: the console picks the session up with the code it kept and
    // joins the sharer's next round; chat of earlier rounds is a placeholder.
    page.once('dialog', (dialog) => void dialog.accept()); // "leave the page?" while a session runs
    await page.reload();
    await page.waitForSelector('.verification:not([hidden])');
    if (fake.rounds !== 3) problems.push(`rounds after the reload: ${fake.rounds}`);
    const line3 = await page.textContent('.verification');
    if (!line3?.includes(fake.sharer.verification)) problems.push(`verification after the reload ${line3} vs ${fake.sharer.verification}`);
    await page.waitForSelector('.chat-message[data-seq="6"]');
    const after = await page.$$eval('.chat-message', (els) => els.map((el) => el.querySelector('.chat-text')?.textContent));
    if (after.length !== 5 || after.some((t) => t !== '(an earlier message that can no longer be shown)')) {
      problems.push(`chat after the reload: ${JSON.stringify(after)}`);
    }
    await page.waitForFunction(() => (window.deskmateStats?.().updates ?? 0) > 0, null, { timeout: 5000 })
      .catch(() => problems.push('no picture after the reload'));
    await check(page, `${scheme}-console-reloaded`);
  }
  console.log(`  end to end: ${fake.rounds} rounds, ${fake.inputs} input and ${fake.pointers} pointer frames opened by the sharer, ` +
    `${fake.screenSeq} pictures sealed, ${fake.keyframeRequests} keyframe requests, chat opened ${JSON.stringify(fake.chatOpened)}`);
  await context.close();
}

async function securityFailureScenario(browser, scheme) {
  const { context, page, fake } = await openConsole(browser, scheme, { wrongSecret: true, checkSignIn: false });
  fake.record = 'paired';
  await page.waitForSelector('.end-card');
  const error = await page.textContent('.session-error');
  if (!error?.startsWith('The security check failed: ')) problems.push(`security failure shown as ${JSON.stringify(error)}`);
  if (fake.leave?.reason !== 'the end-to-end security check failed') problems.push(`leave on failure: ${JSON.stringify(fake.leave)}`);
  if (!fake.sharerError) problems.push('the fake sharer did not notice the wrong code');
  if (await page.isVisible('.verification')) problems.push('verification shown after a failed check');
  const stored = await page.evaluate((id) => sessionStorage.getItem(`deskmate.code.${id}`), SESSION_ID);
  if (stored !== null) problems.push('the code was kept after the session failed');
  console.log(`  wrong secret part: page says ${JSON.stringify(error)}; sharer: ${fake.sharerError}`);
  await check(page, `${scheme}-console-security-failed`);
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
  // The server's 8 symbols alone are not enough any more.
  await page.fill('#code', 'k7mq 2xpa');
  await page.click('#code-submit');
  await page.waitForFunction(() => document.querySelector('.code-error')?.textContent?.includes('too short'));
  if (sent.some((m) => m.type === 'redeem')) problems.push('an 8-symbol code was redeemed');
  await page.fill('#code', 'k7mq-2xpa h4rt');
  await page.click('#code-submit');
  await page.waitForSelector('.helper-card');
  if (!sent.some((m) => m.type === 'redeem' && m.code === 'K7MQ2XPAH4RT')) problems.push(`redeem not normalised: ${JSON.stringify(sent)}`);
  // The agent's round is confirmed: the numbers to compare.
  ui.send(JSON.stringify({ type: 'verification', code: '482 913' }));
  await page.waitForSelector('.verification:not([hidden])');
  const line = await page.textContent('.verification');
  if (!line?.includes('482 913') || !line.includes("Sam Rivera\u2069's screen shows the same numbers")) problems.push(`sharer verification: ${JSON.stringify(line)}`);
  await check(page, `${scheme}-share-waiting`);
  ui.send(JSON.stringify({ type: 'consent_requested', mode: 'control' }));
  await page.waitForSelector('#consent-allow');
  await page.waitForFunction(() => document.activeElement?.id === 'consent-title');
  if (!(await page.textContent('.consent-verification'))?.includes('482 913')) problems.push('no security check in the consent dialog');
  await check(page, `${scheme}-share-consent`);
  await page.click('#consent-allow');
  await page.waitForSelector('#stage-active:not([hidden])');
  if (!(await page.isVisible('.verification'))) problems.push('no security check in the active stage');
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
    await securityFailureScenario(browser, scheme);
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
