//! Exit codes, defined once. Scripts and CI gate on them.

use std::process::ExitCode;

/// Everything went as asked.
pub const SUCCESS: u8 = 0;
/// A gate failed: a regression, a threshold not met.
pub const GATE_FAILED: u8 = 1;
/// Bad usage, config or input: nothing was sent.
pub const BAD_INPUT: u8 = 2;
/// Something outside the input failed (database, network set-up); a run that had
/// started is marked `failed` with the reason and can be resumed.
pub const FAILURE: u8 = 3;
/// A run stopped before its end (Ctrl-C): resumable with `--resume RUN`.
pub const INTERRUPTED: u8 = 4;
/// A run stopped at its budget: resumable with `--resume RUN --budget X`.
pub const BUDGET_EXHAUSTED: u8 = 5;

/// An error at the CLI edge, with the exit code it means.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub error: anyhow::Error,
}

impl CliError {
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: BAD_INPUT,
            error: error.into(),
        }
    }

    pub fn failure(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: FAILURE,
            error: error.into(),
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}

/// Loading and database errors are sorted the way the engine sorts them (see
/// `EngineError`'s conversions), so the two never disagree on an exit code.
impl From<routeval_core::LoadError> for CliError {
    fn from(e: routeval_core::LoadError) -> Self {
        routeval_engine::EngineError::from(e).into()
    }
}

impl From<routeval_store::StoreError> for CliError {
    fn from(e: routeval_store::StoreError) -> Self {
        routeval_engine::EngineError::from(e).into()
    }
}

/// The engine says what kind of error it is: bad input and a run another process holds
/// sent nothing (2); anything else is a failure (3).
impl From<routeval_engine::EngineError> for CliError {
    fn from(e: routeval_engine::EngineError) -> Self {
        use routeval_engine::EngineError;
        match e {
            EngineError::Input(e) | EngineError::Held(e) => Self::input(e),
            EngineError::Failure(e) => Self::failure(e),
        }
    }
}

impl From<routeval_analysis::AnalysisError> for CliError {
    fn from(e: routeval_analysis::AnalysisError) -> Self {
        match e {
            routeval_analysis::AnalysisError::Store(s) => s.into(),
            e @ routeval_analysis::AnalysisError::Input(_) => Self::input(e),
            other => Self::failure(other),
        }
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
