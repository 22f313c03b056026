//! Start the emulator on loopback, then list an ELB pool through the facade, the way a
//! program would against the real cloud (only the endpoint differs).
//!
//! `cargo run -p lb-backends --example list_pool`

use futures::TryStreamExt;
use lb_backends::{
    huawei::{Credentials, HuaweiClient},
    Clients, Target,
};
use lb_backends_emulator::{Emulator, Fleet, DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK};

const POOL: &str = "36ce7086-a496-4666-9064-5ba0e6840c75";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder()
        .fleet(Fleet::generate_elb_pool(POOL, 25, 7))
        .start()
        .await?;
    println!("emulator listening on {}", emulator.base_url());

    let huawei = HuaweiClient::builder()
        .project_id(DEFAULT_PROJECT_ID)
        .credentials(Credentials::ak_sk(DEFAULT_AK, DEFAULT_SK))
        .endpoint_all(emulator.base_url())
        .build()?;
    let clients = Clients::new().with_huawei(huawei);
    let target: Target = format!("huawei-elb:{POOL}").parse()?;
    let pool = clients.provider(&target)?;

    println!(
        "{:<38} {:<16} {:>5} {:>6}  health",
        "member", "address", "port", "weight"
    );
    let mut members = pool.list();
    let mut count = 0;
    while let Some(m) = members.try_next().await? {
        count += 1;
        let address = m.address.map(|a| a.to_string()).unwrap_or_default();
        println!(
            "{:<38} {:<16} {:>5} {:>6}  {}",
            m.id,
            address,
            m.port.map(|p| p.to_string()).unwrap_or_default(),
            m.weight.map(|w| w.to_string()).unwrap_or_default(),
            m.health.label()
        );
    }
    println!(
        "{count} members in {target}, signed with SDK-HMAC-SHA256, {} requests sent",
        emulator.request_count()
    );
    emulator.shutdown().await;
    Ok(())
}
