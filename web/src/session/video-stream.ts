// Video rectangles of the shared screen: the sharer sends a region in steady
// motion (a playing video, a window being dragged) as H.264; this decodes it
// with the browser's WebCodecs VideoDecoder and draws each picture into the
// screen canvas at its rectangle. One picture is decoded at a time, so the
// screen view can keep video and lossless updates in their order.

/** One video picture of a screen update. */
export interface VideoPicture {
  x: number;
  y: number;
  w: number;
  h: number;
  codedWidth: number;
  codedHeight: number;
  keyframe: boolean;
  /** WebCodecs codec string (keyframes only). */
  codec: string | null;
  data: Uint8Array;
}

/** Longest wait for a decoded picture before the stream counts as broken. */
const OUTPUT_TIMEOUT_MS = 2000;
/** Microseconds between pictures' timestamps (the decoder only needs them to increase). */
const TICK_US = 33_333;

export class VideoStream {
  private decoder: VideoDecoder | null = null;
  private timestamp = 0;
  private waiting: { picture: VideoPicture; resolve: (ok: boolean) => void; timer: number } | null = null;

  constructor(private readonly context: CanvasRenderingContext2D) {}

  /** Whether this browser can decode video rectangles at all. */
  static get supported(): boolean {
    return typeof VideoDecoder === 'function' && typeof EncodedVideoChunk === 'function';
  }

  /**
   * Decodes one picture and draws it. Resolves false when it cannot be
   * shown (no keyframe yet, a decoder error, no WebCodecs): the caller then
   * asks the sharer for a keyframe.
   */
  decode(picture: VideoPicture): Promise<boolean> {
    if (!VideoStream.supported) return Promise.resolve(false);
    if (picture.keyframe) {
      this.reset();
      if (!picture.codec) {
        console.warn('video keyframe without a codec string');
        return Promise.resolve(false);
      }
      try {
        const decoder = new VideoDecoder({
          output: (frame) => this.onOutput(frame),
          error: (error) => this.fail(error),
        });
        decoder.configure({
          codec: picture.codec,
          codedWidth: picture.codedWidth,
          codedHeight: picture.codedHeight,
          optimizeForLatency: true,
        });
        this.decoder = decoder;
      } catch (error) {
        console.warn('video decoder not configured:', error);
        return Promise.resolve(false);
      }
    }
    const decoder = this.decoder;
    // A stream joined mid-way (or after an error) waits for its next keyframe.
    if (!decoder || decoder.state !== 'configured') {
      console.warn('video picture without a keyframe before it');
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const timer = window.setTimeout(() => this.fail(new Error('no picture from the video decoder')), OUTPUT_TIMEOUT_MS);
      this.waiting = { picture, resolve, timer };
      try {
        this.timestamp += TICK_US;
        decoder.decode(
          new EncodedVideoChunk({
            type: picture.keyframe ? 'key' : 'delta',
            timestamp: this.timestamp,
            data: picture.data,
          }),
        );
      } catch (error) {
        this.fail(error);
      }
    });
  }

  /** Closes the decoder; a picture being decoded is given up. */
  reset(): void {
    this.finish(false);
    const decoder = this.decoder;
    this.decoder = null;
    if (decoder && decoder.state !== 'closed') decoder.close();
  }

  private onOutput(frame: VideoFrame): void {
    const waiting = this.waiting;
    if (waiting) {
      const { x, y, w, h } = waiting.picture;
      // The coded picture may be larger (whole macroblocks): its top-left w×h is the rectangle.
      this.context.drawImage(frame, 0, 0, w, h, x, y, w, h);
    }
    frame.close();
    this.finish(true);
  }

  private fail(error: unknown): void {
    console.warn('video picture not decoded:', error);
    const decoder = this.decoder;
    this.decoder = null;
    if (decoder && decoder.state !== 'closed') decoder.close();
    this.finish(false);
  }

  private finish(ok: boolean): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = null;
    window.clearTimeout(waiting.timer);
    waiting.resolve(ok);
  }
}
