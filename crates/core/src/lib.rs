//! Vocabulary of routeval: suite config, datasets, scorer specs, the records a run
//! produces, and the error classes every layer agrees on.
//!
//! This crate reads its inputs from disk and nothing else: no network, no database.
//! Every loading error points at the file, the line and the key that is wrong.

pub mod class;
pub mod config;
pub mod dataset;
pub mod error;
pub mod hash;
pub mod limits;
pub mod locate;
pub mod message;
pub mod policy;
pub mod record;
pub mod redact;
pub mod scorer_spec;
pub mod shard;

pub use class::{ErrorClass, FailureFamily};
pub use config::{Suite, TargetRef, SUITE_SCHEMA};
pub use dataset::{Case, Dataset};
pub use error::LoadError;
pub use message::{Message, ToolCall};
pub use record::{
    AttemptRecord, CaseOutcome, JudgeAttempt, JudgeVerdict, Judging, ResultRecord, ScoreRecord,
};
pub use scorer_spec::ScorerSpec;
pub use shard::Shard;
