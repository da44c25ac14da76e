//! Running a resolved module, one file per kind. Each runner returns the exit code tcli ends
//! with, or an error carrying one of the codes of docs/cli.md ("Exit codes").

pub mod docker;
pub mod exec;
pub mod native;
