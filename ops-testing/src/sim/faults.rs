//! [`ToolFault`]: make a hook tool of the simulated Juju fail, or print chosen output, so that a
//! test can drive a charm down its error paths.
//!
//! The fault sits at the hook-tool boundary: the charm's production
//! [`Backend`](ops_core::hooktools::Backend) runs its usual argv and parses what the fault prints
//! exactly as it parses what Juju prints, so the handler sees the typed error a deployment would
//! give it (`ModelError::HookTool` holding `HookToolError::Failed`, `Parse`, `RelationNotFound`
//! or `SecretNotFound`).

use super::tools;

/// Why a [`ToolFault`] cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ToolFaultError {
    /// Juju has no hook tool of that name.
    #[error("`{name}` is not a Juju hook tool{}", suggestion_text(.suggestion))]
    UnknownTool {
        /// The name given.
        name: String,
        /// The closest tool name, if one is close.
        suggestion: Option<&'static str>,
    },
    /// An exit code a failing hook tool cannot have (it must be 1 to 255: 0 is success).
    #[error(
        "exit code {0} is not a failure a process can report (use 1 to 255; 2 is a usage error)"
    )]
    ExitCode(i32),
    /// A fault that would never apply (`times(0)`).
    #[error("a fault for `{0}` limited to 0 calls would never apply")]
    NeverApplies(String),
}

fn suggestion_text(s: &Option<&'static str>) -> String {
    match s {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => String::new(),
    }
}

/// What a matching call does instead of running the tool.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Exit with `code` (1..=255) printing `stderr` (and `stdout`).
    Fail {
        code: i32,
        stdout: String,
        stderr: String,
    },
    /// Exit 0 printing `stdout` (and `stderr`, e.g. a warning).
    Print { stdout: String, stderr: String },
}

/// A hook tool made to fail or to print chosen output, for the calls that match.
///
/// ```
/// use ops_testing::sim::ToolFault;
/// # fn main() -> Result<(), ops_testing::sim::ToolFaultError> {
/// // `network-get db` fails once, as it does for an endpoint with no bound space...
/// let unbound =
///     ToolFault::fail("network-get", 1, "ERROR no network config found for binding \"db\"\n")?
///         .with_args(["db"])
///         .times(1);
/// // ...and `opened-ports` prints a line ops cannot read.
/// let garbage = ToolFault::print("opened-ports", "eighty/tcp\n")?;
/// assert!(ToolFault::fail("netwrok-get", 1, "").is_err()); // "did you mean `network-get`?"
/// # let _ = (unbound, garbage);
/// # Ok(())
/// # }
/// ```
///
/// A call matches when its tool is the fault's and, if [`ToolFault::with_args`] was given,
/// those arguments appear among the call's, in that order (`["-r", "3"]` matches `relation-get
/// -r 3 - db/0 --format=json`). A matching call does not run: nothing it would have written is
/// written. Faults are tried in the order they were added; each applies to every matching call
/// unless limited with [`ToolFault::times`], after which later calls run normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolFault {
    tool: &'static str,
    args: Vec<String>,
    remaining: Option<u32>,
    outcome: Outcome,
}

fn tool_name(name: &str) -> Result<&'static str, ToolFaultError> {
    if let Some(t) = tools::find(name) {
        return Ok(t.name);
    }
    let suggestion = tools::TOOLS
        .iter()
        .map(|t| (strsim::osa_distance(name, t.name), t.name))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| n);
    Err(ToolFaultError::UnknownTool {
        name: name.to_string(),
        suggestion,
    })
}

impl ToolFault {
    /// `tool` exits with `code` (1 to 255) printing `stderr`, as Juju prints errors (`ERROR
    /// <message>\n`).
    pub fn fail(tool: &str, code: i32, stderr: impl Into<String>) -> Result<Self, ToolFaultError> {
        let tool = tool_name(tool)?;
        if !(1..=255).contains(&code) {
            return Err(ToolFaultError::ExitCode(code));
        }
        Ok(ToolFault {
            tool,
            args: Vec::new(),
            remaining: None,
            outcome: Outcome::Fail {
                code,
                stdout: String::new(),
                stderr: stderr.into(),
            },
        })
    }

