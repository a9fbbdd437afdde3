// A WebSocket that comes back by itself: both the helper's session channel
// and the sharer page's channel to the local agent must survive a dropped
// connection without the person doing anything (SPEC §7.9).

/** Where the connection stands. */
export type Link = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SocketOptions {
  /** The address to (re)connect to. */
  url: () => string;
  /** Just opened: say hello. */
  onOpen: () => void;
  /** A text (JSON) message. */
  onText: (text: string) => void;
  /** A binary message. */
  onBinary?: (data: Uint8Array) => void;
  /** The link changed. */
  onLink: (link: Link) => void;
  /** After a close the owner did not ask for: try again? (default yes) */
  retry?: (event: CloseEvent, attempt: number) => boolean | Promise<boolean>;
  /** A keep-alive message and how often to send it. */
  keepAlive?: { text: string; everyMs: number };
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5000;

export class ReconnectingSocket {
  private socket: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: number | undefined;
  private pinger: number | undefined;
  private readonly onOnline = (): void => this.reconnectNow();

  constructor(private readonly options: SocketOptions) {}

  /** Connects (once); later drops reconnect until stop(). */
  start(): void {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    this.connect('connecting');
  }

  /** Closes for good. */
  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.clearTimeout(this.timer);
    window.clearInterval(this.pinger);
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'bye');
    this.options.onLink('closed');
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends text; false when not connected (nothing is queued). */
  sendText(text: string): boolean {
    if (!this.isOpen || !this.socket) return false;
    this.socket.send(text);
    return true;
  }

  /** Sends bytes; false when not connected. */
  sendBinary(bytes: Uint8Array): boolean {
    if (!this.isOpen || !this.socket) return false;
    this.socket.send(bytes as Uint8Array<ArrayBuffer>);
    return true;
  }

  private reconnectNow(): void {
    if (this.stopped || this.socket) return;
    window.clearTimeout(this.timer);
    this.connect('reconnecting');
  }

  private connect(link: Link): void {
    this.options.onLink(link);
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url());
    } catch {
      this.scheduleRetry(null);
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (socket !== this.socket) return;
      this.attempt = 0;
      this.options.onLink('open');
      this.options.onOpen();
      const keepAlive = this.options.keepAlive;
      if (keepAlive) {
        window.clearInterval(this.pinger);
        this.pinger = window.setInterval(() => this.sendText(keepAlive.text), keepAlive.everyMs);
      }
    });
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (socket !== this.socket) return;
      if (typeof event.data === 'string') this.options.onText(event.data);
      else if (event.data instanceof ArrayBuffer) this.options.onBinary?.(new Uint8Array(event.data));
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      window.clearInterval(this.pinger);
      this.scheduleRetry(event);
    });
  }

  private scheduleRetry(event: CloseEvent | null): void {
    if (this.stopped) return;
    this.attempt += 1;
    const attempt = this.attempt;
    const decide = event && this.options.retry ? this.options.retry(event, attempt) : true;
    void Promise.resolve(decide).then((again) => {
      if (this.stopped) return;
      if (!again) {
        this.stopped = true;
        this.options.onLink('closed');
        return;
      }
      this.options.onLink('reconnecting');
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
      this.timer = window.setTimeout(() => this.connect('reconnecting'), delay * (0.8 + Math.random() * 0.4));
    });
  }
}
