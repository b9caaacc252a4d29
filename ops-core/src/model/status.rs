//! Unit and application statuses.

/// A workload status, as set with `status-set`.
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
///
/// let status = Status::blocked("needs a db relation");
/// assert_eq!((status.name(), status.message()), ("blocked", "needs a db relation"));
/// // Collect-status picks the highest priority: error > blocked > maintenance > waiting > active.
/// let worst = Status::highest_priority([Status::active(""), status.clone(), Status::waiting("db")]);
/// assert_eq!(worst, Some(status));
/// // In a handler: `ctx.unit().set_status(Status::active("ready"))?`.
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// `active`: ready and serving.
    Active(String),
    /// `blocked`: needs a human to act.
    Blocked(String),
    /// `maintenance`: busy with something that does not need a human.
    Maintenance(String),
    /// `waiting`: waiting for something outside the unit.
    Waiting(String),
    /// `unknown`: no status set yet (Juju's initial status).
    Unknown,
    /// `error`: a hook failed (set by Juju, never by a charm).
    Error(String),
}

impl Status {
    /// `active` with a message.
    pub fn active(message: impl Into<String>) -> Self {
        Status::Active(message.into())
    }

    /// `blocked` with a message.
    pub fn blocked(message: impl Into<String>) -> Self {
        Status::Blocked(message.into())
    }

    /// `maintenance` with a message.
    pub fn maintenance(message: impl Into<String>) -> Self {
        Status::Maintenance(message.into())
    }

    /// `waiting` with a message.
    pub fn waiting(message: impl Into<String>) -> Self {
        Status::Waiting(message.into())
    }

    /// Juju's name of the status.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Active(_) => "active",
            Status::Blocked(_) => "blocked",
            Status::Maintenance(_) => "maintenance",
            Status::Waiting(_) => "waiting",
            Status::Unknown => "unknown",
            Status::Error(_) => "error",
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Status::Active(m)
            | Status::Blocked(m)
            | Status::Maintenance(m)
            | Status::Waiting(m)
            | Status::Error(m) => m,
            Status::Unknown => "",
        }
    }

    /// Build from Juju's name and a message (`None` for a name Juju does not define).
    pub fn from_name(name: &str, message: impl Into<String>) -> Option<Self> {
        let m = message.into();
        Some(match name {
            "active" => Status::Active(m),
            "blocked" => Status::Blocked(m),
            "maintenance" => Status::Maintenance(m),
            "waiting" => Status::Waiting(m),
            "unknown" => Status::Unknown,
            "error" => Status::Error(m),
            _ => return None,
        })
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message().is_empty() {
            write!(f, "{}", self.name())
        } else {
            write!(f, "{}: {}", self.name(), self.message())
        }
    }
}

impl Status {
    /// ops' priority of the status when several are collected: error > blocked > maintenance >
    /// waiting > active > unknown.
    pub fn priority(&self) -> u8 {
        match self {
            Status::Error(_) => 5,
            Status::Blocked(_) => 4,
            Status::Maintenance(_) => 3,
            Status::Waiting(_) => 2,
            Status::Active(_) => 1,
            Status::Unknown => 0,
        }
    }

    /// The highest-priority status of `statuses`, the first one of that priority (ops'
    /// `StatusBase._get_highest_priority`); `None` when there is none.
    pub fn highest_priority(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
        let mut best: Option<Status> = None;
        for status in statuses {
            if best
                .as_ref()
                .is_none_or(|b| status.priority() > b.priority())
            {
                best = Some(status);
            }
        }
        best
    }

    /// From what `status-get` reported (a name Juju invents later reads as `unknown`).
    pub fn from_info(info: &crate::hooktools::StatusInfo) -> Self {
        Status::from_name(info.status.as_str(), info.message.clone()).unwrap_or(Status::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn highest_priority_follows_ops_order_and_keeps_the_first_of_a_tie() {
        let all = [
            Status::Unknown,
            Status::active("a"),
            Status::waiting("w"),
            Status::maintenance("m"),
            Status::blocked("b1"),
            Status::blocked("b2"),
        ];
        assert_eq!(
            Status::highest_priority(all.clone()),
            Some(Status::blocked("b1"))
        );
        let mut with_error = all.to_vec();
        with_error.push(Status::Error("e".into()));
        assert_eq!(
            Status::highest_priority(with_error),
            Some(Status::Error("e".into()))
        );
        assert_eq!(
            Status::highest_priority([Status::active("x"), Status::active("y")]),
            Some(Status::active("x"))
        );
        assert_eq!(
            Status::highest_priority([Status::Unknown, Status::waiting("")]),
            Some(Status::waiting(""))
        );
        assert_eq!(Status::highest_priority(Vec::new()), None);
    }
}
