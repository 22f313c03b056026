//! Tencent Cloud **API 3.0**: TC3-HMAC-SHA256 signing ([`sign`]), the JSON envelope
//! and its error codes, and the providers built on them.
//!
//! Every call is a `POST` of a JSON body to `/` of `https://<service>.tencentcloudapi.com`
//! with the `X-TC-*` headers; see `docs/providers/tencent.md`.

pub mod sign;
