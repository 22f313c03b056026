//! Helpers shared by the integration tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use lb_backends_emulator::{Emulator, Fleet};
use reqwest::header::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The demo fleet, a short health-check delay.
pub async fn demo() -> Emulator {
    Emulator::builder()
        .fleet(Fleet::demo())
        .seed(1)
        .health_check_delay(Duration::from_millis(300))
        .start()
        .await
        .expect("emulator starts")
}

pub fn members_url(emu: &Emulator, pool: &str) -> String {
    format!(
        "{}/v3/{}/elb/pools/{pool}/members",
        emu.base_url(),
        emu.huawei().project_id
    )
}

pub fn ports_url(emu: &Emulator) -> String {
    format!("{}/v1/{}/ports", emu.base_url(), emu.huawei().project_id)
}

/// A client without connection reuse, so one test's broken connection cannot leak.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A token-authenticated request; returns status, JSON body (Null if not JSON), headers.
pub async fn call(
    emu: &Emulator,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> (u16, Value, HeaderMap) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client()
        .request(m, url)
        .header("X-Auth-Token", &emu.huawei().token);
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body read");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

pub async fn get(emu: &Emulator, url: &str) -> (u16, Value) {
    let (s, v, _) = call(emu, "GET", url, None).await;
    (s, v)
}

/// `YYYYMMDDTHHMMSSZ` of Unix seconds.
pub fn sdk_date(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Civil from days (H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A client-side SDK-HMAC-SHA256 signer written for the tests (paths here are plain
/// ASCII ids): returns the wire query string and the headers to send.
pub struct Signature {
    pub query: String,
    pub headers: Vec<(String, String)>,
}

#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &str,
    host: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &str,
    ak: &str,
    sk: &str,
    date: &str,
) -> Signature {
    let mut pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (enc(k), enc(v))).collect();
    pairs.sort();
    let cq = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let uri = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    let ch = format!("content-type:application/json\nhost:{host}\nx-sdk-date:{date}\n");
    let signed = "content-type;host;x-sdk-date";
    let cr = format!(
        "{method}\n{uri}\n{cq}\n{ch}\n{signed}\n{}",
        hex::encode(Sha256::digest(body.as_bytes()))
    );
    let sts = format!(
        "SDK-HMAC-SHA256\n{date}\n{}",
        hex::encode(Sha256::digest(cr.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(sk.as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    Signature {
        query: cq,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("X-Sdk-Date".into(), date.into()),
            (
                "Authorization".into(),
                format!("SDK-HMAC-SHA256 Access={ak}, SignedHeaders={signed}, Signature={sig}"),
            ),
        ],
    }
}
