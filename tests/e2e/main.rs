//! The end-to-end suite: the real `tcli` binary in a hermetic environment per test. One module
//! per area; each test is named `<module>_<verb>_<scenario>`.

// The harness is one crate: `pub` in support.rs means "for the test modules", and not every
// area uses every helper.
#![allow(unreachable_pub, dead_code)]

mod completion;
mod dispatch;
mod docker;
mod docs;
mod doctor;
mod hardening;
mod help;
pub mod http;
mod index;
mod layers;
mod modules;
mod names;
mod native;
mod new;
mod notify;
mod oncall;
mod pinned;
mod secrets;
mod signed;
mod sources;
mod store;
mod support;
mod team;
mod transport;
mod withheld;
