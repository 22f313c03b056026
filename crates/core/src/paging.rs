//! Turn "fetch one page" into a lazy stream of items, and the checks every listing
//! makes of the pages it is sent.
//!
//! Providers describe one page fetch and what comes next; [`paginate`] does the rest:
//! nothing is fetched before the stream is first polled; then, as soon as a page is in
//! and names the next cursor, the next page is requested, so that the server makes it
//! while the caller consumes the pages before it. What is held stays bounded: the page
//! being consumed, at most one page decoded ahead of it, and one request in flight
//! after that. The stream ends after the first error.
//!
//! **The rule of every listing.** A listing succeeds only when the cloud's own
//! end-of-listing signal was seen and agrees with what was received. Anything else
//! (a malformed cursor, a total that disagrees with the pages, a repeated or
//! non-advancing page, a page larger than asked for, an envelope of the wrong shape)
//! ends the stream with [`ErrorKind::Incomplete`] after what was read. No page cap
//! comes from the server's numbers alone: [`PageGuard`] bounds every listing by a
//! client-side number of records ([`DEFAULT_MAX_RECORDS`]) whatever the server says.
//!
//! What is the same for every cloud lives in [`PageGuard`] (the client-side cap, a
//! page larger than the limit, a page with no new ids, de-duplication of ids, a
//! cursor that is implausible or was sent before, and the offset-and-total rule
//! that APIG and CLB share); a provider keeps only how its cloud signals "more
//! follows".

mod ahead;
mod split;

use std::{
    collections::{hash_map::RandomState, HashSet},
    fmt,
    future::Future,
    hash::{BuildHasher, BuildHasherDefault, Hasher},
    pin::Pin,
    task::{Context, Poll},
};

use futures::{
    future::{BoxFuture, FutureExt},
    stream::{BoxStream, Stream, StreamExt},
};
use serde_json::Value;

use crate::{Error, ErrorKind, ResourceId, Result};

pub use ahead::{tail_string, FetchAhead};
pub use split::{split_page, SplitPage};

/// One page of a listing.
#[derive(Debug)]
pub struct Page<T, C> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts, or `None` when this was the last.
    pub next: Option<C>,
}

/// A stream over every item of every page, starting at cursor `first`: lazy until
/// first polled, then fetching ahead (the next page is requested as soon as its cursor
/// is known and driven while the current page is consumed; at most one page waits
/// decoded ahead of the current one, with one request in flight after it).
///
/// ```
/// use futures::{StreamExt, TryStreamExt};
/// use lb_backends_core::paging::{paginate, Page};
///
/// # tokio_test();
/// # fn tokio_test() {
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// // Three pages of two numbers each, by offset.
/// let items: Vec<u32> = paginate(0u32, |offset| async move {
///     let items: Vec<u32> = (offset..6).take(2).collect();
///     let next = (offset + 2 < 6).then_some(offset + 2);
///     Ok(Page { items, next })
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(items, vec![0, 1, 2, 3, 4, 5]);
/// # Ok::<(), lb_backends_core::Error>(())
/// # }).unwrap();
/// # }
/// ```
pub fn paginate<'a, T, C, F, Fut>(first: C, fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    C: Send + 'a,
    F: FnMut(C) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T, C>>> + Send + 'a,
{
    Paginate {
        first: Some(first),
        fetch,
        buffered: Vec::new().into_iter(),
        since_poll: 0,
        pending: None,
        fresh: false,
        ready: None,
        early: None,
    }
    .boxed()
}

/// How many items [`paginate`] yields between two polls of the page it fetches ahead.
/// Polling drives the request (and the decoding of its answer) while the current page
/// is consumed; polling on every item would cost more than it gains.
const POLL_AHEAD_EVERY: u32 = 32;

