//! The Tencent legacy API (`/v2/index.php`): CLB and BMLB listings, paging, the
//! envelope and its error codes, signature, clock and nonce checks, Tencent faults.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use lb_backends_emulator::fleet::{demo, ForcedError};
use lb_backends_emulator::tencent::{sign, TENCENT_PATH};
use lb_backends_emulator::{
    Emulator, Error, FaultKind, Fleet, TencentAccount, DEFAULT_TENCENT_SECRET_ID,
    DEFAULT_TENCENT_SECRET_KEY,
};
use serde_json::Value;

use crate::common::client;

static NONCE: AtomicU64 = AtomicU64::new(1);

/// A request to send: its own parameters plus what `send` adds.
struct Call {
    params: Vec<(String, String)>,
    post: bool,
    key: String,
    timestamp_offset: i64,
    nonce: Option<u64>,
}

impl Call {
    fn new(action: &str) -> Call {
        Call {
            params: vec![("Action".into(), action.into())],
            post: false,
            key: DEFAULT_TENCENT_SECRET_KEY.into(),
            timestamp_offset: 0,
            nonce: None,
        }
    }

    fn param(mut self, k: &str, v: impl ToString) -> Call {
        self.params.push((k.into(), v.to_string()));
        self
    }

    fn clb(lb: &str) -> Call {
        Call::new("DescribeLoadBalancerBackends").param("loadBalancerId", lb)
    }

    fn bmlb(ids: [&str; 4]) -> Call {
        Call::new("DescribeBmLocationBackends")
            .param("loadBalancerId", ids[0])
            .param("listenerId", ids[1])
            .param("domainId", ids[2])
            .param("locationId", ids[3])
    }

    /// Signs (HmacSHA256 for POST, the default HmacSHA1 for GET) and sends.
    async fn send(mut self, emu: &Emulator) -> (u16, Value) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let ts = i64::try_from(now).unwrap() + self.timestamp_offset;
        let nonce = self
            .nonce
            .unwrap_or_else(|| NONCE.fetch_add(1, Ordering::Relaxed) + 1_000_000);
        self.params.push(("Region".into(), "gz".into()));
        self.params.push(("Timestamp".into(), ts.to_string()));
        self.params.push(("Nonce".into(), nonce.to_string()));
        self.params
            .push(("SecretId".into(), DEFAULT_TENCENT_SECRET_ID.into()));
        let method_name = if self.post { "HmacSHA256" } else { "HmacSHA1" };
        if self.post {
            self.params
                .push(("SignatureMethod".into(), method_name.into()));
        }
        let host = emu.addr().to_string();
        let verb = if self.post { "POST" } else { "GET" };
        let text = sign::string_to_sign(verb, &host, TENCENT_PATH, &self.params);
        let signature = sign::signature(method_name, &self.key, &text).unwrap();
        self.params.push(("Signature".into(), signature));
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.params)
            .finish();
        let url = format!("{}{}", emu.base_url(), TENCENT_PATH);
        let client = client();
        let resp = if self.post {
            client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encoded)
                .send()
                .await
        } else {
            client.get(format!("{url}?{encoded}")).send().await
        }
        .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

async fn emulator(fleet: Fleet) -> Emulator {
    Emulator::builder().fleet(fleet).start().await.unwrap()
}

fn code(v: &Value) -> i64 {
    v["code"].as_i64().unwrap()
}

#[tokio::test]
async fn clb_pages_with_the_services_defaults() {
    let emu = emulator(Fleet::generate_clb("lb-gen", 250, 1)).await;
    let (status, v) = Call::clb("lb-gen").send(&emu).await;
    assert_eq!(status, 200);
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(v["codeDesc"], "Success");
    assert_eq!(v["totalCount"], 250);
    assert_eq!(
        v["backendSet"].as_array().unwrap().len(),
        20,
        "default limit 20"
    );
    let (_, v) = Call::clb("lb-gen")
        .param("offset", 200)
        .param("limit", 100)
        .send(&emu)
        .await;
    assert_eq!(v["backendSet"].as_array().unwrap().len(), 50);
    let (_, v) = Call::clb("lb-gen")
        .param("offset", 300)
        .param("limit", 100)
        .send(&emu)
        .await;
    assert_eq!(v["backendSet"].as_array().unwrap().len(), 0);
    for bad in [
        ("limit", "101"),
        ("limit", "0"),
        ("offset", "-1"),
        ("limit", "x"),
    ] {
        let (_, v) = Call::clb("lb-gen").param(bad.0, bad.1).send(&emu).await;
        assert_eq!(code(&v), 4000, "{bad:?}: {v}");
    }
    let (_, v) = Call::new("DescribeLoadBalancerBackends").send(&emu).await;
    assert_eq!(code(&v), 4000);
    let (_, v) = Call::clb("lb-nope").send(&emu).await;
    assert_eq!(code(&v), 5000);
    assert_eq!(v["codeDesc"], "ResourceNotFound");
}

