//! Where a listing's output goes: straight to stdout as records arrive (the default),
//! or, with `--atomic`, to an anonymous spool file that reaches stdout only once the
//! listing has ended well, so a failure half-way prints nothing but the error.

use std::{
    fs::File,
    io::{self, BufWriter, Seek, StdoutLock, Write},
};

/// How much output is gathered before a write: a 2,000-member page of ndjson is about
/// 700 KB, 86 writes of 8 KB (std's default) and 11 of 64 KB.
pub const BLOCK: usize = 64 * 1024;

/// Stdout, or a spool file in front of it.
#[derive(Debug)]
pub enum ListingOut {
    /// Records go out as they arrive; what was written stays if the listing fails.
    Streamed(BufWriter<StdoutLock<'static>>),
    /// Records wait in an unnamed temporary file (deleted by the OS when dropped).
    Spooled(BufWriter<File>),
}

impl ListingOut {
    /// Stdout when `atomic` is false, else a fresh spool file; written in blocks of
    /// [`BLOCK`] bytes.
    pub fn new(atomic: bool) -> io::Result<Self> {
        Ok(if atomic {
            Self::Spooled(BufWriter::with_capacity(BLOCK, tempfile::tempfile()?))
        } else {
            Self::Streamed(BufWriter::with_capacity(BLOCK, io::stdout().lock()))
        })
    }

    /// The listing ended well: flush, and copy a spool to stdout.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Self::Streamed(mut out) => out.flush(),
            Self::Spooled(spool) => {
                let mut file = spool.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.rewind()?;
                let mut out = io::stdout().lock();
                io::copy(&mut file, &mut out)?;
                out.flush()
            }
        }
    }
}

impl ListingOut {
    /// Write a spool's content to `out` (a streamed output has nothing held back).
    pub fn copy_to(self, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Self::Streamed(mut own) => own.flush(),
            Self::Spooled(spool) => {
                let mut file = spool.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.rewind()?;
                io::copy(&mut file, out)?;
                Ok(())
            }
        }
    }
}

impl Write for ListingOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Streamed(out) => out.write(buf),
            Self::Spooled(out) => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Self::Streamed(out) => out.write_all(buf),
            Self::Spooled(out) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Streamed(out) => out.flush(),
            Self::Spooled(out) => out.flush(),
        }
    }
}