/// The stream behind [`paginate`]: the items of the current page, the next page once
/// it is in, and the fetch of the page after it, started as soon as its cursor is
/// known so that the server makes it while this client decodes and consumes.
///
/// What it holds is bounded: the page being consumed, one page decoded ahead
/// (`ready`), and one fetch in flight (driven only while nothing waits in `ready`,
/// except for the first poll that sends its request). `early` holds a page whose
/// fetch completed on that first poll while another waited; its cursor waits with it.
struct Paginate<'a, T, C, F> {
    /// The first cursor, until the first poll.
    first: Option<C>,
    fetch: F,
    buffered: std::vec::IntoIter<T>,
    /// Items yielded since `pending` was last given a turn.
    since_poll: u32,
    pending: Option<BoxFuture<'a, Result<Page<T, C>>>>,
    /// `pending` was never polled: its request is not sent yet.
    fresh: bool,
    ready: Option<Result<Page<T, C>>>,
    early: Option<Result<Page<T, C>>>,
}

// Nothing of `Paginate` is pinned structurally: the fetch in flight is boxed.
impl<T, C, F> Unpin for Paginate<'_, T, C, F> {}

impl<'a, T, C, F, Fut> Paginate<'a, T, C, F>
where
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>>> + Send + 'a,
{
    fn start(&mut self, cursor: C) {
        self.pending = Some((self.fetch)(cursor).boxed());
        self.fresh = true;
    }

    /// A page that came in: it waits in `ready` and its successor is requested at
    /// once, or, when `ready` is taken, it waits in `early` with its cursor.
    fn settle(&mut self, page: Result<Page<T, C>>) {
        if self.ready.is_some() {
            self.early = Some(page);
            return;
        }
        self.ready = Some(page.map(|mut page| {
            if let Some(next) = page.next.take() {
                self.start(next);
            }
            page
        }));
    }
}

impl<'a, T, C, F, Fut> Stream for Paginate<'a, T, C, F>
where
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>>> + Send + 'a,
{
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(first) = this.first.take() {
            this.start(first);
        }
        loop {
            let empty = this.buffered.len() == 0;
            let turn = this.since_poll >= POLL_AHEAD_EVERY;
            if let Some(fetching) = &mut this.pending {
                if this.fresh || (this.ready.is_none() && (empty || turn)) {
                    this.fresh = false;
                    this.since_poll = 0;
                    if let Poll::Ready(page) = fetching.as_mut().poll(cx) {
                        this.pending = None;
                        this.settle(page);
                        continue;
                    }
                }
                if turn && !empty {
                    // Give the runtime a turn: the fetch ahead moves on other tasks
                    // too (the HTTP connection's, which writes the request and reads
                    // the answer), and a consumer whose every poll is ready would
                    // never let them run on a single-threaded runtime. The next poll
                    // comes at once.
                    this.since_poll = 0;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
            }
            if let Some(item) = this.buffered.next() {
                this.since_poll += 1;
                return Poll::Ready(Some(Ok(item)));
            }
            match this.ready.take() {
                Some(Ok(page)) => {
                    this.buffered = page.items.into_iter();
                    if let Some(early) = this.early.take() {
                        this.settle(early);
                    }
                }
                // Nothing is fetched after an error, so the stream ends after it.
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None if this.pending.is_some() => return Poll::Pending,
                None => return Poll::Ready(None),
            }
        }
    }
}

/// [`paginate`] for fetches whose pages end with an error after their items (as
/// [`Admitted::into_page`] builds them): the stream yields the items, then the
/// error, then ends.
pub fn paginate_checked<'a, T, C, F, Fut>(first: C, fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    C: Send + 'a,
    F: FnMut(C) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<Result<T>, C>>> + Send + 'a,
{
    paginate(first, fetch)
        .map(|item| item.and_then(|inner| inner))
        .boxed()
}

/// The most records one listing reads, unless told otherwise
/// ([`PageGuard::with_max_records`]): a listing that would hold more (or a server
/// that says it would) ends with [`ErrorKind::Incomplete`] instead of paging on.
/// It is meant to be well above the backend counts these services are used with;
/// a caller with a larger fleet raises it (each provider's `with_max_records`).
pub const DEFAULT_MAX_RECORDS: u64 = 100_000;

/// Pages allowed beyond `ceil(max_records / limit)` (and, for a total,
/// `ceil(total / limit)`): one confirming request after a full last page, one of
/// slack.
const PAGE_MARGIN: u64 = 2;

