//! Shared primitives with no knowledge of modules or sources: text made safe for a terminal
//! and a shell, files written atomically and locked, commands run with a timeout in parallel.
//! Everything above may use them; they use nothing above.

pub mod fs;
pub mod probe;
pub mod text;
