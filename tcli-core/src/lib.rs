//! tcli: the team command line. `main.rs` is a thin shell around [`dispatch::run`]; everything
//! here is testable without a process. Map: `dispatch` (grammar, lookup, the one match over
//! kinds) → `discovery` (one file per source) + `index` (the cache) → `runner` (one file per
//! kind); `commands` holds the built-in modules, one file per verb; `scaffold` writes new module skeletons; `ui` is
//! the only printer.

pub mod catalog;
pub mod commands;
pub mod complete;
pub mod context;
pub mod discovery;
pub mod dispatch;
pub mod docker;
pub mod env_vars;
pub mod error;
pub mod exit;
pub mod index;
pub mod names;
pub mod probe;
pub mod runner;
pub mod scaffold;
pub mod settings;
pub mod source_protocol;
pub mod team;
pub mod team_dirs;
pub mod ui;
