// Words for the helper when the sharer's screen layout changes mid-session:
// a monitor connected or removed, a new resolution. The agent follows the
// helper's choice of monitor into the new layout (or falls back to the whole
// screen when that monitor is gone) and says which one is shared now; this
// compares the two lists and picks the message.
import type { MonitorInfo } from '../types';

export interface LayoutNotice {
  id: string;
  args: Record<string, string | number>;
}

/** The monitors and the one shared (null: the whole screen). */
export interface Layout {
  monitors: MonitorInfo[];
  selected: number | null;
}

const same = (a: MonitorInfo, b: MonitorInfo): boolean =>
  a.name === b.name && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height &&
  a.primary === b.primary;

/** Pixel sizes as plain digits (a number argument would be grouped: "1,920"). */
const size = (s: { width: number; height: number }): { width: string; height: string } => ({
  width: String(s.width),
  height: String(s.height),
});

/** The whole screen's size: what covers every monitor. */
function extent(monitors: MonitorInfo[]): { width: string; height: string } {
  return size({
    width: Math.max(0, ...monitors.map((m) => m.x + m.width)),
    height: Math.max(0, ...monitors.map((m) => m.y + m.height)),
  });
}

/** What to tell the helper, or null when nothing they see has changed (the first list, a rejoin). */
export function layoutNotice(before: Layout, after: Layout): LayoutNotice | null {
  if (before.monitors.length === 0) return null;
  const unchanged = before.selected === after.selected && before.monitors.length === after.monitors.length &&
    before.monitors.every((m, i) => {
      const other = after.monitors[i];
      return other !== undefined && same(m, other);
    });
  if (unchanged) return null;
  const was = before.selected === null ? undefined : before.monitors[before.selected];
  const now = after.selected === null ? undefined : after.monitors[after.selected];
  if (was && !now) {
    return { id: 'viewer-layout-monitor-gone', args: { monitor: was.name } };
  }
  if (now) {
    if (was && was.width === now.width && was.height === now.height) {
      return { id: 'viewer-layout-monitors', args: { count: after.monitors.length, monitor: now.name } };
    }
    return { id: 'viewer-layout-monitor-size', args: { monitor: now.name, ...size(now) } };
  }
  const whole = extent(after.monitors);
  if (before.monitors.length !== after.monitors.length) {
    return { id: 'viewer-layout-count', args: { count: after.monitors.length, ...whole } };
  }
  return { id: 'viewer-layout-size', args: whole };
}
