//! A local stand-in for the cloud load-balancer backend APIs: a real HTTP server on
//! loopback that answers like Huawei Cloud ELB v3 (members) and VPC v1 (ports), and
//! like Tencent Cloud's legacy CLB and BMLB APIs (see [`tencent`]), for tests, demos
//! and benchmarks. It depends on nothing else of this project: its
//! signature check is written independently from the clients' signers.
//!
//! Every service is served on one port: point every endpoint (ELB, VPC, ...) of a
//! client at [`Emulator::base_url`].
//!
//! ```
//! use lb_backends_emulator::{Emulator, Fleet, Faults, FaultKind};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emu = Emulator::builder()
//!     .fleet(Fleet::generate_elb_pool("pool-1", 10, 42))
//!     .faults(Faults::none())
//!     .seed(42)
//!     .start()
//!     .await?;
//! let url = format!(
//!     "{}/v3/{}/elb/pools/pool-1/members?limit=5",
//!     emu.base_url(),
//!     emu.huawei().project_id
//! );
//! let resp = reqwest::Client::new()
//!     .get(url)
//!     .header("X-Auth-Token", &emu.huawei().token)
//!     .send()
//!     .await?;
//! assert_eq!(resp.status(), 200);
//! assert!(resp.headers().contains_key("x-request-id"));
//! assert_eq!(emu.request_count(), 1);
//!
//! emu.inject_next(FaultKind::Throttle);
//! # emu.set_faults(Faults { retry_after: std::time::Duration::ZERO, ..Faults::none() });
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Fixture format
//!
//! A fleet is JSON: one top-level object with a section per cloud (`huawei`, `tencent`;
//! other sections are ignored by this version, so fixtures can grow). Inside, resources
//! have the field names of the API responses, so real answers can be pasted in. Only the
//! fields marked *required* must be given; everything else has a default, and empty
//! ids are generated from the seed at start.
//!
//! ```json
//! {
//!   "huawei": {
//!     "project_id": "0123456789abcdef0123456789abcdef",
//!     "elb": {
//!       "pools": [{
//!         "id": "36ce7086-a496-4666-9064-5ba0e6840c75",
//!         "protocol": "TCP",
//!         "ip_version": "v4",
//!         "cross_vpc": true,
//!         "lb_algorithm": "ROUND_ROBIN",
//!         "vpc_id": "4c0a0000-0000-4000-8000-00000000000a",
//!         "healthmonitor_id": "4c31e2f0-0000-4000-8000-00000000c001",
//!         "listener_ids": ["427eee03-b569-4d6c-b1f1-712032f7ec2d"],
//!         "members": [
//!           { "address": "10.0.1.10", "protocol_port": 80,
//!             "subnet_cidr_id": "c09f620e-3492-4429-ac15-445d5dd9ca74",
//!             "instance_id": "ec500001-0000-4000-8000-000000000001", "weight": 10,
//!             "operating_status": "ONLINE" },
//!           { "address": "192.168.50.7", "protocol_port": 8080 }
//!         ]
//!       }]
//!     },
//!     "vpc": {
//!       "subnets": [{ "id": "c09f620e-3492-4429-ac15-445d5dd9ca74", "cidr": "10.0.1.0/24",
//!                     "vpc_id": "4c0a0000-0000-4000-8000-00000000000a" }],
//!       "ports": [{ "fixed_ips": [{ "subnet_id": "c09f620e-3492-4429-ac15-445d5dd9ca74",
//!                                   "ip_address": "10.0.1.10" }],
//!                   "device_id": "ec500001-0000-4000-8000-000000000001",
//!                   "device_owner": "compute:cn-north-4a" }]
//!     }
//!   }
//! }
//! ```
//!
//! - `huawei.project_id` (optional): becomes the accepted project id unless the builder
//!   or `--project-id` sets one.
//! - pool ([`fleet::Pool`]): `id` *required*; `name`; `protocol` `TCP` (default) / `UDP` /
//!   `HTTP` / `HTTPS` / `QUIC` / `TLS`; `ip_version` `v4` (default) / `dualstack`;
//!   `cross_vpc` (default false: the LB has cross-VPC backends enabled); `lb_algorithm`
//!   (default `ROUND_ROBIN`); `vpc_id` (the LB's VPC; a new member's subnet must be in
//!   it); `healthmonitor_id` (new members start `INITIAL`, else `NO_MONITOR`);
//!   `listener_ids` (new members get a listener-level `status` entry per listener);
//!   `members`.
//! - member ([`fleet::Member`], API.md 2.5): `address` and `protocol_port` *required*;
//!   `id`, `name`, `project_id`, `admin_state_up` (true), `subnet_cidr_id` (null =
//!   cross-VPC), `weight` (1), `ip_version` (derived), `operating_status`
//!   (`NO_MONITOR`), `status` (`[{listener_id, operating_status}]`), `reason`,
//!   `created_at`/`updated_at` (absent if not given, like older resources),
//!   `member_type` (derived: `instance` with a subnet, else `ip`), `instance_id` (""),
//!   `availability_zone` ("").
//! - subnet ([`fleet::Subnet`]): `id` and `cidr` *required*; `name`, `ipv6_cidr`,
//!   `vpc_id`.
//! - port ([`fleet::Port`], API.md 2.6): `fixed_ips` `[{subnet_id, ip_address}]`;
//!   `id`, `mac_address`, `network_id`, `tenant_id`, `project_id` (generated or derived
//!   when empty); `name`, `status` (`ACTIVE`), `admin_state_up`, `device_id`,
//!   `device_owner` (`compute:{az}` for an ECS NIC), `instance_id` (derived from
//!   `device_id` for ECS NICs), `security_groups`, `allowed_address_pairs`,
//!   `extra_dhcp_opts`, `binding:vnic_type`, `dns_name`.
//!
//! The `tencent` section holds CLB load balancers and BMLB forwarding paths, with the
//! legacy API's field names (seeds 003 and 004):
//!
//! ```json
//! { "tencent": {
//!     "clb": { "loadBalancers": [{ "loadBalancerId": "lb-abcdefgh",
//!       "backendSet": [{ "unInstanceId": "ins-123test1", "lanIp": "10.10.10.1",
//!                        "instanceId": "qcvm2ed5...", "instanceName": "my-backend-name1",
//!                        "weight": 10, "wanIpSet": ["203.195.179.123"], "instanceStatus": 2 }],
//!       "error": { "code": 4400, "message": "optional", "codeDesc": "optional" } }] },
//!     "bmlb": { "locations": [{ "loadBalancerId": "lb-abcdefgh", "listenerId": "lbl-abcdefgh",
//!       "domainId": "dm-abcdefgh", "locationId": "loc-abcdefgh",
//!       "data": [{ "bindType": 0, "rsPort": 1234, "lanIp": "1.1.1.1", "instanceId": "cpm-abcdefgh",
//!                  "alias": "XXX测试", "mgtIp": "2.2.2.2", "operates": ["rebootDevice"],
//!                  "weight": 10, "status": "Dead" },
//!                { "bindType": 1, "rsPort": 8080, "lanIp": "10.2.0.5" }] }] } } }
//! ```
//!
//! - CLB load balancer ([`fleet::ClbLoadBalancer`]): `loadBalancerId` *required*;
//!   `backendSet`; `error` (optional: every call naming it answers this code).
//! - CLB backend ([`fleet::ClbBackend`], API.md 5): `unInstanceId` and `lanIp`
//!   *required*; `instanceId` (""), `instanceName` (""), `weight` (10), `wanIpSet` ([]),
//!   `instanceStatus` (2, running).
//! - BMLB location ([`fleet::BmlbLocation`]): the four ids *required*; `data`; `error`.
//! - BMLB binding ([`fleet::BmlbBinding`], API.md 6): `bindType` (0 host, 1 VM IP),
//!   `rsPort` and `lanIp` *required*; `instanceId` (*required* for bindType 0), `alias`,
//!   `mgtIp`, `operates`; `weight` (10), `status` (`Alive`).
//!
//! The `huawei.apig` section holds APIG instances, their VPC channels and the channels'
//! members (API.md 3), in the shape `ListBackendInstancesV2` returns them:
//!
//! ```json
//! { "huawei": { "apig": { "instances": [{ "id": "eddc4d25480b4cd6b512f270a1b8b341",
//!     "channels": [
//!       { "id": "56a7d7358e1b42459c9d730d65b14e59", "member_type": "ip", "port": 80,
//!         "members": [{ "host": "192.168.0.5", "weight": 1, "status": 1 }] },
//!       { "id": "7c3a0000000040008000000000000e01", "member_type": "ecs",
//!         "members": [{ "ecs_id": "ec5000e1-0000-4000-8000-0000000000e1",
//!                       "ecs_name": "web-01", "member_group_name": "blue",
//!                       "health_status": "healthy" }] }] }] } } }
//! ```
//!
//! - instance ([`fleet::ApigInstance`]): `id` *required*; `name`; `channels`.
//! - channel ([`fleet::VpcChannel`]): `id` *required*; `name`; `member_type` `ip`
//!   (default: members have a `host`) or `ecs` (members have `ecs_id` and `ecs_name`);
//!   `port` (80); `members`.
//! - member ([`fleet::ChannelMember`]): `host` or `ecs_id` + `ecs_name` *required* (by
//!   the channel's type); `id` (generated), `weight` (1), `port`, `is_backup` (false),
//!   `member_group_name`, `member_group_id`, `status` (1), `health_status`,
//!   `vpc_channel_id` (filled in), `create_time`.
//!
//! [`Fleet::generate_apig_channel`] makes an `ecs` channel of `n` members
//! ([`Fleet::generate_apig_ip_channel`] an `ip` one); the demo's APIG ids are in
//! [`fleet::apig_demo`]. The routes, their rules and error codes are in [`huawei::apig`].
//!
//! A fixture is validated when loaded (unique ids, IP addresses, ports 1–65535,
//! weights 0–100, unique address+port per pool, member subnets known and holding
//! their address). `crates/emulator/fixtures/demo.json` is [`Fleet::demo`] as JSON.
//!
//! # Huawei behaviour
//!
//! Authentication and the error codes are described in [`huawei::codes`]. The
//! project id of the path must be the account's: any other project id answers **403**
//! `APIGW.0302` (what a gateway says to credentials used on a project they are not
//! scoped to), after authentication. Unknown paths answer 404 `APIGW.0101` before
//! authentication, as a gateway does for an API it does not publish.
//!
//! ELB create-member failures (API.md 2.3):
//!
//! | failure | status | `error_code` |
//! |---|---|---|
//! | body not JSON / no `member` object / unknown field / field of the wrong type or out of range (address not an IP or > 64 chars, port not 1–65535, weight not 0–100, name > 255, subnet not 1–36, project_id not 1–32) | 400 | `ELB.8902` |
//! | pool does not exist | 404 | `ELB.8904` |
//! | `subnet_cidr_id` unknown, or not in the pool's `vpc_id` | 400 | `ELB.8910` |
//! | address outside the subnet's range | 400 | `ELB.8911` |
//! | no subnet (cross-VPC) but the LB has it disabled, or the address is IPv6, or the pool is not TCP/HTTP/HTTPS | 400 | `ELB.8912` |
//! | IPv6 address in a `v4` pool | 400 | `ELB.8913` |
//! | same address and port already in the pool | 409 | `ELB.8907` |
//!
//! List/show/update/delete: unknown pool or member 404 `ELB.8904`; bad `limit`,
//! `page_reverse`, numeric or boolean filter, or unknown `marker` 400 `ELB.8902`.
//!
//! # Tencent behaviour
//!
//! `GET`/`POST /v2/index.php`, dispatched on `Action`, signature v1 checked against
//! [`TencentAccount`], `Timestamp` within 5 minutes of the server clock
//! ([`Emulator::set_tencent_clock_offset`] skews it), each `Nonce` usable once: see
//! [`tencent`] for the checks and [`tencent::codes`] for the error codes.
//!
//! API 3.0 (CLB): `POST /` (JSON) and `GET /` (flattened query), routed by `Host` and
//! `X-TC-Action`, TC3-HMAC-SHA256 (or signature v1, as the SDKs' `signMethod` chooses)
//! checked independently of the clients (5 minutes of skew at most); standard and
//! classic CLBs from the fleet's `tencent.clb3` section ([`fleet::clb3`]) and every
//! legacy CLB as a classic one: see [`tencent::v3`]. API 3.0 (BMLB, `2018-06-25`): the
//! fleet's BMLB locations (layer 7) and `l4Listeners` (layer 4).
//!
//! Writes (API 3.0 CLB, batch and classic; BMLB; legacy classic CLB) are asynchronous
//! tasks: applied at once, the load balancer busy for
//! [`Emulator::set_tencent_task_delay`] (another write meanwhile is refused). Knobs:
//! [`Emulator::fail_next_tencent_task`] (a task that fails and is undone),
//! [`Emulator::set_tencent_failing_listeners`] (partial batch failure,
//! `FailListenerIdSet`), [`Emulator::set_tencent_health_delay`] (a new target is
//! `Unknown`, then `Alive`); [`Emulator::tencent_action_count`] counts API 3.0 calls.
//!
//! # Faults
//!
//! [`Faults`] (random, seeded) and [`Emulator::inject_next`] / [`Emulator::inject`]
//! (one-shot) apply to every request of every API; see [`FaultKind`]. On the Tencent
//! path, answers are Tencent's (a 500 carries a `code` 6000 envelope), and
//! [`FaultKind::TencentThrottle`] answers `code` 4400 under HTTP 200.
#![deny(missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

