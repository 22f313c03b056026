//! [`TencentClient`]: region, credentials, endpoints and one shared HTTP transport,
//! used by every Tencent provider.

use std::{fmt, sync::Arc};

use http::Method;
use lb_backends_core::{
    transport::{ApiRequest, HttpTransport},
    Endpoint, Error, ErrorKind, Result,
};
use serde::de::DeserializeOwned;

use crate::{
    builder::TencentClientBuilder,
    credentials::TencentCredentials,
    dialect::{TencentDialect, COMMON_PARAMS},
    signer::SignatureMethod,
};

/// The path every legacy action is sent to.
pub const LEGACY_PATH: &str = "/v2/index.php";

/// Which legacy API host a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// CLB, `https://lb.api.qcloud.com`.
    Clb,
    /// BMLB (Black Stone), `https://bmlb.api.qcloud.com`.
    Bmlb,
}

impl Service {
    /// The service's public endpoint, when its feature is compiled in: a build with
    /// only `clb` carries no BMLB host name, and the reverse.
    pub fn default_endpoint(self) -> Option<&'static str> {
        match self {
            #[cfg(feature = "clb")]
            Self::Clb => Some("https://lb.api.qcloud.com"),
            #[cfg(feature = "bmlb")]
            Self::Bmlb => Some("https://bmlb.api.qcloud.com"),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

/// How requests are sent: the query string of a `GET` (the default), or the
/// `application/x-www-form-urlencoded` body of a `POST`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpMethod {
    /// Parameters in the query string.
    #[default]
    Get,
    /// Parameters in a form body.
    Post,
}

/// A client for Tencent Cloud's legacy API (`/v2/index.php`, signature v1).
///
/// Cheap to clone: clones share the configuration and the HTTP transport (and so
/// its connection pool). Build one with [`TencentClient::builder`] or
/// [`TencentClient::from_env`].
///
/// ```
/// use lb_backends_core::Endpoint;
/// use lb_backends_tencent::{HttpMethod, SignatureMethod, TencentClient, TencentCredentials};
///
/// let client = TencentClient::builder()
///     .region("gz")
///     .credentials(TencentCredentials::new("AKIDEXAMPLE", "secret-key")?)
///     .signature_method(SignatureMethod::HmacSha256)
///     .http_method(HttpMethod::Post)
///     // e.g. the emulator on loopback; the default is https://lb.api.qcloud.com
///     .endpoint_clb(Endpoint::parse("http://127.0.0.1:8080")?)
///     .build()?;
/// assert_eq!(client.region(), "gz");
/// assert!(!format!("{client:?}").contains("secret-key"));
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Clone)]
pub struct TencentClient {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub region: String,
    pub credentials: TencentCredentials,
    pub signature_method: SignatureMethod,
    pub clb: Option<Endpoint>,
    pub bmlb: Option<Endpoint>,
    pub method: HttpMethod,
    pub transport: HttpTransport,
    /// Which API generation the providers speak (see [`TencentApi`]).
    pub api: crate::v3::TencentApi,
    /// API 3.0 endpoints: the builder's, else the public ones.
    pub clb3: Option<Endpoint>,
    pub bmlb3: Option<Endpoint>,
    /// The region as API 3.0 wants it (long form), when the region maps.
    pub region3: Option<String>,
    /// API 3.0: `Forward` of the load balancers seen (1 standard, 0 classic).
    #[cfg_attr(not(feature = "clb"), allow(dead_code))]
    pub write_locks:
        std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// API 3.0: `Forward` of the load balancers seen (1 standard, 0 classic).
    #[cfg_attr(not(feature = "clb"), allow(dead_code))]
    pub forward_cache: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl TencentClient {
    /// A builder with nothing set but the defaults (public endpoints, `GET`,
    /// `HmacSHA1`, the default transport).
    pub fn builder() -> TencentClientBuilder {
        TencentClientBuilder::new()
    }

    /// A client from the conventional environment variables:
    /// `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`,
    /// `TENCENTCLOUD_SESSION_TOKEN` (optional) and `TENCENTCLOUD_REGION`.
    ///
    /// A missing variable is an error that names it (never a value).
    ///
    /// ```no_run
    /// let client = lb_backends_tencent::TencentClient::from_env()?;
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    pub fn from_env() -> Result<Self> {
        TencentClientBuilder::from_env()?.build()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// The region every call names (`Region` parameter).
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The base URL calls to `service` go to: the one given to the builder, else the
    /// public one when that service's feature is compiled in.
    pub fn endpoint(&self, service: Service) -> Option<&Endpoint> {
        match service {
            Service::Clb => self.inner.clb.as_ref(),
            Service::Bmlb => self.inner.bmlb.as_ref(),
        }
    }

    /// The signature method in use.
    pub fn signature_method(&self) -> SignatureMethod {
        self.inner.signature_method
    }

    /// How requests are sent.
    pub fn http_method(&self) -> HttpMethod {
        self.inner.method
    }

    /// The shared HTTP transport.
    pub fn transport(&self) -> &HttpTransport {
        &self.inner.transport
    }

    /// The request for a read-only `action` on `service` with its own parameters
    /// (common parameters and the signature are added on each attempt).
    pub(crate) fn read_request(
        &self,
        service: Service,
        action: &'static str,
        params: &[(&str, String)],
    ) -> Result<ApiRequest> {
        self.legacy_request(service, action, params, true)
    }

    /// The request for a legacy `action`; `idempotent`: whether an attempt whose
    /// outcome is unknown may be sent again.
    fn legacy_request(
        &self,
        service: Service,
        action: &'static str,
        params: &[(&str, String)],
        idempotent: bool,
    ) -> Result<ApiRequest> {
        let endpoint = self.endpoint(service).ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                format!("{service:?} is not compiled into this build and has no endpoint"),
            )
        })?;
        let method = match self.inner.method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
        };
        // A reading action may be sent again whatever the method.
        let mut request = ApiRequest::new(action, method, endpoint).idempotent(idempotent);
        let base = endpoint.url().path().trim_end_matches('/');
        if !base.ends_with(LEGACY_PATH) {
            request = request.segments(["v2", "index.php"]);
        }
        for (name, value) in params {
            if COMMON_PARAMS.contains(name) {
                return Err(Error::invalid_input(format!(
                    "{name} is a common parameter; the client sets it"
                )));
            }
            request = request.query(*name, value);
        }
        Ok(request)
    }

    /// Send a read-only `action` (a `Describe*` call) with its own `params` to
    /// `service` and decode its answer. The common parameters and the signature are
    /// added on every attempt; the answer's envelope is checked (`code != 0` is an
    /// error); retries follow the transport's policy, so use this for reads only.
    ///
    /// ```no_run
    /// use lb_backends_tencent::{Service, TencentClient};
    /// # async fn demo() -> lb_backends_core::Result<()> {
    /// let client = TencentClient::from_env()?;
    /// let page: serde_json::Value = client
    ///     .describe(Service::Clb, "DescribeLoadBalancers", &[("limit", "20".to_owned())])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn describe<T: DeserializeOwned + Send>(
        &self,
        service: Service,
        action: &'static str,
        params: &[(&str, String)],
    ) -> Result<T> {
        let request = self.read_request(service, action, params)?;
        let dialect = TencentDialect {
            action,
            region: &self.inner.region,
            credentials: &self.inner.credentials,
            signature_method: self.inner.signature_method,
        };
        self.inner.transport.send_json(&dialect, &request).await
    }

    /// Send a legacy write `action` (not sent again after an attempt whose outcome is
    /// unknown) and decode its answer; the envelope is checked as for
    /// [`describe`](Self::describe).
    #[cfg(feature = "clb")]
    pub(crate) async fn write_legacy<T: DeserializeOwned + Send>(
        &self,
        service: Service,
        action: &'static str,
        params: &[(&str, String)],
    ) -> Result<T> {
        let request = self.legacy_request(service, action, params, false)?;
        let dialect = TencentDialect {
            action,
            region: &self.inner.region,
            credentials: &self.inner.credentials,
            signature_method: self.inner.signature_method,
        };
        self.inner.transport.send_json(&dialect, &request).await
    }
}

impl fmt::Debug for TencentClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("TencentClient")
            .field("region", &i.region)
            .field("credentials", &i.credentials)
            .field("signature_method", &i.signature_method)
            .field("api", &i.api)
            .field("http_method", &i.method)
            .field("endpoint_clb", &i.clb)
            .field("endpoint_bmlb", &i.bmlb)
            .finish_non_exhaustive()
    }
}
