//! Integration tests of the emulator over real HTTP (one test binary).

mod apig;
mod auth;
mod common;
mod elb_list;
mod elb_write;
mod faults;
mod huawei_iam;
mod misc;
mod tencent;
mod tencent3;
mod vpc;