    /// `tool` succeeds printing `stdout` (malformed output, an unexpected value...).
    pub fn print(tool: &str, stdout: impl Into<String>) -> Result<Self, ToolFaultError> {
        Ok(ToolFault {
            tool: tool_name(tool)?,
            args: Vec::new(),
            remaining: None,
            outcome: Outcome::Print {
                stdout: stdout.into(),
                stderr: String::new(),
            },
        })
    }

    /// Also print `stderr` (with [`ToolFault::print`]: a warning on a successful call; with
    /// [`ToolFault::fail`]: replaces the message).
    pub fn with_stderr(mut self, text: impl Into<String>) -> Self {
        match &mut self.outcome {
            Outcome::Fail { stderr, .. } | Outcome::Print { stderr, .. } => *stderr = text.into(),
        }
        self
    }

    /// Also print `stdout` on a failing call.
    pub fn with_stdout(mut self, text: impl Into<String>) -> Self {
        match &mut self.outcome {
            Outcome::Fail { stdout, .. } | Outcome::Print { stdout, .. } => *stdout = text.into(),
        }
        self
    }

    /// Only for calls whose arguments include `args`, in this order.
    pub fn with_args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Only for the next `n` matching calls (default: all of them).
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }

    /// The hook tool.
    pub fn tool(&self) -> &'static str {
        self.tool
    }

    /// How many more calls it applies to (`None`: every call).
    pub fn remaining(&self) -> Option<u32> {
        self.remaining
    }

    /// Checks what cannot be checked while building: a fault limited to no call at all.
    pub(crate) fn validate(&self) -> Result<(), ToolFaultError> {
        if self.remaining == Some(0) {
            return Err(ToolFaultError::NeverApplies(self.tool.to_string()));
        }
        Ok(())
    }

    fn matches(&self, tool: &str, args: &[String]) -> bool {
        if tool != self.tool || self.remaining == Some(0) {
            return false;
        }
        let mut rest = args.iter();
        self.args.iter().all(|want| rest.any(|a| a == want))
    }

    /// The output of a call matching one of `faults` (using one of its calls), if any.
    pub(crate) fn apply(
        faults: &mut Vec<ToolFault>,
        tool: &str,
        args: &[String],
    ) -> Option<(i32, String, String)> {
        let index = faults.iter().position(|f| f.matches(tool, args))?;
        let fault = &mut faults[index];
        let out = match &fault.outcome {
            Outcome::Fail {
                code,
                stdout,
                stderr,
            } => (*code, stdout.clone(), stderr.clone()),
            Outcome::Print { stdout, stderr } => (0, stdout.clone(), stderr.clone()),
        };
        if let Some(n) = &mut fault.remaining {
            *n -= 1;
            if *n == 0 {
                faults.remove(index);
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_tools_get_the_closest_name() {
        let err = ToolFault::fail("netwrok-get", 1, "x").expect_err("misspelt");
        assert_eq!(
            err.to_string(),
            "`netwrok-get` is not a Juju hook tool (did you mean `network-get`?)"
        );
        let err = ToolFault::print("frobnicate-everything", "").expect_err("unknown");
        assert_eq!(
            err,
            ToolFaultError::UnknownTool {
                name: "frobnicate-everything".into(),
                suggestion: None
            }
        );
    }

    #[test]
    fn exit_codes_must_be_failures() {
        for code in [0, -1, 256] {
            assert_eq!(
                ToolFault::fail("status-get", code, ""),
                Err(ToolFaultError::ExitCode(code))
            );
        }
        assert!(ToolFault::fail("status-get", 2, "").is_ok());
    }

    #[test]
    fn args_match_in_order_and_counts_run_out() -> Result<(), ToolFaultError> {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut faults = vec![ToolFault::fail("relation-get", 1, "ERROR gone\n")?
            .with_args(["-r", "3"])
            .times(1)];
        assert!(ToolFault::apply(&mut faults, "relation-get", &args(&["-r", "4"])).is_none());
        assert!(ToolFault::apply(&mut faults, "relation-get", &args(&["3", "-r"])).is_none());
        assert_eq!(
            ToolFault::apply(&mut faults, "relation-get", &args(&["-r", "3", "-"])),
            Some((1, String::new(), "ERROR gone\n".into()))
        );
        assert!(faults.is_empty());
        assert!(ToolFault::apply(&mut faults, "relation-get", &args(&["-r", "3"])).is_none());
        Ok(())
    }
}
