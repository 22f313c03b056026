//! [`HuaweiClient`]: project, endpoints and credentials over one shared transport, and
//! the dialect that signs each attempt and reads Huawei's error envelopes.

use std::{env, fmt, sync::Arc};

use http::{header, HeaderValue, Method};
use lb_backends_core::{
    transport::{
        ApiRequest, Dialect, HttpTransport, OutgoingRequest, RawResponse, TransportConfig,
    },
    Endpoint, Error, ExposeSecret, ResourceId, Result,
};
use serde::de::DeserializeOwned;

use crate::{
    endpoints::check_region,
    errors::error_from_response,
    signer::{authorization, SigningInput},
    time::sdk_date_now,
    Credentials, Endpoints, Service,
};

/// A configured Huawei Cloud client; cheap to clone (clones share connections).
#[derive(Clone)]
pub struct HuaweiClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: HttpTransport,
    dialect: HuaweiDialect,
    project_id: ResourceId,
    region: Option<String>,
    endpoints: Endpoints,
}

impl HuaweiClient {
    /// Start building a client.
    pub fn builder() -> HuaweiClientBuilder {
        HuaweiClientBuilder::default()
    }

    /// A client configured from the official SDKs' environment variables:
    /// `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_PROJECT_ID`,
    /// `HUAWEICLOUD_SDK_SECURITY_TOKEN` (optional) and `HUAWEICLOUD_SDK_REGION`.
    pub fn from_env() -> Result<Self> {
        Self::builder().with_env().build()
    }

    /// The project every path is scoped to.
    pub fn project_id(&self) -> &ResourceId {
        &self.inner.project_id
    }

    /// The region, when one was given.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// Where `service` is reached.
    pub fn endpoint(&self, service: Service) -> &Endpoint {
        self.inner.endpoints.get(service)
    }

    /// The transport in use.
    pub fn transport(&self) -> &HttpTransport {
        &self.inner.transport
    }

    /// A new call to `service`; add path segments and query to it.
    pub fn request(&self, action: &'static str, method: Method, service: Service) -> ApiRequest {
        ApiRequest::new(action, method, self.endpoint(service))
    }

    /// Send a call and decode its JSON answer (retries, signing and error envelopes
    /// handled).
    pub async fn send_json<T: DeserializeOwned>(&self, request: &ApiRequest) -> Result<T> {
        self.inner
            .transport
            .send_json(&self.inner.dialect, request)
            .await
    }

    /// Send a call and hand the successful response to `decode`.
    pub async fn send_with<T>(
        &self,
        request: &ApiRequest,
        decode: impl Fn(&RawResponse) -> Result<T> + Send + Sync,
    ) -> Result<T> {
        self.inner
            .transport
            .send_with(&self.inner.dialect, request, decode)
            .await
    }
}

impl fmt::Debug for HuaweiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiClient")
            .field("project_id", &self.inner.project_id)
            .field("region", &self.inner.region)
            .field("endpoints", &self.inner.endpoints)
            .field("credentials", &self.inner.dialect.credentials)
            .finish()
    }
}

/// Builds a [`HuaweiClient`]; `build` checks everything and returns a typed error.
#[derive(Default)]
pub struct HuaweiClientBuilder {
    region: Option<String>,
    project_id: Option<String>,
    credentials: Option<Credentials>,
    endpoint_all: Option<String>,
    endpoints: Vec<(Service, String)>,
    transport: Option<HttpTransport>,
    transport_config: Option<TransportConfig>,
}

impl HuaweiClientBuilder {
    /// The region (e.g. `cn-north-4`); sets the default endpoints.
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The project id.
    #[must_use]
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The credentials.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Send `service` to this base URL instead of the region's.
    #[must_use]
    pub fn endpoint(mut self, service: Service, url: impl Into<String>) -> Self {
        self.endpoints.push((service, url.into()));
        self
    }

