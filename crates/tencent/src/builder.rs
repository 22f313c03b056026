//! [`TencentClientBuilder`]: explicit setters, `from_env()`, and a `build()` that
//! checks everything before any request is made.

use lb_backends_core::{
    transport::{HttpTransport, TransportConfig},
    Endpoint, Error, ErrorKind, Result,
};

use crate::{
    client::{HttpMethod, Inner, Service, TencentClient},
    credentials::TencentCredentials,
    signer::SignatureMethod,
    v3::{region::long_region, TencentApi, ENV_TENCENT_API},
};

/// The `SecretId` variable.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// The `SecretKey` variable.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// The session token variable (temporary credentials; optional).
pub const ENV_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
/// The region variable.
pub const ENV_REGION: &str = "TENCENTCLOUD_REGION";

/// Builds a [`TencentClient`].
///
/// ```
/// use std::time::Duration;
/// use lb_backends_core::transport::{RetryPolicy, TransportConfig};
/// use lb_backends_tencent::{TencentClient, TencentCredentials};
///
/// let client = TencentClient::builder()
///     .region("ap-guangzhou")
///     .credentials(TencentCredentials::new("AKIDEXAMPLE", "key")?)
///     .transport_config(TransportConfig {
///         retry: RetryPolicy::default().with_max_attempts(3),
///         request_timeout: Duration::from_secs(10),
///         ..TransportConfig::default()
///     })
///     .build()?;
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct TencentClientBuilder {
    region: Option<String>,
    credentials: Option<TencentCredentials>,
    signature_method: SignatureMethod,
    clb: Option<Endpoint>,
    bmlb: Option<Endpoint>,
    method: HttpMethod,
    transport: Option<HttpTransport>,
    transport_config: Option<TransportConfig>,
    api: Option<TencentApi>,
}

impl TencentClientBuilder {
    /// Nothing set but the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with credentials (and the region, when set) from the environment;
    /// see [`TencentClient::from_env`]. Setters may still change anything.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| match std::env::var(name) {
            Ok(v) => Ok(Some(v)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::invalid_input(format!(
                "environment variable {name} is not valid UTF-8"
            ))),
        })
    }

    /// [`from_env`](Self::from_env) with any variable lookup (tests, config files).
    pub(crate) fn from_lookup(get: impl Fn(&str) -> Result<Option<String>>) -> Result<Self> {
        let var = |name: &str| -> Result<Option<String>> {
            Ok(get(name)?.filter(|v| !v.trim().is_empty()))
        };
        let missing = |name: &str| {
            Error::new(
                ErrorKind::Unauthorized,
                format!("environment variable {name} is not set (or empty)"),
            )
        };
        let id = var(ENV_SECRET_ID)?.ok_or_else(|| missing(ENV_SECRET_ID))?;
        let key = var(ENV_SECRET_KEY)?.ok_or_else(|| missing(ENV_SECRET_KEY))?;
        let mut credentials = TencentCredentials::new(id.trim(), key.trim())
            .map_err(|e| e.context(format!("{ENV_SECRET_ID}/{ENV_SECRET_KEY}")))?;
        if let Some(token) = var(ENV_SESSION_TOKEN)? {
            credentials = credentials.with_token(token.trim());
        }
        let mut builder = Self::new().credentials(credentials);
        builder.region = var(ENV_REGION)?.map(|r| r.trim().to_owned());
        if let Some(api) = var(ENV_TENCENT_API)? {
            builder.api = Some(api.parse().map_err(|e: Error| {
                e.context(format!("environment variable {ENV_TENCENT_API}"))
            })?);
        }
        Ok(builder)
    }

    /// The region (`gz`, `bj`, `ap-guangzhou`, ...).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The credentials to sign with.
    #[must_use]
    pub fn credentials(mut self, credentials: TencentCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// `HmacSHA1` (default) or `HmacSHA256`.
    #[must_use]
    pub fn signature_method(mut self, method: SignatureMethod) -> Self {
        self.signature_method = method;
        self
    }

    /// Which API generation the providers speak: [`TencentApi::V3`] (the default)
    /// or [`TencentApi::Legacy`]. `from_env` reads it from `LBB_TENCENT_API`
    /// (`legacy` or `3`). An API 3.0 client needs a region that maps to a long id
    /// (see [`long_region`](crate::v3::region::long_region)).
    #[must_use]
    pub fn api(mut self, api: TencentApi) -> Self {
        self.api = Some(api);
        self
    }

    /// Send CLB calls to this base URL instead of the public one
    /// (`https://lb.api.qcloud.com` for the legacy API, where `/v2/index.php` is
    /// appended to its path unless it already ends so; `https://clb.tencentcloudapi.com`
    /// for API 3.0, which posts to the URL's path as given).
    #[must_use]
    pub fn endpoint_clb(mut self, endpoint: Endpoint) -> Self {
        self.clb = Some(endpoint);
        self
    }

    /// Send BMLB calls to this base URL instead of the public one
    /// (`https://bmlb.api.qcloud.com` for the legacy API, with `/v2/index.php`
    /// appended as for CLB; `https://bmlb.tencentcloudapi.com` for API 3.0).
    #[must_use]
    pub fn endpoint_bmlb(mut self, endpoint: Endpoint) -> Self {
        self.bmlb = Some(endpoint);
        self
    }

    /// `GET` with a query string (default) or `POST` with a form body.
    #[must_use]
    pub fn http_method(mut self, method: HttpMethod) -> Self {
        self.method = method;
        self
    }

    /// Use this transport (shared with other clients; wins over
    /// [`transport_config`](Self::transport_config)).
    #[must_use]
    pub fn transport(mut self, transport: HttpTransport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Build a transport of its own with this configuration.
    #[must_use]
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport_config = Some(config);
        self
    }

    /// Check everything and build the client.
    pub fn build(self) -> Result<TencentClient> {
        let region = self.region.ok_or_else(|| {
            Error::invalid_input(format!(
                "the Tencent Cloud region is not set: call region() or set {ENV_REGION}"
            ))
        })?;
        check_region(&region)?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::new(
                ErrorKind::Unauthorized,
                format!(
                    "Tencent Cloud credentials are not set: call credentials() or set \
                     {ENV_SECRET_ID} and {ENV_SECRET_KEY}"
                ),
            )
        })?;
        let default = |service: Service| -> Result<Option<Endpoint>> {
            service.default_endpoint().map(Endpoint::parse).transpose()
        };
        let default3 = |service: Service| -> Result<Option<Endpoint>> {
            service
                .default_endpoint_v3()
                .map(Endpoint::parse)
                .transpose()
        };
        let clb3 = match &self.clb {
            Some(e) => Some(e.clone()),
            None => default3(Service::Clb)?,
        };
        let bmlb3 = match &self.bmlb {
            Some(e) => Some(e.clone()),
            None => default3(Service::Bmlb)?,
        };
        let clb = match self.clb {
            Some(e) => Some(e),
            None => default(Service::Clb)?,
        };
        let bmlb = match self.bmlb {
            Some(e) => Some(e),
            None => default(Service::Bmlb)?,
        };
        let api = self.api.unwrap_or_default();
        let region3 = match long_region(&region) {
            Ok(r) => Some(r.into_owned()),
            // Only an API 3.0 client needs the long form.
            Err(e) if api == TencentApi::V3 => return Err(e),
            Err(_) => None,
        };
        let transport = match (self.transport, self.transport_config) {
            (Some(t), _) => t,
            (None, config) => HttpTransport::new(config.unwrap_or_default())?,
        };
        Ok(TencentClient::from_inner(Inner {
            region,
            credentials,
            signature_method: self.signature_method,
            clb,
            bmlb,
            method: self.method,
            transport,
            api,
            clb3,
            bmlb3,
            region3,
            forward_cache: std::sync::Mutex::default(),
            write_locks: std::sync::Mutex::default(),
        }))
    }
}

