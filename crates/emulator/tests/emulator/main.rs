//! Integration tests of the emulator over real HTTP (one test binary).

mod auth;
mod common;
mod elb_list;
mod elb_write;
mod faults;
mod misc;
mod vpc;
