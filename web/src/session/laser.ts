// The laser pointer tool: while it is on, moving over the screen sends the
// pointer's position (at most 60 times a second) for the sharer's computer
// to draw as a fading dot that input does not hit. Works in both modes.
import { pointer_frame } from '../wasm';
import type { ScreenView } from './screen-view';

const MIN_INTERVAL_MS = 1000 / 60;

/** "#ff3b30" → 0xff3b30. */
export function colourValue(hex: string): number {
  const value = Number.parseInt(hex.replace('#', ''), 16);
  return Number.isFinite(value) ? value & 0xffffff : 0xff0000;
}

export class Laser {
  private on = false;
  private colour = 0xe5362d;
  private lastSent = 0;
  private timer: number | undefined;
  private pending: { x: number; y: number } | null = null;

  constructor(
    private readonly view: ScreenView,
    private readonly send: (frame: Uint8Array) => boolean,
  ) {
    view.canvas.addEventListener('pointermove', (event) => this.onMove(event));
    view.canvas.addEventListener('pointerdown', (event) => {
      if (this.on) {
        event.preventDefault();
        this.onMove(event);
      }
    });
  }

  get isOn(): boolean {
    return this.on;
  }

  setOn(on: boolean): void {
    this.on = on;
    this.view.element.classList.toggle('laser-on', on);
    if (!on) {
      window.clearTimeout(this.timer);
      this.pending = null;
    }
  }

  setColour(hex: string): void {
    this.colour = colourValue(hex);
  }

  private onMove(event: PointerEvent): void {
    if (!this.on) return;
    const at = this.view.toScreen(event.clientX, event.clientY);
    if (!at) return;
    this.pending = at;
    const wait = this.lastSent + MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flush();
    else if (this.timer === undefined) this.timer = window.setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.pending;
    this.pending = null;
    if (!at || !this.on) return;
    this.lastSent = performance.now();
    try {
      this.send(pointer_frame(at.x, at.y, this.colour));
    } catch (error) {
      console.warn('laser pointer position not sent:', error);
    }
  }
}
