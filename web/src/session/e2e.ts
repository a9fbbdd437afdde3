// The helper's end of end-to-end encryption (SPEC §8). The security code
// has 12 symbols: the server's 8-symbol rendezvous part and a 4-symbol
// secret part this browser makes and the server never sees. After pairing
// the sharer starts a SPAKE2 round over the relay (again after every
// reconnection of either side); this side answers, and once the round is
// confirmed every data frame and chat text is sealed end to end. The
// exchange itself is the shared Rust code (deskmate-e2e) through wasm.
import { E2eSession, normalize_code, secret_part } from '../wasm';
import { SECRET_PART_SYMBOLS, WHOLE_CODE_SYMBOLS } from '../types';

const STORE_PREFIX = 'deskmate.code.';
const ROUNDS_PREFIX = 'deskmate.rounds.';
const RENDEZVOUS_SYMBOLS = WHOLE_CODE_SYMBOLS - SECRET_PART_SYMBOLS;

function random(bytes: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(bytes));
}

/**
 * The whole code for a code the server issued: its rendezvous part
 * (normalised) and a fresh secret part. Throws if the server's code is not
 * one.
 */
export function wholeCode(serverCode: string): string {
  const rendezvous = normalize_code(serverCode);
  if (!rendezvous || rendezvous.length !== RENDEZVOUS_SYMBOLS) {
    throw new Error(`the server issued an unexpected code (${serverCode})`);
  }
  return rendezvous + secret_part(random(64), SECRET_PART_SYMBOLS);
}

/**
 * The whole code of each session this browser tab made, so a reloaded
 * console can rejoin its sessions, and how many key-exchange rounds of the
 * session went unconfirmed, so a reload does not start that count again
 * (the bound on guesses is per session). Kept in sessionStorage (this tab
 * only; never sent anywhere) and forgotten when the session ends.
 */
export const codeStore = {
  save(sessionId: string, code: string): void {
    try {
      sessionStorage.setItem(STORE_PREFIX + sessionId, code);
    } catch {
      // Storage off (private mode): a reload then cannot rejoin securely.
    }
  },
  load(sessionId: string): string | null {
    try {
      const code = sessionStorage.getItem(STORE_PREFIX + sessionId);
      const whole = code ? normalize_code(code) : undefined;
      return whole && whole.length === WHOLE_CODE_SYMBOLS ? whole : null;
    } catch {
      return null;
    }
  },
  saveRounds(sessionId: string, unconfirmed: number): void {
    try {
      sessionStorage.setItem(ROUNDS_PREFIX + sessionId, String(unconfirmed));
    } catch {
      // Storage off: a reload then starts the count again.
    }
  },
  loadRounds(sessionId: string): number {
    try {
      const stored = Number(sessionStorage.getItem(ROUNDS_PREFIX + sessionId) ?? '0');
      return Number.isInteger(stored) && stored >= 0 ? stored : 0;
    } catch {
      return 0;
    }
  },
  forget(sessionId: string): void {
    try {
      sessionStorage.removeItem(STORE_PREFIX + sessionId);
      sessionStorage.removeItem(ROUNDS_PREFIX + sessionId);
    } catch {
      // Nothing stored.
    }
  },
};

/** The end-to-end layer refused: the session must end. */
export class E2eFailure extends Error {}

/**
 * One session's end-to-end layer on the helper's side.
 *
 * Frames and chat flow only while it is `live`: a round was confirmed since
 * the link or the sharer last went away. In between, the keys of the old
 * round still exist but are not used: the sharer starts a new round as soon
 * as both sides are back, frames sent into the gap would break the strict
 * order of the input and cursor channels, and what arrives of the old round
 * is dropped (the sharer sends a whole picture for the new one).
 */
export class HelperE2e {
  private readonly session: E2eSession;
  private stale = true;
  private midRound = false;
  private failure: string | null = null;
  private readonly sessionId: string;

  /**
   * Throws if the layer cannot be made (e.g. the wasm module failed). A
   * layer for a session this tab already joined carries on its count of
   * unconfirmed rounds.
   */
  constructor(code: string, sessionId: string, helperId: string, sharerId: string) {
    this.sessionId = sessionId;
    const used = codeStore.loadRounds(sessionId);
    this.session = new E2eSession('helper', code, sessionId, helperId, sharerId, used);
  }

  /** Whether frames and chat can be sealed and opened now. */
  get live(): boolean {
    return this.failure === null && !this.stale && this.session.ready;
  }

  /**
   * Whether sealed chat can be opened now: while a round is confirmed, even
   * one the link has since dropped out of, since the server replays chat
   * complete and in order.
   */
  get canOpenChat(): boolean {
    return this.failure === null && this.session.ready;
  }

  /** The verification string both people compare (`"482 913"`), while live. */
  get verification(): string | undefined {
    return this.live ? this.session.verification : undefined;
  }

  /** The link or the sharer went away: wait for the next round. */
  suspend(): void {
    this.stale = true;
  }

  /**
   * Takes the sharer's `e2e` data; returns the data to send back. The count
   * of unconfirmed rounds is stored before any reply can leave.
   */
  receive(data: string): string[] {
    let replies: unknown[];
    try {
      replies = this.guard(() => this.session.receive(data, random(32)));
    } finally {
      codeStore.saveRounds(this.sessionId, this.session.unconfirmed_rounds);
    }
    if (!this.session.ready) {
      this.midRound = true;
    } else if (this.midRound) {
      // A round this side answered is confirmed.
      this.midRound = false;
      this.stale = false;
    }
    return replies.filter((reply): reply is string => typeof reply === 'string');
  }

  /** A whole input or pointer frame (channel byte + payload), sealed; undefined when not live. */
  sealFrame(frame: Uint8Array): Uint8Array | undefined {
    const channel = frame[0];
    if (!this.live || channel === undefined) return undefined;
    return this.session.seal_frame(channel, frame.subarray(1));
  }

  /**
   * The plain payload of a whole incoming frame; undefined for one to drop
   * (of an earlier round, or while not live). Throws E2eFailure when the
   * session must end.
   */
  openFrame(frame: Uint8Array): Uint8Array | undefined {
    if (!this.live) return undefined;
    return this.guard(() => this.session.open_frame(frame));
  }

  /** Chat text sealed for the sharer; undefined when not live. */
  sealChat(text: string): string | undefined {
    return this.live ? this.session.seal_chat(text) : undefined;
  }

  /**
   * A sealed chat message from the sharer; undefined if it was sealed in
   * another round and can no longer be read. Only while canOpenChat.
   */
  openChat(data: string): string | undefined {
    return this.guard(() => this.session.open_chat(data));
  }

  free(): void {
    this.session.free();
  }

  private guard<T>(step: () => T): T {
    if (this.failure !== null) throw new E2eFailure(this.failure);
    try {
      return step();
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
      throw new E2eFailure(this.failure);
    }
  }
}

/**
 * Fills `element` with the verification line, the numbers themselves in
 * bold so they are easy to compare.
 */
export function showVerification(element: HTMLElement, line: string, code: string): void {
  const at = line.indexOf(code);
  if (at < 0) {
    element.textContent = line;
    return;
  }
  const numbers = document.createElement('strong');
  numbers.className = 'verification-code';
  numbers.textContent = code;
  element.replaceChildren(line.slice(0, at), numbers, line.slice(at + code.length));
}
