//! `tcli completion <shell>`: prints a completion script, and the hidden
//! `tcli __complete <shell> -- <words...>` the script calls on every TAB. The candidates are
//! `commands::complete`'s; this file only shapes them for each shell. The script never needs
//! regenerating: modules, verbs and built-ins come from the binary at completion time.

use crate::context::Context;
use crate::names::Builtin;
use crate::ui;
use clap::{Parser, ValueEnum};
use std::ffi::OsString;

/// Print a shell completion script
///
/// Completes built-ins, every module in the index, the verbs and subjects modules declare, then
/// file names. Completion reads the index as it is; a module added since the last `tcli` run
/// completes once tcli has listed it (any `tcli` or `tcli --help` does).
///
/// bash: add `source <(tcli completion bash)` to ~/.bashrc.
///
/// zsh: add `source <(tcli completion zsh)` to ~/.zshrc, after `compinit`.
///
/// fish: `tcli completion fish > ~/.config/fish/completions/tcli.fish`.
#[derive(Parser)]
#[command(disable_version_flag = true)]
pub struct CompletionArgs {
    /// The shell to print a script for
    shell: Shell,
}

#[derive(Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

// Each script hands the words typed so far to `tcli __complete` and shows its answer; an empty
// answer falls back to the shell's own file-name completion.
const BASH: &str = r#"# tcli completion for bash
_tcli() {
    local IFS=$'\n'
    COMPREPLY=($(tcli __complete bash -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -o bashdefault -F _tcli tcli
"#;

const ZSH: &str = r#"#compdef tcli
# tcli completion for zsh
_tcli() {
    local -a candidates
    candidates=(${(f)"$(tcli __complete zsh -- "${(@Q)words[2,CURRENT]}" 2>/dev/null)"})
    if (( ${#candidates} )); then
        _describe -t tcli 'tcli' candidates
    else
        _files
    fi
}
compdef _tcli tcli
"#;

const FISH: &str = r#"# tcli completion for fish
function __tcli_complete
    set -l answer (tcli __complete fish -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
    if test (count $answer) -gt 0
        printf '%s\n' $answer
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c tcli -f -a '(__tcli_complete)'
"#;

/// Runs `tcli completion <shell>`.
pub fn cmd_completion(_cx: &Context, args: Vec<OsString>) -> anyhow::Result<u8> {
    super::parse_then(Builtin::Completion, args, |args: CompletionArgs| {
        ui::out(match args.shell {
            Shell::Bash => BASH,
            Shell::Zsh => ZSH,
            Shell::Fish => FISH,
        });
        Ok(0)
    })
}

/// The hidden first word of `tcli __complete <shell> -- <words...>`.
pub const COMPLETE_ARG: &str = "__complete";

/// Runs `tcli __complete <shell> -- <words...>`: one candidate per line, as the shell's script
/// reads them (bash: the word; zsh: `word:description`; fish: `word<TAB>description`). Never
/// fails loudly: a completion that cannot help prints nothing.
pub fn cmd_complete(cx: &Context, args: Vec<OsString>) -> anyhow::Result<u8> {
    let mut args = args.into_iter().map(|a| a.to_string_lossy().into_owned());
    let Some(shell) = args.next().and_then(|s| Shell::from_str(&s, false).ok()) else {
        return Ok(crate::exit::Exit::Usage.code());
    };
    let mut words: Vec<String> = args.skip_while(|a| a != "--").skip(1).collect();
    if matches!(shell, Shell::Bash) {
        words = bash_words(words);
    }
    let current = words.last().cloned().unwrap_or_default();
    let mut s = String::new();
    for c in super::complete::candidates(cx, &words) {
        let desc = crate::prim::text::sanitize_line(&c.description, 80);
        match shell {
            // readline replaces only what follows the last `=` (a word break for it).
            Shell::Bash => match current.rfind('=') {
                Some(at) => s.push_str(c.word.get(at + 1..).unwrap_or_default()),
                None => s.push_str(&c.word),
            },
            Shell::Zsh if desc.is_empty() => s.push_str(&c.word.replace(':', "\\:")),
            Shell::Zsh => {
                s.push_str(&format!("{}:{desc}", c.word.replace(':', "\\:")));
            }
            Shell::Fish => s.push_str(&format!("{}\t{desc}", c.word)),
        }
        s.push('\n');
    }
    ui::out(&s);
    Ok(0)
}

/// bash hands over `COMP_WORDS` as typed: split at `=` (`--kind`, `=`, `ex`) and with quotes
/// still on (`'dep`). Rejoined and unquoted here, the words read as zsh and fish give them.
fn bash_words(raw: Vec<String>) -> Vec<String> {
    let mut words: Vec<String> = Vec::with_capacity(raw.len());
    let mut glue = false;
    for w in raw {
        match words.last_mut() {
            Some(last) if w == "=" && last.starts_with("--") && !last.contains('=') => {
                last.push('=');
                glue = true;
            }
            Some(last) if glue => {
                last.push_str(&unquote(&w));
                glue = false;
            }
            _ => words.push(unquote(&w)),
        }
    }
    words
}

/// A word as the shell would pass it on: quotes removed, backslash escapes applied. A quote
/// still open (the word under the cursor) is fine.
fn unquote(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut quote: Option<char> = None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (Some(_), '\\') => match chars.next() {
                Some(n @ ('$' | '`' | '"' | '\\')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => out.extend(chars.next()),
            (_, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{bash_words, unquote};

    #[test]
    fn bash_words_rejoin_options_and_drop_quotes() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            bash_words(w(&["modules", "new", "x", "--kind", "=", "ex"])),
            w(&["modules", "new", "x", "--kind=ex"])
        );
        assert_eq!(
            bash_words(w(&["new", "--kind", "="])),
            w(&["new", "--kind="])
        );
        assert_eq!(bash_words(w(&["'dep"])), w(&["dep"]));
        assert_eq!(bash_words(w(&["\"deploy\"", ""])), w(&["deploy", ""]));
        assert_eq!(unquote(r#"a\ b"c\"d"'e f'"#), r#"a bc"de f"#);
    }
}