#[tokio::test]
async fn the_demo_fleet_serves_the_seed_examples() {
    let emu = emulator(Fleet::demo()).await;
    let (_, v) = Call::clb(demo::TENCENT_CLB).send(&emu).await;
    assert_eq!(v["totalCount"], 2);
    assert_eq!(v["backendSet"][0]["unInstanceId"], "ins-123test1");
    assert_eq!(v["backendSet"][1]["wanIpSet"][0], "203.195.179.124");
    let (_, v) = Call::bmlb(demo::TENCENT_BMLB).send(&emu).await;
    assert_eq!(code(&v), 0, "{v}");
    let host = &v["data"][0];
    assert_eq!(host["instanceId"], "cpm-abcdefgh");
    assert_eq!(host["alias"], "XXX测试");
    assert_eq!(host["operates"].as_array().unwrap().len(), 12);
    let vm = &v["data"][1];
    assert_eq!(vm["bindType"], 1);
    assert!(
        vm.get("instanceId").is_none(),
        "a VM IP binding has only lanIp: {vm}"
    );
}

#[tokio::test]
async fn bmlb_errors_and_paging() {
    let emu = emulator(Fleet::generate_bmlb(
        "lb-1", "lbl-1", "dm-1", "loc-1", 45, 1,
    ))
    .await;
    let (_, v) = Call::bmlb(["lb-1", "lbl-1", "dm-1", "loc-1"])
        .send(&emu)
        .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 20);
    assert!(v.get("totalCount").is_none());
    let (_, v) = Call::bmlb(["lb-1", "lbl-1", "dm-1", "loc-1"])
        .param("offset", 40)
        .send(&emu)
        .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    let (_, v) = Call::bmlb(["lb-2", "lbl-1", "dm-1", "loc-1"])
        .send(&emu)
        .await;
    assert_eq!(code(&v), 11041);
    assert_eq!(v["codeDesc"], "InvalidParameter.CCDBLBNotExist");
    let (_, v) = Call::bmlb(["lb-1", "lbl-1", "dm-1", "loc-9"])
        .send(&emu)
        .await;
    assert_eq!(code(&v), 9003);
    let (_, v) = Call::new("DescribeBmLocationBackends")
        .param("loadBalancerId", "lb-1")
        .send(&emu)
        .await;
    assert_eq!(code(&v), 9003);
}

#[tokio::test]
async fn authentication_clock_and_replay() {
    let emu = emulator(Fleet::demo()).await;
    let mut bad_key = Call::clb(demo::TENCENT_CLB);
    bad_key.key = "wrong".into();
    assert_eq!(code(&bad_key.send(&emu).await.1), 4100);

    let (_, v) = Call::clb(demo::TENCENT_CLB)
        .param("SecretId", "x")
        .send(&emu)
        .await;
    assert_eq!(code(&v), 4000, "SecretId given twice");

    let mut old = Call::clb(demo::TENCENT_CLB);
    old.timestamp_offset = -301;
    let (_, v) = old.send(&emu).await;
    assert_eq!(code(&v), 4200);
    assert!(v["message"].as_str().unwrap().contains("behind"), "{v}");
    emu.set_tencent_clock_offset(-600);
    assert_eq!(code(&Call::clb(demo::TENCENT_CLB).send(&emu).await.1), 4200);
    emu.set_tencent_clock_offset(0);

    let mut first = Call::clb(demo::TENCENT_CLB);
    first.nonce = Some(424_242);
    assert_eq!(code(&first.send(&emu).await.1), 0);
    let mut again = Call::clb(demo::TENCENT_CLB);
    again.nonce = Some(424_242);
    let (_, v) = again.send(&emu).await;
    assert_eq!(code(&v), 4500, "{v}");

    let (_, v) = Call::new("DescribeNothing").send(&emu).await;
    assert_eq!(code(&v), 4000);

    let mut post = Call::clb(demo::TENCENT_CLB);
    post.post = true;
    let (status, v) = post.send(&emu).await;
    assert_eq!((status, code(&v)), (200, 0), "{v}");
}

#[tokio::test]
async fn unknown_secret_id_and_token() {
    let emu = Emulator::builder()
        .fleet(Fleet::demo())
        .tencent_account(TencentAccount::new("AKIDother", DEFAULT_TENCENT_SECRET_KEY))
        .start()
        .await
        .unwrap();
    assert_eq!(code(&Call::clb(demo::TENCENT_CLB).send(&emu).await.1), 4104);
    assert_eq!(emu.tencent().secret_id, "AKIDother");

    let account = TencentAccount::default().with_token("session-tok");
    assert!(!format!("{account:?}").contains("session-tok"));
    assert!(!format!("{account:?}").contains(DEFAULT_TENCENT_SECRET_KEY));
    let emu = Emulator::builder()
        .fleet(Fleet::demo())
        .tencent_account(account)
        .start()
        .await
        .unwrap();
    assert_eq!(code(&Call::clb(demo::TENCENT_CLB).send(&emu).await.1), 4105);
    let (_, v) = Call::clb(demo::TENCENT_CLB)
        .param("Token", "wrong")
        .send(&emu)
        .await;
    assert_eq!(code(&v), 4105);
    let (_, v) = Call::clb(demo::TENCENT_CLB)
        .param("Token", "session-tok")
        .send(&emu)
        .await;
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(
        emu.tencent_nonces_seen(),
        1,
        "only accepted requests use up a nonce"
    );
}

