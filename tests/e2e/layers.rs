//! The layering docs/architecture.md draws, checked on the source: every `crate::<module>`
//! path in a file of tcli-core names a module of the same layer or one below, and no two files
//! of any workspace crate depend on each other, however indirectly. A source that reaches up to
//! the catalog, a runner to a command, or a file back to one that uses it fails here with the
//! files and the paths.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of tcli-core and its layer, bottom first.
const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("prim", 0),
    ("names", 0),
    ("context", 0),
    ("env_vars", 0),
    ("error", 0),
    ("exit", 0),
    ("ui", 0),
    ("team_dirs", 0),
    ("settings", 0),
    ("sources", 1),
    ("index", 2),
    ("catalog", 2),
    ("runner", 3),
    ("conformance", 4),
    ("plugins", 4),
    ("scaffold", 4),
    ("team", 4),
    ("dispatch", 4),
    ("commands", 4),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn layers_every_import_looks_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel.iter().next().unwrap().to_string_lossy();
        let top = top.trim_end_matches(".rs");
        if matches!(top, "lib" | "main") {
            continue;
        }
        let Some(own) = layer(top) else {
            panic!(
                "{} is in no layer: add its module to LAYERS and to docs/architecture.md",
                rel.display()
            );
        };
        let text = std::fs::read_to_string(f).unwrap();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                match layer(&name) {
                    Some(l) if l > own => upward.push(format!(
                        "{} (layer {own}) uses crate::{name} (layer {l})",
                        rel.display()
                    )),
                    None if !name.is_empty() => upward.push(format!(
                        "{} uses crate::{name}, which is in no layer",
                        rel.display()
                    )),
                    _ => {}
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that look up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn layers_no_cycle_between_files() {
    let root = crate::support::workspace_root();
    let mut graph = Graph::default();
    for krate in workspace_members(&root) {
        for entry in ["src/lib.rs", "src/main.rs"] {
            let file = krate.join(entry);
            if file.is_file() {
                graph.add_crate(&root, &file);
            }
        }
    }
    assert!(
        graph.edges.len() > 50,
        "the file graph is implausibly small ({} files): is the parser lost?",
        graph.edges.len()
    );
    let problems: Vec<String> = graph
        .cycles()
        .iter()
        .map(|cycle| format!("cycle between files:\n{}", graph.explain(cycle)))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The member dirs of the workspace, from its Cargo.toml.
fn workspace_members(root: &Path) -> Vec<PathBuf> {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    let members = manifest["workspace"]["members"].as_array().unwrap();
    let mut dirs = Vec::new();
    for m in members {
        let m = m.as_str().unwrap();
        match m.strip_suffix("/*") {
            Some(parent) => {
                let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(parent))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.join("Cargo.toml").is_file())
                    .collect();
                found.sort();
                dirs.extend(found);
            }
            None => dirs.push(root.join(m)),
        }
    }
    dirs
}

/// Which file uses which, each edge with the first path that made it.
#[derive(Default)]
struct Graph {
    /// file -> (file it uses -> the path that says so)
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

/// One crate's module tree: module path -> the file that holds it (an inline module is held
/// by the file it is written in).
type Tree = BTreeMap<Vec<String>, PathBuf>;

impl Graph {
    /// Adds the files of the crate whose root is `entry`, and the edges their paths make.
    fn add_crate(&mut self, root: &Path, entry: &Path) {
        let mut tree = Tree::new();
        let mut uses = Vec::new();
        walk_module(entry, Vec::new(), true, &mut tree, &mut uses);
        let rel = |p: &Path| p.strip_prefix(root).unwrap().display().to_string();
        for file in tree.values() {
            self.edges.entry(rel(file)).or_default();
        }
        for (from, module, path) in uses {
            let Some(target) = resolve(&tree, &module, &path) else {
                continue;
            };
            if target != from {
                self.edges
                    .entry(rel(&from))
                    .or_default()
                    .entry(rel(&target))
                    .or_insert_with(|| path.join("::"));
            }
        }
    }

