//! Conveniences built once on [`BackendProvider`], for every provider.

use std::{net::IpAddr, time::Duration};

use async_trait::async_trait;
use futures::TryStreamExt;

use crate::{
    workflow::{self, Condition, Observed, Selector, WaitEvent, WaitOptions, WorkflowError},
    Backend, BackendProvider, BatchOutcome, Error, ErrorKind, Health, NewBackend, ResourceId,
    Result,
};

/// Helpers available on every [`BackendProvider`] (including `dyn BackendProvider`).
///
/// ```no_run
/// # async fn demo(provider: &dyn lb_backends_core::BackendProvider) -> lb_backends_core::Result<()> {
/// use lb_backends_core::BackendProviderExt;
/// let all = provider.collect_all().await?;
/// let web = provider.find_by_address("10.0.0.5".parse().unwrap(), Some(80)).await?;
/// # Ok(()) }
/// ```
#[async_trait]
pub trait BackendProviderExt: BackendProvider {
    /// Every backend of the target, in one `Vec`.
    async fn collect_all(&self) -> Result<Vec<Backend>> {
        self.list().try_collect().await
    }

    /// Every backend the listing yielded, and the error it ended with, if any. A
    /// listing that ends with an error (e.g. [`ErrorKind::Incomplete`]) has still
    /// yielded valid backends before it: this keeps them, where
    /// [`collect_all`](Self::collect_all) drops them for the error.
    ///
    /// ```no_run
    /// # async fn demo(provider: &dyn lb_backends_core::BackendProvider) {
    /// use lb_backends_core::BackendProviderExt;
    /// let (read, error) = provider.collect_partial().await;
    /// if let Some(e) = error {
    ///     eprintln!("{} backends read, then: {e}", read.len());
    /// }
    /// # }
    /// ```
    async fn collect_partial(&self) -> (Vec<Backend>, Option<Error>) {
        let mut stream = self.list();
        let mut read = Vec::new();
        loop {
            match stream.try_next().await {
                Ok(Some(b)) => read.push(b),
                Ok(None) => return (read, None),
                Err(e) => return (read, Some(e)),
            }
        }
    }

    /// The backends at `address` (and `port`, when given).
    async fn find_by_address(&self, address: IpAddr, port: Option<u16>) -> Result<Vec<Backend>> {
        self.list()
            .try_filter(|b| {
                let hit = b.address == Some(address) && (port.is_none() || b.port == port);
                futures::future::ready(hit)
            })
            .try_collect()
            .await
    }

