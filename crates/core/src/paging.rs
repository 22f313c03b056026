//! Turn "fetch one page" into a lazy stream of items.
//!
//! Providers describe one page fetch and what comes next; [`paginate`] does the rest:
//! it fetches a page only when the caller has consumed the previous one, and ends
//! after the first error.

use std::{collections::VecDeque, future::Future};

use futures::stream::{self, BoxStream, StreamExt};

use crate::Result;

/// One page of a listing.
#[derive(Debug)]
pub struct Page<T, C> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts, or `None` when this was the last.
    pub next: Option<C>,
}

/// A lazy stream over every item of every page, starting at cursor `first`.
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
    struct State<T, C, F> {
        buffered: VecDeque<T>,
        next: Option<C>,
        fetch: F,
    }
    let state = State {
        buffered: VecDeque::new(),
        next: Some(first),
        fetch,
    };
    stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffered.pop_front() {
                return Some((Ok(item), state));
            }
            let cursor = state.next.take()?;
            match (state.fetch)(cursor).await {
                Ok(page) => {
                    state.buffered = page.items.into();
                    state.next = page.next;
                }
                // `next` is already None, so the stream ends after this error.
                Err(e) => return Some((Err(e), state)),
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, ErrorKind};
    use futures::TryStreamExt;
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    #[tokio::test]
    async fn fetches_lazily_and_stops_after_error() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let mut s = paginate(0u32, move |page| {
            c.fetch_add(1, Ordering::SeqCst);
            async move {
                if page == 2 {
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
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(s.try_next().await.unwrap(), Some(1));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "second page not fetched yet"
        );
        assert_eq!(s.try_next().await.unwrap(), Some(10));
        assert_eq!(s.try_next().await.unwrap(), Some(11));
        assert!(s.try_next().await.is_err());
        assert!(s.next().await.is_none(), "stream ends after the error");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
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
}
