//! Network tools: `network-get`, `open-port`, `close-port`, `opened-ports`.

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde_json::Value;

use super::backend::{args, argv, relation_not_found, Backend};
use super::error::Result;
use super::pyfmt::py_strip;

/// One address of a bound network interface.
///
/// ops treats every address of an interface as a separate logical interface with the same name;
/// [`NetworkInfo::interfaces`] holds them that way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkInterface {
    /// The interface name (`interface-name`; may be empty).
    pub name: String,
    /// The address: `value` (Juju >= 2.9) or else the legacy `address` field; `None` when empty.
    pub address: Option<String>,
    /// The `cidr` field; `None` when empty (LP: #1864102).
    pub cidr: Option<String>,
}

impl NetworkInterface {
    /// The subnet as ops computes it: the CIDR if given, else the address as a single-host network
    /// (`/32` or `/128`), else `None` (also when a CIDR-less address is not an IP address).
    pub fn subnet(&self) -> Option<String> {
        if let Some(cidr) = &self.cidr {
            return Some(cidr.clone());
        }
        let address = self.address.as_deref()?;
        match address.parse::<IpAddr>().ok()? {
            IpAddr::V4(_) => Some(format!("{address}/32")),
            IpAddr::V6(_) => Some(format!("{address}/128")),
        }
    }
}

/// The answer of `network-get` for a binding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkInfo {
    /// One entry per address of each `bind-addresses[]` interface, in order.
    pub interfaces: Vec<NetworkInterface>,
    /// `ingress-addresses`: the addresses other units should use to reach this one.
    pub ingress_addresses: Vec<String>,
    /// `egress-subnets`: the subnets other units will see this one connect from.
    pub egress_subnets: Vec<String>,
}

impl NetworkInfo {
    /// The address to bind to: the first interface's address (ops: `Network.bind_address`).
    pub fn bind_address(&self) -> Option<&str> {
        self.interfaces.first().and_then(|i| i.address.as_deref())
    }

    /// The address to be reached at: the first ingress address (ops: `Network.ingress_address`).
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses.first().map(String::as_str)
    }

    /// Parses a decoded `network-get --format=json` answer as ops' `Network` does (missing lists
    /// are empty; interfaces without `addresses` are skipped).
    pub fn from_json(v: &Value) -> std::result::Result<Self, String> {
        let obj = v.as_object().ok_or("expected a JSON object")?;
        let mut info = NetworkInfo::default();
        for iface in list(obj.get("bind-addresses"), "bind-addresses")? {
            let name = opt_str(iface.get("interface-name"), "interface-name")?.unwrap_or_default();
            let Some(addresses) = iface.get("addresses").filter(|a| !a.is_null()) else {
                continue;
            };
            for addr in list(Some(addresses), "addresses")? {
                let address = match opt_str(addr.get("value"), "value")? {
                    Some(value) => Some(value),
                    None => opt_str(addr.get("address"), "address")?,
                };
                info.interfaces.push(NetworkInterface {
                    name: name.clone(),
                    address: address.filter(|a| !a.is_empty()),
                    cidr: opt_str(addr.get("cidr"), "cidr")?.filter(|c| !c.is_empty()),
                });
            }
        }
        for addr in list(obj.get("ingress-addresses"), "ingress-addresses")? {
            info.ingress_addresses.push(
                addr.as_str()
                    .ok_or("ingress-addresses must be strings")?
                    .to_string(),
            );
        }
        for subnet in list(obj.get("egress-subnets"), "egress-subnets")? {
            info.egress_subnets.push(
                subnet
                    .as_str()
                    .ok_or("egress-subnets must be strings")?
                    .to_string(),
            );
        }
        Ok(info)
    }
}

fn list<'a>(v: Option<&'a Value>, what: &str) -> std::result::Result<&'a [Value], String> {
    match v {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("{what} must be a list, got {other}")),
    }
}

fn opt_str(v: Option<&Value>, what: &str) -> std::result::Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{what} must be a string, got {other}")),
    }
}

/// An IP protocol for `open-port`/`close-port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// `tcp`
    Tcp,
    /// `udp`
    Udp,
    /// `icmp` (no port)
    Icmp,
}

impl Protocol {
    /// The protocol as Juju spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protocol name that is not `tcp`, `udp` or `icmp`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid protocol {0:?}: expected tcp, udp or icmp")]
pub struct InvalidProtocol(pub String);

impl FromStr for Protocol {
    type Err = InvalidProtocol;

    /// Parses `tcp`, `udp` or `icmp`, case-insensitively (ops' `Unit.open_port` lower-cases).
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            "icmp" => Ok(Protocol::Icmp),
            _ => Err(InvalidProtocol(s.to_string())),
        }
    }
}

/// A port opened by this unit (ops: `OpenedPort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpenedPort {
    /// The protocol.
    pub protocol: Protocol,
    /// The port number (`None` for ICMP; the first port of a range).
    pub port: Option<u16>,
}

/// A line of `opened-ports` output parsed in full: a protocol with a port or port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    /// The protocol.
    pub protocol: Protocol,
    /// First port (`None` for ICMP).
    pub from: Option<u16>,
    /// Last port (equal to `from` for a single port; `None` for ICMP).
    pub to: Option<u16>,
}

