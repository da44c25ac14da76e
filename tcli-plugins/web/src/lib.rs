//! The bundled `web` native module (filled in by the native-modules issue).