/// The checks every listing makes of its pages, whatever the cloud.
///
/// One guard lives for one listing; a provider calls [`admit`](Self::admit) with each
/// page's records, then decides from its cloud's own signal whether more follows,
/// asking the guard before it fetches again ([`next_page`](Self::next_page),
/// [`follow`](Self::follow) for a cursor taken from a response,
/// [`by_total`](Self::by_total) for offset-and-total paging).
///
/// Its page cap is client-side: `ceil(max_records / limit) + 2` pages, whatever the
/// server reports.
///
/// ```
/// use lb_backends_core::{paging::PageGuard, ErrorKind};
///
/// let mut guard = PageGuard::new("listing the pool", 2);
/// let page = guard.admit(vec!["a", "b"], |id| id.to_string());
/// assert_eq!(page.items, ["a", "b"]);
/// assert!(page.problem.is_none());
/// guard.follow("b")?; // the next page starts after "b"
///
/// // The server sends the same page again: nothing new, so the listing stops.
/// let again = guard.admit(vec!["a", "b"], |id| id.to_string());
/// assert!(again.items.is_empty());
/// assert_eq!(again.problem.unwrap().kind(), ErrorKind::Incomplete);
/// // A cursor sent before, or one no cloud would use as an id, is refused.
/// assert_eq!(guard.follow("b").unwrap_err().kind(), ErrorKind::Incomplete);
/// assert_eq!(guard.follow("a/../b").unwrap_err().kind(), ErrorKind::Incomplete);
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug)]
pub struct PageGuard {
    what: String,
    limit: u32,
    max_records: u64,
    pages: u64,
    received: u64,
    total: Option<u64>,
    /// Distinct records admitted (repeats within the window not counted).
    distinct: u64,
    /// The ids of the previous page and of the page before it, as keyed hashes: the
    /// window de-duplication looks in (see [`admit`](Self::admit)).
    previous: IdSet,
    older: IdSet,
    /// The key of the ids' hashes, random per listing.
    ids: RandomState,
    cursors: HashSet<String>,
}

/// A set of ids' keyed hashes (already well mixed: not hashed again).
type IdSet = HashSet<u64, BuildHasherDefault<Prehashed>>;

/// The hasher of [`IdSet`]: the hash is the id's keyed hash itself.
#[derive(Debug, Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64`s are hashed here; anything else is folded in, never lost.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The new records of one page, and what was wrong with the page on its face.
#[derive(Debug)]
#[must_use]
pub struct Admitted<T> {
    /// The records not seen before, in the page's order.
    pub items: Vec<T>,
    /// Why the listing cannot go on after this page, if it cannot
    /// ([`ErrorKind::Incomplete`]).
    pub problem: Option<Error>,
}

impl<T> Admitted<T> {
    /// The page for [`paginate_checked`]: the new items, then an error (this page's
    /// problem, else the error of `next`) and no next cursor; or the items and
    /// `next` when all is well.
    pub fn into_page<C>(self, next: Result<Option<C>>) -> Page<Result<T>, C> {
        let mut items: Vec<Result<T>> = self.items.into_iter().map(Ok).collect();
        let next = match (self.problem, next) {
            (Some(e), _) | (None, Err(e)) => {
                items.push(Err(e));
                None
            }
            (None, Ok(next)) => next,
        };
        Page { items, next }
    }
}

impl PageGuard {
    /// A guard for one listing (`what` names it in error messages) that asks for
    /// `limit` records a page (0 counts as 1).
    pub fn new(what: impl Into<String>, limit: u32) -> Self {
        Self {
            what: what.into(),
            limit: limit.max(1),
            max_records: DEFAULT_MAX_RECORDS,
            pages: 0,
            received: 0,
            total: None,
            distinct: 0,
            previous: IdSet::default(),
            older: IdSet::default(),
            ids: RandomState::new(),
            cursors: HashSet::new(),
        }
    }

    /// Read at most `max` distinct records (at least 1) before ending with
    /// [`ErrorKind::Incomplete`]; the default is [`DEFAULT_MAX_RECORDS`].
    #[must_use]
    pub fn with_max_records(mut self, max: u64) -> Self {
        self.max_records = max.max(1);
        self
    }

