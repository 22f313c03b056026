//! Tencent Cloud **API 3.0**: TC3-HMAC-SHA256 signing ([`sign`]), the JSON envelope
//! and its error codes ([`envelope`]), region ids ([`region`]), and the providers
//! built on them ([`clb`]).
//!
//! Every call is a `POST` of a JSON body to `/` of
//! `https://<service>.tencentcloudapi.com` with the `X-TC-*` headers the official SDK
//! sends (`X-TC-Action`, `X-TC-Timestamp`, `X-TC-Version`, `X-TC-Region`, `X-TC-Token`
//! for temporary credentials, `X-TC-Language`), signed afresh on every attempt. See
//! `docs/providers/tencent.md`.

use std::{fmt, str::FromStr};

use http::Method;
use lb_backends_core::{transport::ApiRequest, Endpoint, Error, ErrorKind, Result};
use serde::{de::DeserializeOwned, Serialize};

use crate::client::{Service, TencentClient};

#[cfg(feature = "bmlb")]
pub mod bmlb;
#[cfg(feature = "clb")]
pub mod clb;
#[cfg(feature = "clb")]
pub(crate) mod discover;
#[cfg(feature = "clb")]
pub use discover::ClbDiscoverer;
#[cfg(feature = "bmlb")]
pub(crate) mod discover_bmlb;
#[cfg(feature = "bmlb")]
pub use discover_bmlb::BmlbDiscoverer;
mod dialect;
pub mod envelope;
pub mod region;
#[cfg(any(feature = "clb", feature = "bmlb"))]
pub(crate) mod sets; // what discovery reads strictly
pub mod sign;
#[cfg(any(feature = "clb", feature = "bmlb"))]
pub(crate) mod task;

pub use dialect::{CONTENT_TYPE_JSON, LANGUAGE, REQUEST_CLIENT};

/// The variable that selects the API generation (`legacy` or `3`).
pub const ENV_TENCENT_API: &str = "LBB_TENCENT_API";

/// Which Tencent API generation the providers speak.
///
/// ```
/// use lb_backends_tencent::TencentApi;
/// assert_eq!("3".parse::<TencentApi>()?, TencentApi::V3);
/// assert_eq!("legacy".parse::<TencentApi>()?, TencentApi::Legacy);
/// assert_eq!(TencentApi::V3.to_string(), "3");
/// assert!("2".parse::<TencentApi>().is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
///
/// API 3.0 is the default. It changes which provider serves `tencent-clb` targets
/// ([`ClbV3Provider`](crate::ClbV3Provider) instead of the legacy
/// [`ClbProvider`](crate::ClbProvider)) and `tencent-bmlb` targets
/// ([`BmlbV3Provider`](crate::BmlbV3Provider) instead of the legacy
/// [`BmlbProvider`](crate::BmlbProvider)); see [`clb_provider`] and [`bmlb_provider`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TencentApi {
    /// The legacy `/v2/index.php` API (signature v1): read-only CLB and BMLB.
    Legacy,
    /// API 3.0 (TC3-HMAC-SHA256, JSON): the default.
    #[default]
    V3,
}

impl TencentApi {
    /// `legacy` or `3`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Legacy => "legacy",
            Self::V3 => "3",
        }
    }
}

impl fmt::Display for TencentApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TencentApi {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "legacy" | "v2" | "1" => Ok(Self::Legacy),
            "3" | "3.0" | "v3" | "api3" => Ok(Self::V3),
            _ => Err(Error::invalid_input(format!(
                "Tencent API {s:?} is unknown; use legacy or 3"
            ))),
        }
    }
}

