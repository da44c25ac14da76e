//! tcli: the team command line. `main.rs` is a thin shell around [`dispatch::run`]; everything
//! here is testable without a process. The layers, each using only those below it
//! (docs/architecture.md): `model` and `prim` (the module model, shared primitives) →
//! `sources` (one file per discovery source) → `index` and `catalog` (the cache, precedence,
//! lookup) → `runner` (one file per kind) → `conformance`, `plugins`, `dispatch` and `commands`
//! (the built-in modules, one file per verb). `ui` is the only printer.

pub mod catalog;
pub mod commands;
pub mod conformance;
pub mod context;
pub mod dispatch;
pub mod env_vars;
pub mod error;
pub mod exit;
pub mod index;
pub mod model;
pub mod names;
pub mod plugins;
pub mod prim;
pub mod runner;
pub mod scaffold;
pub mod settings;
pub mod sources;
pub mod team;
pub mod team_dirs;
pub mod ui;