    /// Records asked for per page.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The most distinct records this listing reads.
    pub fn max_records(&self) -> u64 {
        self.max_records
    }

    /// The most pages this listing fetches: `ceil(max_records / limit) + 2`.
    pub fn max_pages(&self) -> u64 {
        self.max_records
            .div_ceil(u64::from(self.limit))
            .saturating_add(PAGE_MARGIN)
    }

    /// Pages admitted so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Records received so far, repeats included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Distinct records received so far: records admitted as new (see
    /// [`admit`](Self::admit) for the window repeats are looked for in).
    pub fn distinct(&self) -> u64 {
        self.distinct
    }

    /// An [`ErrorKind::Incomplete`] error for this listing: `why`, and how much was
    /// read (everything yielded before it is valid).
    pub fn incomplete(&self, why: impl fmt::Display) -> Error {
        let message = format!(
            "{}: {why}; the listing stops after {} distinct records in {} pages (everything \
             listed before this error is valid, but the listing is not complete)",
            self.what,
            self.distinct(),
            self.pages
        );
        tracing::warn!(pages = self.pages, distinct = self.distinct(), "{message}");
        Error::new(ErrorKind::Incomplete, message)
    }

    /// Take in one page's records, identified by `key`: the records not seen before,
    /// and a problem when the page holds more records than asked for, holds records
    /// but none new (the server repeats itself), or takes the listing past its
    /// [`max_records`](Self::max_records).
    ///
    /// **The de-duplication window.** A record is "seen before" when its id is on this
    /// page already or on one of the two pages admitted before it. The ids of those
    /// three pages are all the guard keeps (memory bounded by three pages, whatever
    /// the listing's length), so a record the server repeats three or more pages
    /// later is yielded again and counted as distinct. What that costs: nothing for
    /// the end signals (a cycle of markers is caught by [`follow`](Self::follow),
    /// which remembers every cursor, at most [`max_pages`](Self::max_pages)), and the
    /// page cap still bounds every listing; a total is checked against the distinct
    /// count, which can then only be too high, never too low (a listing that repeats
    /// far-apart pages ends incomplete as "more records than the total", or, in the
    /// worst case of a server that both repeats and hides records in the same number,
    /// is not recognised as such: no cloud pages this way, and a moving page of an
    /// honest cloud repeats a record on the next page, which the window sees).
    pub fn admit<T>(&mut self, records: Vec<T>, mut key: impl FnMut(&T) -> String) -> Admitted<T> {
        self.admit_by(records, |record| {
            let id = key(record);
            std::borrow::Cow::Owned(id)
        })
    }

