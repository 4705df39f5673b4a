//! routeval's engine: a suite prepared and planned, a run recorded (held by one
//! process, resumed, marked with how it ended) and a run's stored answers re-graded.
//!
//! The engine parses no arguments and prints nothing: what a user should see while it
//! works (datasets skipped, pairs refused, progress, how a run ended) is reported to an
//! [`Observer`], and errors say what kind of failure they are ([`EngineError`]).

pub mod error;
pub mod grade;
pub mod merge;
pub mod models;
pub mod observe;
pub mod plan;
pub mod prepare;
pub mod probe;
pub mod rescore;
pub mod run;
pub mod sweep;

pub use error::{EngineError, EngineResult};
pub use observe::{Event, Observer, Silent};
