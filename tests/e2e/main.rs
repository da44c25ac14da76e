//! The end-to-end suite: the real `tcli` binary in a hermetic environment per test. One module
//! per area; each test is named `<module>_<verb>_<scenario>`.

mod support;
