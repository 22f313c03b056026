//! Conveniences built once on [`BackendProvider`], for every provider.

use std::{net::IpAddr, time::Duration};

use async_trait::async_trait;
use futures::TryStreamExt;

use crate::{Backend, BackendProvider, Error, ErrorKind, Health, ResourceId, Result};

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
}

impl<T: BackendProvider + ?Sized> BackendProviderExt for T {}