/// The provider of a `tencent-clb` target under the client's API generation: API 3.0
/// [`ClbV3Provider`](crate::ClbV3Provider), or legacy
/// [`ClbProvider`](crate::ClbProvider) (whole classic load balancers only, with its
/// writes on).
///
/// ```
/// # use lb_backends_tencent::{clb_provider, TencentApi, TencentClient, TencentCredentials};
/// # let client = TencentClient::builder().region("gz").api(TencentApi::Legacy)
/// #     .credentials(TencentCredentials::new("AKID", "key")?).build()?;
/// assert!(clb_provider(client.clone(), &"tencent-clb:lb-1".parse()?).is_ok());
/// assert!(clb_provider(client, &"tencent-clb:lb-1/lbl-2".parse()?).is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[cfg(feature = "clb")]
pub fn clb_provider(
    client: TencentClient,
    target: &lb_backends_core::Target,
) -> Result<Box<dyn lb_backends_core::BackendProvider>> {
    use lb_backends_core::Target;
    match (client.api(), target) {
        (TencentApi::V3, _) => Ok(Box::new(crate::ClbV3Provider::for_target(client, target)?)),
        (_, Target::TencentClbListener { .. }) => Err(Error::invalid_input(format!(
            "{target} names a listener: listener and rule targets need Tencent API 3.0 \
             (--tencent-api 3, LBB_TENCENT_API=3, or TencentApi::V3)"
        ))),
        _ => Ok(Box::new(
            crate::ClbProvider::for_target(client, target)?.with_writes(true),
        )),
    }
}

/// The provider of a `tencent-bmlb` target under the client's API generation: API 3.0
/// [`BmlbV3Provider`](crate::BmlbV3Provider) (layer-7 locations and layer-4
/// listeners), or legacy [`BmlbProvider`](crate::BmlbProvider) (layer-7 locations).
///
/// ```
/// # use lb_backends_tencent::{bmlb_provider, TencentApi, TencentClient, TencentCredentials};
/// # let client = TencentClient::builder().region("gz").api(TencentApi::Legacy)
/// #     .credentials(TencentCredentials::new("AKID", "key")?).build()?;
/// assert!(bmlb_provider(client.clone(), &"tencent-bmlb:lb-1/lbl-2/dm-3/loc-4".parse()?).is_ok());
/// assert!(bmlb_provider(client, &"tencent-bmlb:lb-1/lbl-2".parse()?).is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[cfg(feature = "bmlb")]
pub fn bmlb_provider(
    client: TencentClient,
    target: &lb_backends_core::Target,
) -> Result<Box<dyn lb_backends_core::BackendProvider>> {
    use lb_backends_core::Target;
    match (client.api(), target) {
        (TencentApi::V3, _) => Ok(Box::new(crate::BmlbV3Provider::for_target(client, target)?)),
        (_, Target::TencentBmlbListener { .. }) => Err(Error::invalid_input(format!(
            "{target} names a layer-4 listener: BMLB layer-4 targets need Tencent API 3.0 \
             (--tencent-api 3, LBB_TENCENT_API=3, or TencentApi::V3)"
        ))),
        _ => Ok(Box::new(crate::BmlbProvider::for_target(client, target)?)),
    }
}

