//! Huawei Cloud: the account the emulator accepts, and the ELB v3 and VPC v1 routes
//! behind one authentication layer (token or `SDK-HMAC-SHA256`).
//!
//! Later modules (APIG) add their `routes()` to `routes()` here and reuse the `auth`
//! layer as is.

use std::fmt;

use axum::{middleware, Router};

use crate::state::AppState;

pub mod apig;
mod auth;
mod discover; // issue 13
mod elb;
pub(crate) mod errors;
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
    /// 403, APIG (seed 001): no permission for this method (the forbidden switch).
    pub const APIG_FORBIDDEN: &str = "APIG.1005";
    /// 404, APIG (seed 001): the VPC channel does not exist.
    pub const APIG_CHANNEL_NOT_FOUND: &str = "APIG.3023";
    /// 404, APIG (*chosen*): the APIG instance does not exist.
    pub const APIG_INSTANCE_NOT_FOUND: &str = "APIG.3030";
    /// 404, APIG (*chosen*): no member with this id in the channel.
    pub const APIG_MEMBER_NOT_FOUND: &str = "APIG.3002";
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
}
