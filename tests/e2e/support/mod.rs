//! The one harness of the e2e suite, as jj's testutils: the hermetic environment (env.rs), what
//! a run of tcli showed and its normalised form for snapshots (run.rs), the one hermetic git
//! (git.rs) and the cargo builds of fixtures, bundled modules and helpers (build.rs). A test
//! file never defines its own.
//!
//! A whole output is checked as a transcript: `insta::assert_snapshot!(env.run([..]), @"...")`
//! (stdout, then stderr under a rule, then a non-zero exit status; paths as `$ROOT`). A new or
//! changed snapshot is written by `cargo insta test --accept` (cargo-insta) or by running the
//! test with `INSTA_UPDATE=always` and `cargo insta accept`; read each before keeping it.

mod build;
mod env;
pub mod forge;
mod git;
mod run;

pub use build::{bundled, fixture, target_dir, workspace_root};
pub use env::{helper_bin, helpers_dir, tcli_bin, TestEnv};
pub use git::Git;
pub use run::Run;
