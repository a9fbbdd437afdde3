// Browser viewer benchmark: how long headless Chromium takes to decode and
// draw one 1920×1080 screen update, per kind of update. Prints a Markdown
// table; never asserts on time. See README.md.
//
//   node bench/web/run.mjs          (from anywhere; installs its npm deps if missing)
//
// 1. `cargo run --release -p deskmate-bench-web -- <temp dir>` writes the
//    fixtures (keyframe + sequences of updates from the real encoder);
// 2. Node's http module serves them, web/src/wasm/* and page.html/page.js
//    on 127.0.0.1 (cross-origin isolated, for 5 µs timer steps);
// 3. playwright-core opens the page in /usr/bin/chromium (or $CHROMIUM),
//    page.js times every update, and this script prints the figures.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const WASM = join(ROOT, 'web', 'src', 'wasm');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SEQUENCES = ['typing', 'scrolling', 'drag', 'fullscreen', 'drag-video', 'fullscreen-video'];
const KEYFRAME_REPEATS = 10;
const KINDS = ['solid', 'palette', 'zstd', 'copy', 'video']; // wire.rs kind bytes 0..4

const log = (line) => process.stderr.write(`${line}\n`);

function run(command, args, cwd) {
  log(`$ ${command} ${args.join(' ')}`);
  const { status, error } = spawnSync(command, args, { cwd, stdio: ['ignore', 2, 2] });
  if (error || status !== 0) throw new Error(`${command} failed: ${error ?? `exit status ${status}`}`);
}

if (!existsSync(join(WASM, 'deskmate_wasm_bg.wasm'))) {
  throw new Error(
    'web/src/wasm is missing: run scripts/build-web, or just its wasm part:\n' +
      '  cargo build --release -p deskmate-wasm --target wasm32-unknown-unknown\n' +
      '  wasm-bindgen --target web --out-dir web/src/wasm target/wasm32-unknown-unknown/release/deskmate_wasm.wasm',
  );
}
if (!existsSync(join(HERE, 'node_modules', 'playwright-core'))) {
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], HERE);
}
const { chromium } = await import('playwright-core');

/** Splits a fixture file into its updates (u32 little-endian length + bytes). */
function split(bytes) {
  const updates = [];
  for (let at = 0; at < bytes.length; at += 4 + bytes.readUInt32LE(at)) {
    updates.push(bytes.subarray(at + 4, at + 4 + bytes.readUInt32LE(at)));
  }
  return updates;
}

/** Counts an update's rectangles by kind (header and rectangle layout: wire.rs). */
function countKinds(update, counts) {
  let at = 12;
  for (let n = update.readUInt16LE(10); n > 0; n--) {
    counts[update[at + 8]] += 1;
    at += 13 + update.readUInt32LE(at + 9);
  }
}

/** Nearest-rank percentile of unsorted `values`. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (v) => `${v.toFixed(2)} ms`;

const fixtures = mkdtempSync(join(tmpdir(), 'deskmate-bench-web-'));
const files = {
  '/': [join(HERE, 'page.html'), 'text/html; charset=utf-8'],
  '/page.js': [join(HERE, 'page.js'), 'text/javascript'],
  '/wasm/deskmate_wasm.js': [join(WASM, 'deskmate_wasm.js'), 'text/javascript'],
  '/wasm/deskmate_wasm_bg.wasm': [join(WASM, 'deskmate_wasm_bg.wasm'), 'application/wasm'],
};
for (const name of ['keyframe', ...SEQUENCES]) {
  files[`/fixtures/${name}.bin`] = [join(fixtures, `${name}.bin`), 'application/octet-stream'];
}
const server = createServer((request, response) => {
  const file = files[new URL(request.url, 'http://x').pathname];
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, {
    'Content-Type': file[1],
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  createReadStream(file[0]).pipe(response);
});

let browser;
try {
  run('cargo', ['run', '--quiet', '--release', '-p', 'deskmate-bench-web', '--', fixtures], ROOT);
  const keyframe = readFileSync(join(fixtures, 'keyframe.bin'));
  const updates = { keyframe: [keyframe] };
  for (const name of SEQUENCES) updates[name] = split(readFileSync(join(fixtures, `${name}.bin`)));

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && log(`page: ${m.text()}`));
  page.on('pageerror', (e) => log(`page: ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => typeof window.runBench === 'function');
  log('running in Chromium (a warm-up and a timed pass of each sequence, one update per frame)');
  const loadBefore = loadavg()[0];
  const { isolated, results } = await page.evaluate(
    ([names, repeats]) => window.runBench(names, repeats),
    [SEQUENCES, KEYFRAME_REPEATS],
  );

  const wasm = readFileSync(join(WASM, 'deskmate_wasm_bg.wasm'));
  const lines = [
    `### Browser viewer: decode + draw per screen update (1920×1080, headless Chromium ${browser.version()}, --disable-gpu)`,
    '',
    '| Sequence | Updates | Mean bytes / update | Rectangles / update (solid · palette · zstd · copy · video) | Decode + draw p50 | p95 | max | Decode only (wasm `apply`) p50 |',
    '|---|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const { name, decode, total } of results) {
    const list = updates[name];
    const counts = [0, 0, 0, 0, 0];
    for (const u of list) countKinds(u, counts);
    const bytes = list.reduce((sum, u) => sum + u.length, 0) / list.length;
    const label = name === 'keyframe' ? `keyframe (applied ${total.length}×)` : name;
    lines.push(
      `| ${label} | ${total.length} | ${Math.round(bytes)} | ${counts.map((c) => (c / list.length).toFixed(1)).join(' · ')} ` +
        `| ${ms(percentile(total, 50))} | ${ms(percentile(total, 95))} | ${ms(Math.max(...total))} | ${ms(percentile(decode, 50))} |`,
    );
  }
  lines.push(
    '',
    `wasm module: ${wasm.length} bytes, ${gzipSync(wasm, { level: 9 }).length} bytes gzipped (-9). ` +
      `Timer steps: ${isolated ? '5 µs (cross-origin isolated)' : '100 µs (not cross-origin isolated)'}. ` +
      `Target: decode + draw ≤ 4 ms per 1080p update at p50. Rectangle kinds: ${KINDS.join(', ')} (wire.rs).`,
    `Load average (1 min) before / after the browser run: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)} ` +
      `on ${availableParallelism()} CPUs; other work on the machine slows every figure.`,
  );
  console.log(lines.join('\n'));
} finally {
  await browser?.close();
  server.close();
  rmSync(fixtures, { recursive: true, force: true });
}
