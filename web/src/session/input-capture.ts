// Full control: turns the helper's mouse and keyboard over the screen canvas
// into input frames for the sharer's computer. Keys are captured while the
// canvas has focus; Ctrl+Shift+F12 (or leaving the canvas) releases them and
// lets go of every key and button still held, so nothing stays stuck.
import { input_frame, keysym_for_key } from '../wasm';
import type { ScreenView } from './screen-view';

/** The shortcut that releases keyboard capture (SPEC §12). */
export function isReleaseShortcut(event: KeyboardEvent): boolean {
  return event.key === 'F12' && event.ctrlKey && event.shiftKey && !event.altKey && !event.metaKey;
}

/** Browser button number → X11 button (1 left, 2 middle, 3 right, 8 back, 9 forward). */
const BUTTONS: Record<number, number> = { 0: 1, 1: 2, 2: 3, 3: 8, 4: 9 };
/** Pixels of wheel movement that make one notch. */
const PIXELS_PER_NOTCH = 100;
const LINES_PER_NOTCH = 3;

type InputEvent =
  | { type: 'pointer_move'; x: number; y: number }
  | { type: 'button'; button: number; down: boolean }
  | { type: 'wheel'; dx: number; dy: number }
  | { type: 'key'; keysym: number; down: boolean }
  | { type: 'text'; text: string };

export interface CaptureHooks {
  /** Sends a whole frame; false when not connected. */
  send: (frame: Uint8Array) => boolean;
  /** Keyboard capture started (true) or ended (false). */
  captured: (on: boolean) => void;
  /** The release shortcut was pressed: move focus somewhere sensible. */
  released: () => void;
  /** While true, pointer moves and clicks are for the laser pointer, not input. */
  laserOn: () => boolean;
}

export class InputCapture {
  private enabled = false;
  private readonly keys = new Map<string, number>();
  private readonly buttons = new Set<number>();
  private pending: { x: number; y: number } | null = null;
  private last: { x: number; y: number } | null = null;
  private frame = 0;
  private wheel = { x: 0, y: 0 };
  private readonly canvas: HTMLCanvasElement;

  constructor(
    private readonly view: ScreenView,
    private readonly hooks: CaptureHooks,
  ) {
    const canvas = view.canvas;
    this.canvas = canvas;
    canvas.addEventListener('pointermove', (e) => this.onMove(e));
    canvas.addEventListener('pointerdown', (e) => this.onButton(e, true));
    canvas.addEventListener('pointerup', (e) => this.onButton(e, false));
    canvas.addEventListener('pointercancel', () => this.releaseAll());
    canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    canvas.addEventListener('contextmenu', (e) => {
      if (this.enabled) e.preventDefault();
    });
    canvas.addEventListener('keydown', (e) => this.onKey(e, true));
    canvas.addEventListener('keyup', (e) => this.onKey(e, false));
    canvas.addEventListener('focus', () => {
      if (this.enabled) hooks.captured(true);
    });
    canvas.addEventListener('blur', () => this.release());
    window.addEventListener('blur', () => this.releaseAll());
  }

  /** Turns control on (full control granted) or off. */
  setEnabled(on: boolean): void {
    if (this.enabled === on) return;
    if (!on) this.release();
    this.enabled = on;
    if (on && document.activeElement === this.canvas) this.hooks.captured(true);
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Ends keyboard capture: lets go of everything held. */
  release(): void {
    this.releaseAll();
    this.hooks.captured(false);
  }

  /** Presses and releases keys in order (special keys menu). */
  sendCombo(keysyms: number[]): void {
    if (!this.enabled) return;
    for (const keysym of keysyms) this.emit({ type: 'key', keysym, down: true });
    for (const keysym of [...keysyms].reverse()) this.emit({ type: 'key', keysym, down: false });
  }

  private emit(event: InputEvent): boolean {
    let frame: Uint8Array;
    try {
      frame = input_frame(JSON.stringify(event));
    } catch (error) {
      console.warn('input event not sent:', error);
      return false;
    }
    return this.hooks.send(frame);
  }

  private releaseAll(): void {
    for (const keysym of this.keys.values()) this.emit({ type: 'key', keysym, down: false });
    this.keys.clear();
    for (const button of this.buttons) this.emit({ type: 'button', button, down: false });
    this.buttons.clear();
  }

  private onMove(event: PointerEvent): void {
    if (!this.enabled || this.hooks.laserOn()) return;
    const at = this.view.toScreen(event.clientX, event.clientY, this.buttons.size > 0);
    if (!at) return;
    this.pending = at;
    this.frame ||= requestAnimationFrame(() => this.flushMove());
  }

  private flushMove(): void {
    this.frame = 0;
    const at = this.pending;
    this.pending = null;
    if (!at || (this.last && this.last.x === at.x && this.last.y === at.y)) return;
    if (this.emit({ type: 'pointer_move', x: at.x, y: at.y })) this.last = at;
  }

  private moveNow(event: MouseEvent): boolean {
    const at = this.view.toScreen(event.clientX, event.clientY, true);
    if (!at) return false;
    this.pending = at;
    cancelAnimationFrame(this.frame);
    this.flushMove();
    return true;
  }

  private onButton(event: PointerEvent, down: boolean): void {
    if (!this.enabled || this.hooks.laserOn()) return;
    const button = BUTTONS[event.button];
    if (button === undefined) return;
    event.preventDefault();
    if (!down && !this.buttons.has(button)) return;
    // Position first: taking focus may change the page around the canvas.
    if (!this.moveNow(event)) return;
    if (down) {
      this.canvas.focus({ preventScroll: true });
      this.canvas.setPointerCapture(event.pointerId);
    }
    if (this.emit({ type: 'button', button, down })) {
      if (down) this.buttons.add(button);
      else this.buttons.delete(button);
    }
  }

  private onWheel(event: WheelEvent): void {
    if (!this.enabled) return;
    event.preventDefault();
    const unit = event.deltaMode === WheelEvent.DOM_DELTA_PIXEL ? PIXELS_PER_NOTCH
      : event.deltaMode === WheelEvent.DOM_DELTA_LINE ? LINES_PER_NOTCH
      : 0.1;
    this.wheel.x += event.deltaX / unit;
    this.wheel.y += event.deltaY / unit;
    const dx = Math.max(-127, Math.min(127, Math.trunc(this.wheel.x)));
    const dy = Math.max(-127, Math.min(127, Math.trunc(this.wheel.y)));
    if (!dx && !dy) return;
    this.wheel.x -= dx;
    this.wheel.y -= dy;
    this.moveNow(event);
    this.emit({ type: 'wheel', dx, dy });
  }

  private onKey(event: KeyboardEvent, down: boolean): void {
    if (!this.enabled || event.isComposing) return;
    if (isReleaseShortcut(event)) {
      event.preventDefault();
      if (down) {
        this.release();
        this.hooks.released();
      }
      return;
    }
    if (!down) {
      // Release what was pressed with this physical key, whatever it types now.
      const keysym = this.keys.get(event.code || event.key);
      if (keysym === undefined) return;
      event.preventDefault();
      this.keys.delete(event.code || event.key);
      this.emit({ type: 'key', keysym, down: false });
      return;
    }
    const keysym = keysym_for_key(event.key, event.code);
    if (keysym !== undefined) {
      event.preventDefault();
      if (this.emit({ type: 'key', keysym, down: true })) this.keys.set(event.code || event.key, keysym);
      return;
    }
    // A character without a keysym of its own: type it as text.
    if ([...event.key].length === 1 && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      this.emit({ type: 'text', text: event.key });
    }
  }
}
