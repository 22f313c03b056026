//! From flags, environment and profile to a provider for a target.
//!
//! Precedence: for region, project id and endpoint, the command line (or the fleet
//! file's target entry), then the environment, then the profile. For credentials, a
//! complete set from the environment, then the profile (inline or through the
//! variables it names).

use std::time::Duration;

use lb_backends::{
    transport::{HttpTransport, RetryPolicy, TransportConfig},
    BackendProvider, Clients, Endpoint, ProviderKind, Result, Target,
};

use crate::config::Config;
#[allow(unused_imports)]
use crate::config::{env_var, plain_or_env, secret_or_env, NamedProfile};

/// Where and as whom to connect, before the environment and profile fill the gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Settings {
    /// Profile name.
    pub profile: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Huawei project id.
    pub project_id: Option<String>,
    /// Every API of the provider at this base URL.
    pub endpoint: Option<String>,
    /// Tencent API generation (`legacy` or `3`).
    pub tencent_api: Option<String>,
}

impl Settings {
    /// These settings, with what is missing taken from `other`.
    #[must_use]
    pub fn or(&self, other: &Settings) -> Settings {
        Settings {
            profile: self.profile.clone().or_else(|| other.profile.clone()),
            region: self.region.clone().or_else(|| other.region.clone()),
            project_id: self.project_id.clone().or_else(|| other.project_id.clone()),
            endpoint: self.endpoint.clone().or_else(|| other.endpoint.clone()),
            tencent_api: self
                .tencent_api
                .clone()
                .or_else(|| other.tencent_api.clone()),
        }
    }
}

/// The HTTP transport every client of one run shares: `timeout` per request,
/// `deadline` per call (attempts, backoff and all).
pub fn transport(
    timeout: Duration,
    deadline: Duration,
    max_attempts: u32,
) -> Result<HttpTransport> {
    HttpTransport::new(TransportConfig {
        connect_timeout: timeout.min(Duration::from_secs(10)),
        request_timeout: timeout,
        deadline: Some(deadline),
        retry: RetryPolicy::default().with_max_attempts(max_attempts),
        user_agent: concat!("lbb/", env!("CARGO_PKG_VERSION")).to_owned(),
        ..TransportConfig::default()
    })
}

/// A provider for `target`, its client built from `settings`, the environment and
/// the profile. Nothing is sent.
pub fn provider(
    target: &Target,
    settings: &Settings,
    config: &Config,
    transport: &HttpTransport,
) -> Result<Box<dyn BackendProvider>> {
    let clients = clients(target.provider(), settings, config, transport)?;
    clients.provider(target)
}

/// The ELB provider itself (not boxed), for what only ELB does (`lbb diagnose`).
#[cfg(feature = "huawei-elb")]
pub fn huawei_elb(
    target: &Target,
    settings: &Settings,
    config: &Config,
    transport: &HttpTransport,
) -> Result<lb_backends::huawei_elb::ElbProvider> {
    let profile = config.profile(settings.profile.as_deref())?;
    let client = huawei::client(settings, profile, transport)?;
    lb_backends::huawei_elb::ElbProvider::for_target(client, target)
}

/// The discoverer of `kind`'s targets, its client built as
/// [`provider`]'s is. Nothing is sent.
pub fn discoverer(
    kind: ProviderKind,
    settings: &Settings,
    config: &Config,
    transport: &HttpTransport,
) -> Result<Box<dyn lb_backends::discover::Discoverer>> {
    clients(kind, settings, config, transport)?.discoverer(kind)
}

