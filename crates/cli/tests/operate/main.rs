//! Issue 12 against the emulator: waiters, drain and undrain, idempotent writes,
//! desired state (plan and apply), and `--query`.
#![cfg(all(
    feature = "huawei-elb",
    feature = "huawei-apig",
    feature = "tencent-clb"
))]

#[path = "../common/mod.rs"]
mod common;
mod desired;
mod waiting;