/// Parses one `opened-ports` line (`icmp`, `80/tcp`, `8000-8100/udp`); `None` when the protocol
/// or the numbers are not understood.
pub fn parse_port_range(line: &str) -> Option<PortRange> {
    if line == "icmp" {
        return Some(PortRange {
            protocol: Protocol::Icmp,
            from: None,
            to: None,
        });
    }
    let (range, protocol) = line.split_once('/')?;
    let protocol = match protocol {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        _ => return None,
    };
    let (from, to) = match range.split_once('-') {
        Some((from, to)) => (from, to),
        None => (range, range),
    };
    Some(PortRange {
        protocol,
        from: Some(py_strip(from).parse().ok()?),
        to: Some(py_strip(to).parse().ok()?),
    })
}

/// ops' `_parse_opened_port`: `icmp`; `N/tcp|udp` → port N; `A-B/proto` → warning
/// `Ignoring opened-ports port range: …` and port A; another protocol → warning
/// `Unexpected opened-ports protocol: …` and `Ok(None)`. A port that is not a number is an error.
fn parse_opened_port(line: &str) -> std::result::Result<Option<OpenedPort>, String> {
    if line == "icmp" {
        return Ok(Some(OpenedPort {
            protocol: Protocol::Icmp,
            port: None,
        }));
    }
    let (range, protocol) = match line.split_once('/') {
        Some((range, protocol @ ("tcp" | "udp"))) => (range, protocol),
        _ => {
            log::warn!("Unexpected opened-ports protocol: {line}");
            return Ok(None);
        }
    };
    let protocol = if protocol == "tcp" {
        Protocol::Tcp
    } else {
        Protocol::Udp
    };
    let port = match range.split_once('-') {
        Some((first, _)) => {
            log::warn!("Ignoring opened-ports port range: {line}");
            first
        }
        None => range,
    };
    let port: u16 = py_strip(port)
        .parse()
        .map_err(|_| format!("invalid port {port:?} in opened-ports line {line:?}"))?;
    Ok(Some(OpenedPort {
        protocol,
        port: Some(port),
    }))
}

fn port_arg(protocol: &str, port: Option<u16>) -> String {
    match port {
        Some(port) => format!("{port}/{protocol}"),
        None => protocol.to_string(),
    }
}

impl Backend {
    /// Network information for `binding` (a relation endpoint or extra binding), optionally for
    /// relation `relation_id` (`network-get <binding> [-r <id>] --format=json`).
    /// `relation not found` → [`HookToolError::RelationNotFound`](super::HookToolError::RelationNotFound).
    pub fn network_get(&self, binding: &str, relation_id: Option<i64>) -> Result<NetworkInfo> {
        let mut args = argv![binding];
        if let Some(id) = relation_id {
            args.extend(argv!["-r", id.to_string()]);
        }
        self.call_json("network-get", args, |v| NetworkInfo::from_json(&v))
            .map_err(|e| relation_not_found(e, relation_id))
    }

    /// Opens a port (`open-port <port>/<protocol>`, or `open-port <protocol>` without a port).
    /// The protocol is passed as given (ops' `Unit.open_port` lower-cases it first); Juju rejects
    /// protocols other than `tcp`, `udp` and `icmp`.
    pub fn open_port(&self, protocol: &str, port: Option<u16>) -> Result<()> {
        self.call("open-port", &args![port_arg(protocol, port)], None)
            .map(drop)
    }

    /// Closes a port (`close-port <port>/<protocol>`, or `close-port <protocol>`).
    pub fn close_port(&self, protocol: &str, port: Option<u16>) -> Result<()> {
        self.call("close-port", &args![port_arg(protocol, port)], None)
            .map(drop)
    }

    /// The ports this unit has opened (`opened-ports`, text output), parsed as ops does: ranges
    /// give their first port with a warning, unknown protocols are skipped with a warning (both
    /// through the `log` crate). The ports are sorted and unique (ops returns a set).
    pub fn opened_ports(&self) -> Result<Vec<OpenedPort>> {
        let args: Vec<String> = Vec::new();
        let output = self.call_text("opened-ports", &args, None)?;
        let mut ports = BTreeSet::new();
        for line in output.lines() {
            let line = py_strip(line);
            if line.is_empty() {
                continue;
            }
            match parse_opened_port(line) {
                Ok(Some(port)) => {
                    ports.insert(port);
                }
                Ok(None) => {}
                Err(message) => {
                    return Err(super::HookToolError::parse(
                        "opened-ports",
                        &args,
                        &output,
                        message,
                    ))
                }
            }
        }
        Ok(ports.into_iter().collect())
    }

    /// Opens a port, a port range or ICMP (`open-port 80/tcp`, `open-port 8000-8100/udp`,
    /// `open-port icmp`).
    pub fn open_port_range(&self, port: &PortRange) -> Result<()> {
        self.call("open-port", &args![port.juju_name()], None)
            .map(drop)
    }

    /// Closes a port, a port range or ICMP (`close-port`, as [`Backend::open_port_range`]).
    pub fn close_port_range(&self, port: &PortRange) -> Result<()> {
        self.call("close-port", &args![port.juju_name()], None)
            .map(drop)
    }

    /// The port ranges this unit has opened (`opened-ports`), with ranges kept whole; lines
    /// that are not understood are skipped with a warning.
    pub fn opened_port_ranges(&self) -> Result<BTreeSet<PortRange>> {
        let output = self.call_text("opened-ports", &[], None)?;
        let mut ranges = BTreeSet::new();
        for line in output.lines().map(py_strip).filter(|l| !l.is_empty()) {
            match parse_port_range(line) {
                Some(range) => {
                    ranges.insert(range);
                }
                None => log::warn!("Unexpected opened-ports line: {line}"),
            }
        }
        Ok(ranges)
    }
}