    /// The strongly connected components of more than one file (Tarjan's algorithm).
    fn cycles(&self) -> Vec<BTreeSet<String>> {
        struct Tarjan<'a> {
            g: &'a Graph,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            on_stack: BTreeSet<&'a str>,
            out: Vec<BTreeSet<String>>,
        }
        impl<'a> Tarjan<'a> {
            fn visit(&mut self, v: &'a str) {
                let i = self.index.len();
                self.index.insert(v, i);
                self.low.insert(v, i);
                self.stack.push(v);
                self.on_stack.insert(v);
                for w in self.g.edges.get(v).into_iter().flat_map(|e| e.keys()) {
                    let w = w.as_str();
                    if !self.index.contains_key(w) {
                        self.visit(w);
                        let lw = self.low[w];
                        let lv = self.low.get_mut(v).unwrap();
                        *lv = (*lv).min(lw);
                    } else if self.on_stack.contains(w) {
                        let iw = self.index[w];
                        let lv = self.low.get_mut(v).unwrap();
                        *lv = (*lv).min(iw);
                    }
                }
                if self.low[v] == self.index[v] {
                    let mut scc = BTreeSet::new();
                    while let Some(w) = self.stack.pop() {
                        self.on_stack.remove(w);
                        scc.insert(w.to_string());
                        if w == v {
                            break;
                        }
                    }
                    if scc.len() > 1 {
                        self.out.push(scc);
                    }
                }
            }
        }
        let mut t = Tarjan {
            g: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            out: Vec::new(),
        };
        for v in self.edges.keys() {
            if !t.index.contains_key(v.as_str()) {
                t.visit(v);
            }
        }
        t.out.sort();
        t.out
    }

    /// The edges inside `cycle`, one a line: `a.rs -> b.rs (crate::b::thing)`.
    fn explain(&self, cycle: &BTreeSet<String>) -> String {
        let mut lines = Vec::new();
        for from in cycle {
            for (to, path) in &self.edges[from] {
                if cycle.contains(to) {
                    lines.push(format!("  {from} -> {to} ({path})"));
                }
            }
        }
        lines.join("\n")
    }
}

