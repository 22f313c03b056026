//! Item-offset paging of the member listing, with the rules that keep a `total`
//! which disagrees with the pages from looping, dropping or repeating members.
//!
//! `offset` is the number of members to skip (the seed calls it a page number; the
//! service and its SDK treat it as an item offset, see API.md 3). Each request asks
//! for `limit` members at `offset`; the next offset is the previous one plus the
//! number of records the page held.
//!
//! The exact rule is the offset-and-total rule of
//! [`PageGuard::by_total`](lb_backends_core::paging::PageGuard::by_total), shared with
//! Tencent CLB, after the checks every listing makes
//! ([`PageGuard::admit`](lb_backends_core::paging::PageGuard::admit)); with `T` the
//! first page's `total`, `n` the distinct member ids seen so far, `r` the records on
//! this page:
//!
//! 1. Records are de-duplicated by member id (a record without an id by its whole
//!    content) within the current page and the two before it (the bounded window of
//!    [`PageGuard::admit`]); a member is yielded once, the first time it is seen there. A page that
//!    holds records but none new (a service ignoring `offset`) ends the listing
//!    with [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete) at once, as does a page of more than `limit`
//!    records.
//! 2. A `total` that is not an integer of 0 or more is `Incomplete`, never
//!    "missing"; so is a `T` above the client-side bound
//!    ([`ApigProvider::with_max_records`](crate::ApigProvider::with_max_records)).
//! 3. The page's `total` differs from `T` → yield the page's new members, then
//!    `Incomplete`: members moved between pages, some may have been missed.
//! 4. `n > T` → yield, then `Incomplete`: the service under-counted.
//! 5. `r < limit` (a short or empty page: the service has nothing after it) → the
//!    listing ends; cleanly only if `n == T`, else `Incomplete` after yielding.
//! 6. A full page (`r >= limit`) → fetch the next one, even when `n == T`: an
//!    under-counting `total` would otherwise drop members silently. This costs one
//!    extra (empty) request only when `T` is a multiple of `limit`.
//! 7. At most `min(ceil(T / limit), ceil(max_records / limit)) + 2` pages are
//!    fetched: the cap never comes from the server's numbers alone.
//!
//! So the listing always ends, within a client-side number of requests, and ends
//! without an error only when exactly `T` distinct members were read.

use std::future::Future;

use lb_backends_core::{
    paging::{paginate_checked, Page, PageGuard},
    Backend, BackendStream, Result,
};

use crate::record::{dedup_key, MemberPage};

/// Where the walk is, carried from one page fetch to the next.
#[derive(Debug)]
struct Walk {
    guard: PageGuard,
    offset: u64,
}

impl Walk {
    fn new(limit: u32, max_records: u64) -> Self {
        Self {
            guard: PageGuard::new("listing the VPC channel members", limit)
                .with_max_records(max_records),
            offset: 0,
        }
    }

    /// Take in one page: its new members, then what happens next.
    fn absorb(mut self, page: MemberPage) -> Page<Result<Backend>, Walk> {
        let got = page.records.len();
        let admitted = self.guard.admit(page.records, dedup_key);
        if admitted.problem.is_some() {
            return admitted.into_page(Ok(None));
        }
        let next = self.guard.by_total(page.total, got).map(|more| {
            more.then(|| {
                self.offset += got as u64;
                self
            })
        });
        admitted.into_page(next)
    }
}