// In a build without any provider, nothing here uses the settings or transport.
#[cfg_attr(
    not(any(
        feature = "huawei-elb",
        feature = "huawei-apig",
        feature = "tencent-clb",
        feature = "tencent-bmlb"
    )),
    allow(unused_variables)
)]
fn clients(
    kind: ProviderKind,
    settings: &Settings,
    config: &Config,
    transport: &HttpTransport,
) -> Result<Clients> {
    if let Some(url) = &settings.endpoint {
        Endpoint::parse(url).map_err(|e| e.context("--endpoint"))?;
    }
    let profile = config.profile(settings.profile.as_deref())?;
    #[allow(unused_mut)]
    let mut clients = Clients::new();
    match kind {
        #[cfg(any(feature = "huawei-elb", feature = "huawei-apig"))]
        ProviderKind::HuaweiElb | ProviderKind::HuaweiApig => {
            clients = clients.with_huawei(huawei::client(settings, profile, transport)?);
        }
        #[cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]
        ProviderKind::TencentClb | ProviderKind::TencentBmlb => {
            clients = clients.with_tencent(tencent::client(settings, profile, transport)?);
        }
        // Not compiled in: the facade says so when asked for the provider.
        _ => {}
    }
    Ok(clients)
}

#[cfg(any(feature = "huawei-elb", feature = "huawei-apig"))]
mod huawei {
    use lb_backends::{
        huawei::{password_from, Credentials, HuaweiClient, Service, ENV_IAM_ENDPOINT},
        transport::HttpTransport,
        Error, ErrorKind, Result,
    };

    use super::Settings;
    use crate::config::{env_var, plain_or_env, secret_or_env, NamedProfile};

    /// A value of a variable the profile names (`None` when it names none).
    fn lookup(named: &NamedProfile<'_>, var: &Option<String>, key: &str) -> Result<Option<String>> {
        plain_or_env(named, &None, var, key)
    }

    /// lbb's own variable for an IAM token (the SDKs have none).
    pub const ENV_AUTH_TOKEN: &str = "HUAWEICLOUD_SDK_AUTH_TOKEN";

    pub fn client(
        s: &Settings,
        profile: Option<NamedProfile<'_>>,
        transport: &HttpTransport,
    ) -> Result<HuaweiClient> {
        let p = profile.map(|p| p.profile);
        let region = s
            .region
            .clone()
            .or_else(|| env_var("HUAWEICLOUD_SDK_REGION"))
            .or_else(|| p.and_then(|p| p.region.clone()));
        // Optional: without one, the client discovers it from IAM for the region.
        let project_id = s
            .project_id
            .clone()
            .or_else(|| env_var("HUAWEICLOUD_SDK_PROJECT_ID"))
            .or_else(|| p.and_then(|p| p.project_id.clone()));
        let mut builder = HuaweiClient::builder()
            .credentials(credentials(profile)?)
            .transport(transport.clone());
        if let Some(project_id) = project_id {
            builder = builder.project_id(project_id);
        }
        if region.is_none() && project_id_missing(s, p) {
            return Err(Error::invalid_input(
                "no Huawei project id: give --project-id, set HUAWEICLOUD_SDK_PROJECT_ID, \
                 or put project_id in a profile (or give the region, and it is discovered)",
            ));
        }
        let endpoint = s
            .endpoint
            .clone()
            .or_else(|| p.and_then(|p| p.endpoint.clone()));
        if let Some(region) = &region {
            builder = builder.region(region);
        }
        if let Some(all) = &endpoint {
            builder = builder.endpoint_all(all);
        }
        let mut per_service = false;
        if let (None, Some(p)) = (&s.endpoint, p) {
            for (service, url) in [
                (Service::Elb, &p.endpoints.elb),
                (Service::Vpc, &p.endpoints.vpc),
                (Service::Apig, &p.endpoints.apig),
            ] {
                if let Some(url) = url {
                    builder = builder.endpoint(service, url);
                    per_service = true;
                }
            }
        }
        if let Some(url) = env_var(ENV_IAM_ENDPOINT) {
            builder = builder.endpoint(Service::Iam, url);
        }
        if region.is_none() && endpoint.is_none() {
            let hint = if per_service {
                " (a profile's [endpoints] alone is not enough: give the region or `endpoint`)"
            } else {
                ""
            };
            return Err(Error::invalid_input(format!(
                "no Huawei region: give --region, set HUAWEICLOUD_SDK_REGION, or put region \
                 in a profile{hint}"
            )));
        }
        builder.build()
    }