    /// [`admit`](Self::admit) with ids borrowed from the records (nothing copied).
    ///
    /// Ids are kept as 64-bit hashes keyed at random for each listing (SipHash, std's
    /// `RandomState`), not as text: that a new id shares its hash with one of the
    /// window's (and is dropped as a repeat) has a probability of about `n * w / 2^64`
    /// for a listing of `n` records and a window of `w` ids (3 * 10^-10 for a million
    /// records in pages of 2,000), and no server can aim for it: it does not know the
    /// key.
    pub fn admit_by<T>(
        &mut self,
        mut records: Vec<T>,
        mut key: impl for<'r> FnMut(&'r T) -> std::borrow::Cow<'r, str>,
    ) -> Admitted<T> {
        self.pages += 1;
        let got = records.len() as u64;
        self.received = self.received.saturating_add(got);
        let mut current = IdSet::with_capacity_and_hasher(records.len(), Default::default());
        let (previous, older, ids) = (&self.previous, &self.older, &self.ids);
        records.retain(|record| {
            let id = ids.hash_one(key(record).as_ref());
            !previous.contains(&id) && !older.contains(&id) && current.insert(id)
        });
        let items = records;
        self.distinct = self.distinct.saturating_add(items.len() as u64);
        self.older = std::mem::replace(&mut self.previous, current);
        let problem = if got > u64::from(self.limit) {
            Some(self.incomplete(format_args!(
                "page {} holds {got} records, more than the {} asked for",
                self.pages, self.limit
            )))
        } else if got > 0 && items.is_empty() {
            Some(self.incomplete(format_args!(
                "page {} holds only records listed before (the server repeats itself)",
                self.pages
            )))
        } else if self.distinct() > self.max_records {
            Some(self.cap_reached())
        } else {
            None
        };
        Admitted { items, problem }
    }

    fn cap_reached(&self) -> Error {
        self.incomplete(format_args!(
            "the listing reached this client's bound of {} records or {} pages",
            self.max_records,
            self.max_pages()
        ))
    }

    /// Whether another page may be fetched: an [`ErrorKind::Incomplete`] error once
    /// the client-side bound ([`max_pages`](Self::max_pages) or
    /// [`max_records`](Self::max_records)) is reached.
    pub fn next_page(&self) -> Result<()> {
        if self.pages >= self.max_pages() || self.distinct() >= self.max_records {
            return Err(self.cap_reached());
        }
        Ok(())
    }

    /// Whether [`follow`](Self::follow) would take `cursor` now, without recording it:
    /// for a request sent ahead on a guess ([`FetchAhead`]), which must not go where
    /// the listing itself would never go.
    pub fn may_follow(&self, cursor: &str) -> bool {
        ResourceId::new(cursor).is_ok()
            && !self.cursors.contains(cursor)
            && self.next_page().is_ok()
    }

    /// Check `cursor`, taken from a response, before it is sent: it must look like a
    /// cloud id (a valid [`ResourceId`]: 1 to 64 letters, digits, `-`, `_`, `.`,
    /// `:`), must not have been sent before in this listing, and another page must
    /// be allowed ([`next_page`](Self::next_page)). Anything else is
    /// [`ErrorKind::Incomplete`]: the cloud's data cannot be used to go on.
    pub fn follow(&mut self, cursor: &str) -> Result<()> {
        if let Err(e) = ResourceId::new(cursor) {
            return Err(self.incomplete(format_args!(
                "the server's cursor cannot be used ({})",
                e.message()
            )));
        }
        if !self.cursors.insert(cursor.to_owned()) {
            return Err(self.incomplete(format_args!(
                "the server sent cursor {cursor:?} a second time (a cycle)"
            )));
        }
        self.next_page()
    }

    /// The offset-and-total rule, after [`admit`](Self::admit) took a page of `got`
    /// records that reported `total`: `Ok(true)` to fetch the next page, `Ok(false)`
    /// when the listing ended cleanly, else [`ErrorKind::Incomplete`].
    ///
    /// With `T` the first page's total: a total that changes, a `T` above
    /// [`max_records`](Self::max_records), or more than `T` distinct records is
    /// incomplete; a short or empty page (the service has nothing after it) ends the
    /// listing, cleanly only when exactly `T` distinct records were read; a full page
    /// asks for the next one even when `T` were read (an under-counting total would
    /// otherwise drop records silently), at most `ceil(T / limit) + 2` pages and
    /// within the client-side bound.
    pub fn by_total(&mut self, total: u64, got: usize) -> Result<bool> {
        let first = *self.total.get_or_insert(total);
        let distinct = self.distinct();
        if total != first {
            return Err(self.incomplete(format_args!(
                "the reported total changed from {first} to {total} during the listing; \
                 records may have moved between pages and been missed"
            )));
        }
        if first > self.max_records {
            return Err(self.incomplete(format_args!(
                "the server reports a total of {first}, more than this client reads in one \
                 listing ({})",
                self.max_records
            )));
        }
        if distinct > first {
            return Err(self.incomplete(format_args!(
                "the pages held {distinct} distinct records, more than the reported total of \
                 {first}; more may exist"
            )));
        }
        if (got as u64) < u64::from(self.limit) {
            return if distinct == first {
                Ok(false)
            } else {
                Err(self.incomplete(format_args!(
                    "the pages ended after {distinct} distinct records of the reported {first}"
                )))
            };
        }
        let by_total = first
            .div_ceil(u64::from(self.limit))
            .saturating_add(PAGE_MARGIN);
        if self.pages >= by_total {
            return Err(self.incomplete(format_args!(
                "the service keeps serving full pages past its total of {first}"
            )));
        }
        self.next_page()?;
        Ok(true)
    }
}

