//! Boundary values of the consistency checker's port rule (gaps mutation testing found; see
//! docs/src/reference/test-strength.md): port 0 is never a port, a range may be a single port, and
//! the full range 1–65535 is valid.

mod common;

use common::*;
use ops_core::hooktools::Protocol;
use ops_testing::{Context, Event, Port, Rule, RunError, State};

fn check(port: Port) -> Result<(), String> {
    match Context::<TestCharm>::new().run(Event::install(), State::default().with_opened_port(port))
    {
        Ok(_) => Ok(()),
        Err(RunError::Inconsistent(e)) => {
            assert!(e.breaks(Rule::Port), "only the port rule may break: {e}");
            assert_eq!(e.problems.len(), 1, "{e}");
            Err(e.problems[0].message.clone())
        }
        Err(other) => panic!("expected success or an inconsistent state, got {other}"),
    }
}

#[test]
fn a_range_starting_or_ending_at_0_is_refused() {
    for port in [
        Port::range(Protocol::Tcp, 0, 10),
        Port::range(Protocol::Udp, 0, 0),
        Port::tcp(0),
        Port::udp(0),
    ] {
        let message = check(port).expect_err("port 0 is refused");
        assert!(
            message.contains("is not a valid port or range"),
            "{message}"
        );
        assert!(message.contains(&format!("{port:?}")), "{message}");
    }
}

#[test]
fn single_port_ranges_and_the_full_range_are_valid() {
    for port in [
        Port::range(Protocol::Tcp, 80, 80),
        Port::range(Protocol::Udp, 1, 65535),
        Port::tcp(1),
        Port::udp(65535),
    ] {
        assert_eq!(check(port), Ok(()), "{port:?}");
    }
}

#[test]
fn a_reversed_range_is_refused() {
    assert!(check(Port::range(Protocol::Tcp, 81, 80)).is_err());
}
