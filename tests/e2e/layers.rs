//! The layering docs/architecture.md draws, checked on the source: every `crate::<module>`
//! path in a file of tcli-core names a module of the same layer or one below. A source that
//! reaches up to the catalog, or a runner to a command, fails here with the file and the path.

use std::path::Path;

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
