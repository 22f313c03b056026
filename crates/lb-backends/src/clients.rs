//! [`Clients`]: one client per cloud, and a provider for any [`Target`].

use std::fmt;

mod discover;

use lb_backends_core::{BackendProvider, Error, ErrorKind, Result, Target};

/// The cloud clients of this build, and a provider for any [`Target`] they serve.
///
/// Providers built from the same `Clients` share connections.
///
/// ```
/// use lb_backends::{Clients, ErrorKind, Target};
/// let target: Target = "tencent-clb:lb-abcdefgh".parse()?;
/// // No Tencent client configured: a clear error, not a panic.
/// let err = Clients::new().provider(&target).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Unauthorized | ErrorKind::Unsupported));
/// # Ok::<(), lb_backends::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Clients {
    #[cfg(any(feature = "huawei-elb", feature = "huawei-apig"))]
    huawei: Option<crate::huawei::HuaweiClient>,
    #[cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]
    tencent: Option<crate::tencent::TencentClient>,
    /// Why a client could not be built from the environment, per cloud.
    missing: Vec<(&'static str, String)>,
}

impl Clients {
    /// No clients yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A client for each cloud whose environment variables are set
    /// (`HUAWEICLOUD_SDK_*`, `TENCENTCLOUD_*`); for the others, [`provider`](Self::provider)
    /// later says what was missing.
    pub fn from_env() -> Self {
        #[allow(unused_mut)]
        let mut clients = Self::new();
        #[cfg(any(feature = "huawei-elb", feature = "huawei-apig"))]
        match crate::huawei::HuaweiClient::from_env() {
            Ok(c) => clients.huawei = Some(c),
            Err(e) => clients.missing.push(("huawei", e.message().to_owned())),
        }
        #[cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]
        match crate::tencent::TencentClient::from_env() {
            Ok(c) => clients.tencent = Some(c),
            Err(e) => clients.missing.push(("tencent", e.message().to_owned())),
        }
        clients
    }

    /// Use this Huawei client for ELB and APIG targets.
    #[cfg(any(feature = "huawei-elb", feature = "huawei-apig"))]
    #[must_use]
    pub fn with_huawei(mut self, client: crate::huawei::HuaweiClient) -> Self {
        self.huawei = Some(client);
        self
    }

    /// Use this Tencent client for CLB and BMLB targets.
    #[cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]
    #[must_use]
    pub fn with_tencent(mut self, client: crate::tencent::TencentClient) -> Self {
        self.tencent = Some(client);
        self
    }

    /// A provider for `target`; an error when its cloud has no client here or its
    /// provider is not compiled into this build.
    pub fn provider(&self, target: &Target) -> Result<Box<dyn BackendProvider>> {
        match target {
            #[cfg(feature = "huawei-elb")]
            Target::HuaweiElb { .. } => Ok(Box::new(crate::huawei_elb::ElbProvider::for_target(
                self.huawei("huawei")?,
                target,
            )?)),
            #[cfg(feature = "huawei-apig")]
            Target::HuaweiApig { .. } => Ok(Box::new(
                crate::huawei_apig::ApigProvider::for_target(self.huawei("huawei")?, target)?,
            )),
            #[cfg(feature = "tencent-clb")]
            Target::TencentClb { .. } | Target::TencentClbListener { .. } => {
                crate::tencent::clb_provider(self.tencent("tencent")?, target)
            }
            #[cfg(feature = "tencent-bmlb")]
            Target::TencentBmlb { .. } | Target::TencentBmlbListener { .. } => {
                crate::tencent::bmlb_provider(self.tencent("tencent")?, target)
            }
            #[allow(unreachable_patterns)]
            other => Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "{} is not compiled into this build (enable the `{}` feature)",
                    other.provider(),
                    other.provider()
                ),
            )),
        }
    }

    #[cfg(any(feature = "huawei-elb", feature = "huawei-apig"))]
    fn huawei(&self, cloud: &'static str) -> Result<crate::huawei::HuaweiClient> {
        self.huawei
            .clone()
            .ok_or_else(|| self.not_configured(cloud))
    }

    #[cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]
    fn tencent(&self, cloud: &'static str) -> Result<crate::tencent::TencentClient> {
        self.tencent
            .clone()
            .ok_or_else(|| self.not_configured(cloud))
    }

    #[allow(dead_code)]
    fn not_configured(&self, cloud: &'static str) -> Error {
        let why = self
            .missing
            .iter()
            .find(|(c, _)| *c == cloud)
            .map_or_else(|| "no client was given".to_owned(), |(_, m)| m.clone());
        Error::new(
            ErrorKind::Unauthorized,
            format!("no {cloud} client is configured: {why}"),
        )
    }
}

impl fmt::Debug for Clients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Clients");
        #[cfg(any(feature = "huawei-elb", feature = "huawei-apig"))]
        d.field("huawei", &self.huawei);
        #[cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]
        d.field("tencent", &self.tencent);
        d.finish_non_exhaustive()
    }
}
