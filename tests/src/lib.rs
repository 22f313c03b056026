//! End-to-end tests of lb-backends against its emulator (in `tests/`), and the
//! [`conformance`] suite that every provider passes, so providers cannot drift apart.
#![deny(missing_docs)]

pub mod conformance;
