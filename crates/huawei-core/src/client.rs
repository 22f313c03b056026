//! [`HuaweiClient`]: project, endpoints and credentials over one shared transport, and
//! the dialect that signs each attempt and reads Huawei's error envelopes.

use std::{
    env, fmt,
    future::Future,
    pin::Pin,
    sync::{Arc, OnceLock, RwLock},
};

use http::{header, HeaderValue, Method};
use lb_backends_core::{
    transport::{
        ApiRequest, Dialect, HttpTransport, OutgoingRequest, RawResponse, TransportConfig,
    },
    Endpoint, Error, ErrorKind, ExposeSecret, ResourceId, Result,
};
use serde::de::DeserializeOwned;

use crate::{
    endpoints::check_region,
    errors::error_from_response,
    iam::{self, IamDialect, IssuedToken, Scope},
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
    /// The project given; else [`PROJECT_PLACEHOLDER`] until discovered.
    placeholder: ResourceId,
    region: Option<String>,
    endpoints: Endpoints,
    /// One token fetch or project discovery at a time.
    ready: tokio::sync::Mutex<()>,
}

/// What the dialect reads on every attempt and the client fills in: the project
/// (given, or discovered) and the current IAM token of password credentials.
#[derive(Default)]
struct AuthState {
    project: OnceLock<ResourceId>,
    token: RwLock<Option<IssuedToken>>,
}

/// The path segment that stands for the project until it is known: a client built
/// without a project id builds its paths with it, and the dialect puts the project id
/// (discovered before the first call) in its place on every attempt.
pub const PROJECT_PLACEHOLDER: &str = "_project_id_";

impl HuaweiClient {
    /// Start building a client.
    pub fn builder() -> HuaweiClientBuilder {
        HuaweiClientBuilder::default()
    }

    /// A client configured from the official SDKs' environment variables:
    /// `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_PROJECT_ID`
    /// (optional: discovered), `HUAWEICLOUD_SDK_SECURITY_TOKEN` (optional) and
    /// `HUAWEICLOUD_SDK_REGION`; or, without an AK/SK, the terraform provider's
    /// `HW_USER_NAME`, `HW_PASSWORD` and `HW_DOMAIN_NAME` (a password token).
    pub fn from_env() -> Result<Self> {
        Self::builder().with_env().build()
    }

    /// The project every path is scoped to: the one given or already discovered,
    /// else [`PROJECT_PLACEHOLDER`], which the client replaces on sending (after
    /// discovering the project: [`resolve_project`](Self::resolve_project)).
    pub fn project_id(&self) -> &ResourceId {
        self.inner
            .dialect
            .auth
            .project
            .get()
            .unwrap_or(&self.inner.placeholder)
    }