    fn project_id_missing(s: &Settings, p: Option<&crate::config::Profile>) -> bool {
        s.project_id.is_none()
            && env_var("HUAWEICLOUD_SDK_PROJECT_ID").is_none()
            && p.and_then(|p| p.project_id.as_ref()).is_none()
    }

    fn credentials(profile: Option<NamedProfile<'_>>) -> Result<Credentials> {
        let ak = env_var("HUAWEICLOUD_SDK_AK");
        let sk = env_var("HUAWEICLOUD_SDK_SK");
        match (ak, sk) {
            (Some(ak), Some(sk)) => {
                return Ok(match env_var("HUAWEICLOUD_SDK_SECURITY_TOKEN") {
                    Some(token) => Credentials::temporary(ak, sk, token),
                    None => Credentials::ak_sk(ak, sk),
                })
            }
            (Some(_), None) | (None, Some(_)) if profile.is_none() => {
                return Err(Error::new(
                    ErrorKind::Unauthorized,
                    "only one of HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK is set",
                ))
            }
            _ => {}
        }
        if let Some(token) = env_var(ENV_AUTH_TOKEN) {
            return Ok(Credentials::token(token));
        }
        // The terraform provider's HW_USER_NAME, HW_PASSWORD, HW_DOMAIN_NAME.
        if let Some(creds) = password_from(&|name: &str| env_var(name)) {
            return Ok(creds);
        }
        if let Some(named) = profile {
            let p = named.profile;
            let ak = plain_or_env(&named, &p.ak, &p.ak_env, "ak")?;
            let sk = secret_or_env(&named, &p.sk, &p.sk_env, "sk")?;
            match (ak, sk) {
                (Some(ak), Some(sk)) => {
                    let token = secret_or_env(
                        &named,
                        &p.security_token,
                        &p.security_token_env,
                        "security_token",
                    )?;
                    return Ok(match token {
                        Some(token) => Credentials::temporary(ak, sk, token),
                        None => Credentials::ak_sk(ak, sk),
                    });
                }
                (None, None) => {}
                _ => {
                    return Err(Error::new(
                        ErrorKind::Unauthorized,
                        format!("profile {:?} has only one of ak and sk", named.name),
                    ))
                }
            }
            if let Some(token) = secret_or_env(&named, &p.token, &p.token_env, "token")? {
                return Ok(Credentials::token(token));
            }
            let password = secret_or_env(&named, &p.password, &p.password_env, "password")?;
            match (&p.user_name, password, &p.domain_name) {
                (Some(user), Some(password), Some(domain)) => {
                    let creds = Credentials::password(user, password, domain);
                    let passcode = lookup(&named, &p.mfa_passcode_env, "mfa_passcode")?;
                    return Ok(match (&p.mfa_user_id, passcode) {
                        (Some(id), Some(code)) => creds.with_mfa(id, code),
                        _ => creds,
                    });
                }
                (None, None, None) => {}
                _ => {
                    return Err(Error::new(
                        ErrorKind::Unauthorized,
                        format!(
                            "profile {:?} needs user_name, password (or password_env) and \
                             domain_name together for a password token",
                            named.name
                        ),
                    ))
                }
            }
        }
        Err(Error::new(
            ErrorKind::Unauthorized,
            format!(
                "no Huawei credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or \
                 {ENV_AUTH_TOKEN}, or HW_USER_NAME, HW_PASSWORD and HW_DOMAIN_NAME), or give \
                 ak/sk, token or user_name/password/domain_name in a profile{}",
                profile.map_or_else(String::new, |p| format!(" (profile {:?} has none)", p.name))
            ),
        ))
    }
}

