//! tcli-plugin-sdk: the native module ABI (filled in by the native-modules issue).
