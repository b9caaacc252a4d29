//! Identities (`/v1/identities`, Pebble ≥ 1.14): who may use the API, with which access. ops'
//! `Identity`, `LocalIdentity`, `BasicIdentity` (and Pebble's `cert`).

use super::{Client, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

string_enum! {
    /// What an identity may do.
    IdentityAccess {
        /// Everything.
        Admin = "admin",
        /// Read-only calls.
        Read = "read",
        /// The metrics endpoint only.
        Metrics = "metrics",
        /// Nothing but what any caller may do.
        Untrusted = "untrusted",
    }
}

/// A local identity: a Unix user id connecting over the socket.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::LocalIdentity;
///
/// // A local identity: whoever connects to the socket with this Unix user ID.
/// let local = LocalIdentity { user_id: 1000 };
/// assert_eq!(serde_json::to_value(&local).ok(), Some(serde_json::json!({"user-id": 1000})));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalIdentity {
    /// The user id.
    #[serde(rename = "user-id")]
    pub user_id: u32,
}

/// A basic identity: HTTP basic authentication with a hashed password (Pebble lists it as
/// `*****`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::BasicIdentity;
///
/// // HTTP basic auth: the password is a crypt(3) hash (`openssl passwd -6`), never the password.
/// let basic = BasicIdentity { password: "$6$salt$hash".into() };
/// assert!(basic.password.starts_with("$6$"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicIdentity {
    /// The password, hashed with `openssl passwd -6`.
    pub password: String,
}

/// A certificate identity: a client TLS certificate (Pebble lists it as `*****`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::CertIdentity;
///
/// // A client certificate, PEM-encoded.
/// let cert = CertIdentity { pem: "-----BEGIN CERTIFICATE-----\n...".into() };
/// assert!(cert.pem.starts_with("-----BEGIN CERTIFICATE-----"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertIdentity {
    /// The PEM-encoded X.509 certificate.
    pub pem: String,
}

/// A named identity's access and credentials (at least one of `local`, `basic`, `cert`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Identity, IdentityAccess, LocalIdentity};
/// use std::collections::BTreeMap;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let ops = Identity {
///     access: IdentityAccess::Read,
///     local: Some(LocalIdentity { user_id: 1000 }),
///     basic: None,
///     cert: None,
/// };
/// client.add_identities(&BTreeMap::from([("ops".to_string(), ops.clone())]))?;
/// assert_eq!(client.get_identities()?["ops"], ops);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// What it may do.
    pub access: IdentityAccess,
    /// By user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalIdentity>,
    /// By password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<BasicIdentity>,
    /// By certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<CertIdentity>,
}

impl Client {
    /// Every identity, by name (`GET /v1/identities`).
    pub fn get_identities(&self) -> Result<BTreeMap<String, Identity>> {
        let map: Option<BTreeMap<String, Identity>> =
            self.request("GET", "/v1/identities", &[], None)?.result()?;
        Ok(map.unwrap_or_default())
    }

    fn identities_action(&self, action: &str, identities: Value) -> Result<()> {
        let body = json!({"action": action, "identities": identities});
        self.request("POST", "/v1/identities", &[], Some(&body))?;
        Ok(())
    }

    /// Add identities; none of the names may exist yet.
    pub fn add_identities(&self, identities: &BTreeMap<String, Identity>) -> Result<()> {
        self.identities_action("add", json!(identities))
    }

    /// Update existing identities.
    pub fn update_identities(&self, identities: &BTreeMap<String, Identity>) -> Result<()> {
        self.identities_action("update", json!(identities))
    }

    /// Add or update identities; `None` removes the name (if it exists).
    pub fn replace_identities(
        &self,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<()> {
        self.identities_action("replace", json!(identities))
    }

    /// Remove existing identities.
    pub fn remove_identities<S: AsRef<str>>(&self, names: &[S]) -> Result<()> {
        let map: serde_json::Map<String, Value> = names
            .iter()
            .map(|n| (n.as_ref().to_string(), Value::Null))
            .collect();
        self.identities_action("remove", Value::Object(map))
    }
}