    /// Send every service to this base URL (the emulator serves them all).
    #[must_use]
    pub fn endpoint_all(mut self, url: impl Into<String>) -> Self {
        self.endpoint_all = Some(url.into());
        self
    }

    /// Use this transport (share one across clients to share connections).
    #[must_use]
    pub fn transport(mut self, transport: HttpTransport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Build a transport from this configuration.
    #[must_use]
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport_config = Some(config);
        self
    }

    /// Fill what is not set yet from the environment (see [`HuaweiClient::from_env`]).
    #[must_use]
    pub fn with_env(self) -> Self {
        self.with_vars(|name| env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Fill what is not set yet from `var` (the environment, a profile, a test map).
    #[must_use]
    pub fn with_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Self {
        if self.region.is_none() {
            self.region = var("HUAWEICLOUD_SDK_REGION");
        }
        if self.project_id.is_none() {
            self.project_id = var("HUAWEICLOUD_SDK_PROJECT_ID");
        }
        if self.credentials.is_none() {
            if let (Some(ak), Some(sk)) = (var("HUAWEICLOUD_SDK_AK"), var("HUAWEICLOUD_SDK_SK")) {
                self.credentials = Some(match var("HUAWEICLOUD_SDK_SECURITY_TOKEN") {
                    Some(token) => Credentials::temporary(ak, sk, token),
                    None => Credentials::ak_sk(ak, sk),
                });
            }
        }
        self
    }

    /// Check everything and build the client.
    pub fn build(self) -> Result<HuaweiClient> {
        let project_id = self.project_id.ok_or_else(|| {
            Error::invalid_input("no Huawei project id: set one or HUAWEICLOUD_SDK_PROJECT_ID")
        })?;
        let project_id = ResourceId::new(project_id).map_err(|e| e.context("Huawei project id"))?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::invalid_input(
                "no Huawei credentials: give a token or an AK/SK pair \
                 (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK)",
            )
        })?;
        if credentials.is_empty() {
            return Err(Error::invalid_input("Huawei credentials are empty"));
        }
        let mut endpoints = match (&self.endpoint_all, &self.region) {
            (Some(all), _) => Endpoints::all_at(Endpoint::parse(all)?),
            (None, Some(region)) => Endpoints::for_region(region)?,
            (None, None) => {
                return Err(Error::invalid_input(
                    "no Huawei region: set one or HUAWEICLOUD_SDK_REGION, or give endpoints",
                ))
            }
        };
        if let Some(region) = &self.region {
            check_region(region)?;
        }
        for (service, url) in self.endpoints {
            endpoints.set(service, Endpoint::parse(&url)?);
        }
        let transport = match self.transport {
            Some(t) => t,
            None => HttpTransport::new(self.transport_config.unwrap_or_default())?,
        };
        Ok(HuaweiClient {
            inner: Arc::new(Inner {
                transport,
                dialect: HuaweiDialect {
                    credentials,
                    project_id: project_id.to_string(),
                },
                project_id,
                region: self.region,
                endpoints,
            }),
        })
    }
}

impl fmt::Debug for HuaweiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiClientBuilder")
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// Signs with the token or AK/SK and reads Huawei error envelopes.
#[derive(Debug)]
struct HuaweiDialect {
    credentials: Credentials,
    project_id: String,
}

