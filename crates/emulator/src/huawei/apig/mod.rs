//! APIG VPC channel members (API.md section 3, seed 001).
//!
//! | route | what |
//! |---|---|
//! | `GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members` | list, item-offset paging |
//! | `POST .../members` | add members, an upsert by address |
//! | `PUT .../members` | replace the whole member set (served so tests can prove a client never calls it) |
//! | `DELETE .../members/{member_id}` | remove one member |
//! | `POST .../members/batch-disable`, `.../batch-enable` `{"member_ids": [...]}` | set those members' `status` to 2 / 1 (204) |
//! | `GET .../vpc-channels/{vpc_channel_id}` | the channel: name, port, `member_type`, `balance_strategy`, member groups, members, `vpc_health_config` |
//!
//! Listing: `offset` is the number of members to skip (below 0 → 0), `limit` the
//! page size (0 or less → 20, above 500 → 500, absent → 20); either not an integer
//! → 400 `APIG.2012`. Filters: `name` (the ECS name; substring match),
//! `member_group_name` (substring), `member_group_id` (exact), `precise_search`
//! (comma-separated `name` / `member_group_name`: match those exactly). A `name` or
//! `member_group_name` outside 1–64 letters, digits, `-`, `_`, `.` → 400 `APIG.2012`
//! (`parameterName:name`, as in the seed). The answer is
//! `{"total", "size", "members"}`; `total` counts every matching member, plus the
//! channel's *total skew* (see [`Emulator::set_apig_total_skew`](crate::Emulator::set_apig_total_skew)).
//!
//! Writes: the body is `{"members": [{host | ecs_id + ecs_name, weight, port,
//! is_backup, member_group_name, status}]}`. An `ip` channel takes `host` (an IP), an
//! `ecs` channel `ecs_id` and `ecs_name`; anything else, an unknown field, a value out
//! of range (weight 0–10000, port 1–65535, status 1/2) or two entries with one address →
//! 400 `APIG.2012`. `POST` updates the members whose address exists (keeping their id)
//! and adds the others (201, the upserted members); `PUT` makes the channel hold exactly
//! the given members (200, the whole set). A write holds its channel for the write time
//! ([`DEFAULT_WRITE_TIME`]; see [`Emulator::set_apig_write_time`](crate::Emulator::set_apig_write_time)):
//! a second write arriving meanwhile fails with 500 `APIG.9999`, as on the real
//! service.
//!
//! Errors are `{"error_code", "error_msg"}` (the request id is in `X-Request-Id`):
//!
//! | failure | status | `error_code` |
//! |---|---|---|
//! | bad parameter or body | 400 | `APIG.2012` |
//! | wrong `X-Auth-Token` (from the shared auth layer) | 401 | `APIG.1002` |
//! | the forbidden switch is on ([`Emulator::set_apig_forbidden`](crate::Emulator::set_apig_forbidden)) | 403 | `APIG.1005` |
//! | unknown VPC channel | 404 | `APIG.3023` |
//! | unknown instance (*chosen*) | 404 | `APIG.3030` |
//! | unknown member on delete or enable/disable (huawei-more.md 6.4) | 404 | `APIG.3024` |
//! | overlapping writes to a channel, or a forced failure ([`Emulator::fail_next_apig`](crate::Emulator::fail_next_apig)) | 500 | `APIG.9999` |

use std::time::Duration;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde::de::DeserializeOwned;

use super::codes;
use super::errors::json_response;
use crate::state::AppState;

mod control;
mod list;
pub(crate) mod store;
mod write;

/// How long a write holds its channel by default: a second write to the same channel
/// within it fails with `APIG.9999`.
pub const DEFAULT_WRITE_TIME: Duration = Duration::from_millis(5);

const MEMBERS: &str =
    "/v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members";
const MEMBER: &str =
    "/v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members/{member_id}";

/// The APIG routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            MEMBERS,
            get(list::list_members)
                .post(write::add_members)
                .put(write::replace_members),
        )
        .route(MEMBER, delete(write::delete_member))
        .route(
            "/v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members/batch-enable",
            post(write::batch_enable),
        )
        .route(
            "/v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members/batch-disable",
            post(write::batch_disable),
        )
        .route(
            "/v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}",
            get(write::show_channel),
        )
}

/// An APIG error answer: `{"error_code", "error_msg"}`.
#[derive(Debug, Clone)]
pub(crate) struct ApigError {
    status: StatusCode,
    code: &'static str,
    msg: String,
}

impl ApigError {
    fn new(status: StatusCode, code: &'static str, msg: impl Into<String>) -> ApigError {
        ApigError {
            status,
            code,
            msg: msg.into(),
        }
    }

    /// 400 `APIG.2012`, in the service's words.
    pub(crate) fn invalid(parameter: &str) -> ApigError {
        ApigError::new(
            StatusCode::BAD_REQUEST,
            codes::APIG_INVALID_PARAMETER,
            format!(
                "Invalid parameter value,parameterName:{parameter}. Please refer to the support documentation"
            ),
        )
    }

    /// 500 `APIG.9999`.
    pub(crate) fn system() -> ApigError {
        ApigError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::APIG_SYSTEM_ERROR,
            "System error",
        )
    }

    fn forbidden() -> ApigError {
        ApigError::new(
            StatusCode::FORBIDDEN,
            codes::APIG_FORBIDDEN,
            "No permissions to request this method",
        )
    }

    fn not_found(code: &'static str, msg: String) -> ApigError {
        ApigError::new(StatusCode::NOT_FOUND, code, msg)
    }
}

impl IntoResponse for ApigError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            &serde_json::json!({ "error_code": self.code, "error_msg": self.msg }),
        )
    }
}

/// `Path`, answering 400 `APIG.2012` when the path does not decode.
pub(crate) struct ApigPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApigPath<T> {
    type Rejection = ApigError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApigPath(p.0))
            .map_err(|_| ApigError::invalid("path"))
    }
}

/// The switches every APIG call passes first: forbidden, then a forced failure.
pub(crate) fn gate(store: &mut store::ApigStore) -> Result<(), ApigError> {
    if store.forbidden {
        return Err(ApigError::forbidden());
    }
    if store.fail_next > 0 {
        store.fail_next -= 1;
        return Err(ApigError::system());
    }
    Ok(())
}

/// The channel, or 404 for an unknown instance or channel.
pub(crate) fn channel<'a>(
    store: &'a mut store::ApigStore,
    instance_id: &str,
    channel_id: &str,
) -> Result<&'a mut store::ChannelState, ApigError> {
    let Some(channels) = store.instances.get_mut(instance_id) else {
        return Err(ApigError::not_found(
            codes::APIG_INSTANCE_NOT_FOUND,
            format!("The instance does not exist;id:{instance_id}"),
        ));
    };
    channels.get_mut(channel_id).ok_or_else(|| {
        ApigError::not_found(
            codes::APIG_CHANNEL_NOT_FOUND,
            format!("The VPC channel does not exist,id:{channel_id}"),
        )
    })
}

/// 404 for a member id the channel does not have.
pub(crate) fn member_not_found(member_id: &str) -> ApigError {
    ApigError::not_found(
        codes::APIG_MEMBER_NOT_FOUND,
        format!("The backend instance does not exist,id:{member_id}"),
    )
}
