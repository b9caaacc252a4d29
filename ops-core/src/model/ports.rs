//! Ports: ops 3's `Unit.set_ports` and `Port`, with port ranges and ICMP.

use super::{ModelError, Unit};
use crate::hooktools::{PortRange, Protocol};
use std::collections::BTreeSet;

/// A port, a port range or ICMP, as `open-port` takes it and `opened-ports` lists it (ops 3:
/// `Port(protocol, port)`, which has no ranges).
///
/// # Examples
///
/// ```
/// use ops_core::model::{Port, Protocol};
///
/// // `open-port 8080/tcp` as Juju's `opened-ports` prints it back.
/// let port = Port { protocol: Protocol::Tcp, from: Some(8080), to: Some(8080) };
/// assert_eq!(port.from, Some(8080));
/// // In a handler: `ctx.unit().open_port("tcp", Some(8080))?`, then `ctx.unit().opened_ports()?`.
/// ```
pub type Port = PortRange;

impl PortRange {
    /// A TCP port (ops: `Port('tcp', port)`, or a bare `int` in `set_ports`).
    pub const fn tcp(port: u16) -> Port {
        PortRange {
            protocol: Protocol::Tcp,
            from: Some(port),
            to: Some(port),
        }
    }

    /// A UDP port.
    pub const fn udp(port: u16) -> Port {
        PortRange {
            protocol: Protocol::Udp,
            from: Some(port),
            to: Some(port),
        }
    }

    /// ICMP (no port; ops: `Port('icmp', None)`).
    pub const fn icmp() -> Port {
        PortRange {
            protocol: Protocol::Icmp,
            from: None,
            to: None,
        }
    }

    /// The ports `from` to `to` (inclusive) of `protocol` (`tcp` or `udp`).
    pub const fn range(protocol: Protocol, from: u16, to: u16) -> Port {
        PortRange {
            protocol,
            from: Some(from),
            to: Some(to),
        }
    }

    /// As Juju spells it on `open-port`'s command line and in `opened-ports`: `80/tcp`,
    /// `8000-8100/udp`, `icmp`.
    pub fn juju_name(&self) -> String {
        match (self.protocol, self.from, self.to) {
            (Protocol::Icmp, _, _) => "icmp".to_string(),
            (p, Some(from), Some(to)) if from != to => format!("{from}-{to}/{p}"),
            (p, Some(port), _) | (p, None, Some(port)) => format!("{port}/{p}"),
            (p, None, None) => p.to_string(),
        }
    }

    /// What Juju would refuse: a TCP/UDP port without a number, port 0, a range whose end is
    /// before its start, ICMP with a port.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |why: &str| Err(ModelError::Invalid(format!("invalid port {self:?}: {why}")));
        match (self.protocol, self.from, self.to) {
            (Protocol::Icmp, None, None) => Ok(()),
            (Protocol::Icmp, _, _) => bad("icmp takes no port"),
            (_, Some(from), Some(to)) if from == 0 || to == 0 => bad("port 0"),
            (_, Some(from), Some(to)) if to < from => bad("the range ends before it starts"),
            (_, Some(_), Some(_)) => Ok(()),
            _ => bad("tcp and udp need a port"),
        }
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.juju_name())
    }
}

impl Unit {
    /// The ports, port ranges and ICMP this unit has opened (`opened-ports`), ranges kept whole.
    pub fn opened_port_ranges(&self) -> Result<BTreeSet<Port>, ModelError> {
        if !self.is_ours() {
            return Err(ModelError::Invalid(format!(
                "cannot list the opened ports of remote unit {}",
                self.name()
            )));
        }
        Ok(self.model_handle().backend().opened_port_ranges()?)
    }

    /// Make `ports` the unit's whole set of open ports (ops 3: `Unit.set_ports`): one
    /// `opened-ports`, then `close-port` for each one open but not wanted and `open-port` for each
    /// one wanted but not open; nothing when they already match. Ranges and ICMP are ports like
    /// any other (a range is closed and opened whole: `8000-8100/tcp`). Every port is checked
    /// first, so a bad one changes nothing.
    pub fn set_ports(&self, ports: impl IntoIterator<Item = Port>) -> Result<(), ModelError> {
        let wanted: BTreeSet<Port> = ports.into_iter().collect();
        for port in &wanted {
            port.validate()?;
        }
        let open = self.opened_port_ranges()?;
        let backend = self.model_handle().backend();
        for port in open.difference(&wanted) {
            backend.close_port_range(port)?;
        }
        for port in wanted.difference(&open) {
            backend.open_port_range(port)?;
        }
        Ok(())
    }
}
