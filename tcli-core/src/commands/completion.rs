//! `tcli completion <shell>`: prints a completion script. Module names come from
//! `tcli modules list --names` at completion time, so new modules complete at once and the
//! script never needs regenerating; it reads the warm index and runs no module.

use crate::context::Context;
use crate::ui;
use clap::{Parser, ValueEnum};
use std::ffi::OsString;

/// Print a shell completion script
///
/// bash: add `source <(tcli completion bash)` to ~/.bashrc.
/// zsh:  add `source <(tcli completion zsh)` to ~/.zshrc.
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

const BASH: &str = r#"# tcli completion for bash
_tcli() {
    local cur=${COMP_WORDS[COMP_CWORD]} words
    if [ "$COMP_CWORD" -eq 1 ]; then
        words="$(tcli modules list --names 2>/dev/null) --help --version"
    elif [ "$COMP_CWORD" -eq 2 ]; then
        case "${COMP_WORDS[1]}" in
            modules) words="list which check install remove" ;;
            team) words="add list remove update status" ;;
            help) words="$(tcli modules list --names 2>/dev/null)" ;;
            completion) words="bash zsh fish" ;;
            *) words="$(tcli modules list --verbs "${COMP_WORDS[1]}" 2>/dev/null) --help" ;;
        esac
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _tcli tcli
"#;

const ZSH: &str = r#"#compdef tcli
# tcli completion for zsh
_tcli() {
    local -a words_
    if (( CURRENT == 2 )); then
        words_=(${(f)"$(tcli modules list --names 2>/dev/null)"})
    elif (( CURRENT == 3 )); then
        case $words[2] in
            modules) words_=(list which check install remove) ;;
            team) words_=(add list remove update status) ;;
            help) words_=(${(f)"$(tcli modules list --names 2>/dev/null)"}) ;;
            completion) words_=(bash zsh fish) ;;
            *) words_=(${(f)"$(tcli modules list --verbs $words[2] 2>/dev/null)"} --help) ;;
        esac
    else
        _files
        return
    fi
    compadd -a words_
}
compdef _tcli tcli
"#;

const FISH: &str = r#"# tcli completion for fish
complete -c tcli -f -n '__fish_is_first_arg' -a '(tcli modules list --names 2>/dev/null)'
complete -c tcli -f -n '__fish_seen_subcommand_from modules; and test (count (commandline -opc)) -eq 2' -a 'list which check install remove'
complete -c tcli -f -n '__fish_seen_subcommand_from team; and test (count (commandline -opc)) -eq 2' -a 'add list remove update status'
complete -c tcli -f -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'
"#;

/// Runs `tcli completion <shell>`.
pub fn cmd_completion(_cx: &Context, args: Vec<OsString>) -> anyhow::Result<u8> {
    let args: CompletionArgs = match super::parse("completion", args) {
        Ok(a) => a,
        Err(code) => return Ok(code),
    };
    ui::out(match args.shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
    });
    Ok(0)
}
