// The browser viewer benchmark's page script (served by run.mjs). It loads
// the real wasm bindings, then for each fixture sequence applies the
// keyframe and times every update as the viewer handles it
// (web/src/session/screen-view.ts): ScreenDecoder.apply, then one
// putImageData per damaged rectangle straight from wasm memory, then a
// one-pixel getImageData so the drawing has really happened. Each sequence
// runs twice, a warm-up and the timed pass, one update per animation frame
// as updates arriving over the network would be. Video pictures are decoded
// with WebCodecs and drawn at their rectangle, as
// web/src/session/video-stream.ts does; an update's time then runs until
// its picture is drawn.
import init, { ScreenDecoder } from '/wasm/deskmate_wasm.js';

async function fetchBytes(name) {
  const response = await fetch(`/fixtures/${name}.bin`);
  if (!response.ok) throw new Error(`${name}.bin: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Splits a fixture file into its updates (u32 little-endian length + bytes). */
function split(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const updates = [];
  for (let at = 0; at < bytes.length; ) {
    const len = view.getUint32(at, true);
    updates.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return updates;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

/**
 * Runs the keyframe (`keyframeRepeats` times) and each named sequence;
 * resolves with `{ isolated, results: [{ name, decode: ms[], total: ms[] }] }`
 * (`isolated`: cross-origin isolated, so performance.now() has 5 µs steps, not 100 µs).
 */
window.runBench = async (names, keyframeRepeats) => {
  const { memory } = await init();
  const context = document.querySelector('canvas').getContext('2d', { alpha: false });
  const decoder = new ScreenDecoder();

  let video = null;
  let drawn = null;
  /** Decodes one video picture and draws it; resolves once it is drawn. */
  const showVideo = (x, y, w, h, codedWidth, codedHeight, keyframe, codec, data) => {
    if (keyframe) {
      video?.close();
      video = new VideoDecoder({
        output: (frame) => {
          const [px, py, pw, ph, done] = drawn;
          context.drawImage(frame, 0, 0, pw, ph, px, py, pw, ph);
          frame.close();
          done();
        },
        error: (e) => {
          throw e;
        },
      });
      video.configure({ codec, codedWidth, codedHeight, optimizeForLatency: true });
    }
    return new Promise((resolve) => {
      drawn = [x, y, w, h, resolve];
      video.decode(new EncodedVideoChunk({ type: keyframe ? 'key' : 'delta', timestamp: performance.now() * 1000, data }));
    });
  };

  /** Applies and draws one update; resolves with [decode ms, decode + draw ms]. */
  const show = async (update) => {
    const started = performance.now();
    decoder.apply(update);
    const decoded = performance.now();
    const w = decoder.width;
    const h = decoder.height;
    const damage = decoder.damage();
    const picture = new ImageData(new Uint8ClampedArray(memory.buffer, decoder.rgba_ptr(), w * h * 4), w, h);
    for (let i = 0; i + 3 < damage.length; i += 4) {
      context.putImageData(picture, 0, 0, damage[i], damage[i + 1], damage[i + 2], damage[i + 3]);
    }
    for (let i = 0; i < decoder.video_count(); i++) {
      const [x, y, vw, vh, cw, ch, key] = decoder.video_info(i);
      const codec = key === 1 ? decoder.video_codec_string(i) : null;
      await showVideo(x, y, vw, vh, cw, ch, key === 1, codec, decoder.video_data(i));
    }
    context.getImageData(0, 0, 1, 1);
    return [decoded - started, performance.now() - started];
  };

  const keyframe = await fetchBytes('keyframe');
  const sequences = [['keyframe', Array(keyframeRepeats).fill(keyframe)]];
  for (const name of names) sequences.push([name, split(await fetchBytes(name))]);

  const results = [];
  for (const [name, updates] of sequences) {
    const result = { name, decode: [], total: [] };
    for (const timed of [false, true]) {
      await show(keyframe);
      for (const update of updates) {
        await nextFrame();
        const [decode, total] = await show(update);
        if (timed) {
          result.decode.push(decode);
          result.total.push(total);
        }
      }
    }
    results.push(result);
  }
  return { isolated: self.crossOriginIsolated, results };
};
