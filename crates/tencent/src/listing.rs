//! Offset paging shared by the legacy listings: where the next page starts, and
//! the guard against a service that repeats itself.

use std::collections::HashSet;

use lb_backends_core::{Error, ErrorKind};

/// Where the next page starts, and what the listing has seen so far.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    /// The offset of the page to fetch.
    pub offset: u64,
    /// Records received so far (duplicates included), for comparing with a total.
    pub received: u64,
    /// Keys already yielded, so that a record moved across a page boundary
    /// while we page is yielded once.
    pub seen: HashSet<String>,
}

/// Decide the cursor after a page of `got` records fetched at `cursor.offset`
/// with `limit`. `total` is the service's count when it sends one.
///
/// - an empty page ends the listing; when `total` says there was more, it ends with
///   an [`ErrorKind::Incomplete`] error after what was read, as APIG's does;
/// - with a total, the listing ends once that many records were received; a page
///   shorter than `limit` before that is logged and paging goes on;
/// - without a total, a page shorter than `limit` is the last.
///
/// The next offset is `offset + got` (equal to `offset + limit` on a full page), so
/// a service that caps pages below `limit` skips nothing.
pub(crate) fn advance(
    mut cursor: Cursor,
    limit: u32,
    got: usize,
    total: Option<u64>,
    what: &str,
) -> Result<Option<Cursor>, Error> {
    let got = u64::try_from(got).unwrap_or(u64::MAX);
    cursor.received = cursor.received.saturating_add(got);
    if got == 0 {
        return match total.filter(|t| cursor.received < *t) {
            Some(total) => Err(Error::new(
                ErrorKind::Incomplete,
                format!(
                    "{what}: an empty page at offset {} after {} of the {total} records \
                     the service announced; the listing may be missing some",
                    cursor.offset, cursor.received
                ),
            )),
            None => Ok(None),
        };
    }
    let short = got < u64::from(limit);
    match total {
        Some(total) if cursor.received >= total => return Ok(None),
        Some(total) if short => tracing::warn!(
            what,
            offset = cursor.offset,
            got,
            limit,
            received = cursor.received,
            total,
            "a page shorter than the limit arrived before the announced total; paging on"
        ),
        Some(_) => {}
        None if short => return Ok(None),
        None => {}
    }
    cursor.offset = cursor.offset.saturating_add(got);
    Ok(Some(cursor))
}

/// `size` when it is a page size the service takes (1 to `max`).
pub(crate) fn check_page_size(size: u32, max: u32) -> Result<u32, Error> {
    if (1..=max).contains(&size) {
        Ok(size)
    } else {
        Err(Error::invalid_input(format!(
            "page size {size} is out of range: it must be 1 to {max}"
        )))
    }
}

/// The error for a non-empty page whose every record was already yielded: the
/// service is not honouring `offset`, and paging on would never end.
pub(crate) fn repeated_page(what: &str, offset: u64) -> Error {
    Error::new(
        ErrorKind::Incomplete,
        format!(
            "{what}: the page at offset {offset} repeats records already listed; \
             the listing stops here"
        ),
    )
}

/// A weight in the clouds' range, else `None` (the record keeps the value).
pub(crate) fn weight(w: Option<i64>) -> Option<u8> {
    w.and_then(|w| u8::try_from(w).ok())
        .filter(|w| *w <= lb_backends_core::Weight::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset: u64, received: u64) -> Cursor {
        Cursor {
            offset,
            received,
            seen: HashSet::new(),
        }
    }

    #[test]
    fn with_a_total() {
        // 250 at 100: 0 -> 100 -> 200 -> end.
        let c = advance(at(0, 0), 100, 100, Some(250), "t")
            .unwrap()
            .unwrap();
        assert_eq!((c.offset, c.received), (100, 100));
        let c = advance(c, 100, 100, Some(250), "t").unwrap().unwrap();
        assert_eq!(c.offset, 200);
        assert!(advance(c, 100, 50, Some(250), "t").unwrap().is_none());
        // Exactly a multiple of the limit: no extra empty page.
        assert!(advance(at(100, 100), 100, 100, Some(200), "t")
            .unwrap()
            .is_none());
        // A total that never comes: the empty page ends it, flagged.
        let err = advance(at(300, 300), 100, 0, Some(1_000_000), "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        // A short page before the total: go on from where it ended.
        let c = advance(at(0, 0), 100, 40, Some(250), "t").unwrap().unwrap();
        assert_eq!(c.offset, 40);
        // A total too small: stop once reached.
        assert!(advance(at(0, 0), 100, 100, Some(3), "t").unwrap().is_none());
    }

    #[test]
    fn without_a_total() {
        let c = advance(at(0, 0), 100, 100, None, "t").unwrap().unwrap();
        assert_eq!(c.offset, 100);
        assert!(advance(c, 100, 30, None, "t").unwrap().is_none());
        assert!(advance(at(0, 0), 100, 0, None, "t").unwrap().is_none());
    }
}
