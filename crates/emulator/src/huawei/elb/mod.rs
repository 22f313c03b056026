//! ELB v3 members (API.md section 2): list, show, create, update, delete, batch.

use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use super::auth::MAX_BODY;
use super::errors::{json_response, HuaweiError};
use super::store::{HuaweiStore, PoolState};
use crate::compact::Text;
use crate::state::{lock, AppState, RequestId};
use crate::util::{format_timestamp, unix_now};

mod create;
mod fields;
pub(crate) mod jobs;
mod list;

const MEMBERS: &str = "/v3/{project_id}/elb/pools/{pool_id}/members";
const MEMBER: &str = "/v3/{project_id}/elb/pools/{pool_id}/members/{member_id}";

/// The ELB routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(MEMBERS, get(list::list_members).post(create::create_member))
        .route(
            MEMBER,
            get(show_member).put(update_member).delete(delete_member),
        )
        .route(
            "/v3/{project_id}/elb/pools/{pool_id}/members/batch-add",
            post(create::batch_add),
        )
        .route(
            "/v3/{project_id}/elb/pools/{pool_id}/members/batch-delete",
            post(create::batch_delete),
        )
        .route(
            "/v3/{project_id}/elb/pools/{pool_id}/members/batch-update",
            post(create::batch_update),
        )
        .route("/v3/{project_id}/elb/pools/{pool_id}", get(jobs::show_pool))
        .route(
            "/v3/{project_id}/elb/members/{member_id}/health-check",
            post(jobs::create_job),
        )
        .route(
            "/v3/{project_id}/elb/members/check/jobs/{job_id}",
            get(jobs::show_job),
        )
}

/// `Path`, answering a Huawei-style 400 when the path does not decode.
pub(super) struct P<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = HuaweiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let rid = RequestId::from_request_parts(parts, state).await;
        let rid = match rid {
            Ok(r) => r.0,
            Err(never) => match never {},
        };
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| P(p.0))
            .map_err(|e| HuaweiError::invalid(&rid, format!("Invalid path: {e}")))
    }
}

/// Reads a JSON object body; a Huawei-style 400 for anything else.
pub(super) async fn read_object(body: Body, rid: &str) -> Result<Map<String, Value>, HuaweiError> {
    let bytes = to_bytes(body, MAX_BODY).await.map_err(|_| {
        HuaweiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            super::codes::GATEWAY_BODY_TOO_LARGE,
            "Request entity too large",
            rid,
        )
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(HuaweiError::invalid(
            rid,
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(HuaweiError::invalid(
            rid,
            format!("The request body is not valid JSON: {e}"),
        )),
    }
}

/// 409 `ELB.8923` (*chosen*: the cloud's code is unconfirmed, huawei-more.md 10.6):
/// the pool has member deletion protection.
pub(super) fn deletion_protected(rid: &str, pool_id: &str) -> HuaweiError {
    HuaweiError::new(
        StatusCode::CONFLICT,
        super::codes::ELB_DELETION_PROTECTED,
        format!("Pool {pool_id} has member_deletion_protection_enable: members cannot be removed."),
        rid,
    )
}

/// The pool, refreshed (members past their health-check delay are `ONLINE`).
pub(super) fn pool_mut<'a>(
    store: &'a mut HuaweiStore,
    pool_id: &str,
    rid: &str,
) -> Result<&'a mut PoolState, HuaweiError> {
    let pool = store
        .pools
        .get_mut(pool_id)
        .ok_or_else(|| HuaweiError::not_found(rid, "Pool", pool_id))?;
    pool.refresh(Instant::now());
    Ok(pool)
}

async fn show_member(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id, member_id)): P<(String, String, String)>,
) -> Result<Response, HuaweiError> {
    let member = {
        let mut store = lock(&st.huawei);
        let pool = pool_mut(&mut store, &pool_id, &rid)?;
        pool.get_mut(&member_id)
            .map(|m| m.clone())
            .ok_or_else(|| HuaweiError::not_found(&rid, "Member", &member_id))?
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({ "member": member, "request_id": rid }),
    ))
}

async fn update_member(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id, member_id)): P<(String, String, String)>,
    body: Body,
) -> Result<Response, HuaweiError> {
    let body = read_object(body, &rid).await?;
    let update = create::parse_update(&body, &rid)?;
    let member = {
        let mut store = lock(&st.huawei);
        let pool = pool_mut(&mut store, &pool_id, &rid)?;
        let m = pool
            .get_mut(&member_id)
            .ok_or_else(|| HuaweiError::not_found(&rid, "Member", &member_id))?;
        if let Some(name) = update.name {
            m.name = Text::new(&name);
        }
        if let Some(w) = update.weight {
            m.weight = w;
        }
        // admin_state_up is accepted and ignored, as the cloud does ("do not pass
        // this field"): it reports whether the ECS behind the member exists.
        let _ = update.admin_state_up;
        m.updated_at = Some(Text::new(&format_timestamp(unix_now())));
        m.clone()
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({ "member": member, "request_id": rid }),
    ))
}

async fn delete_member(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id, member_id)): P<(String, String, String)>,
) -> Result<Response, HuaweiError> {
    let mut store = lock(&st.huawei);
    let pool = pool_mut(&mut store, &pool_id, &rid)?;
    if pool.spec.member_deletion_protection_enable {
        return Err(deletion_protected(&rid, &pool_id));
    }
    pool.remove(&member_id)
        .ok_or_else(|| HuaweiError::not_found(&rid, "Member", &member_id))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