impl Service {
    /// The API 3.0 service name of the credential scope (`clb`, `bmlb`).
    pub fn v3_name(self) -> &'static str {
        match self {
            Self::Clb => "clb",
            Self::Bmlb => "bmlb",
        }
    }

    /// The API 3.0 `X-TC-Version` of the service.
    pub fn v3_version(self) -> &'static str {
        match self {
            Self::Clb => "2018-03-17",
            Self::Bmlb => "2018-06-25",
        }
    }

    /// The service's public API 3.0 endpoint, when its feature is compiled in.
    pub fn default_endpoint_v3(self) -> Option<&'static str> {
        match self {
            #[cfg(feature = "clb")]
            Self::Clb => Some("https://clb.tencentcloudapi.com"),
            #[cfg(feature = "bmlb")]
            Self::Bmlb => Some("https://bmlb.tencentcloudapi.com"),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

impl TencentClient {
    /// The API generation this client's providers speak.
    pub fn api(&self) -> TencentApi {
        self.inner().api
    }

    /// The region as API 3.0 names it (`gz` becomes `ap-guangzhou`), or an
    /// [`InvalidInput`](ErrorKind::InvalidInput) error for a region that does not map.
    pub fn region_v3(&self) -> Result<&str> {
        match &self.inner().region3 {
            Some(r) => Ok(r),
            None => region::long_region(self.region()).map(|_| self.region()),
        }
    }

    /// The API 3.0 base URL calls to `service` go to.
    pub fn endpoint_v3(&self, service: Service) -> Option<&Endpoint> {
        match service {
            Service::Clb => self.inner().clb3.as_ref(),
            Service::Bmlb => self.inner().bmlb3.as_ref(),
        }
    }

    /// Send API 3.0 `action` with the JSON `body` to `service`, and decode the
    /// answer's `Response` object into `T`.
    ///
    /// Every attempt is signed afresh; an `Error` envelope under HTTP 200 is an error;
    /// retries follow the transport's policy and the codes of
    /// [`envelope::classify`]. `idempotent` says whether a failed attempt whose
    /// effect is unknown may be sent again (true for `Describe*` calls).
    ///
    /// ```no_run
    /// use lb_backends_tencent::{Service, TencentApi, TencentClient};
    /// # async fn demo() -> lb_backends_core::Result<()> {
    /// let client = TencentClient::builder()
    ///     .region("ap-guangzhou")
    ///     .credentials(lb_backends_tencent::TencentCredentials::new("AKID...", "key")?)
    ///     .api(TencentApi::V3)
    ///     .build()?;
    /// let body = serde_json::json!({"LoadBalancerIds": ["lb-abcdefgh"]});
    /// let answer: serde_json::Value = client
    ///     .call_v3(Service::Clb, "DescribeLoadBalancers", &body, true)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_v3<T: DeserializeOwned + Send>(
        &self,
        service: Service,
        action: &'static str,
        body: &impl Serialize,
        idempotent: bool,
    ) -> Result<T> {
        let request = self.request_v3(service, action, body, idempotent)?;
        let dialect = dialect::Tc3Dialect {
            service: service.v3_name(),
            version: service.v3_version(),
            action,
            region: self.region_v3()?,
            credentials: &self.inner().credentials,
            clock: None,
        };
        self.inner()
            .transport
            .send_with(&dialect, &request, |r| envelope::decode(action, r))
            .await
    }

    /// [`call_v3`](Self::call_v3), also returning the answer's `RequestId` (the task
    /// id of an asynchronous CLB write).
    pub async fn call_v3_with_id<T: DeserializeOwned + Send>(
        &self,
        service: Service,
        action: &'static str,
        body: &impl Serialize,
        idempotent: bool,
    ) -> Result<(T, String)> {
        let request = self.request_v3(service, action, body, idempotent)?;
        let dialect = dialect::Tc3Dialect {
            service: service.v3_name(),
            version: service.v3_version(),
            action,
            region: self.region_v3()?,
            credentials: &self.inner().credentials,
            clock: None,
        };
        self.inner()
            .transport
            .send_with(&dialect, &request, |r| {
                let (inner, request_id) = envelope::open(action, r)?;
                let value =
                    serde_json::from_value(serde_json::Value::Object(inner)).map_err(|e| {
                        Error::new(
                            ErrorKind::Decode,
                            format!("the {action} answer has an unexpected shape: {e}"),
                        )
                        .with_request_id(request_id.clone())
                    })?;
                Ok((value, request_id))
            })
            .await
    }

    fn request_v3(
        &self,
        service: Service,
        action: &'static str,
        body: &impl Serialize,
        idempotent: bool,
    ) -> Result<ApiRequest> {
        let endpoint = self.endpoint_v3(service).ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                format!("{service:?} is not compiled into this build and has no endpoint"),
            )
        })?;
        // Validate the region before anything is sent.
        self.region_v3()?;
        ApiRequest::new(action, Method::POST, endpoint)
            .idempotent(idempotent)
            .json_body(body)
    }
}

#[cfg(test)]
mod tests;
