//! The host terminal while a container owns it: raw mode for stdin (restored on drop, so every
//! way out of a run gives the user their terminal back) and the size to give the container.

use rustix::termios::{self, OptionalActions, Termios};

/// stdin in raw mode until dropped: keys, Ctrl-C included, go to the container's terminal as
/// bytes, as with `docker run -it`.
pub(crate) struct RawMode {
    saved: Termios,
}

impl RawMode {
    /// Switches stdin to raw mode; `None` when it is not a terminal we may change.
    pub(crate) fn enter() -> Option<RawMode> {
        let stdin = std::io::stdin();
        let saved = termios::tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        termios::tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
    }
}

/// The host terminal's size as (rows, columns), from stdout; `None` when it has none.
pub(crate) fn size() -> Option<(u16, u16)> {
    let ws = termios::tcgetwinsize(std::io::stdout()).ok()?;
    (ws.ws_row > 0 && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
}
