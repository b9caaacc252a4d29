//! Hook tools: how the runtime talks to Juju.
//!
//! * [`runner`]: the [`ToolRunner`] boundary ([`ProcessRunner`] in production; [`FakeRunner`] and
//!   `ops-testing`'s simulated Juju in tests; [`SearchPathRunner`] for an explicit search path).
//! * [`Backend`]: one method per hook tool with ops 2.1.1's exact argv, parsing, error mapping
//!   ([`HookToolError`]) and caching.

pub mod actions;
pub mod backend;
pub mod clock;
pub mod error;
pub mod fake;
pub mod misc;
pub mod network;
pub mod path_runner;
pub(crate) mod pyfmt;
pub mod relations;
pub mod runner;
pub mod secrets;
pub mod state;
pub mod status;
pub mod storage;
pub(crate) mod yamlfmt;

pub use actions::{format_action_results, is_valid_action_result_key};
pub use backend::{Backend, LEASE_RENEWAL_PERIOD};
pub use clock::{Clock, FakeClock, MonotonicClock};
pub use error::{redact_args, HookToolError, KEPT_CHARS, REDACTED};
pub use fake::{FakeRunner, RecordedCall};
pub use misc::{
    add_metric_args, is_valid_metric_key, juju_log_args, log_split, CloudCredential, CloudSpec,
    GoalState, GoalStateStatus, MetricValue, MAX_LOG_LINE_LEN,
};
pub use network::{
    parse_port_range, InvalidProtocol, NetworkInfo, NetworkInterface, OpenedPort, PortRange,
    Protocol,
};
pub use path_runner::SearchPathRunner;
pub use relations::{RelationData, RemoteModel};
pub use runner::{
    tool_timeout_from_env, ProcessRunner, RunError, ToolOutput, ToolRunner, TOOL_TIMEOUT_ENV,
};
pub use secrets::{
    canonicalize_secret_id, format_rfc3339, is_valid_secret_key, parse_rfc3339,
    validate_secret_content, OffsetDateTime, SecretContent, SecretInfo, SecretOptions, SecretOwner,
    SecretRotate,
};
pub use state::encode_state_set;
pub use status::{StatusInfo, StatusName};
pub use storage::parse_storage_key_from_help;