fn check_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "region {region:?} is not a region name (letters, digits, '-' and '_')"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Result<Option<String>> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| Ok(map.get(name).cloned())
    }

    #[test]
    fn env_names_the_missing_variable_never_a_value() {
        let err =
            TencentClientBuilder::from_lookup(lookup(&[(ENV_SECRET_KEY, "k-SECRET")])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
        assert!(err.message().contains(ENV_SECRET_ID), "{err}");
        assert!(!err.to_string().contains("k-SECRET"));

        let err =
            TencentClientBuilder::from_lookup(lookup(&[(ENV_SECRET_ID, "AKID")])).unwrap_err();
        assert!(err.message().contains(ENV_SECRET_KEY), "{err}");

        let err = TencentClientBuilder::from_lookup(lookup(&[
            (ENV_SECRET_ID, "AKID"),
            (ENV_SECRET_KEY, "k-SECRET"),
        ]))
        .unwrap()
        .build()
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains(ENV_REGION), "{err}");
    }

    #[test]
    fn env_with_everything_builds() {
        let client = TencentClientBuilder::from_lookup(lookup(&[
            (ENV_SECRET_ID, "AKIDabcdefgh"),
            (ENV_SECRET_KEY, "k-SECRET"),
            (ENV_SESSION_TOKEN, "t-SECRET"),
            (ENV_REGION, "bj"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.region(), "bj");
        assert_eq!(
            client.endpoint(Service::Clb).unwrap().to_string(),
            "https://lb.api.qcloud.com"
        );
        let shown = format!("{client:?}");
        assert!(!shown.contains("k-SECRET"), "{shown}");
        assert!(!shown.contains("t-SECRET"), "{shown}");
    }

    #[test]
    fn bad_regions_and_missing_credentials_are_refused() {
        let creds = TencentCredentials::new("a", "b").unwrap();
        for bad in ["", "gz&x=1", "g z", "bj\n"] {
            let err = TencentClientBuilder::new()
                .region(bad)
                .credentials(creds.clone())
                .build()
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
        let err = TencentClientBuilder::new()
            .region("gz")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn endpoint_path_is_appended_once() {
        let creds = TencentCredentials::new("a", "b").unwrap();
        for base in ["http://127.0.0.1:1", "http://127.0.0.1:1/v2/index.php"] {
            let client = TencentClientBuilder::new()
                .region("gz")
                .credentials(creds.clone())
                .endpoint_clb(Endpoint::parse(base).unwrap())
                .build()
                .unwrap();
            let req = client
                .read_request(Service::Clb, "A", &[("offset", "0".into())])
                .unwrap();
            assert_eq!(req.encoded_path(), "/v2/index.php", "{base}");
            assert!(req.is_idempotent());
        }
        let client = TencentClientBuilder::new()
            .region("gz")
            .credentials(creds)
            .http_method(HttpMethod::Post)
            .build()
            .unwrap();
        let req = client.read_request(Service::Bmlb, "A", &[]).unwrap();
        assert!(req.is_idempotent(), "reads may be resent even as POST");
        let err = client
            .read_request(Service::Bmlb, "A", &[("Nonce", "1".into())])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}
