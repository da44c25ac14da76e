//! The index reader: any bytes parse or are refused without panicking, and what parses writes
//! back to the same index.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::index::Index;

fuzz_target!(|data: &[u8]| {
    if let Some(index) = Index::parse(data, None) {
        let bytes = index.to_bytes().expect("an index that parsed encodes");
        let again = Index::parse(bytes.as_slice(), None).expect("what tcli writes, tcli reads");
        assert_eq!(again.sources, index.sources);
    }
    // Reading only some kinds stops early but never reads more than the whole.
    let _ = Index::parse(data, Some(&[tcli_core::model::Kind::Exec]));
});
