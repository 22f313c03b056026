//! Huawei Cloud: the account the emulator accepts, and the ELB v3, VPC v1 and APIG
//! routes behind one authentication layer (token or `SDK-HMAC-SHA256`); IAM (password
//! tokens, project listings) beside it, checking credentials itself.
//!
//! Later modules (APIG) add their `routes()` to `routes()` here and reuse the `auth`
//! layer as is.

use std::fmt;

use axum::{middleware, Router};

use crate::state::AppState;

pub mod apig;
mod auth;
mod discover;
pub(crate) mod elb;
pub(crate) mod errors;
mod iam;
pub(crate) mod record;
pub(crate) mod sign;
pub(crate) mod store;
mod vpc;

/// Default project id: 32 lowercase hex characters, like a real one.
pub const DEFAULT_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// Default IAM token accepted in `X-Auth-Token`.
pub const DEFAULT_TOKEN: &str = "emulator-token";
/// Default access key (AK) for `SDK-HMAC-SHA256`.
pub const DEFAULT_AK: &str = "EMULATORACCESSKEY000";
/// Default secret key (SK) for `SDK-HMAC-SHA256`.
pub const DEFAULT_SK: &str = "emulator-secret-key-do-not-use-in-prod";
/// Default IAM user name (password tokens, `POST /v3/auth/tokens`).
pub const DEFAULT_USER_NAME: &str = "emulator-user";
/// Default IAM user password.
pub const DEFAULT_PASSWORD: &str = "emulator-password-do-not-use-in-prod";
/// Default account (domain) name of the IAM user.
pub const DEFAULT_DOMAIN_NAME: &str = "emulator-domain";
/// Default name of the project (the region's default project is named after it).
pub const DEFAULT_PROJECT_NAME: &str = "cn-north-4";
/// Default lifetime of the tokens IAM issues (the cloud's: 24 hours).
pub const DEFAULT_TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The error codes the emulator answers with. Huawei documents few of them; those
/// marked *chosen* are the emulator's own picks (clients should key on the HTTP status).
pub mod codes {
    /// 400, ELB (*chosen*): malformed JSON, a missing or mistyped field, a value out of
    /// its range, an unknown field, a bad query parameter, an unknown paging marker.
    pub const ELB_INVALID_PARAMETER: &str = "ELB.8902";
    /// 404, ELB (*chosen*): no such pool or member.
    pub const ELB_NOT_FOUND: &str = "ELB.8904";
    /// 409, ELB (*chosen*): the pool already has a member with this address and port.
    pub const ELB_DUPLICATE_MEMBER: &str = "ELB.8907";
    /// 409, ELB (*chosen*; unconfirmed): the pool has member deletion protection.
    pub const ELB_DELETION_PROTECTED: &str = "ELB.8923";
    /// 400, ELB (*chosen*): `subnet_cidr_id` names no subnet, or one outside the load
    /// balancer's VPC.
    pub const ELB_SUBNET_INVALID: &str = "ELB.8910";
    /// 400, ELB (*chosen*): the address is not inside the subnet's range.
    pub const ELB_ADDRESS_NOT_IN_SUBNET: &str = "ELB.8911";
    /// 400, ELB (*chosen*): a cross-VPC member (no subnet) where none is allowed: the
    /// load balancer has cross-VPC backends disabled, the pool's protocol is not
    /// TCP/HTTP/HTTPS, or the address is not IPv4.
    pub const ELB_CROSS_VPC_NOT_ALLOWED: &str = "ELB.8912";
    /// 400, ELB (*chosen*): an IPv6 address for an IPv4-only pool.
    pub const ELB_IP_VERSION_MISMATCH: &str = "ELB.8913";
    /// 400, VPC (*chosen*): a bad query parameter or unknown marker.
    pub const VPC_INVALID_PARAMETER: &str = "VPC.0002";
    /// 404, VPC (*chosen*): no such port.
    pub const VPC_NOT_FOUND: &str = "VPC.0702";
    /// 404, gateway: no API at this path and method.
    pub const GATEWAY_NO_SUCH_API: &str = "APIGW.0101";
    /// 413, gateway: request body too large.
    pub const GATEWAY_BODY_TOO_LARGE: &str = "APIGW.0201";
    /// 401, gateway: no credentials, bad AK/SK signature, expired `X-Sdk-Date`.
    pub const GATEWAY_BAD_AUTH: &str = "APIGW.0301";
    /// 403, gateway (*chosen* for this case): the path's project id (or the
    /// `X-Project-Id` header) is not the account's project.
    pub const GATEWAY_FORBIDDEN: &str = "APIGW.0302";
    /// 401, gateway: the `X-Auth-Token` is not valid.
    pub const GATEWAY_BAD_TOKEN: &str = "APIGW.0307";
    /// 429, gateway: throttled (injected by the `Throttle` fault).
    pub const GATEWAY_THROTTLED: &str = "APIGW.0308";
    /// 400, APIG (seed 001): a bad query parameter or body value.
    pub const APIG_INVALID_PARAMETER: &str = "APIG.2012";
    /// 401, APIG (seed 001): the `X-Auth-Token` is not valid (on APIG paths).
    pub const APIG_BAD_TOKEN: &str = "APIG.1002";
    /// 401, APIG: the IAM token has expired (huawei-more.md 6.8).
    pub const APIG_TOKEN_EXPIRED: &str = "APIG.1001";
    /// 403, APIG (seed 001): no permission for this method (the forbidden switch).
    pub const APIG_FORBIDDEN: &str = "APIG.1005";
    /// 404, APIG (seed 001): the VPC channel does not exist.
    pub const APIG_CHANNEL_NOT_FOUND: &str = "APIG.3023";
    /// 404, APIG (*chosen*): the APIG instance does not exist.
    pub const APIG_INSTANCE_NOT_FOUND: &str = "APIG.3030";
    /// 404, APIG (huawei-more.md 6.4): no member with this id in the channel.
    pub const APIG_MEMBER_NOT_FOUND: &str = "APIG.3024";
    /// 401, IAM (*chosen*): wrong user name, password, domain or MFA passcode.
    pub const IAM_BAD_CREDENTIALS: &str = "IAM.0004";
    /// 400, IAM (*chosen*): a malformed token request, or a scope naming another project.
    pub const IAM_BAD_REQUEST: &str = "IAM.0011";
    /// 500, APIG (seed 001): system error; also overlapping writes to one channel.
    pub const APIG_SYSTEM_ERROR: &str = "APIG.9999";
}