    /// Poll [`get`](BackendProvider::get) until the backend's health check leaves
    /// [`Health::Pending`] (what deployment tools wait for after adding a backend),
    /// or `timeout` passes.
    async fn wait_until_checked(
        &self,
        id: &ResourceId,
        interval: Duration,
        timeout: Duration,
    ) -> Result<Backend> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let backend = self.get(id).await?;
            if backend.health != Health::Pending {
                return Ok(backend);
            }
            if tokio::time::Instant::now() + interval > deadline {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("backend {id} still awaits its first health check after {timeout:?}"),
                ));
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// Wait until every backend of `selection` meets `condition` (healthy, present,
    /// absent, at a weight), polling every `options.interval` for at most
    /// `options.timeout`; `on_event` hears of each poll and of each backend that turns
    /// unhealthy after being healthy. The rules are in [`workflow::wait`]; a timeout is
    /// [`WorkflowError::TimedOut`] with the last state of each backend.
    ///
    /// ```no_run
    /// # async fn demo(provider: &dyn lb_backends_core::BackendProvider) -> Result<(), lb_backends_core::workflow::WorkflowError> {
    /// use lb_backends_core::{workflow::{Condition, WaitOptions}, BackendProviderExt};
    /// let new = ["10.0.0.5:80".parse()?];
    /// provider.wait_for(&new, Condition::Healthy, &WaitOptions::default(), &mut |_| {}).await?;
    /// # Ok(()) }
    /// ```
    async fn wait_for(
        &self,
        selection: &[Selector],
        condition: Condition,
        options: &WaitOptions,
        on_event: &mut (dyn for<'e> FnMut(WaitEvent<'e>) + Send),
    ) -> std::result::Result<Vec<Observed>, WorkflowError> {
        workflow::wait::wait_for(self, selection, condition, options, on_event).await
    }

    /// Register a backend, unless one with the same address (or instance) and port is
    /// already there: then that one is returned, `unchanged` (the world already was
    /// as asked). One look first ([`list_at`](BackendProvider::list_at): on ELB one
    /// short filtered page, elsewhere a listing); an add that the cloud refuses as a
    /// conflict (a backend added meanwhile) is answered with the backend found by a
    /// second look.
    ///
    /// ```no_run
    /// # async fn demo(provider: &dyn lb_backends_core::BackendProvider) -> lb_backends_core::Result<()> {
    /// use lb_backends_core::{BackendProviderExt, NewBackend, Port};
    /// let spec = NewBackend::new("10.0.0.5".parse().unwrap(), Port::new(80)?);
    /// let added = provider.add_or_existing(&spec).await?;
    /// println!("{} {}", added.value.id, if added.unchanged { "exists" } else { "added" });
    /// # Ok(()) }
    /// ```
    async fn add_or_existing(&self, spec: &NewBackend) -> Result<BatchOutcome<Backend>> {
        self.check_add(spec)?;
        if let Some(b) = self.find_same(spec).await? {
            return Ok(BatchOutcome::unchanged(b));
        }
        match self.add(spec).await {
            Ok(b) => Ok(BatchOutcome::changed(b)),
            Err(e) if e.kind() == ErrorKind::Conflict => match self.find_same(spec).await? {
                Some(b) => Ok(BatchOutcome::unchanged(b)),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// [`add_or_existing`](Self::add_or_existing) for many: one listing, then one
    /// [`add_many`](BackendProvider::add_many) (the provider's batch call where it has
    /// one) for those not there yet. One result per spec, in order.
    async fn add_many_or_existing(
        &self,
        specs: &[NewBackend],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        let current = match self.collect_all().await {
            Ok(all) => all,
            Err(e) => {
                let e = e.context("listing the backends before adding");
                return specs.iter().map(|_| Err(clone_error(&e))).collect();
            }
        };
        // For each spec: already there, or the slot of `missing` that adds it (the
        // same place twice in one batch is added once; `first` marks who adds it).
        let mut there: Vec<Option<Backend>> = Vec::with_capacity(specs.len());
        let mut slot = Vec::with_capacity(specs.len());
        let mut first = Vec::with_capacity(specs.len());
        let mut missing: Vec<NewBackend> = Vec::new();
        for spec in specs {
            let found = current
                .iter()
                .find(|b| workflow::same_place(spec, b))
                .cloned();
            let dup = missing.iter().position(|m| {
                m.address == spec.address
                    && m.instance_id == spec.instance_id
                    && m.port == spec.port
            });
            match (found, dup) {
                (Some(b), _) => {
                    there.push(Some(b));
                    slot.push(0);
                    first.push(false);
                }
                (None, Some(j)) => {
                    there.push(None);
                    slot.push(j);
                    first.push(false);
                }
                (None, None) => {
                    there.push(None);
                    slot.push(missing.len());
                    first.push(true);
                    missing.push(spec.clone());
                }
            }
        }
        let mut results: Vec<Option<Result<BatchOutcome<Backend>>>> = Vec::new();
        if !missing.is_empty() {
            let mut added = self.add_many(&missing).await.into_iter();
            for spec in &missing {
                let r = added.next().unwrap_or_else(|| {
                    Err(Error::new(
                        ErrorKind::Decode,
                        "the batch returned fewer results than asked",
                    ))
                });
                // Added meanwhile by someone else: the world is as asked.
                let r = match r {
                    Err(e) if e.kind() == ErrorKind::Conflict => match self.find_same(spec).await {
                        Ok(Some(b)) => Ok(BatchOutcome::unchanged(b)),
                        _ => Err(e),
                    },
                    other => other,
                };
                results.push(Some(r));
            }
        }
        let mut out: Vec<Option<Result<BatchOutcome<Backend>>>> = there
            .into_iter()
            .map(|b| b.map(|b| Ok(BatchOutcome::unchanged(b))))
            .collect();
        // Repeats first (they read the result), then the first of each (it takes it).
        for i in 0..specs.len() {
            if out[i].is_none() && !first[i] {
                out[i] = Some(match results[slot[i]].as_ref() {
                    Some(Ok(o)) => Ok(BatchOutcome::unchanged(o.value.clone())),
                    Some(Err(e)) => Err(clone_error(e)),
                    None => Err(Error::new(ErrorKind::Decode, "no result")),
                });
            }
        }
        for i in 0..specs.len() {
            if out[i].is_none() {
                out[i] = results[slot[i]].take();
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::new(ErrorKind::Decode, "no result"))))
            .collect()
    }

    /// The backend with the same address (or instance) and port as `spec`, if any.
    async fn find_same(&self, spec: &NewBackend) -> Result<Option<Backend>> {
        let mut stream = match spec.address {
            Some(address) => self.list_at(address, Some(spec.port)),
            None => self.list(),
        };
        while let Some(b) = stream.try_next().await? {
            if workflow::same_place(spec, &b) {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }
}

/// A copy of an error for each item of a batch it failed (kind, message, code,
/// request id, status).
pub(crate) fn clone_error(e: &Error) -> Error {
    let mut c = Error::new(e.kind(), e.message().to_owned());
    if let Some(code) = e.code() {
        c = c.with_code(code.to_owned());
    }
    if let Some(id) = e.request_id() {
        c = c.with_request_id(id.to_owned());
    }
    if let Some(status) = e.status() {
        c = c.with_status(status);
    }
    c
}

impl<T: BackendProvider + ?Sized> BackendProviderExt for T {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        workflow::fake::{backend, Fake},
        Port,
    };

    fn spec(addr: &str, port: u16) -> NewBackend {
        NewBackend::new(addr.parse().unwrap(), Port::new(i64::from(port)).unwrap())
    }

    #[tokio::test]
    async fn adding_what_is_there_returns_it() {
        let fake = Fake::new(vec![backend("m1", "10.0.0.1", 80, 1, Health::Healthy)]);
        let again = fake.add_or_existing(&spec("10.0.0.1", 80)).await.unwrap();
        assert!(again.unchanged);
        assert_eq!(again.value.id, "m1");
        let new = fake.add_or_existing(&spec("10.0.0.1", 81)).await.unwrap();
        assert!(!new.unchanged);
        assert_eq!(fake.writes(), ["add 10.0.0.1:81"]);
    }

    #[tokio::test]
    async fn a_batch_adds_only_what_is_missing_and_each_place_once() {
        let fake = Fake::new(vec![backend("m1", "10.0.0.1", 80, 1, Health::Healthy)]);
        let out = fake
            .add_many_or_existing(&[
                spec("10.0.0.1", 80),
                spec("10.0.0.2", 80),
                spec("10.0.0.2", 80),
                spec("10.0.0.3", 80),
            ])
            .await;
        let got: Vec<(String, bool)> = out
            .into_iter()
            .map(|r| r.map(|o| (o.value.id, o.unchanged)).unwrap())
            .collect();
        assert_eq!(
            got,
            [
                ("m1".to_owned(), true),
                ("new-1".to_owned(), false),
                ("new-1".to_owned(), true),
                ("new-2".to_owned(), false)
            ]
        );
        assert_eq!(fake.writes(), ["add 10.0.0.2:80", "add 10.0.0.3:80"]);
        assert_eq!(fake.lists(), 1);
    }
}