/// A lazy stream over every member, fetching `limit` members at a time with
/// `fetch(offset, limit)`, reading at most `max_records`, following the rules of
/// this module.
pub(crate) fn list_pages<'a, F, Fut>(
    limit: u32,
    max_records: u64,
    mut fetch: F,
) -> BackendStream<'a>
where
    F: FnMut(u64, u32) -> Fut + Send + 'a,
    Fut: Future<Output = Result<MemberPage>> + Send + 'a,
{
    paginate_checked(Walk::new(limit, max_records), move |walk: Walk| {
        let page = fetch(walk.offset, walk.guard.limit());
        async move { Ok(walk.absorb(page.await?)) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::to_backend;
    use futures::StreamExt;
    use lb_backends_core::{Error, ErrorKind};
    use serde_json::{json, Map, Value};
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};

    fn member(i: u64) -> Map<String, Value> {
        match json!({"id": format!("m{i:05}"), "host": "10.0.0.1", "status": 1}) {
            Value::Object(o) => o,
            _ => unreachable!(),
        }
    }

    /// A fake service: `members` stored, `total` reported by `report(page_no)`.
    #[derive(Clone)]
    struct Fake {
        members: Arc<Mutex<Vec<u64>>>,
        calls: Arc<Mutex<Vec<(u64, u32)>>>,
    }

    impl Fake {
        fn new(n: u64) -> Self {
            Self {
                members: Arc::new(Mutex::new((0..n).collect())),
                calls: Arc::default(),
            }
        }

        fn page(&self, offset: u64, limit: u32) -> Vec<Backend> {
            self.calls.lock().unwrap().push((offset, limit));
            let members = self.members.lock().unwrap();
            members
                .iter()
                .skip(usize::try_from(offset).unwrap())
                .take(limit as usize)
                .map(|i| to_backend(&member(*i)))
                .collect()
        }

        fn calls(&self) -> usize {
            self.calls.lock().unwrap().len()
        }
    }

    /// Collect everything the stream yields: ids of members, and the final error.
    async fn drain(stream: BackendStream<'_>) -> (Vec<String>, Option<Error>) {
        let items: Vec<Result<_>> = stream.collect().await;
        let mut ids = Vec::new();
        let mut error = None;
        for (i, item) in items.iter().enumerate() {
            match item {
                Ok(b) => ids.push(b.id.clone()),
                Err(e) => {
                    assert_eq!(i, items.len() - 1, "an error is always last");
                    error = Some(Error::new(e.kind(), e.message()));
                }
            }
        }
        (ids, error)
    }

    fn honest(fake: &Fake, limit: u32) -> BackendStream<'static> {
        let f = fake.clone();
        list_pages(limit, 100_000, move |offset, limit| {
            let records = f.page(offset, limit);
            let total = f.members.lock().unwrap().len() as u64;
            async move { Ok(MemberPage { total, records }) }
        })
    }

    #[tokio::test]
    async fn every_member_once_in_ceil_pages() {
        let fake = Fake::new(1203);
        let (ids, err) = drain(honest(&fake, 500)).await;
        assert!(err.is_none());
        assert_eq!(ids.len(), 1203);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1203);
        assert_eq!(
            *fake.calls.lock().unwrap(),
            vec![(0, 500), (500, 500), (1000, 500)],
            "offset counts items, not pages"
        );
    }

    #[tokio::test]
    async fn a_full_last_page_is_confirmed_by_one_more_request() {
        let fake = Fake::new(1000);
        let (ids, err) = drain(honest(&fake, 500)).await;
        assert!(err.is_none());
        assert_eq!(ids.len(), 1000);
        assert_eq!(fake.calls(), 3);
        let empty = Fake::new(0);
        let (ids, err) = drain(honest(&empty, 500)).await;
        assert!(ids.is_empty() && err.is_none());
        assert_eq!(empty.calls(), 1);
    }

    #[tokio::test]
    async fn pages_are_fetched_lazily_then_one_ahead() {
        let fake = Fake::new(50);
        let mut s = honest(&fake, 10);
        assert_eq!(fake.calls(), 0, "nothing before the first poll");
        s.next().await.unwrap().unwrap();
        // The next offset is known once page 1 is read: page 2 is fetched ahead, and
        // once it is in, page 3 is requested.
        assert_eq!(fake.calls(), 3);
        for _ in 1..10 {
            s.next().await.unwrap().unwrap();
        }
        assert_eq!(
            fake.calls(),
            3,
            "never more than one page decoded ahead and one requested"
        );
        s.next().await.unwrap().unwrap();
        assert_eq!(fake.calls(), 4);
    }

    /// A service that serves `served` members but reports `total`.
    fn lying(fake: &Fake, limit: u32, total: u64) -> BackendStream<'static> {
        let f = fake.clone();
        list_pages(limit, 100_000, move |offset, limit| {
            let records = f.page(offset, limit);
            async move { Ok(MemberPage { total, records }) }
        })
    }

    #[tokio::test]
    async fn a_total_above_what_is_served_ends_incomplete() {
        let fake = Fake::new(1203);
        let (ids, err) = drain(lying(&fake, 500, 5000)).await;
        assert_eq!(ids.len(), 1203, "what was read is still yielded");
        assert_eq!(err.unwrap().kind(), ErrorKind::Incomplete);
        assert_eq!(fake.calls(), 3);
        // Exactly at a page boundary: the empty page ends it.
        let fake = Fake::new(1000);
        let (ids, err) = drain(lying(&fake, 500, 1001)).await;
        assert_eq!(ids.len(), 1000);
        assert_eq!(err.unwrap().kind(), ErrorKind::Incomplete);
        assert_eq!(fake.calls(), 3);
    }

    #[tokio::test]
    async fn a_total_below_what_is_served_ends_incomplete() {
        for (served, total) in [(1203, 1000), (1000, 999), (1203, 1200), (5, 0)] {
            let fake = Fake::new(served);
            let (ids, err) = drain(lying(&fake, 500, total)).await;
            assert_eq!(
                err.map(|e| e.kind()),
                Some(ErrorKind::Incomplete),
                "{served}/{total}"
            );
            assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        }
    }

    #[tokio::test]
    async fn a_service_ignoring_offset_is_bounded_and_never_repeats() {
        let fake = Fake::new(1203);
        let f = fake.clone();
        let stream = list_pages(500, 100_000, move |_offset, limit| {
            let records = f.page(0, limit);
            async move {
                Ok(MemberPage {
                    total: 1203,
                    records,
                })
            }
        });
        let (ids, err) = drain(stream).await;
        assert_eq!(ids.len(), 500, "the repeated page is yielded once");
        assert_eq!(err.unwrap().kind(), ErrorKind::Incomplete);
        assert_eq!(
            fake.calls(),
            2,
            "stopped at the first page with nothing new"
        );
    }

    #[tokio::test]
    async fn a_total_that_changes_mid_listing_ends_incomplete() {
        // A member is deleted from the front after the first page: everything
        // shifts left by one and one member would be skipped.
        let fake = Fake::new(25);
        let f = fake.clone();
        let stream = list_pages(10, 100_000, move |offset, limit| {
            if offset == 10 {
                f.members.lock().unwrap().remove(0);
            }
            let records = f.page(offset, limit);
            let total = f.members.lock().unwrap().len() as u64;
            async move { Ok(MemberPage { total, records }) }
        });
        let (ids, err) = drain(stream).await;
        assert_eq!(ids.len(), 20, "first two pages, deduplicated");
        assert_eq!(err.unwrap().kind(), ErrorKind::Incomplete);
        assert_eq!(fake.calls(), 2);
    }

    #[tokio::test]
    async fn duplicates_within_a_steady_total_are_dropped_and_flagged_when_short() {
        // Page 2 repeats the last member of page 1 (an insert at the front between
        // pages, with a delete elsewhere keeping the total): one member is missed.
        let pages = [
            (0..10).collect::<Vec<u64>>(),
            (9..19).collect(),
            (19..24).collect(),
        ];
        let stream = list_pages(10, 100_000, move |offset, _limit| {
            let records = pages[usize::try_from(offset / 10).unwrap().min(2)]
                .iter()
                .map(|i| to_backend(&member(*i)))
                .collect();
            async move { Ok(MemberPage { total: 25, records }) }
        });
        let (ids, err) = drain(stream).await;
        assert_eq!(ids.len(), 24);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 24);
        assert_eq!(err.unwrap().kind(), ErrorKind::Incomplete);
    }

    #[tokio::test]
    async fn a_failing_page_ends_the_stream_after_what_was_read() {
        let fake = Fake::new(30);
        let f = fake.clone();
        let stream = list_pages(10, 100_000, move |offset, limit| {
            let records = f.page(offset, limit);
            async move {
                if offset == 20 {
                    return Err(Error::new(ErrorKind::Service, "boom"));
                }
                Ok(MemberPage { total: 30, records })
            }
        });
        let (ids, err) = drain(stream).await;
        assert_eq!(ids.len(), 20);
        assert_eq!(err.unwrap().kind(), ErrorKind::Service);
    }
}