/// Records the file of module `module` (held in `file`) and the `crate::`/`super::`/`self::`
/// paths it writes, then does the same for each `mod x;` it declares. `owns_dir`: the file is a
/// crate root or a `mod.rs`, whose children sit beside it rather than in a dir of its name.
fn walk_module(
    file: &Path,
    module: Vec<String>,
    owns_dir: bool,
    tree: &mut Tree,
    uses: &mut Vec<(PathBuf, Vec<String>, Vec<String>)>,
) {
    tree.insert(module.clone(), file.to_path_buf());
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let tokens = tokens(&strip(&text));
    let dir = if owns_dir {
        file.parent().unwrap().to_path_buf()
    } else {
        file.with_extension("")
    };
    // The inline modules open at each point: (name, brace depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    // Names a `use` of a module path binds in this file (`use crate::commands;` makes
    // `commands::help::top_level` a path into commands/help.rs).
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        match t {
            "{" => depth += 1,
            "}" => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" if i + 2 < tokens.len() && is_ident(&tokens[i + 1]) => {
                let name = tokens[i + 1].clone();
                let here: Vec<String> = inline.iter().map(|(n, _)| n.clone()).collect();
                if tokens[i + 2] == ";" {
                    let base = here.iter().fold(dir.clone(), |d, n| d.join(n));
                    let flat = base.join(format!("{name}.rs"));
                    let nested = base.join(&name).join("mod.rs");
                    let mut child = module.clone();
                    child.extend(here);
                    child.push(name);
                    if flat.is_file() {
                        walk_module(&flat, child, false, tree, uses);
                    } else if nested.is_file() {
                        walk_module(&nested, child, true, tree, uses);
                    }
                } else if tokens[i + 2] == "{" {
                    let mut child = module.clone();
                    child.extend(here);
                    child.push(name.clone());
                    tree.insert(child, file.to_path_buf());
                    inline.push((name, depth + 1));
                }
            }
            "crate" | "super" | "self"
                if tokens.get(i + 1).is_some_and(|n| n == "::")
                    && (i == 0 || tokens[i - 1] != "::" && tokens[i - 1] != "$") =>
            {
                let mut here = module.clone();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                let (paths, next) = use_tree(&tokens, i);
                for p in paths {
                    if i > 0 && tokens[i - 1] == "use" {
                        bind(&mut aliases, &p);
                    }
                    uses.push((file.to_path_buf(), here.clone(), p));
                }
                i = next;
                continue;
            }
            t if aliases.contains_key(t)
                && tokens.get(i + 1).is_some_and(|n| n == "::")
                && (i == 0 || !matches!(tokens[i - 1].as_str(), "::" | "." | "use")) =>
            {
                let mut here = module.clone();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                let (paths, next) = use_tree(&tokens, i);
                for p in paths {
                    let mut full = aliases[t].clone();
                    full.extend(p.into_iter().skip(1));
                    uses.push((file.to_path_buf(), here.clone(), full));
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// Records the name a used path binds: its last segment (`x` for `...::x::{self}`).
fn bind(aliases: &mut BTreeMap<String, Vec<String>>, path: &[String]) {
    let mut path = path.to_vec();
    if path.last().is_some_and(|s| s == "self") {
        path.pop();
    }
    if let Some(last) = path
        .last()
        .filter(|s| !matches!(s.as_str(), "crate" | "super"))
    {
        aliases.insert(last.clone(), path.clone());
    }
}

/// The module a path names, as a file of the tree: the longest prefix of the path, made
/// absolute from `module`, that is a module.
fn resolve(tree: &Tree, module: &[String], path: &[String]) -> Option<PathBuf> {
    let mut abs: Vec<String> = module.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            abs.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        _ => {}
    }
    while rest.first().is_some_and(|s| s == "super") {
        abs.pop()?;
        rest = &rest[1..];
    }
    abs.extend(rest.iter().cloned());
    (0..=abs.len())
        .rev()
        .find_map(|n| tree.get(&abs[..n]).cloned())
}

/// The paths a path or use tree starting at `tokens[start]` spells (`crate::a::{b, c::d}`
/// spells `crate::a::b` and `crate::a::c::d`), and the index after it.
fn use_tree(tokens: &[String], start: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    let mut i = start;
    loop {
        match tokens.get(i).map(String::as_str) {
            Some(t) if is_ident(t) => {
                prefix.push(t.to_string());
                i += 1;
                if tokens.get(i).is_some_and(|t| t == "::") {
                    i += 1;
                    continue;
                }
                return (vec![prefix], i);
            }
            Some("{") => {
                let mut out = Vec::new();
                i += 1;
                while i < tokens.len() && tokens[i] != "}" {
                    if tokens[i] == "," {
                        i += 1;
                        continue;
                    }
                    let (subs, next) = use_tree(tokens, i);
                    for s in subs {
                        let mut p = prefix.clone();
                        p.extend(s);
                        out.push(p);
                    }
                    // Skip what a use tree may end with (`as x`, `*`) up to `,` or `}`.
                    i = next.max(i + 1);
                    while i < tokens.len() && tokens[i] != "," && tokens[i] != "}" {
                        i += 1;
                    }
                }
                return (out, i + 1);
            }
            _ => return (vec![prefix], i),
        }
    }
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// `text` split into identifiers, `::` and single punctuation marks.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".to_string());
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

/// `text` without comments, string literals and char literals (each replaced by a space), so
/// a path in a doc comment or a message is not taken for a use.
fn strip(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if (c == 'r' || c == 'b')
            && !b[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
            && raw_string_at(&b, i).is_some()
        {
            i = raw_string_at(&b, i).unwrap();
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'); otherwise a lifetime, kept as is.
            if next == Some('\\') {
                // Past the backslash and the escaped char (which may be a quote).
                i += 3;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(' ');
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push(' ');
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The index after a raw string literal (`r"..."`, `r#"..."#`, `br"..."`) at `i`, if one
/// starts there.
fn raw_string_at(b: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if b[j] == 'b' {
        j += 1;
    }
    if b.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while b.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if b.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(j)
}
