//! Docker image labels as the engine reports them, through the helper's bound: only the labels
//! tcli reads are kept, tcli's own always, the first unknown ones by name, each whole or cut
//! just past its bound; every image becomes a module or a reported problem; names are valid,
//! descriptions clean, run settings parse or block running (a cut one always blocks).
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::model::Problem;
use tcli_core::sources::docker::{modules_from, run_settings, Trust};
use tcli_helper::docker::{bounded_labels, label, Image, LABEL_MAX};

fuzz_target!(|data: &[u8]| {
    let Ok(mut images) = serde_json::from_slice::<Vec<Image>>(data) else {
        return;
    };
    // As the helper sends them. Inputs are shorter than the bound, so a value ending in '~'
    // stands for a huge one: it is repeated past the bound (rarely, or fuzzing crawls).
    for img in &mut images {
        let mut all = std::mem::take(&mut img.labels);
        for v in all.values_mut() {
            if v.ends_with('~') {
                *v = v.repeat(LABEL_MAX / v.len() + 2);
            }
        }
        img.labels = bounded_labels(all.clone());
        for (k, v) in &img.labels {
            assert!(
                k.starts_with(label::TCLI_PREFIX) || label::TEXT.contains(&k.as_str()),
                "{k:?} kept"
            );
            // Whole within the bound; else cut just past it, never more than a character past.
            if all[k].len() <= LABEL_MAX {
                assert_eq!(&all[k], v, "{k}: not whole");
            } else {
                assert!(
                    v.len() > LABEL_MAX && v.len() <= LABEL_MAX + 4,
                    "{k}: {} bytes",
                    v.len()
                );
                assert!(all[k].starts_with(v.as_str()), "{k}: not a prefix");
            }
        }
        for k in label::TCLI {
            assert_eq!(
                all.contains_key(*k),
                img.labels.contains_key(*k),
                "{k} dropped"
            );
        }
        let unknown =
            |k: &&String| k.starts_with(label::TCLI_PREFIX) && !label::TCLI.contains(&k.as_str());
        let first: Vec<&String> = all
            .keys()
            .filter(unknown)
            .take(label::UNKNOWN_MAX)
            .collect();
        let kept: Vec<&String> = img.labels.keys().filter(unknown).collect();
        assert_eq!(kept, first, "not the first unknown labels by name");
    }
    let trusts = [
        Trust::Everyone,
        Trust::Prefixes(vec!["registry.example.com/team/".into()]),
        Trust::Unknown("unreadable".into()),
    ];
    for trust in &trusts {
        for m in modules_from(&images, trust) {
            if m.problems.is_empty() {
                assert!(tcli_core::names::validate(&m.name).is_ok(), "{:?}", m.name);
            }
            if let Some(d) = &m.description {
                assert!(!d.chars().any(tcli_core::prim::text::is_unsafe), "{d:?}");
            }
            let cut = m
                .problems
                .iter()
                .any(|p| matches!(p, Problem::LabelCut { .. }));
            if cut {
                assert!(!m.runnable, "{:?} runs with a cut label", m.name);
            }
            let _ = run_settings(&m);
        }
    }
});
