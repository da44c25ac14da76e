//! The index reader: any bytes parse or are refused without panicking, what parses writes
//! back to the same index, and reading one kind never fails where reading all succeeds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::index::Index;
use tcli_core::model::Kind;

fuzz_target!(|data: &[u8]| {
    let exec: &[Kind] = &[Kind::Exec];
    // Reading only some kinds stops early: it reads a part of what reading all reads.
    let some = Index::parse(data, Some(exec));
    if let Some(index) = Index::parse(data, None) {
        assert!(
            some.is_some(),
            "reading all succeeds, reading exec alone fails"
        );
        let bytes = index.to_bytes().expect("an index that parsed encodes");
        let again = Index::parse(bytes.as_slice(), None).expect("what tcli writes, tcli reads");
        assert_eq!(again.sources, index.sources);
        // In what tcli writes, reading one kind finds exactly what reading all finds for it.
        let one = Index::parse(bytes.as_slice(), Some(exec)).expect("one kind of what tcli writes");
        assert_eq!(one.sources.get(&Kind::Exec), index.sources.get(&Kind::Exec));
    }
});
