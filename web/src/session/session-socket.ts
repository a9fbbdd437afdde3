// The helper's live channel to one session (/api/v1/remote-help/sessions/
// {id}/connect): says hello with the last chat message it has so nothing is
// shown twice after a reconnect, keeps the link alive, and splits incoming
// traffic into control messages and data frames (sealed end to end: the
// session tab opens them, see e2e.ts).
import { sessionSocketUrl } from '../api';
import { type HelperMessage, PROTOCOL_VERSION, type ServerMessage } from '../types';
import { type Link, ReconnectingSocket } from './reconnecting-socket';

const PING_EVERY_MS = 20_000;
/** Close code the server uses when a newer connection of the same side took over. */
const REPLACED = 4000;

export interface SessionSocketEvents {
  message: (message: ServerMessage) => void;
  /** A whole binary data frame (channel byte + sealed payload). */
  frame: (frame: Uint8Array) => void;
  link: (link: Link) => void;
  /** The connection was taken over by another window. */
  replaced: () => void;
  /** Whether to keep trying after a drop (e.g. the session still runs). */
  stillRunning: (attempt: number) => Promise<boolean>;
}

export class SessionSocket {
  private readonly socket: ReconnectingSocket;

  constructor(
    sessionId: string,
    lastChatSeq: () => number,
    private readonly events: SessionSocketEvents,
  ) {
    this.socket = new ReconnectingSocket({
      url: () => sessionSocketUrl(sessionId),
      onOpen: () => this.send({ type: 'hello', protocol: PROTOCOL_VERSION, last_chat_seq: lastChatSeq() }),
      onText: (text) => this.onText(text),
      onBinary: (data) => events.frame(data),
      onLink: (link) => events.link(link),
      keepAlive: { text: JSON.stringify({ type: 'ping' }), everyMs: PING_EVERY_MS },
      retry: (event, attempt) => {
        if (event.code === REPLACED) {
          events.replaced();
          return false;
        }
        return events.stillRunning(attempt);
      },
    });
    this.socket.start();
  }

  get isOpen(): boolean {
    return this.socket.isOpen;
  }

  /** Sends a control message; false when not connected. */
  send(message: HelperMessage): boolean {
    return this.socket.sendText(JSON.stringify(message));
  }

  /** Sends a whole binary frame (input or laser pointer, sealed); false when not connected. */
  sendFrame(frame: Uint8Array): boolean {
    return this.socket.sendBinary(frame);
  }

  stop(): void {
    this.socket.stop();
  }

  private onText(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      console.warn('unreadable control message', text.slice(0, 200));
      return;
    }
    this.events.message(message);
  }
}
