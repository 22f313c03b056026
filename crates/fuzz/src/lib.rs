//! A structured fuzz harness for every lb-backends response decoder, on stable Rust.
//!
//! Realistic bodies (the seed corpus in `corpus/`) are parsed, mutated at random
//! places ([`mutate`]), rendered (duplicate keys and raw text included) and
//! sometimes damaged byte by byte, then handed to each decoder through its
//! provider's hidden `fuzzing` module ([`decoders`]). Every case is named by
//! (seed, decoder, case number), so any failure can be replayed alone. The binary
//! (`cargo xtask fuzz`) runs millions of cases in release; the `smoke` test runs
//! 10,000 per decoder in every `cargo test`. See `docs/reliability.md`.
#![deny(missing_docs)]

pub mod decoders;
pub mod mutate;
pub mod node;
pub mod rng;
pub mod runner;