/// A count the cloud sends as a paging signal (a total, a page's count): a JSON
/// integer 0 or more, or a string of ASCII digits; `None` for anything else
/// (negative, fractional, another type, `null`). Unlike the lenient readers of
/// record fields, nothing else is coerced: a signal that cannot be read exactly is
/// malformed.
///
/// ```
/// use lb_backends_core::paging::read_count;
/// use serde_json::json;
///
/// assert_eq!(read_count(&json!(250)), Some(250));
/// assert_eq!(read_count(&json!("250")), Some(250));
/// for bad in [json!(-1), json!(1.5), json!(2.0), json!("abc"), json!(" 3"), json!(true), json!(null)] {
///     assert_eq!(read_count(&bad), None, "{bad}");
/// }
/// ```
pub fn read_count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    #[tokio::test]
    async fn fetches_lazily_then_one_page_ahead_and_stops_after_error() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let mut s = paginate(0u32, move |page| {
            c.fetch_add(1, Ordering::SeqCst);
            async move {
                if page == 3 {
                    return Err(Error::new(ErrorKind::Service, "boom"));
                }
                Ok(Page {
                    items: vec![page * 10, page * 10 + 1],
                    next: Some(page + 1),
                })
            }
        });
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "nothing fetched before polling"
        );
        assert_eq!(s.try_next().await.unwrap(), Some(0));
        // Page 0 named page 1, which is in (decoded ahead) and named page 2, which is
        // requested while page 0 is consumed...
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(s.try_next().await.unwrap(), Some(1));
        // ...but nothing further while page 1 waits.
        assert_eq!(calls.load(Ordering::SeqCst), 3, "page 3 not fetched yet");
        assert_eq!(s.try_next().await.unwrap(), Some(10));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(s.try_next().await.unwrap(), Some(11));
        assert_eq!(s.try_next().await.unwrap(), Some(20));
        assert_eq!(s.try_next().await.unwrap(), Some(21));
        // The failed page's error comes after every item before it.
        assert!(s.try_next().await.is_err());
        assert!(s.next().await.is_none(), "stream ends after the error");
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn the_request_after_a_waiting_page_is_sent_at_once() {
        use std::sync::Mutex;
        // Page 2's request goes out (its fetch is polled) while page 0 is consumed
        // and page 1 waits decoded; its answer is then left until page 1 is taken.
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let rx = Arc::new(Mutex::new(Some(rx)));
        let log = sent.clone();
        let mut s = paginate(0u32, move |page| {
            let log = log.clone();
            let rx = rx.clone();
            async move {
                log.lock().unwrap().push(page);
                if page == 2 {
                    let rx = rx.lock().unwrap().take().unwrap();
                    rx.await.unwrap();
                    return Ok(Page {
                        items: vec![20],
                        next: None,
                    });
                }
                Ok(Page {
                    items: vec![page * 10, page * 10 + 1],
                    next: Some(page + 1),
                })
            }
        });
        assert_eq!(s.try_next().await.unwrap(), Some(0));
        assert_eq!(*sent.lock().unwrap(), [0, 1, 2], "page 2 requested");
        tx.send(()).unwrap();
        let rest: Vec<u32> = s.try_collect().await.unwrap();
        assert_eq!(rest, [1, 10, 11, 20]);
    }

    #[tokio::test]
    async fn the_page_ahead_is_driven_while_the_current_one_is_consumed() {
        use std::sync::atomic::AtomicBool;
        // Page 1's fetch completes only once it has been polled a few times: it must
        // be in before the consumer runs out of page 0.
        let done = Arc::new(AtomicBool::new(false));
        let d = done.clone();
        let mut s = paginate(0u32, move |page| {
            let d = d.clone();
            async move {
                if page == 1 {
                    for _ in 0..3 {
                        tokio::task::yield_now().await;
                    }
                    d.store(true, Ordering::SeqCst);
                    return Ok(Page {
                        items: vec![1000],
                        next: None,
                    });
                }
                Ok(Page {
                    items: (0..200).collect(),
                    next: Some(1),
                })
            }
        });
        for want in 0..200 {
            assert_eq!(s.try_next().await.unwrap(), Some(want));
        }
        assert!(
            done.load(Ordering::SeqCst),
            "page 1 fetched while page 0 was read"
        );
        assert_eq!(s.try_next().await.unwrap(), Some(1000));
        assert_eq!(s.try_next().await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_page_ahead_moves_on_other_tasks_while_the_current_one_is_consumed() {
        use std::sync::atomic::AtomicBool;
        // As an HTTP client's connection task is: page 1 arrives only once a task of its
        // own has run, on this single-threaded runtime.
        let arrived = Arc::new(AtomicBool::new(false));
        let a = arrived.clone();
        let mut s = paginate(0u32, move |page| {
            let a = a.clone();
            let rx = (page == 1).then(|| {
                let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                tokio::spawn(async move {
                    let _ = tx.send(());
                });
                rx
            });
            async move {
                if let Some(rx) = rx {
                    rx.await.unwrap();
                    a.store(true, Ordering::SeqCst);
                    return Ok(Page {
                        items: vec![1000],
                        next: None,
                    });
                }
                Ok(Page {
                    items: (0..200).collect(),
                    next: Some(1),
                })
            }
        });
        for want in 0..200 {
            assert_eq!(s.try_next().await.unwrap(), Some(want));
        }
        assert!(
            arrived.load(Ordering::SeqCst),
            "page 1 came in while page 0 was read"
        );
        assert_eq!(s.try_next().await.unwrap(), Some(1000));
        assert_eq!(s.try_next().await.unwrap(), None);
    }

    #[tokio::test]
    async fn empty_first_page_ends() {
        let items: Vec<u8> = paginate((), |()| async {
            Ok(Page::<u8, ()> {
                items: vec![],
                next: None,
            })
        })
        .try_collect()
        .await
        .unwrap();
        assert!(items.is_empty());
    }

    fn ids(range: std::ops::Range<u32>) -> Vec<String> {
        range.map(|i| format!("m{i}")).collect()
    }

    #[test]
    fn a_page_larger_than_the_limit_is_incomplete_after_its_records() {
        let mut g = PageGuard::new("t", 2);
        let page = g.admit(ids(0..3), Clone::clone);
        assert_eq!(page.items.len(), 3, "what was read is still yielded");
        assert_eq!(page.problem.unwrap().kind(), ErrorKind::Incomplete);
    }

    #[test]
    fn duplicates_are_dropped_and_a_page_of_nothing_new_stops() {
        let mut g = PageGuard::new("t", 3);
        assert_eq!(g.admit(ids(0..3), Clone::clone).items.len(), 3);
        let page = g.admit(ids(2..5), Clone::clone);
        assert_eq!(page.items, ["m3", "m4"]);
        assert!(page.problem.is_none());
        let page = g.admit(ids(1..4), Clone::clone);
        assert!(page.items.is_empty());
        assert_eq!(page.problem.unwrap().kind(), ErrorKind::Incomplete);
        assert_eq!((g.received(), g.distinct(), g.pages()), (9, 5, 3));
        // An empty page is not "nothing new": it is how some clouds end.
        assert!(g
            .admit(Vec::<String>::new(), Clone::clone)
            .problem
            .is_none());
    }

    #[test]
    fn de_duplication_looks_back_two_pages_and_no_further() {
        let mut g = PageGuard::new("t", 3);
        assert_eq!(g.admit(ids(0..3), Clone::clone).items.len(), 3);
        assert_eq!(g.admit(ids(3..6), Clone::clone).items.len(), 3);
        // m0 was two pages ago: still in the window.
        let page = g.admit(vec!["m0".into(), "m6".into(), "m6".into()], Clone::clone);
        assert_eq!(page.items, ["m6"], "repeats within a page are dropped too");
        // The window is now pages 2 and 3: m0..m2 (page 1) are no longer in it.
        let page = g.admit(vec!["m1".into(), "m4".into(), "m7".into()], Clone::clone);
        assert_eq!(page.items, ["m1", "m7"]);
        assert_eq!(g.distinct(), 9, "a far repeat counts as distinct");
        // Memory: the ids of two pages, whatever the listing's length.
        for n in 0..1000 {
            let _ = g.admit(ids(10 + 3 * n..13 + 3 * n), Clone::clone);
        }
        assert_eq!(g.previous.len() + g.older.len(), 6);
    }

    #[test]
    fn the_page_cap_is_the_clients_own() {
        let mut g = PageGuard::new("t", 10).with_max_records(25);
        assert_eq!(g.max_pages(), 5);
        let mut n = 0;
        let err = loop {
            let page = g.admit(ids(n..n + 10), Clone::clone);
            n += 10;
            if let Some(e) = page.problem {
                break e;
            }
            if let Err(e) = g.next_page() {
                break e;
            }
        };
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        assert_eq!(g.pages(), 3, "stopped once more than 25 records were read");
        // Pages of nothing at all are bounded too.
        let mut g = PageGuard::new("t", 10).with_max_records(25);
        let mut pages = 0;
        while g.next_page().is_ok() {
            let _ = g.admit(Vec::<String>::new(), Clone::clone);
            pages += 1;
        }
        assert_eq!(pages, 5);
    }

    #[test]
    fn cursors_must_look_like_ids_and_never_repeat() {
        let mut g = PageGuard::new("t", 2);
        g.follow("36ce7086-a496-4666-9064-5ba0e6840c75").unwrap();
        for bad in [
            String::new(),
            "x".repeat(1 << 20),
            "a b".into(),
            "a/b".into(),
            "..".into(),
            "36ce7086-a496-4666-9064-5ba0e6840c75".into(),
        ] {
            let err = g.follow(&bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Incomplete);
            assert!(
                err.message().len() < 1000,
                "a huge cursor is not echoed whole"
            );
        }
    }

    #[test]
    fn by_total_ends_cleanly_only_on_exactly_the_total() {
        // 250 honest records, pages of 100.
        let mut g = PageGuard::new("t", 100);
        let _ = g.admit(ids(0..100), Clone::clone);
        assert!(g.by_total(250, 100).unwrap());
        let _ = g.admit(ids(100..200), Clone::clone);
        assert!(g.by_total(250, 100).unwrap());
        let _ = g.admit(ids(200..250), Clone::clone);
        assert!(!g.by_total(250, 50).unwrap());
        // A full last page is confirmed by one more (empty) page.
        let mut g = PageGuard::new("t", 100);
        let _ = g.admit(ids(0..100), Clone::clone);
        assert!(g.by_total(100, 100).unwrap());
        let _ = g.admit(Vec::<String>::new(), Clone::clone);
        assert!(!g.by_total(100, 0).unwrap());
        // Totals that lie, both ways; one that changes; one beyond the bound.
        for (total, pages) in [(0, 1), (150, 2), (251, 3), (1 << 40, 1), (u64::MAX, 1)] {
            let mut g = PageGuard::new("t", 100);
            let mut result = Ok(true);
            let mut n = 0;
            while result == Ok(true) {
                let got = 250u32.saturating_sub(n).min(100);
                let _ = g.admit(ids(n..n + got), Clone::clone);
                n += got;
                result = g.by_total(total, got as usize).map_err(|e| e.kind());
            }
            assert_eq!(result, Err(ErrorKind::Incomplete), "total {total}");
            assert_eq!(g.pages(), pages, "total {total}");
        }
        let mut g = PageGuard::new("t", 10);
        let _ = g.admit(ids(0..10), Clone::clone);
        assert!(g.by_total(30, 10).unwrap());
        let _ = g.admit(ids(10..20), Clone::clone);
        assert_eq!(
            g.by_total(29, 10).unwrap_err().kind(),
            ErrorKind::Incomplete
        );
    }

    #[tokio::test]
    async fn paginate_checked_yields_the_items_then_the_error() {
        let items: Vec<Result<u8>> = paginate_checked(0u8, |n| async move {
            let mut guard = PageGuard::new("t", 2);
            let page = guard.admit(vec![n, n + 1, n + 2], |i| i.to_string());
            Ok(page.into_page(Ok(Some(n + 3))))
        })
        .collect()
        .await;
        assert_eq!(items.len(), 4);
        assert!(items[..3].iter().all(Result::is_ok));
        assert_eq!(items[3].as_ref().unwrap_err().kind(), ErrorKind::Incomplete);
    }
}
