//! End-to-end tests against the emulator, and the conformance suite every provider
//! passes (filled in as providers land).
