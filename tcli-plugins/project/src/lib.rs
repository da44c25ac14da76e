//! The bundled `project` native module (filled in by the native-modules issue).
