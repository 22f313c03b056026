//! [`Clients::discoverer`]: a [`Discoverer`] for a provider, from the same clients
//! its providers use.

use lb_backends_core::{discover::Discoverer, Error, ErrorKind, ProviderKind, Result};

use super::Clients;

impl Clients {
    /// The discoverer of `kind`'s targets in the account and region of this cloud's
    /// client: ELB pools, APIG VPC channels (of every instance the project lists),
    /// CLB load balancers (API 3.0; the legacy API yields one
    /// [`ErrorKind::Unsupported`] error), BMLB layer-7 locations (API 3.0; the same
    /// with the legacy API). A provider not compiled in, or a cloud
    /// without a client, is an error here.
    ///
    /// ```
    /// use lb_backends::{Clients, ErrorKind, ProviderKind};
    /// let none = Clients::new();
    /// let err = none.discoverer(ProviderKind::HuaweiElb).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Unauthorized);
    /// ```
    pub fn discoverer(&self, kind: ProviderKind) -> Result<Box<dyn Discoverer>> {
        match kind {
            #[cfg(feature = "huawei-elb")]
            ProviderKind::HuaweiElb => Ok(Box::new(crate::huawei_elb::ElbDiscoverer::new(
                self.huawei("huawei")?,
            ))),
            #[cfg(feature = "huawei-apig")]
            ProviderKind::HuaweiApig => Ok(Box::new(crate::huawei_apig::ApigDiscoverer::new(
                self.huawei("huawei")?,
            ))),
            #[cfg(feature = "tencent-clb")]
            ProviderKind::TencentClb => Ok(Box::new(crate::tencent::ClbDiscoverer::new(
                self.tencent("tencent")?,
            ))),
            #[cfg(feature = "tencent-bmlb")]
            ProviderKind::TencentBmlb => Ok(Box::new(crate::tencent::BmlbDiscoverer::new(
                self.tencent("tencent")?,
            ))),
            #[allow(unreachable_patterns)]
            other => Err(Error::new(
                ErrorKind::Unsupported,
                format!("{other} is not compiled into this build (enable the `{other}` feature)"),
            )),
        }
    }
}