#[test]
fn bad_tencent_fixtures_are_refused() {
    let bad = [
        r#"{"tencent": {"clb": {"loadBalancers": [{"loadBalancerId": "lb-1"}, {"loadBalancerId": "lb-1"}]}}}"#,
        r#"{"tencent": {"clb": {"loadBalancers": [{"loadBalancerId": "lb-1", "backendSet": [{"unInstanceId": "ins-1", "lanIp": "x"}]}]}}}"#,
        r#"{"tencent": {"clb": {"loadBalancers": [{"loadBalancerId": "lb-1", "backendSet": [{"unInstanceId": "ins-1", "lanIp": "10.0.0.1", "weight": 101}]}]}}}"#,
        r#"{"tencent": {"clb": {"loadBalancers": [{"loadBalancerId": "lb-1", "backendSet": [{"unInstanceId": "ins-1", "lanIp": "10.0.0.1"}, {"unInstanceId": "ins-1", "lanIp": "10.0.0.2"}]}]}}}"#,
        r#"{"tencent": {"clb": {"loadBalancers": [{"loadBalancerId": "lb-1", "error": {"code": 0}}]}}}"#,
        r#"{"tencent": {"clb": {"loadBalancers": [{"loadBalancerId": "lb-1", "backendSets": []}]}}}"#,
        r#"{"tencent": {"bmlb": {"locations": [{"loadBalancerId": "lb-1", "listenerId": "l", "domainId": "d", "locationId": ""}]}}}"#,
        r#"{"tencent": {"bmlb": {"locations": [{"loadBalancerId": "lb-1", "listenerId": "l", "domainId": "d", "locationId": "x", "data": [{"bindType": 0, "rsPort": 80, "lanIp": "10.0.0.1"}]}]}}}"#,
        r#"{"tencent": {"bmlb": {"locations": [{"loadBalancerId": "lb-1", "listenerId": "l", "domainId": "d", "locationId": "x", "data": [{"bindType": 2, "rsPort": 80, "lanIp": "10.0.0.1"}]}]}}}"#,
        r#"{"tencent": {"bmlb": {"locations": [{"loadBalancerId": "lb-1", "listenerId": "l", "domainId": "d", "locationId": "x", "data": [{"bindType": 1, "rsPort": 0, "lanIp": "10.0.0.1"}]}]}}}"#,
        r#"{"tencent": {"bmlb": {"locations": [{"loadBalancerId": "lb-1", "listenerId": "l", "domainId": "d", "locationId": "x", "data": [{"bindType": 1, "rsPort": 80, "lanIp": "10.0.0.1"}, {"bindType": 1, "rsPort": 80, "lanIp": "10.0.0.1"}]}]}}}"#,
    ];
    for f in bad {
        assert!(
            matches!(Fleet::from_json_str(f), Err(Error::Fixture(_))),
            "{f}"
        );
    }
    let ok = r#"{"tencent": {"clb": {"loadBalancers": [{"loadBalancerId": "lb-1",
        "backendSet": [{"unInstanceId": "ins-1", "lanIp": "10.0.0.1"}], "error": {"code": 4400}}]}}}"#;
    let fleet = Fleet::from_json_str(ok).unwrap();
    let lb = fleet.tencent_clb("lb-1").unwrap();
    assert_eq!(
        (lb.backends[0].weight, lb.backends[0].instance_status),
        (10, 2)
    );
}

#[tokio::test]
async fn forced_errors_and_tencent_faults() {
    let mut fleet = Fleet::generate_clb("lb-err", 3, 1);
    fleet.tencent.clb.load_balancers[0].error = Some(ForcedError::new(6000));
    let emu = emulator(fleet).await;
    let (status, v) = Call::clb("lb-err").send(&emu).await;
    assert_eq!((status, code(&v)), (200, 6000));
    assert_eq!(v["codeDesc"], "InternalError");

    emu.inject_next(FaultKind::TencentThrottle);
    let (status, v) = Call::clb("lb-err").send(&emu).await;
    assert_eq!((status, code(&v)), (200, 4400));
    emu.inject_next(FaultKind::ServerError);
    let (status, _) = Call::clb("lb-err").send(&emu).await;
    assert!((500..600).contains(&status));
    let log = emu.requests();
    assert_eq!(log.last().unwrap().fault, Some(FaultKind::ServerError));

    // The Tencent-only fault leaves other APIs alone.
    emu.inject_next(FaultKind::TencentThrottle);
    let url = format!(
        "{}/v3/{}/elb/pools/{}/members",
        emu.base_url(),
        emu.huawei().project_id,
        demo::POOL_WEB
    );
    let (status, _) = crate::common::get(&emu, &url).await;
    assert_eq!(
        status, 404,
        "the pool is not in this fleet, but the request was served"
    );
    assert_eq!("4400".parse::<FaultKind>(), Ok(FaultKind::TencentThrottle));
    assert_eq!(FaultKind::TencentThrottle.to_string(), "tencent-throttle");
}
