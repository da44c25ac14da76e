//! The '{{name}}' module for tcli, made by 'tcli modules new': a clap command with two verbs,
//! exported with `export_plugin!`. Each verb writes to the `impl Write` it is given, so the
//! tests at the bottom check its output without tcli.

use std::io::Write;
use std::path::Path;
use tcli_plugin_sdk::clap::{self, Subcommand};
use tcli_plugin_sdk::{Error, Host, Verbs};

/// `tcli {{name}} <verb>`; its help shows the package description and version.
type Cli = Verbs<Verb>;

#[derive(Subcommand)]
enum Verb {
    /// Greet someone
    Hello {
        /// Who to greet
        #[arg(default_value = "world")]
        name: String,
    },
    /// Show the directories tcli gives this module
    Dirs,
}

fn run(cli: Cli, host: &Host) -> Result<(), Error> {
    // Writing through a lock (not `println!`) turns a closed pipe into a quiet exit 0.
    let mut out = std::io::stdout().lock();
    match cli.verb {
        Verb::Hello { name } => hello(&mut out, &name),
        Verb::Dirs => dirs(
            &mut out,
            &[
                ("config", host.config_dir()),
                ("data", host.data_dir()),
                ("cache", host.cache_dir()),
            ],
        ),
    }
}

fn hello(out: &mut impl Write, name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::usage("the name is empty").with_hint("try 'tcli {{name}} hello sam'"));
    }
    writeln!(out, "hello, {name}")?;
    Ok(())
}

fn dirs(out: &mut impl Write, dirs: &[(&str, &Path)]) -> Result<(), Error> {
    for (what, dir) in dirs {
        writeln!(out, "{what:<6} {}", dir.display())?;
    }
    Ok(())
}

tcli_plugin_sdk::export_plugin! {
    name: "{{name}}",
    cli: Cli,
    run: run,
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcli_plugin_sdk::clap::CommandFactory;

    fn output(verb: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>) -> String {
        let mut out = Vec::new();
        verb(&mut out).expect("the verb succeeds");
        String::from_utf8(out).expect("UTF-8 output")
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn hello_greets_by_name() {
        assert_eq!(output(|out| hello(out, "sam")), "hello, sam\n");
    }

    #[test]
    fn hello_refuses_an_empty_name() {
        assert!(hello(&mut Vec::new(), "").is_err());
    }

    #[test]
    fn dirs_lists_one_dir_per_line() {
        let given = [("data", Path::new("/d")), ("cache", Path::new("/c"))];
        assert_eq!(output(|out| dirs(out, &given)), "data   /d\ncache  /c\n");
    }
}
