//! What the helper sees after the sharer's monitors change: the monitor they
//! chose, found again in the new layout, or the whole screen when it is
//! gone, with words for the log that say which.

use crate::platform::ScreenLayout;
use deskmate_proto::messages::MonitorInfo;

/// Where the helper's choice went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The monitor shared now, as an index into the new list (`None`: the
    /// whole screen).
    pub selected: Option<u32>,
    /// What happened, for the log.
    pub summary: String,
}

/// Finds the shared monitor `selected` of `before` in `after`: by name when
/// exactly one monitor has it (a new resolution keeps the name), else by
/// position and size.
pub fn follow(before: &ScreenLayout, selected: Option<u32>, after: &ScreenLayout) -> Followed {
    let size = format!("{}x{}", after.width, after.height);
    let Some(old) = selected.and_then(|i| before.monitors.get(i as usize)) else {
        return Followed {
            selected: None,
            summary: format!(
                "sharing the whole screen, now {size} with {}",
                count(after.monitors.len())
            ),
        };
    };
    let named: Vec<&MonitorInfo> = after
        .monitors
        .iter()
        .filter(|m| m.name == old.name)
        .collect();
    let found = match named.as_slice() {
        [only] => Some(*only),
        _ => after
            .monitors
            .iter()
            .find(|m| (m.x, m.y, m.width, m.height) == (old.x, old.y, old.width, old.height)),
    };
    match found {
        Some(m) => Followed {
            selected: Some(m.index),
            summary: format!(
                "still sharing monitor {}, now {}x{} at {},{}",
                m.name, m.width, m.height, m.x, m.y
            ),
        },
        None => Followed {
            selected: None,
            summary: format!(
                "monitor {} is gone; sharing the whole screen ({size}) instead",
                old.name
            ),
        },
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 monitor".into()
    } else {
        format!("{n} monitors")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitor(index: u32, name: &str, x: i32, width: u32) -> MonitorInfo {
        MonitorInfo {
            index,
            name: name.into(),
            x,
            y: 0,
            width,
            height: 768,
            primary: index == 0,
        }
    }

    fn layout(monitors: Vec<MonitorInfo>) -> ScreenLayout {
        let width = monitors
            .iter()
            .map(|m| m.x as u32 + m.width)
            .max()
            .unwrap_or(1);
        ScreenLayout {
            width,
            height: 768,
            monitors,
        }
    }

    #[test]
    fn a_monitor_keeps_being_shared_under_its_new_index_and_resolution() {
        let before = layout(vec![
            monitor(0, "eDP-1", 0, 1024),
            monitor(1, "HDMI-1", 1024, 1024),
        ]);
        // A monitor appears in front of HDMI-1, which also changes resolution.
        let after = layout(vec![
            monitor(0, "DP-2", 0, 800),
            monitor(1, "eDP-1", 800, 1024),
            monitor(2, "HDMI-1", 1824, 1280),
        ]);
        let followed = follow(&before, Some(1), &after);
        assert_eq!(followed.selected, Some(2));
        assert!(
            followed.summary.contains("HDMI-1, now 1280x768 at 1824,0"),
            "{}",
            followed.summary
        );
    }

    #[test]
    fn a_removed_monitor_falls_back_to_the_whole_screen() {
        let before = layout(vec![
            monitor(0, "left", 0, 512),
            monitor(1, "right", 512, 512),
        ]);
        let after = layout(vec![monitor(0, "left", 0, 512)]);
        let followed = follow(&before, Some(1), &after);
        assert_eq!(followed.selected, None);
        assert!(
            followed.summary.contains("right is gone"),
            "{}",
            followed.summary
        );
    }

    #[test]
    fn an_unnamed_monitor_is_found_by_where_it_is() {
        let before = layout(vec![monitor(0, "a", 0, 512), monitor(1, "b", 512, 512)]);
        // Both renamed alike (names the system could not read), same geometry.
        let after = layout(vec![
            monitor(0, "monitor", 0, 512),
            monitor(1, "monitor", 512, 512),
        ]);
        assert_eq!(follow(&before, Some(1), &after).selected, Some(1));
    }

    #[test]
    fn the_whole_screen_stays_the_whole_screen() {
        let before = layout(vec![monitor(0, "screen", 0, 1024)]);
        let after = layout(vec![monitor(0, "screen", 0, 800)]);
        let followed = follow(&before, None, &after);
        assert_eq!(followed.selected, None);
        assert_eq!(
            followed.summary,
            "sharing the whole screen, now 800x768 with 1 monitor"
        );
    }
}
