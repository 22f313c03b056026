//! Tencent API 3.0 (`POST /`, TC3-HMAC-SHA256): verification, routing, the CLB
//! actions on the demo fleet, and faults.

use lb_backends_emulator::fleet::clb3::demo_ids as ids;
use lb_backends_emulator::tencent::v3::sign::{authorization, Signed};
use lb_backends_emulator::{
    Emulator, FaultKind, TencentAccount, DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY,
};
use serde_json::{json, Value};

use crate::common::{client, now_unix};

struct Call<'a> {
    action: &'a str,
    body: Value,
    key: &'a str,
    skew: i64,
    token: Option<&'a str>,
    version: &'a str,
    service: &'a str,
}

impl<'a> Call<'a> {
    fn new(action: &'a str, body: Value) -> Call<'a> {
        Call {
            action,
            body,
            key: DEFAULT_TENCENT_SECRET_KEY,
            skew: 0,
            token: None,
            version: "2018-03-17",
            service: "clb",
        }
    }

    fn bmlb(action: &'a str, body: Value) -> Call<'a> {
        Call {
            version: "2018-06-25",
            service: "bmlb",
            ..Call::new(action, body)
        }
    }

    async fn send(&self, emu: &Emulator) -> Value {
        let host = emu.addr().to_string();
        let body = self.body.to_string();
        let ts = now_unix() + self.skew;
        let auth = authorization(&Signed {
            method: "POST",
            query: "",
            headers: &[("content-type", "application/json"), ("host", &host)],
            body: body.as_bytes(),
            service: self.service,
            timestamp: ts,
            secret_id: DEFAULT_TENCENT_SECRET_ID,
            secret_key: self.key,
        });
        let mut req = client()
            .post(format!("{}/", emu.base_url()))
            .header("Content-Type", "application/json")
            .header("X-TC-Action", self.action)
            .header("X-TC-Version", self.version)
            .header("X-TC-Timestamp", ts.to_string())
            .header("X-TC-Region", "ap-guangzhou")
            .header("Authorization", auth)
            .body(body);
        if let Some(t) = self.token {
            req = req.header("X-TC-Token", t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        assert!(v["Response"]["RequestId"].is_string(), "{v}");
        v["Response"].clone()
    }
}

fn code(r: &Value) -> &str {
    r["Error"]["Code"].as_str().unwrap_or("")
}

async fn demo() -> Emulator {
    Emulator::builder().start().await.unwrap()
}

#[tokio::test]
async fn verification_rules() {
    let emu = demo().await;
    let ok = Call::new("DescribeLoadBalancers", json!({}));
    assert_eq!(code(&ok.send(&emu).await), "");
    let bad_key = Call {
        key: "wrong",
        ..Call::new("DescribeLoadBalancers", json!({}))
    };
    assert_eq!(
        code(&bad_key.send(&emu).await),
        "AuthFailure.SignatureFailure"
    );
    for skew in [-301, 301, 3600] {
        let late = Call {
            skew,
            ..Call::new("DescribeLoadBalancers", json!({}))
        };
        assert_eq!(
            code(&late.send(&emu).await),
            "AuthFailure.SignatureExpire",
            "{skew}"
        );
    }
    let fine = Call {
        skew: -290,
        ..Call::new("DescribeLoadBalancers", json!({}))
    };
    assert_eq!(code(&fine.send(&emu).await), "");
    let v = Call {
        version: "2017-01-01",
        ..Call::new("DescribeLoadBalancers", json!({}))
    };
    assert_eq!(code(&v.send(&emu).await), "NoSuchVersion");
    let unknown = Call::new("FlyToTheMoon", json!({}));
    assert_eq!(code(&unknown.send(&emu).await), "InvalidAction");
    // No Authorization at all.
    let r: Value = client()
        .post(format!("{}/", emu.base_url()))
        .header("Content-Type", "application/json")
        .header("X-TC-Action", "DescribeLoadBalancers")
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&r["Response"]), "AuthFailure.InvalidAuthorization");
    emu.set_tencent_clock_offset(1000);
    assert_eq!(code(&ok.send(&emu).await), "AuthFailure.SignatureExpire");
}

#[tokio::test]
async fn tokens_are_checked() {
    let emu = Emulator::builder()
        .tencent_account(
            TencentAccount::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY)
                .with_token("tok-1"),
        )
        .start()
        .await
        .unwrap();
    let none = Call::new("DescribeLoadBalancers", json!({}));
    assert_eq!(code(&none.send(&emu).await), "AuthFailure.TokenFailure");
    let good = Call {
        token: Some("tok-1"),
        ..Call::new("DescribeLoadBalancers", json!({}))
    };
    assert_eq!(code(&good.send(&emu).await), "");
}

#[tokio::test]
async fn clb_reads_on_the_demo_fleet() {
    let emu = demo().await;
    let r = Call::new(
        "DescribeLoadBalancers",
        json!({"LoadBalancerIds": [ids::STANDARD, ids::CLASSIC, "lb-abcdefgh"]}),
    )
    .send(&emu)
    .await;
    let forward: Vec<i64> = r["LoadBalancerSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lb| lb["Forward"].as_i64().unwrap())
        .collect();
    assert_eq!(forward, vec![1, 0, 0], "the legacy LB is served as classic");

    let t = Call::new("DescribeTargets", json!({"LoadBalancerId": ids::STANDARD}))
        .send(&emu)
        .await;
    let ls = t["Listeners"].as_array().unwrap();
    assert_eq!(ls.len(), 3);
    assert!(ls[0]["Rules"].is_null() && ls[0]["Targets"].as_array().unwrap().len() == 2);
    assert!(ls[2]["Targets"].is_null() && ls[2]["Rules"].as_array().unwrap().len() == 2);

    let f = Call::new(
        "DescribeTargets",
        json!({"LoadBalancerId": ids::STANDARD, "ListenerIds": [ids::HTTP],
               "Filters": [{"Name": "location-id", "Values": [ids::RULE_STATIC]}]}),
    )
    .send(&emu)
    .await;
    assert_eq!(f["Listeners"][0]["Rules"].as_array().unwrap().len(), 1);

    let h = Call::new(
        "DescribeTargetHealth",
        json!({"LoadBalancerIds": [ids::STANDARD]}),
    )
    .send(&emu)
    .await;
    let l4 = &h["LoadBalancers"][0]["Listeners"][0]["Rules"][0];
    assert!(l4["Domain"].is_null());
    assert_eq!(l4["Targets"][1]["HealthStatusDetail"], "Dead");

    let c = Call::new(
        "DescribeClassicalLBTargets",
        json!({"LoadBalancerId": ids::CLASSIC}),
    )
    .send(&emu)
    .await;
    assert_eq!(c["Targets"].as_array().unwrap().len(), 2);
    let ch = Call::new(
        "DescribeClassicalLBHealthStatus",
        json!({"LoadBalancerId": ids::CLASSIC}),
    )
    .send(&emu)
    .await;
    assert_eq!(ch["HealthList"][1]["HealthStatus"], 0);

    for (action, body, want) in [
        ("DescribeTargets", json!({}), "MissingParameter"),
        (
            "DescribeTargets",
            json!({"LoadBalancerId": "lb-nothere"}),
            "InvalidParameter.LBIdNotFound",
        ),
        (
            "DescribeTargets",
            json!({"LoadBalancerId": ids::CLASSIC}),
            "UnsupportedOperation",
        ),
        (
            "DescribeClassicalLBTargets",
            json!({"LoadBalancerId": ids::STANDARD}),
            "UnsupportedOperation",
        ),
        (
            "DescribeTargetHealth",
            json!({"LoadBalancerIds": []}),
            "MissingParameter",
        ),
        (
            "DescribeTargets",
            json!({"LoadBalancerId": 7}),
            "InvalidParameter.FormatError",
        ),
    ] {
        let r = Call::new(action, body).send(&emu).await;
        assert_eq!(code(&r), want, "{action}");
    }
}

#[tokio::test]
async fn request_limit_exceeded_is_a_fault() {
    let emu = demo().await;
    emu.inject_next(FaultKind::TencentThrottle);
    let r = Call::new("DescribeLoadBalancers", json!({}))
        .send(&emu)
        .await;
    assert_eq!(code(&r), "RequestLimitExceeded");
    let r = Call::new("DescribeLoadBalancers", json!({}))
        .send(&emu)
        .await;
    assert_eq!(code(&r), "");
    assert_eq!(emu.request_count(), 2);
    assert_eq!(
        "request-limit-exceeded".parse::<FaultKind>().unwrap(),
        FaultKind::TencentThrottle
    );
}

#[tokio::test]
async fn writes_are_tasks_and_one_task_at_a_time_per_lb() {
    let emu = demo().await;
    emu.set_tencent_task_delay(std::time::Duration::from_millis(300));
    let add = |ip: &str| {
        Call::new(
            "RegisterTargets",
            json!({"LoadBalancerId": ids::STANDARD, "ListenerId": ids::TCP,
                   "Targets": [{"EniIp": ip, "Port": 81, "Weight": 5}]}),
        )
    };
    let first = add("10.0.7.1").send(&emu).await;
    assert_eq!(code(&first), "");
    let task = first["RequestId"].as_str().unwrap().to_owned();
    let busy = add("10.0.7.2").send(&emu).await;
    assert_eq!(code(&busy), "FailedOperation.ResourceInOperating");
    let status = Call::new("DescribeTaskStatus", json!({"TaskId": task}))
        .send(&emu)
        .await;
    assert_eq!(status["Status"], 2);
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    let status = Call::new("DescribeTaskStatus", json!({"TaskId": task}))
        .send(&emu)
        .await;
    assert_eq!(status["Status"], 0);
    assert_eq!(
        code(&add("10.0.7.1").send(&emu).await),
        "InvalidParameterValue.Duplicate"
    );
    emu.set_tencent_task_delay(std::time::Duration::ZERO);
    for (body, want) in [
        (
            json!({"LoadBalancerId": ids::STANDARD, "ListenerId": ids::HTTP,
                "Targets": [{"EniIp": "10.0.7.3", "Port": 80}]}),
            "InvalidParameter",
        ),
        (
            json!({"LoadBalancerId": ids::STANDARD, "ListenerId": ids::TCP,
                "Targets": [{"EniIp": "10.0.7.3", "InstanceId": "ins-1", "Port": 80}]}),
            "InvalidParameter",
        ),
        (
            json!({"LoadBalancerId": ids::STANDARD, "ListenerId": ids::TCP,
                "Targets": [{"EniIp": "10.0.7.3", "Port": 0}]}),
            "InvalidParameterValue.Range",
        ),
        (
            json!({"LoadBalancerId": ids::STANDARD, "ListenerId": "lbl-nothere",
                "Targets": [{"EniIp": "10.0.7.3", "Port": 80}]}),
            "InvalidParameter.ListenerIdNotFound",
        ),
        (
            json!({"LoadBalancerId": ids::CLASSIC, "ListenerId": ids::TCP,
                "Targets": [{"EniIp": "10.0.7.3", "Port": 80}]}),
            "UnsupportedOperation",
        ),
    ] {
        let r = Call::new("RegisterTargets", body).send(&emu).await;
        assert_eq!(code(&r), want);
    }
    let gone = Call::new(
        "DeregisterTargets",
        json!({"LoadBalancerId": ids::STANDARD, "ListenerId": ids::TCP,
               "Targets": [{"EniIp": "10.0.7.1", "Port": 81}]}),
    )
    .send(&emu)
    .await;
    assert_eq!(code(&gone), "");
    let t = Call::new(
        "DescribeTargets",
        json!({"LoadBalancerId": ids::STANDARD, "ListenerIds": [ids::TCP]}),
    )
    .send(&emu)
    .await;
    assert_eq!(t["Listeners"][0]["Targets"].as_array().unwrap().len(), 2);
    let unknown = Call::new("DescribeTaskStatus", json!({"TaskId": "nope"}))
        .send(&emu)
        .await;
    assert_eq!(code(&unknown), "InvalidParameter");
}

/// `GET /` as the official SDK sends it with `HttpProfile(reqMethod="GET")`: the
/// parameters flattened into the query (`Targets.0.Port=8080`), signed over that query
/// exactly as sent, with `application/x-www-form-urlencoded` and an empty body.
/// `cargo xtask official-sdks` found the emulator answering it with a 404.
async fn get(emu: &Emulator, action: &str, query: &str, signed_query: &str, ct: &str) -> Value {
    let host = emu.addr().to_string();
    let ts = now_unix();
    let auth = authorization(&Signed {
        method: "GET",
        query: signed_query,
        headers: &[("content-type", ct), ("host", &host)],
        body: b"",
        service: "clb",
        timestamp: ts,
        secret_id: DEFAULT_TENCENT_SECRET_ID,
        secret_key: DEFAULT_TENCENT_SECRET_KEY,
    });
    let resp = client()
        .get(format!("{}/?{query}", emu.base_url()))
        .header("Content-Type", ct)
        .header("X-TC-Action", action)
        .header("X-TC-Version", "2018-03-17")
        .header("X-TC-Timestamp", ts.to_string())
        .header("X-TC-Region", "ap-guangzhou")
        .header("Authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert!(v["Response"]["RequestId"].is_string(), "{v}");
    v["Response"].clone()
}

#[tokio::test]
async fn get_with_flattened_parameters_as_the_sdk_sends_it() {
    const FORM: &str = "application/x-www-form-urlencoded";
    let emu = demo().await;
    let q = format!(
        "LoadBalancerId={}&ListenerIds.0={}",
        ids::STANDARD,
        ids::TCP
    );
    let r = get(&emu, "DescribeTargets", &q, &q, FORM).await;
    assert_eq!(code(&r), "", "{r}");
    let listeners = r["Listeners"].as_array().unwrap();
    assert_eq!(listeners.len(), 1);
    assert_eq!(listeners[0]["ListenerId"], ids::TCP);
    assert_eq!(listeners[0]["Targets"].as_array().unwrap().len(), 2);

    // A write: Targets.0.* is one target, its Port and Weight read as integers.
    let q = format!(
        "LoadBalancerId={}&ListenerId={}&Targets.0.InstanceId=ins-aaaa1111&Targets.0.Port=8080&Targets.0.Weight=77",
        ids::STANDARD,
        ids::TCP
    );
    let r = get(&emu, "ModifyTargetWeight", &q, &q, FORM).await;
    assert_eq!(code(&r), "", "{r}");
    let task = r["RequestId"].as_str().unwrap().to_string();
    let mut status = 2;
    for _ in 0..50 {
        let q = format!("TaskId={task}");
        status = get(&emu, "DescribeTaskStatus", &q, &q, FORM).await["Status"]
            .as_i64()
            .unwrap();
        if status != 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, 0);
    let r = Call::new(
        "DescribeTargets",
        json!({"LoadBalancerId": ids::STANDARD, "ListenerIds": [ids::TCP]}),
    )
    .send(&emu)
    .await;
    let weights: Vec<(&str, i64)> = r["Listeners"][0]["Targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["InstanceId"].as_str().unwrap(),
                t["Weight"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(weights.contains(&("ins-aaaa1111", 77)), "{weights:?}");

    // Integers that are not: the same error as in JSON.
    let r = get(
        &emu,
        "DescribeLoadBalancers",
        "Limit=ten",
        "Limit=ten",
        FORM,
    )
    .await;
    assert_eq!(code(&r), "InvalidParameter.FormatError", "{r}");

    // The query is signed as sent: another order of the same parameters does not verify.
    let sent = format!(
        "ListenerIds.0={}&LoadBalancerId={}",
        ids::TCP,
        ids::STANDARD
    );
    let signed = format!(
        "LoadBalancerId={}&ListenerIds.0={}",
        ids::STANDARD,
        ids::TCP
    );
    let r = get(&emu, "DescribeTargets", &sent, &signed, FORM).await;
    assert_eq!(code(&r), "AuthFailure.SignatureFailure");

    // A GET is form-encoded; a list index that skips is malformed.
    let q = format!("LoadBalancerId={}", ids::STANDARD);
    let r = get(&emu, "DescribeTargets", &q, &q, "application/json").await;
    assert_eq!(code(&r), "InvalidParameter");
    let q = format!(
        "LoadBalancerId={}&ListenerIds.1={}",
        ids::STANDARD,
        ids::TCP
    );
    let r = get(&emu, "DescribeTargets", &q, &q, FORM).await;
    assert_eq!(code(&r), "InvalidParameter.FormatError");
}

/// Signature v1 on API 3.0, as the official SDK sends it with
/// `ClientProfile(signMethod="HmacSHA256")` (or `"HmacSHA1"`): every parameter, the
/// common ones included, in a form POST (or a GET's query), signed over
/// `METHOD host /?sorted k=v`. `cargo xtask official-sdks` found the emulator refusing
/// it (`AuthFailure.InvalidAuthorization`: it knew only TC3 on `/`).
async fn v1(
    emu: &Emulator,
    method: &str,
    sig_method: &str,
    key: &str,
    nonce: u64,
    own: &[(&str, &str)],
) -> Value {
    use lb_backends_emulator::tencent::sign;
    let host = emu.addr().to_string();
    let mut params: Vec<(String, String)> = own
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    for (k, v) in [
        ("Version", "2018-03-17".to_string()),
        ("Region", "ap-guangzhou".to_string()),
        ("Timestamp", now_unix().to_string()),
        ("Nonce", nonce.to_string()),
        ("SecretId", DEFAULT_TENCENT_SECRET_ID.to_string()),
        ("SignatureMethod", sig_method.to_string()),
        ("RequestClient", "SDK_PYTHON_3.1.195".to_string()),
    ] {
        params.push((k.to_string(), v));
    }
    let text = sign::string_to_sign(method, &host, "/", &params);
    params.push((
        "Signature".into(),
        sign::signature(sig_method, key, &text).unwrap(),
    ));
    let form: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let req = if method == "GET" {
        client().get(format!("{}/?{form}", emu.base_url()))
    } else {
        client()
            .post(format!("{}/", emu.base_url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
    };
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert!(v["Response"]["RequestId"].is_string(), "{v}");
    v["Response"].clone()
}

#[tokio::test]
async fn signature_v1_as_the_sdk_sends_it() {
    let emu = demo().await;
    let key = DEFAULT_TENCENT_SECRET_KEY;
    let describe = [
        ("Action", "DescribeTargets"),
        ("LoadBalancerId", ids::STANDARD),
        ("ListenerIds.0", ids::TCP),
    ];
    for (method, sig, nonce) in [
        ("POST", "HmacSHA256", 11),
        ("POST", "HmacSHA1", 12),
        ("GET", "HmacSHA256", 13),
    ] {
        let r = v1(&emu, method, sig, key, nonce, &describe).await;
        assert_eq!(code(&r), "", "{method} {sig}: {r}");
        assert_eq!(r["Listeners"][0]["ListenerId"], ids::TCP);
        assert_eq!(r["Listeners"][0]["Targets"].as_array().unwrap().len(), 2);
    }
    // A write, its integers read as such.
    let r = v1(
        &emu,
        "POST",
        "HmacSHA256",
        key,
        14,
        &[
            ("Action", "ModifyTargetWeight"),
            ("LoadBalancerId", ids::STANDARD),
            ("ListenerId", ids::TCP),
            ("Targets.0.InstanceId", "ins-aaaa1111"),
            ("Targets.0.Port", "8080"),
            ("Weight", "42"),
        ],
    )
    .await;
    assert_eq!(code(&r), "", "{r}");
    // The same nonce again is a replay; a wrong key fails; so does a missing Action.
    let r = v1(&emu, "POST", "HmacSHA256", key, 11, &describe).await;
    assert_eq!(code(&r), "AuthFailure.SignatureFailure", "{r}");
    let r = v1(&emu, "POST", "HmacSHA256", "wrong", 15, &describe).await;
    assert_eq!(code(&r), "AuthFailure.SignatureFailure", "{r}");
    let r = v1(&emu, "POST", "HmacSHA256", key, 16, &describe[1..]).await;
    assert_eq!(code(&r), "MissingParameter", "{r}");
}

/// Poll `DescribeTaskStatus` until the task ends; its final answer.
async fn task_end(emu: &Emulator, task: &str) -> Value {
    loop {
        let r = Call::new("DescribeTaskStatus", json!({ "TaskId": task }))
            .send(emu)
            .await;
        if r["Status"] != 2 {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn batches_fail_named_listeners_and_ports_move_and_tasks_can_fail() {
    let emu = demo().await;
    emu.set_tencent_task_delay(std::time::Duration::from_millis(20));
    emu.set_tencent_failing_listeners([ids::UDP]);
    let r = Call::new(
        "BatchRegisterTargets",
        json!({"LoadBalancerId": ids::STANDARD, "Targets": [
            {"ListenerId": ids::TCP, "Port": 81, "EniIp": "10.7.0.1"},
            {"ListenerId": ids::UDP, "Port": 81, "EniIp": "10.7.0.2"},
            {"ListenerId": ids::HTTP, "LocationId": ids::RULE_API, "Port": 81, "InstanceId": "ins-batch001"},
            {"ListenerId": "lbl-nothere0", "Port": 81, "EniIp": "10.7.0.3"},
        ]}),
    )
    .send(&emu)
    .await;
    let failed = &r["FailListenerIdSet"];
    assert_eq!(*failed, json!(["lbl-nothere0", ids::UDP]), "{r}");
    let task = r["RequestId"].as_str().unwrap().to_string();
    assert_eq!(task_end(&emu, &task).await["Status"], 0);
    let r = Call::new("DescribeTargets", json!({"LoadBalancerId": ids::STANDARD}))
        .send(&emu)
        .await;
    let text = r.to_string();
    assert!(text.contains("10.7.0.1") && text.contains("ins-batch001"));
    assert!(!text.contains("10.7.0.2"));
    // New targets are Unknown until their health delay has passed.
    let h = Call::new(
        "DescribeTargetHealth",
        json!({"LoadBalancerIds": [ids::STANDARD], "ListenerIds": [ids::TCP]}),
    )
    .send(&emu)
    .await;
    assert!(h.to_string().contains("\"Unknown\""), "{h}");

    let r = Call::new(
        "ModifyTargetPort",
        json!({"LoadBalancerId": ids::STANDARD, "ListenerId": ids::TCP,
               "Targets": [{"EniIp": "10.7.0.1", "Port": 81}], "NewPort": 82}),
    )
    .send(&emu)
    .await;
    let task = r["RequestId"].as_str().unwrap().to_string();
    task_end(&emu, &task).await;
    let r = Call::new(
        "DescribeTargets",
        json!({"LoadBalancerId": ids::STANDARD, "ListenerIds": [ids::TCP]}),
    )
    .send(&emu)
    .await;
    assert!(r.to_string().contains("\"Port\":82"), "{r}");

    emu.fail_next_tencent_task("boom");
    let r = Call::new(
        "BatchDeregisterTargets",
        json!({"LoadBalancerId": ids::STANDARD, "Targets": [
            {"ListenerId": ids::TCP, "Port": 82, "EniIp": "10.7.0.1"}]}),
    )
    .send(&emu)
    .await;
    let task = r["RequestId"].as_str().unwrap().to_string();
    let end = task_end(&emu, &task).await;
    assert_eq!(
        (end["Status"].clone(), end["Message"].clone()),
        (json!(1), json!("boom"))
    );
    let r = Call::new(
        "DescribeTargets",
        json!({"LoadBalancerId": ids::STANDARD, "ListenerIds": [ids::TCP]}),
    )
    .send(&emu)
    .await;
    assert!(
        r.to_string().contains("10.7.0.1"),
        "a failed task is not applied"
    );

    // Classic writes.
    let r = Call::new(
        "RegisterTargetsWithClassicalLB",
        json!({"LoadBalancerId": ids::CLASSIC, "Targets": [{"InstanceId": "ins-clsbatch", "Weight": 7}]}),
    )
    .send(&emu)
    .await;
    let task = r["RequestId"].as_str().unwrap().to_string();
    task_end(&emu, &task).await;
    let r = Call::new(
        "DescribeClassicalLBTargets",
        json!({"LoadBalancerId": ids::CLASSIC}),
    )
    .send(&emu)
    .await;
    assert!(r.to_string().contains("ins-clsbatch"));
}

#[tokio::test]
async fn bmlb_layer_4_and_7_on_api_3() {
    let emu = demo().await;
    emu.set_tencent_task_delay(std::time::Duration::from_millis(20));
    let r = Call::bmlb(
        "DescribeL4Backends",
        json!({"LoadBalancerId": "lb-abcdefgh", "ListenerId": "lbl-bml4tcp1"}),
    )
    .send(&emu)
    .await;
    let set = r["BackendSet"].as_array().unwrap().clone();
    assert_eq!(set.len(), 2, "{r}");
    assert_eq!(set[1]["BindType"], 2);
    assert_eq!(set[0]["ProbePort"], -1);
    let r = Call::bmlb(
        "DescribeL7Backends",
        json!({"LoadBalancerId": "lb-abcdefgh", "ListenerId": "lbl-abcdefgh",
               "DomainId": "dm-abcdefgh", "LocationId": "loc-abcdefgh"}),
    )
    .send(&emu)
    .await;
    let set = &r["BackendSet"];
    assert_eq!(set[1]["InstanceId"], "10.2.0.5", "BindType 1: the IP");
    let r = Call::bmlb(
        "BindL4Backends",
        json!({"LoadBalancerId": "lb-abcdefgh", "ListenerId": "lbl-bml4tcp1", "BindType": 0,
               "BackendSet": [{"InstanceId": "cpm-new00001", "Port": 80, "Weight": 5}]}),
    )
    .send(&emu)
    .await;
    let task = r["TaskId"].as_str().unwrap().to_string();
    let busy = Call::bmlb(
        "UnbindL4Backends",
        json!({"LoadBalancerId": "lb-abcdefgh", "ListenerId": "lbl-bml4tcp1", "BindType": 0,
               "BackendSet": [{"InstanceId": "cpm-new00001", "Port": 80}]}),
    )
    .send(&emu)
    .await;
    assert_eq!(code(&busy), "ResourceInUse");
    loop {
        let r = Call::bmlb("DescribeLoadBalancerTaskResult", json!({ "TaskId": task }))
            .send(&emu)
            .await;
        if r["Status"] == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let wrong = Call::bmlb(
        "ModifyL4BackendWeight",
        json!({"LoadBalancerId": "lb-abcdefgh", "ListenerId": "lbl-bml4tcp1", "BindType": 1,
               "InstanceId": "cpm-new00001", "Port": 80, "Weight": 1}),
    )
    .send(&emu)
    .await;
    assert_eq!(code(&wrong), "InvalidParameter", "the BindType must match");
}