impl Dialect for HuaweiDialect {
    fn name(&self) -> &'static str {
        "huawei"
    }

    fn sign(&self, request: &mut OutgoingRequest) -> Result<()> {
        if !request.headers.contains_key(header::CONTENT_TYPE) {
            let content_type = if request.body.is_empty() {
                "application/json"
            } else {
                "application/json;charset=UTF-8"
            };
            request
                .headers
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        match &self.credentials {
            Credentials::Token(token) => {
                request
                    .headers
                    .insert("x-auth-token", secret_header(token.expose_secret())?);
            }
            Credentials::AkSk {
                ak,
                sk,
                security_token,
            } => {
                request
                    .headers
                    .insert("x-project-id", header_value(&self.project_id)?);
                if let Some(token) = security_token {
                    request
                        .headers
                        .insert("x-security-token", secret_header(token.expose_secret())?);
                }
                let date = sdk_date_now();
                request.headers.insert("x-sdk-date", header_value(&date)?);
                let mut to_sign: Vec<(String, String)> =
                    vec![("host".into(), request.host.clone())];
                for (name, value) in &request.headers {
                    let value = value.to_str().map_err(|_| {
                        Error::invalid_input(format!("header {name} is not valid text"))
                    })?;
                    to_sign.push((name.as_str().to_owned(), value.to_owned()));
                }
                let auth = authorization(
                    ak,
                    sk.expose_secret().as_bytes(),
                    &SigningInput {
                        method: request.method.as_str(),
                        path: request.url.path(),
                        query: &request.query,
                        headers: &to_sign,
                        body: &request.body,
                        sdk_date: &date,
                    },
                );
                request
                    .headers
                    .insert(header::AUTHORIZATION, secret_header(&auth)?);
            }
        }
        Ok(())
    }

    fn check(&self, response: &RawResponse) -> Result<()> {
        if response.is_success() {
            Ok(())
        } else {
            Err(error_from_response(response))
        }
    }
}

fn header_value(value: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value)
        .map_err(|_| Error::invalid_input("a header value holds characters HTTP cannot carry"))
}

/// A header value that HTTP libraries keep out of their debug output.
fn secret_header(value: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| Error::invalid_input("a credential holds characters HTTP cannot carry"))?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn env_fills_what_is_missing_and_setters_win() {
        let client = HuaweiClient::builder()
            .region("cn-south-1")
            .with_vars(vars(&[
                ("HUAWEICLOUD_SDK_AK", "AK"),
                ("HUAWEICLOUD_SDK_SK", "SK-SECRET"),
                ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "ST-SECRET"),
                (
                    "HUAWEICLOUD_SDK_PROJECT_ID",
                    "0123456789abcdef0123456789abcdef",
                ),
                ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
            ]))
            .build()
            .unwrap();
        assert_eq!(client.region(), Some("cn-south-1"));
        assert_eq!(
            client.endpoint(Service::Apig).to_string(),
            "https://apig.cn-south-1.myhuaweicloud.com"
        );
        let shown = format!("{client:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }

    #[test]
    fn missing_pieces_are_named() {
        let err = HuaweiClient::builder()
            .with_vars(vars(&[]))
            .build()
            .unwrap_err();
        assert!(
            err.message().contains("HUAWEICLOUD_SDK_PROJECT_ID"),
            "{err}"
        );
        let err = HuaweiClient::builder()
            .project_id("p1")
            .credentials(Credentials::token("t"))
            .build()
            .unwrap_err();
        assert!(err.message().contains("region"), "{err}");
        let err = HuaweiClient::builder()
            .project_id("p1")
            .credentials(Credentials::token("t"))
            .endpoint_all("http://10.1.2.3:80")
            .build()
            .unwrap_err();
        assert!(err.message().contains("plain http"), "{err}");
    }

    #[test]
    fn aksk_signing_adds_the_sdk_headers() {
        let dialect = HuaweiDialect {
            credentials: Credentials::temporary("AK", "SK", "ST"),
            project_id: "p1".into(),
        };
        let endpoint = Endpoint::parse("http://127.0.0.1:9999").unwrap();
        let mut out = ApiRequest::new("Get", Method::GET, &endpoint)
            .segments(["v1", "p1", "ports"])
            .query("fixed_ips", "ip_address=10.0.0.1")
            .to_outgoing()
            .unwrap();
        dialect.sign(&mut out).unwrap();
        let auth = out.headers[header::AUTHORIZATION].to_str().unwrap();
        assert!(auth.starts_with(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, Signature="
        ), "{auth}");
        assert!(out.headers[header::AUTHORIZATION].is_sensitive());
        assert_eq!(out.headers["x-security-token"], "ST");
    }
}