mod builder;
mod compact;
mod control;
mod error;
mod faults;
pub mod fleet;
pub mod huawei;
mod server;
mod state;
pub mod tencent;
mod util;

pub use builder::EmulatorBuilder;
pub use error::{Error, Result};
pub use faults::{FaultInjection, FaultKind, Faults, UnknownFaultKind};
pub use fleet::Fleet;
pub use huawei::{
    HuaweiAccount, DEFAULT_AK, DEFAULT_DOMAIN_NAME, DEFAULT_PASSWORD, DEFAULT_PROJECT_ID,
    DEFAULT_PROJECT_NAME, DEFAULT_SK, DEFAULT_TOKEN, DEFAULT_USER_NAME,
};
pub use server::RecordedRequest;
pub use tencent::{TencentAccount, DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY};

use server::Ctx;
use state::{lock, AppState};

/// How many requests [`Emulator::requests`] keeps by default (the oldest go first).
pub const DEFAULT_LOG_CAPACITY: usize = 100_000;
/// How long a member created in a pool with a health monitor stays `INITIAL` by default.
pub const DEFAULT_HEALTH_CHECK_DELAY: Duration = Duration::from_secs(1);

/// A running emulator. Dropping it stops the server too (without waiting);
/// [`Emulator::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    ctx: Arc<Ctx>,
    state: AppState,
    account: HuaweiAccount,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Emulator {
    /// A builder with the defaults: demo fleet, no faults, seed 0, `127.0.0.1:0`,
    /// default credentials.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the endpoint of every service.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many HTTP requests were received since start (or the last reset), counted
    /// before authentication, faults and validation.
    pub fn request_count(&self) -> u64 {
        self.ctx.telemetry.count()
    }

    /// The most requests the emulator was handling at the same time (latency
    /// included) since start or the last reset: what proves a client's concurrency
    /// limit without timing anything.
    pub fn max_in_flight(&self) -> u64 {
        self.ctx.telemetry.max_in_flight()
    }

    /// Zeroes the request counter and the in-flight high-water mark, and empties the
    /// request log.
    pub fn reset_request_count(&self) {
        self.ctx.telemetry.reset();
    }

    /// The logged requests, oldest first, each with its method, path, query, status,
    /// injected fault and the time it arrived ([`RecordedRequest::received_at`], on
    /// the emulator's monotonic clock: windows of it show a client's request rate as
    /// a server counts it).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.ctx.telemetry.requests()
    }

    /// Replaces the random fault configuration.
    pub fn set_faults(&self, faults: Faults) {
        self.ctx.faults.set(faults);
    }

    /// The current random fault configuration.
    pub fn faults(&self) -> Faults {
        self.ctx.faults.get()
    }

    /// Queues a one-shot fault for the next request, whatever it is.
    pub fn inject_next(&self, kind: FaultKind) {
        self.ctx.faults.push(FaultInjection::new(kind));
    }

    /// Queues a one-shot fault for the next request that matches.
    pub fn inject(&self, injection: FaultInjection) {
        self.ctx.faults.push(injection);
    }

    /// Drops every queued one-shot fault.
    pub fn clear_injected(&self) {
        self.ctx.faults.clear_queue();
    }

    /// The Huawei account the server accepts.
    pub fn huawei(&self) -> &HuaweiAccount {
        &self.account
    }

    /// How many tokens the Huawei IAM issued (password tokens).
    pub fn huawei_tokens_issued(&self) -> u64 {
        lock(&self.state.huawei).iam_tokens_issued
    }

    /// Ends every token the Huawei IAM issued now, whatever its lifetime (as the cloud
    /// does when a password changes): the next call with one is answered 401.
    pub fn expire_huawei_tokens(&self) {
        let now = std::time::Instant::now();
        for until in lock(&self.state.huawei).iam_tokens.values_mut() {
            *until = now;
        }
    }

    /// The members of a Huawei pool as the server holds them now, in listing order
    /// (`None`: no such pool). For tests that check what really happened.
    pub fn huawei_members(&self, pool_id: &str) -> Option<Vec<fleet::Member>> {
        let mut store = lock(&self.state.huawei);
        let pool = store.pools.get_mut(pool_id)?;
        pool.refresh(std::time::Instant::now());
        Some(pool.iter().map(|m| m.to_member()).collect())
    }

    /// The Tencent account the server accepts.
    pub fn tencent(&self) -> &TencentAccount {
        &self.state.tencent_account
    }

    /// Runs the Tencent API's clock `secs` seconds ahead of the real one (negative:
    /// behind), so that clients' timestamps look skewed (more than 300 s: code 4200).
    pub fn set_tencent_clock_offset(&self, secs: i64) {
        lock(&self.state.tencent).clock_offset = secs;
    }

    /// How long each Tencent API 3.0 write task runs (default 200 ms): its load
    /// balancer is busy meanwhile (`FailedOperation.ResourceInOperating`), and
    /// `DescribeTaskStatus` answers 2 (in progress) until it ends.
    pub fn set_tencent_task_delay(&self, delay: Duration) {
        lock(&self.state.tencent).task_delay = delay;
    }

    /// The next Tencent write task fails (API 3.0 `DescribeTaskStatus` `Status` 1
    /// with `message`; BMLB `DescribeLoadBalancerTaskResult` 1; legacy
    /// `DescribeLoadBalancersTaskResult` 1), and its write is not applied. Each call
    /// arms one more failing task.
    pub fn fail_next_tencent_task(&self, message: impl Into<String>) {
        lock(&self.state.tencent)
            .fail_next_tasks
            .push_back(message.into());
    }

    /// Batch calls (`BatchRegisterTargets`, `BatchDeregisterTargets`) fail on these
    /// listeners: they are answered in `FailListenerIdSet` and their targets are not
    /// written; the other listeners' are. An empty list ends it.
    pub fn set_tencent_failing_listeners<I, S>(&self, listeners: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        lock(&self.state.tencent).failing_listeners =
            listeners.into_iter().map(Into::into).collect();
    }

    /// How long a Tencent target bound while the emulator runs stays `Unknown` before
    /// its health is `Alive` (default 500 ms).
    pub fn set_tencent_health_delay(&self, delay: Duration) {
        lock(&self.state.tencent).health_delay = delay;
    }

    /// How many Tencent API 3.0 calls of `action` (e.g. `BatchRegisterTargets`) were
    /// authenticated and handled since the start (faults injected before the handler
    /// are not counted).
    pub fn tencent_action_count(&self, action: &str) -> u64 {
        lock(&self.state.tencent)
            .action_counts
            .get(action)
            .copied()
            .unwrap_or(0)
    }

    /// How many Tencent nonces the server remembers (each accepted request adds one).
    pub fn tencent_nonces_seen(&self) -> usize {
        lock(&self.state.tencent).nonces_seen()
    }

    /// Stops accepting, lets open requests finish (up to 5 s), and waits.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}
