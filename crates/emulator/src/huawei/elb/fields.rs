//! Checking the fields of a JSON request object one by one, with ELB-style messages.

use serde_json::{Map, Value};

use crate::huawei::errors::HuaweiError;

/// The fields of one JSON object of a request body.
pub(super) struct Fields<'a> {
    pub obj: &'a Map<String, Value>,
    pub what: &'a str,
    pub rid: &'a str,
}

impl Fields<'_> {
    pub(super) fn bad(&self, msg: String) -> HuaweiError {
        HuaweiError::invalid(self.rid, msg)
    }

    pub(super) fn only(&self, allowed: &[&str]) -> Result<(), HuaweiError> {
        match self.obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.bad(format!("Unrecognized attribute '{k}' in {}.", self.what))),
            None => Ok(()),
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    pub(super) fn string(
        &self,
        key: &str,
        min: usize,
        max: usize,
    ) -> Result<Option<String>, HuaweiError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let Some(s) = v.as_str() else {
            return Err(self.bad(format!("Invalid input for {key}: {v} is not a string.")));
        };
        let n = s.chars().count();
        if n < min || n > max {
            return Err(self.bad(format!(
                "Invalid input for {key}: length {n} is not from {min} to {max} characters."
            )));
        }
        Ok(Some(s.to_string()))
    }

    pub(super) fn integer(
        &self,
        key: &str,
        min: u64,
        max: u64,
    ) -> Result<Option<u64>, HuaweiError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(self.bad(format!(
                "Invalid input for {key}: {v} is not an integer from {min} to {max}."
            ))),
        }
    }

    pub(super) fn boolean(&self, key: &str) -> Result<Option<bool>, HuaweiError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        v.as_bool()
            .map(Some)
            .ok_or_else(|| self.bad(format!("Invalid input for {key}: {v} is not a boolean.")))
    }
}