#[cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]
mod tencent {
    use lb_backends::{
        tencent::{
            TencentApi, TencentClient, TencentCredentials, ENV_REGION, ENV_SECRET_ID,
            ENV_SECRET_KEY, ENV_SESSION_TOKEN,
        },
        transport::HttpTransport,
        Endpoint, Error, ErrorKind, Result,
    };

    use super::Settings;
    use crate::config::{env_var, plain_or_env, secret_or_env, NamedProfile};

    pub fn client(
        s: &Settings,
        profile: Option<NamedProfile<'_>>,
        transport: &HttpTransport,
    ) -> Result<TencentClient> {
        let p = profile.map(|p| p.profile);
        let region = s
            .region
            .clone()
            .or_else(|| env_var(ENV_REGION))
            .or_else(|| p.and_then(|p| p.region.clone()))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "no Tencent region: give --region, set {ENV_REGION}, or put region in a profile"
                ))
            })?;
        let mut builder = TencentClient::builder()
            .region(region)
            .credentials(credentials(profile)?)
            .transport(transport.clone());
        let all = s
            .endpoint
            .clone()
            .or_else(|| p.and_then(|p| p.endpoint.clone()));
        let (mut clb, mut bmlb) = (all.clone(), all);
        if let (None, Some(p)) = (&s.endpoint, p) {
            clb = p.endpoints.clb.clone().or(clb);
            bmlb = p.endpoints.bmlb.clone().or(bmlb);
        }
        if let Some(url) = clb {
            builder = builder.endpoint_clb(Endpoint::parse(&url)?);
        }
        if let Some(url) = bmlb {
            builder = builder.endpoint_bmlb(Endpoint::parse(&url)?);
        }
        // --tencent-api / LBB_TENCENT_API, else the profile's tencent_api.
        if let Some(api) = s
            .tencent_api
            .clone()
            .or_else(|| p.and_then(|p| p.tencent_api.clone()))
        {
            builder = builder.api(api.parse::<TencentApi>()?);
        }
        builder.build()
    }

    fn credentials(profile: Option<NamedProfile<'_>>) -> Result<TencentCredentials> {
        let make = |id: String, key: String, token: Option<String>| {
            let creds = TencentCredentials::new(id.trim(), key.trim())?;
            Ok(match token {
                Some(t) => creds.with_token(t.trim()),
                None => creds,
            })
        };
        match (env_var(ENV_SECRET_ID), env_var(ENV_SECRET_KEY)) {
            (Some(id), Some(key)) => return make(id, key, env_var(ENV_SESSION_TOKEN)),
            (Some(_), None) | (None, Some(_)) if profile.is_none() => {
                return Err(Error::new(
                    ErrorKind::Unauthorized,
                    format!("only one of {ENV_SECRET_ID} and {ENV_SECRET_KEY} is set"),
                ))
            }
            _ => {}
        }
        if let Some(named) = profile {
            let p = named.profile;
            let id = plain_or_env(&named, &p.secret_id, &p.secret_id_env, "secret_id")?;
            let key = secret_or_env(&named, &p.secret_key, &p.secret_key_env, "secret_key")?;
            match (id, key) {
                (Some(id), Some(key)) => {
                    let token = secret_or_env(
                        &named,
                        &p.session_token,
                        &p.session_token_env,
                        "session_token",
                    )?;
                    return make(id, key, token);
                }
                (None, None) => {}
                _ => {
                    return Err(Error::new(
                        ErrorKind::Unauthorized,
                        format!(
                            "profile {:?} has only one of secret_id and secret_key",
                            named.name
                        ),
                    ))
                }
            }
        }
        Err(Error::new(
            ErrorKind::Unauthorized,
            format!(
                "no Tencent credentials: set {ENV_SECRET_ID} and {ENV_SECRET_KEY}, or give \
                 secret_id and secret_key in a profile{}",
                profile.map_or_else(String::new, |p| format!(" (profile {:?} has none)", p.name))
            ),
        ))
    }
}