/// The Huawei account the emulator accepts: one project, one token, one AK/SK pair
/// (and optionally a security token, as temporary credentials have).
///
/// `Debug` hides the token and the keys' secrets.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HuaweiAccount {
    /// The only project id accepted in paths (and in `X-Project-Id`).
    pub project_id: String,
    /// The `X-Auth-Token` accepted.
    pub token: String,
    /// The access key of `SDK-HMAC-SHA256`.
    pub ak: String,
    /// The secret key of `SDK-HMAC-SHA256`.
    pub sk: String,
    /// When set, a signed request must carry `X-Security-Token` with this value.
    pub security_token: Option<String>,
    /// The project's name (IAM scopes tokens and `GET /v3/projects?name=` by it).
    pub project_name: String,
    /// The IAM user that gets tokens with a password.
    pub user_name: String,
    /// Its password.
    pub password: String,
    /// Its account (domain) name.
    pub domain_name: String,
    /// When set, a token needs the `totp` method with this passcode too (MFA).
    pub mfa_passcode: Option<String>,
    /// How long an IAM-issued token is accepted.
    pub token_lifetime: std::time::Duration,
}

impl HuaweiAccount {
    /// An account with these credentials and no security token.
    pub fn new(
        project_id: impl Into<String>,
        token: impl Into<String>,
        ak: impl Into<String>,
        sk: impl Into<String>,
    ) -> HuaweiAccount {
        HuaweiAccount {
            project_id: project_id.into(),
            token: token.into(),
            ak: ak.into(),
            sk: sk.into(),
            security_token: None,
            project_name: DEFAULT_PROJECT_NAME.into(),
            user_name: DEFAULT_USER_NAME.into(),
            password: DEFAULT_PASSWORD.into(),
            domain_name: DEFAULT_DOMAIN_NAME.into(),
            mfa_passcode: None,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
        }
    }

    /// Requires `X-Security-Token: token` on signed requests.
    pub fn with_security_token(mut self, token: impl Into<String>) -> HuaweiAccount {
        self.security_token = Some(token.into());
        self
    }
}

impl Default for HuaweiAccount {
    /// The `DEFAULT_*` credentials.
    fn default() -> Self {
        HuaweiAccount::new(DEFAULT_PROJECT_ID, DEFAULT_TOKEN, DEFAULT_AK, DEFAULT_SK)
    }
}

impl fmt::Debug for HuaweiAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiAccount")
            .field("project_id", &self.project_id)
            .field("token", &"<redacted>")
            .field("ak", &self.ak)
            .field("sk", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("project_name", &self.project_name)
            .field("user_name", &self.user_name)
            .field("password", &"<redacted>")
            .field("domain_name", &self.domain_name)
            .field(
                "mfa_passcode",
                &self.mfa_passcode.as_ref().map(|_| "<redacted>"),
            )
            .field("token_lifetime", &self.token_lifetime)
            .finish()
    }
}

/// Every Huawei route, behind the authentication layer.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(elb::routes())
        .merge(vpc::routes())
        .merge(apig::routes())
        .merge(discover::routes())
        .route_layer(middleware::from_fn_with_state(state, auth::authenticate))
        // IAM checks credentials itself: a token request carries a password, and
        // project discovery has no project in its path.
        .merge(iam::routes())
}