    /// The project id: the one given, else discovered (once per client, and once per
    /// AK and region in a process): from a password token's `token.project.id`, with
    /// an AK/SK by `GET /v3/projects?name=REGION` (as the official SDK does), with a
    /// token by `GET /v3/auth/projects`. None or several projects named after the
    /// region is an error that says to give the id.
    pub async fn resolve_project(&self) -> Result<ResourceId> {
        self.prepare().await?;
        Ok(self.project_id().clone())
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
    pub async fn send_json<T: DeserializeOwned + Send>(&self, request: &ApiRequest) -> Result<T> {
        self.send_with(request, |r| {
            lb_backends_core::transport::decode_json(request.action(), r)
        })
        .await
    }

    /// Send a call and hand the successful response to `decode`.
    ///
    /// With password credentials, a token is got first (or reused while fresh), and a
    /// 401 that says the token is no longer valid gets one new token and one resend.
    pub async fn send_with<T: Send>(
        &self,
        request: &ApiRequest,
        decode: impl Fn(&RawResponse) -> Result<T> + Send + Sync,
    ) -> Result<T> {
        // Generic only here: the token, the project and the resend are one copy.
        let mut decoded = None;
        let mut sink = |response: &RawResponse| -> Result<()> {
            decoded = Some(decode(response)?);
            Ok(())
        };
        self.send_dyn(request, &mut sink).await?;
        decoded.ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                format!("{}: the call succeeded without an answer", request.action()),
            )
        })
    }

    fn send_dyn<'a>(
        &'a self,
        request: &'a ApiRequest,
        decode: &'a mut (dyn FnMut(&RawResponse) -> Result<()> + Send),
    ) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>> {
        Box::pin(async move {
            self.prepare().await?;
            let transport = &self.inner.transport;
            let dialect = &self.inner.dialect;
            match transport.send_dyn(dialect, request, &mut *decode).await {
                Err(e) if self.uses_password() && iam::token_rejected(&e) => {
                    tracing::debug!("the IAM token was refused; getting a new one, once");
                    self.refresh_token(true).await?;
                    transport.send_dyn(dialect, request, decode).await
                }
                other => other,
            }
        })
    }

    fn uses_password(&self) -> bool {
        matches!(self.inner.dialect.credentials, Credentials::Password(_))
    }

    fn token_is_fresh(&self) -> bool {
        read(&self.inner.dialect.auth.token)
            .as_ref()
            .is_some_and(IssuedToken::is_fresh)
    }

    /// A fresh token (password credentials) and a known project, before a call.
    async fn prepare(&self) -> Result<()> {
        let auth = &self.inner.dialect.auth;
        let needs_token = self.uses_password() && !self.token_is_fresh();
        if !needs_token && auth.project.get().is_some() {
            return Ok(());
        }
        if needs_token {
            self.refresh_token(false).await?;
        }
        if auth.project.get().is_none() {
            let _one = self.inner.ready.lock().await;
            if auth.project.get().is_none() {
                let id = self.discover_project().await?;
                let _ = auth.project.set(id);
            }
        }
        Ok(())
    }

    /// Get a token with the password (or reuse the process's fresh one unless
    /// `force`), and keep it for the dialect.
    async fn refresh_token(&self, force: bool) -> Result<()> {
        let Credentials::Password(p) = &self.inner.dialect.credentials else {
            return Ok(());
        };
        let _one = self.inner.ready.lock().await;
        if !force && self.token_is_fresh() {
            return Ok(());
        }
        let auth = &self.inner.dialect.auth;
        let scope = match (auth.project.get(), &self.inner.region) {
            (Some(id), _) => Scope::ProjectId(id.to_string()),
            (None, Some(region)) => Scope::ProjectName(region.clone()),
            (None, None) => {
                return Err(Error::invalid_input(
                    "a password token is scoped to a project: give the region                      (HUAWEICLOUD_SDK_REGION) or the project id",
                ))
            }
        };
        let scope_text = match &scope {
            Scope::ProjectId(id) => format!("id:{id}"),
            Scope::ProjectName(n) => format!("name:{n}"),
        };
        let iam_endpoint = self.endpoint(Service::Iam).to_string();
        let key = iam::key(&[
            &iam_endpoint,
            &p.user_name,
            &p.domain_name,
            p.password.expose_secret(),
            &scope_text,
        ]);
        let cached = if force { None } else { iam::cached_token(&key) };
        let token = match cached {
            Some(t) => t,
            None => {
                let body = iam::token_body(
                    &p.user_name,
                    &p.password,
                    &p.domain_name,
                    p.mfa.as_ref().map(|(id, code)| (id.as_str(), code)),
                    &scope,
                );
                let request = iam::token_request(self.endpoint(Service::Iam), &body)?;
                let token = self
                    .inner
                    .transport
                    .send_with(&IamDialect, &request, iam::read_token)
                    .await?;
                tracing::debug!("got an IAM token");
                iam::cache_token(&key, &token);
                token
            }
        };
        if auth.project.get().is_none() {
            if let Some(id) = &token.project_id {
                let id = ResourceId::new(id.clone())
                    .map_err(|e| e.context("the IAM token's project id"))?;
                let _ = auth.project.set(id);
            }
        }
        *write(&auth.token) = Some(token);
        Ok(())
    }

    /// The region's project id, asked of IAM (cached per AK or token and region).
    async fn discover_project(&self) -> Result<ResourceId> {
        let region = self.inner.region.clone().ok_or_else(|| {
            Error::invalid_input(
                "no Huawei project id: give one (HUAWEICLOUD_SDK_PROJECT_ID), or a region                  to discover it from",
            )
        })?;
        let iam_endpoint = self.endpoint(Service::Iam).to_string();
        let (who, request) = match &self.inner.dialect.credentials {
            Credentials::AkSk { ak, .. } => (
                ak.clone(),
                self.request("IamListProjects", Method::GET, Service::Iam)
                    .segments(["v3", "projects"])
                    .query("name", &region),
            ),
            Credentials::Token(t) => (
                iam::key(&[t.expose_secret()]),
                self.request("IamListAuthProjects", Method::GET, Service::Iam)
                    .segments(["v3", "auth", "projects"]),
            ),
            Credentials::Password(_) => {
                return Err(Error::new(
                    ErrorKind::Decode,
                    "IAM's token names no project: give the project id",
                ))
            }
        };
        let key = iam::key(&[&iam_endpoint, &who, &region]);
        let id = match iam::cached_project(&key) {
            Some(id) => id,
            None => {
                let id = self
                    .inner
                    .transport
                    .send_with(&self.inner.dialect, &request, |r| {
                        iam::pick_project(r, &region)
                    })
                    .await?;
                tracing::debug!(project_id = %id, "discovered the region's project");
                iam::cache_project(&key, &id);
                id
            }
        };
        ResourceId::new(id).map_err(|e| e.context("the project id IAM gave"))
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl fmt::Debug for HuaweiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiClient")
            .field("project_id", &self.inner.dialect.auth.project.get())
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
        if self.credentials.is_none() {
            self.credentials = password_from(&var);
        }
        if !self.endpoints.iter().any(|(s, _)| *s == Service::Iam) {
            if let Some(url) = var(ENV_IAM_ENDPOINT) {
                self.endpoints.push((Service::Iam, url));
            }
        }
        self
    }

    /// Check everything and build the client.
    ///
    /// The project id may be left out when the region is known: it is discovered
    /// before the first call ([`HuaweiClient::resolve_project`]).
    pub fn build(self) -> Result<HuaweiClient> {
        let project_id = match self.project_id {
            Some(p) => Some(ResourceId::new(p).map_err(|e| e.context("Huawei project id"))?),
            None if self.region.is_some() => None,
            None => {
                return Err(Error::invalid_input(
                    "no Huawei project id: set one or HUAWEICLOUD_SDK_PROJECT_ID (or give \
                     the region, and it is discovered)",
                ))
            }
        };
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
        let auth = Arc::new(AuthState::default());
        if let Some(p) = project_id {
            let _ = auth.project.set(p);
        }
        Ok(HuaweiClient {
            inner: Arc::new(Inner {
                transport,
                dialect: HuaweiDialect { credentials, auth },
                placeholder: ResourceId::new(PROJECT_PLACEHOLDER)?,
                region: self.region,
                endpoints,
                ready: tokio::sync::Mutex::new(()),
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

/// The terraform provider's variables for an IAM user's password (huawei-more.md 7).
pub const ENV_USER_NAME: &str = "HW_USER_NAME";
/// See [`ENV_USER_NAME`].
pub const ENV_PASSWORD: &str = "HW_PASSWORD";
/// See [`ENV_USER_NAME`]: the account name.
pub const ENV_DOMAIN_NAME: &str = "HW_DOMAIN_NAME";
/// lbb's own: the IAM user's id, which an MFA passcode goes with.
pub const ENV_MFA_USER_ID: &str = "LBB_HW_MFA_USER_ID";
/// lbb's own: a one-time MFA passcode (virtual MFA device).
pub const ENV_MFA_PASSCODE: &str = "LBB_HW_MFA_PASSCODE";
/// The official SDK's override of the IAM endpoint.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// Password credentials from `var` (`HW_USER_NAME`, `HW_PASSWORD`, `HW_DOMAIN_NAME`,
/// and the MFA pair), when the three are set.
pub fn password_from(var: &impl Fn(&str) -> Option<String>) -> Option<Credentials> {
    let (user, password, domain) = (
        var(ENV_USER_NAME)?,
        var(ENV_PASSWORD)?,
        var(ENV_DOMAIN_NAME)?,
    );
    let creds = Credentials::password(user, password, domain);
    Some(match (var(ENV_MFA_USER_ID), var(ENV_MFA_PASSCODE)) {
        (Some(id), Some(code)) => creds.with_mfa(id, code),
        _ => creds,
    })
}

/// Signs with the token or AK/SK and reads Huawei error envelopes.
struct HuaweiDialect {
    credentials: Credentials,
    auth: Arc<AuthState>,
}

impl fmt::Debug for HuaweiDialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiDialect")
            .field("credentials", &self.credentials)
            .field("project", &self.auth.project.get())
            .finish_non_exhaustive()
    }
}

impl HuaweiDialect {
    /// Put the project id where a path holds [`PROJECT_PLACEHOLDER`].
    fn fill_project(&self, request: &mut OutgoingRequest) -> Result<()> {
        let needle = format!("/{PROJECT_PLACEHOLDER}");
        let path = request.url.path();
        if !path.contains(&needle) {
            return Ok(());
        }
        let project = self.auth.project.get().ok_or_else(|| {
            Error::invalid_input(
                "the Huawei project id is not known yet (a bug: it is discovered first)",
            )
        })?;
        let filled = path
            .split('/')
            .map(|s| {
                if s == PROJECT_PLACEHOLDER {
                    project.as_str()
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        request.url.set_path(&filled);
        Ok(())
    }
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
        self.fill_project(request)?;
        match &self.credentials {
            Credentials::Token(token) => {
                request
                    .headers
                    .insert("x-auth-token", secret_header(token.expose_secret())?);
            }
            Credentials::Password(_) => {
                let token = read(&self.auth.token);
                let token = token.as_ref().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Unauthorized,
                        "no IAM token yet (a bug: it is got first)",
                    )
                })?;
                request
                    .headers
                    .insert("x-auth-token", secret_header(token.value.expose_secret())?);
            }
            Credentials::AkSk {
                ak,
                sk,
                security_token,
            } => {
                // Project-scoped services; IAM's own calls (discovery) have none yet.
                if let Some(project) = self.auth.project.get() {
                    request
                        .headers
                        .insert("x-project-id", header_value(project.as_str())?);
                }
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
        let auth = Arc::new(AuthState::default());
        let _ = auth.project.set(ResourceId::new("p1").unwrap());
        let dialect = HuaweiDialect {
            credentials: Credentials::temporary("AK", "SK", "ST"),
            auth,
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
