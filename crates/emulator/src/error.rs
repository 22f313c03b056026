//! The library's error type.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What can go wrong when loading a fleet or starting the emulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A fixture file could not be read.
    #[error("cannot read fixture {}: {source}", path.display())]
    FixtureIo {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A fixture is not valid JSON of the expected shape, or breaks a rule of the
    /// service it describes (duplicate ids, an address that is not an IP, ...).
    #[error("invalid fixture: {0}")]
    Fixture(String),
    /// The listen address is not a loopback address.
    #[error(
        "refusing to listen on {0}: the emulator binds loopback addresses only \
         (127.0.0.0/8 or ::1), it is not meant to be reachable from other machines"
    )]
    NotLoopback(SocketAddr),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
