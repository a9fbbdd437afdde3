// Shows the sharer's screen: feeds screen updates to the wasm decoder and
// draws only the changed rectangles straight from the decoder's memory (no
// copy), then the update's video pictures (WebCodecs) on top; draws the
// sharer's mouse cursor on an overlay canvas, and scales the picture to fit
// or shows it at its own size. Updates are applied strictly in order: one
// whose video picture is still decoding holds back the next, so a later
// lossless tile is never overdrawn by an earlier picture.
import { h } from '../ui/dom';
import { type CursorUpdate, ScreenDecoder, decode_cursor } from '../wasm';
import type { ViewerStats } from './stats';
import { type VideoPicture, VideoStream } from './video-stream';

interface Cursor {
  image: HTMLCanvasElement;
  hotX: number;
  hotY: number;
}

export class ScreenView {
  /** The scrolling area that holds the picture. */
  readonly element: HTMLDivElement;
  /** The picture (`.screen`). */
  readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly stage: HTMLDivElement;
  private readonly placeholder: HTMLParagraphElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly overlayContext: CanvasRenderingContext2D;
  private decoder: ScreenDecoder | null = new ScreenDecoder();
  private fitting = true;
  private cursor: Cursor | null = null;
  private cursorAt: { x: number; y: number } | null = null;
  private cursorDrawn: { x: number; y: number; w: number; h: number } | null = null;
  private readonly resizeObserver: ResizeObserver;
  private readonly video: VideoStream;
  /** Updates waiting for the one whose video is decoding. */
  private readonly queue: { payload: Uint8Array; done: (seq: number | null) => void }[] = [];
  private decodingVideo = false;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly stats: ViewerStats,
    waitingText: string,
  ) {
    this.canvas = h('canvas', { class: 'screen', width: 0, height: 0, tabindex: 0 });
    this.overlay = h('canvas', { class: 'screen-overlay', width: 0, height: 0, 'aria-hidden': 'true' });
    this.stage = h('div', { class: 'stage' }, this.canvas, this.overlay);
    this.placeholder = h('p', { class: 'screen-placeholder' }, waitingText);
    this.element = h('div', { class: 'viewport fit' }, this.stage, this.placeholder);
    this.stage.hidden = true;
    const context = this.canvas.getContext('2d', { alpha: false });
    const overlayContext = this.overlay.getContext('2d');
    if (!context || !overlayContext) throw new Error('this browser cannot draw on a canvas');
    this.context = context;
    this.overlayContext = overlayContext;
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(this.element);
    this.video = new VideoStream(context);
  }

  get width(): number {
    return this.canvas.width;
  }

  get height(): number {
    return this.canvas.height;
  }

  /** Scale the picture to fit (true) or show it 1:1 with scroll bars. */
  set fit(on: boolean) {
    this.fitting = on;
    this.element.classList.toggle('fit', on);
    this.layout();
  }

  get fit(): boolean {
    return this.fitting;
  }

  /**
   * Applies and draws one screen update, after those before it. `done` gets
   * its sequence number once it is drawn (to acknowledge), or null when it
   * could not be decoded (ask for a keyframe).
   */
  applyScreen(payload: Uint8Array, done: (seq: number | null) => void): void {
    this.queue.push({ payload, done });
    this.drain();
  }

  /** Applies queued updates until one waits for its video pictures. */
  private drain(): void {
    while (!this.decodingVideo) {
      const next = this.queue.shift();
      if (!next) return;
      const started = performance.now();
      const applied = this.applyNow(next.payload);
      if (!applied || applied.video.length === 0) {
        if (applied) this.stats.record(performance.now() - started);
        next.done(applied ? applied.seq : null);
        continue;
      }
      this.decodingVideo = true;
      void this.drawVideo(applied.video).then((ok) => {
        this.decodingVideo = false;
        if (!this.decoder) return;
        this.stats.record(performance.now() - started);
        next.done(ok ? applied.seq : null);
        this.drain();
      });
    }
  }

  private async drawVideo(pictures: VideoPicture[]): Promise<boolean> {
    for (const picture of pictures) {
      if (!(await this.video.decode(picture))) return false;
      this.stats.videoPictures += 1;
    }
    return true;
  }

  /** The lossless part of an update, drawn now; its video pictures, to decode. */
  private applyNow(payload: Uint8Array): { seq: number; video: VideoPicture[] } | null {
    const decoder = this.decoder;
    if (!decoder) return null;
    let seq: number;
    try {
      seq = decoder.apply(payload);
    } catch (error) {
      console.warn('screen update not decoded:', error);
      return null;
    }
    const w = decoder.width;
    const h = decoder.height;
    if (w === 0 || h === 0) return { seq, video: [] };
    const resized = w !== this.canvas.width || h !== this.canvas.height;
    if (resized) this.resize(w, h);
    // damage() allocates in wasm (memory may grow and move), so it comes
    // before the view of the picture, and nothing calls into wasm after it.
    const damage = decoder.damage();
    const picture = new ImageData(new Uint8ClampedArray(this.memory.buffer, decoder.rgba_ptr(), w * h * 4), w, h);
    let area = 0;
    if (resized) {
      this.context.putImageData(picture, 0, 0);
      area = w * h;
    } else {
      for (let i = 0; i + 3 < damage.length; i += 4) {
        const [x = 0, y = 0, dw = 0, dh = 0] = damage.subarray(i, i + 4);
        this.context.putImageData(picture, 0, 0, x, y, dw, dh);
        area += dw * dh;
      }
    }
    if (this.stats.consentAt !== null && this.stats.firstFullFrameAt === null && area >= w * h) {
      this.stats.firstFullFrameAt = performance.now();
    }
    // After the picture view: these calls may grow (and move) wasm memory.
    const video: VideoPicture[] = [];
    const count = decoder.video_count();
    for (let i = 0; i < count; i++) {
      const [x = 0, y = 0, vw = 0, vh = 0, codedWidth = 0, codedHeight = 0, key = 0] = decoder.video_info(i);
      const keyframe = key === 1;
      video.push({
        x,
        y,
        w: vw,
        h: vh,
        codedWidth,
        codedHeight,
        keyframe,
        codec: keyframe ? (decoder.video_codec_string(i) ?? null) : null,
        data: decoder.video_data(i),
      });
    }
    return { seq, video };
  }

  /** Applies a cursor update (shape or position). */
  applyCursor(payload: Uint8Array): void {
    let update: CursorUpdate;
    try {
      update = decode_cursor(payload) as CursorUpdate;
    } catch (error) {
      console.warn('cursor update not decoded:', error);
      return;
    }
    if (update.kind === 'position') {
      this.cursorAt = { x: update.x, y: update.y };
    } else {
      const image = h('canvas', { width: update.width, height: update.height });
      image
        .getContext('2d')
        ?.putImageData(new ImageData(new Uint8ClampedArray(update.rgba), update.width, update.height), 0, 0);
      this.cursor = { image, hotX: update.hot_x, hotY: update.hot_y };
    }
    this.drawCursor();
  }

  /**
   * Screen coordinates under a point of the page, or null when the point is
   * not on the picture.
   */
  toScreen(clientX: number, clientY: number, clamp = false): { x: number; y: number } | null {
    const w = this.canvas.width;
    const h = this.canvas.height;
    if (!w || !h) return null;
    const rect = this.canvas.getBoundingClientRect();
    if (!rect.width || !rect.height) return null;
    let x = Math.floor(((clientX - rect.left) * w) / rect.width);
    let y = Math.floor(((clientY - rect.top) * h) / rect.height);
    if (clamp) {
      x = Math.min(w - 1, Math.max(0, x));
      y = Math.min(h - 1, Math.max(0, y));
    } else if (x < 0 || y < 0 || x >= w || y >= h) {
      return null;
    }
    return { x, y };
  }

  /** Frees the decoder; the view is dead afterwards. */
  destroy(): void {
    this.resizeObserver.disconnect();
    this.video.reset();
    this.queue.length = 0;
    this.decoder?.free();
    this.decoder = null;
  }

  private resize(w: number, h: number): void {
    this.canvas.width = w;
    this.canvas.height = h;
    this.overlay.width = w;
    this.overlay.height = h;
    this.cursorDrawn = null;
    this.stage.hidden = false;
    this.placeholder.hidden = true;
    this.layout();
    this.drawCursor();
  }

  /** Sizes the picture on the page: fitted (never enlarged) or 1:1. */
  private layout(): void {
    const w = this.canvas.width;
    const h = this.canvas.height;
    if (!w || !h) return;
    let scale = 1;
    if (this.fitting) {
      const box = this.element.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) scale = Math.min(1, box.width / w, box.height / h);
    }
    this.stage.style.width = `${Math.floor(w * scale)}px`;
    this.stage.style.height = `${Math.floor(h * scale)}px`;
  }

  private drawCursor(): void {
    const context = this.overlayContext;
    if (this.cursorDrawn) {
      const d = this.cursorDrawn;
      context.clearRect(d.x, d.y, d.w, d.h);
      this.cursorDrawn = null;
    }
    const cursor = this.cursor;
    const at = this.cursorAt;
    if (!cursor || !at || !this.overlay.width) return;
    const x = at.x - cursor.hotX;
    const y = at.y - cursor.hotY;
    context.drawImage(cursor.image, x, y);
    this.cursorDrawn = { x, y, w: cursor.image.width, h: cursor.image.height };
  }
}
