//! [`EmulatorBuilder`]: configuration, validation and start-up.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::sync::watch;

use crate::server::{self, Ctx, Telemetry};
use crate::state::{AppState, Shared};
use crate::tencent::{self, TencentAccount};
use crate::{
    faults, huawei, Emulator, Error, Faults, Fleet, HuaweiAccount, Result,
    DEFAULT_HEALTH_CHECK_DELAY, DEFAULT_LOG_CAPACITY,
};

/// Configures and starts an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    fleet: Option<Fleet>,
    faults: Faults,
    seed: u64,
    listen: SocketAddr,
    account: HuaweiAccount,
    project_id_set: bool,
    health_check_delay: Duration,
    log_capacity: usize,
    tencent_account: TencentAccount,
    generated: Option<huawei::store::GeneratedPool>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            fleet: None,
            faults: Faults::none(),
            seed: 0,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            account: HuaweiAccount::default(),
            project_id_set: false,
            health_check_delay: DEFAULT_HEALTH_CHECK_DELAY,
            log_capacity: DEFAULT_LOG_CAPACITY,
            tencent_account: TencentAccount::default(),
            generated: None,
        }
    }
}

impl EmulatorBuilder {
    /// The resources to serve (default: [`Fleet::demo`]).
    pub fn fleet(mut self, fleet: Fleet) -> Self {
        self.fleet = Some(fleet);
        self
    }

    /// Also serves [`Fleet::generate_elb_pool`]`(pool_id, members, seed)`, made straight
    /// into the server's compact store at start, without the fleet in memory first: the
    /// way to serve a million members. Same members, ids and ports as merging the
    /// generated fleet into [`EmulatorBuilder::fleet`]'s (one such pool per builder).
    pub fn generated_elb_pool(
        mut self,
        pool_id: impl Into<String>,
        members: usize,
        seed: u64,
    ) -> Self {
        self.generated = Some(huawei::store::GeneratedPool {
            pool_id: pool_id.into(),
            members,
            seed,
        });
        self
    }

    /// Loads the resources from a fixture file.
    pub fn fixture(self, path: impl AsRef<Path>) -> Result<Self> {
        Ok(self.fleet(Fleet::from_file(path)?))
    }

    /// The initial random faults (default: none).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Seeds the fault RNG and the ids generated at start and at run time (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The address to bind (default `127.0.0.1:0`, a free port). Must be loopback.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The whole Huawei account (project id, token, AK/SK, security token).
    pub fn huawei_account(mut self, account: HuaweiAccount) -> Self {
        self.account = account;
        self.project_id_set = true;
        self
    }

    /// The Huawei project id accepted (default [`DEFAULT_PROJECT_ID`](crate::DEFAULT_PROJECT_ID), or the fixture's).
    pub fn huawei_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.account.project_id = project_id.into();
        self.project_id_set = true;
        self
    }

    /// The `X-Auth-Token` accepted (default [`DEFAULT_TOKEN`](crate::DEFAULT_TOKEN)).
    pub fn huawei_token(mut self, token: impl Into<String>) -> Self {
        self.account.token = token.into();
        self
    }

    /// The AK/SK pair accepted (default [`DEFAULT_AK`](crate::DEFAULT_AK), [`DEFAULT_SK`](crate::DEFAULT_SK)).
    pub fn huawei_ak_sk(mut self, ak: impl Into<String>, sk: impl Into<String>) -> Self {
        self.account.ak = ak.into();
        self.account.sk = sk.into();
        self
    }

    /// The IAM user that gets password tokens (default [`DEFAULT_USER_NAME`](crate::huawei::DEFAULT_USER_NAME),
    /// [`DEFAULT_PASSWORD`](crate::huawei::DEFAULT_PASSWORD), [`DEFAULT_DOMAIN_NAME`](crate::huawei::DEFAULT_DOMAIN_NAME)).
    pub fn huawei_password(
        mut self,
        user_name: impl Into<String>,
        password: impl Into<String>,
        domain_name: impl Into<String>,
    ) -> Self {
        self.account.user_name = user_name.into();
        self.account.password = password.into();
        self.account.domain_name = domain_name.into();
        self
    }

    /// Requires an MFA (`totp`) passcode with this value on password token requests.
    pub fn huawei_mfa_passcode(mut self, passcode: impl Into<String>) -> Self {
        self.account.mfa_passcode = Some(passcode.into());
        self
    }

    /// How long a token IAM issues is accepted (default 24 hours; whole seconds in
    /// `expires_at`): a short one makes clients refresh mid-listing.
    pub fn huawei_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.account.token_lifetime = lifetime;
        self
    }

    /// The project's name, which IAM scopes tokens by (default `cn-north-4`).
    pub fn huawei_project_name(mut self, name: impl Into<String>) -> Self {
        self.account.project_name = name.into();
        self
    }

    /// Requires `X-Security-Token` with this value on signed requests.
    pub fn huawei_security_token(mut self, token: impl Into<String>) -> Self {
        self.account.security_token = Some(token.into());
        self
    }

    /// How long a new member in a pool with a health monitor stays `INITIAL` before it
    /// turns `ONLINE` (default [`DEFAULT_HEALTH_CHECK_DELAY`]; zero: on the next read).
    pub fn health_check_delay(mut self, delay: Duration) -> Self {
        self.health_check_delay = delay;
        self
    }

    /// The Tencent account accepted (default [`TencentAccount::default`]: the
    /// `DEFAULT_TENCENT_*` keys, no token).
    pub fn tencent_account(mut self, account: TencentAccount) -> Self {
        self.tencent_account = account;
        self
    }

    /// How many requests the log keeps (default [`DEFAULT_LOG_CAPACITY`]; 0: none).
    pub fn log_capacity(mut self, capacity: usize) -> Self {
        self.log_capacity = capacity;
        self
    }

    /// Validates the fleet, binds the address and starts serving in the background (on
    /// the current tokio runtime).
    pub async fn start(self) -> Result<Emulator> {
        if !self.listen.ip().is_loopback() {
            return Err(Error::NotLoopback(self.listen));
        }
        let fleet = self.fleet.unwrap_or_else(Fleet::demo);
        fleet.validate()?;
        let mut account = self.account;
        if !self.project_id_set {
            if let Some(p) = &fleet.huawei.project_id {
                account.project_id.clone_from(p);
            }
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        let store = huawei::store::HuaweiStore::load_with(
            &fleet.huawei,
            self.generated.as_ref(),
            &account.project_id,
            &mut rng,
        )?;
        let tencent_store = tencent::store::TencentStore::load(&fleet.tencent);
        drop(fleet);
        let state = AppState(Arc::new(Shared {
            huawei_account: account.clone(),
            huawei: Mutex::new(store),
            rng: Mutex::new(rng),
            health_check_delay: self.health_check_delay,
            tencent_account: self.tencent_account,
            tencent: Mutex::new(tencent_store),
        }));
        let router = Router::new()
            .merge(huawei::routes(state.clone()))
            .merge(tencent::routes())
            .fallback(server::no_such_api)
            .method_not_allowed_fallback(server::no_such_api)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: self.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: self.listen,
            source,
        })?;
        let ctx = Arc::new(Ctx {
            router,
            telemetry: Telemetry::new(self.log_capacity),
            faults: faults::FaultState::new(self.faults, self.seed),
        });
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, ctx.clone(), rx));
        Ok(Emulator {
            addr,
            ctx,
            state,
            account,
            shutdown: tx,
            task,
        })
    }
}
