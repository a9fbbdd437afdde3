// Figures about drawing the shared screen, exposed as window.deskmateStats()
// for automated tests and performance figures (latency of the first frame
// after consent, decode+draw time per update).

const KEEP = 2000;

export class ViewerStats {
  updates = 0;
  /** Video pictures decoded (WebCodecs) and drawn. */
  videoPictures = 0;
  /** The last KEEP apply+draw durations, in ms. */
  readonly decodeDrawMs: number[] = [];
  /** performance.now() of the first whole picture drawn after consent. */
  firstFullFrameAt: number | null = null;
  /** performance.now() when the sharer's consent arrived. */
  consentAt: number | null = null;

  record(ms: number): void {
    this.updates += 1;
    this.decodeDrawMs.push(ms);
    if (this.decodeDrawMs.length > KEEP) this.decodeDrawMs.splice(0, this.decodeDrawMs.length - KEEP);
  }
}

let shown: ViewerStats | null = null;

/** The session whose figures deskmateStats() reports (the active tab's). */
export function reportStats(stats: ViewerStats | null): void {
  shown = stats;
}

declare global {
  interface Window {
    deskmateStats?: () => {
      updates: number;
      videoPictures: number;
      decodeDrawMs: number[];
      firstFullFrameAt: number | null;
      consentAt: number | null;
    };
  }
}

window.deskmateStats = () => ({
  updates: shown?.updates ?? 0,
  videoPictures: shown?.videoPictures ?? 0,
  decodeDrawMs: [...(shown?.decodeDrawMs ?? [])],
  firstFullFrameAt: shown?.firstFullFrameAt ?? null,
  consentAt: shown?.consentAt ?? null,
});
