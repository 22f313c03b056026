//! Huawei IAM against the emulator: password tokens (with MFA), the project of a
//! token, project discovery with an AK/SK (one IAM call per AK and region in a
//! process), and errors that name no secret.

use std::time::Duration;

use futures::TryStreamExt;
use lb_backends_core::{BackendProvider, ErrorKind, ResourceId};
use lb_backends_emulator::{
    fleet::demo, Emulator, Fleet, DEFAULT_AK, DEFAULT_DOMAIN_NAME, DEFAULT_PASSWORD,
    DEFAULT_PROJECT_ID, DEFAULT_SK, DEFAULT_USER_NAME,
};
use lb_backends_huawei_core::{Credentials, HuaweiClient, PROJECT_PLACEHOLDER};
use lb_backends_huawei_elb::ElbProvider;

async fn emulator() -> Emulator {
    Emulator::builder()
        .fleet(Fleet::demo())
        .huawei_mfa_passcode("424242")
        .huawei_token_lifetime(Duration::from_secs(3600))
        .start()
        .await
        .unwrap()
}

fn client(emu: &Emulator, credentials: Credentials) -> HuaweiClient {
    HuaweiClient::builder()
        .region("cn-north-4")
        .credentials(credentials)
        .endpoint_all(emu.base_url())
        .build()
        .unwrap()
}

fn iam_calls(emu: &Emulator, path: &str) -> usize {
    emu.requests().iter().filter(|r| r.path == path).count()
}

#[tokio::test]
async fn a_password_token_with_mfa_names_the_project() {
    let emu = emulator().await;
    // Without the passcode, or with a wrong password: refused, and nothing secret
    // said. (First: a token got with MFA is reused by the process for the same user.)
    for creds in [
        Credentials::password(DEFAULT_USER_NAME, DEFAULT_PASSWORD, DEFAULT_DOMAIN_NAME),
        Credentials::password(DEFAULT_USER_NAME, "wrong-SECRET-pw", DEFAULT_DOMAIN_NAME)
            .with_mfa("uid", "424242"),
    ] {
        let p = ElbProvider::new(
            client(&emu, creds),
            ResourceId::new(demo::POOL_WEB).unwrap(),
        );
        let err = p.list().try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("SECRET") && !shown.contains(DEFAULT_PASSWORD),
            "{shown}"
        );
    }
    let c = client(
        &emu,
        Credentials::password(DEFAULT_USER_NAME, DEFAULT_PASSWORD, DEFAULT_DOMAIN_NAME)
            .with_mfa("uid", "424242"),
    );
    assert_eq!(c.project_id().as_str(), PROJECT_PLACEHOLDER);
    let pool = ElbProvider::new(c.clone(), ResourceId::new(demo::POOL_WEB).unwrap());
    let members: Vec<_> = pool.list().try_collect().await.unwrap();
    assert_eq!(members.len(), 6);
    assert_eq!(c.project_id().as_str(), DEFAULT_PROJECT_ID);
    assert_eq!(emu.huawei_tokens_issued(), 1);
    let again = client(
        &emu,
        Credentials::password(DEFAULT_USER_NAME, DEFAULT_PASSWORD, DEFAULT_DOMAIN_NAME)
            .with_mfa("uid", "424242"),
    );
    assert_eq!(
        again.resolve_project().await.unwrap().as_str(),
        DEFAULT_PROJECT_ID
    );
    assert_eq!(
        emu.huawei_tokens_issued(),
        1,
        "the process's token is reused"
    );
    assert_eq!(iam_calls(&emu, "/v3/projects"), 0);
}

#[tokio::test]
async fn aksk_discovers_the_project_once_per_ak_and_region() {
    let emu = emulator().await;
    for _ in 0..3 {
        let c = client(&emu, Credentials::ak_sk(DEFAULT_AK, DEFAULT_SK));
        assert_eq!(
            c.resolve_project().await.unwrap().as_str(),
            DEFAULT_PROJECT_ID
        );
        let pool = ElbProvider::new(c, ResourceId::new(demo::POOL_WEB).unwrap());
        assert_eq!(pool.list().try_collect::<Vec<_>>().await.unwrap().len(), 6);
    }
    assert_eq!(
        iam_calls(&emu, "/v3/projects"),
        1,
        "cached per AK and region"
    );

    // A region without such a project: a clear error.
    let c = HuaweiClient::builder()
        .region("cn-south-1")
        .credentials(Credentials::ak_sk(DEFAULT_AK, DEFAULT_SK))
        .endpoint_all(emu.base_url())
        .build()
        .unwrap();
    let err = c.resolve_project().await.unwrap_err();
    assert!(err.message().contains("no project named"), "{err}");
}

#[tokio::test]
async fn a_token_refused_with_401_is_replaced_once_and_the_call_sent_again() {
    let emu = Emulator::builder()
        .fleet(Fleet::demo())
        .huawei_project_name("cn-south-1")
        .start()
        .await
        .unwrap();
    let c = HuaweiClient::builder()
        .region("cn-south-1")
        .credentials(Credentials::password(
            DEFAULT_USER_NAME,
            DEFAULT_PASSWORD,
            DEFAULT_DOMAIN_NAME,
        ))
        .endpoint_all(emu.base_url())
        .build()
        .unwrap();
    let pool = ElbProvider::new(c, ResourceId::new(demo::POOL_WEB).unwrap());
    assert_eq!(pool.list().try_collect::<Vec<_>>().await.unwrap().len(), 6);
    emu.expire_huawei_tokens();
    emu.reset_request_count();
    let again = pool
        .get(&ResourceId::new(demo::MEMBER_WITH_INSTANCE).unwrap())
        .await
        .unwrap();
    assert_eq!(again.id, demo::MEMBER_WITH_INSTANCE);
    assert_eq!(emu.huawei_tokens_issued(), 2);
    let statuses: Vec<(String, Option<u16>)> = emu
        .requests()
        .into_iter()
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("GET".to_owned(), Some(401)),
            ("POST".to_owned(), Some(201)),
            ("GET".to_owned(), Some(200))
        ]
    );
}
