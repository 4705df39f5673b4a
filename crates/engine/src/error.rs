//! What went wrong, said in a way the caller can act on: bad input (nothing sent), a
//! run another process holds (nothing sent), or a failure outside the input.

/// An error of the engine. Each variant carries the whole message chain.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The suite, its datasets or scorers, or what was asked of them is wrong: nothing
    /// was sent.
    #[error(transparent)]
    Input(anyhow::Error),
    /// The run is being run by another live process: nothing was sent.
    #[error(transparent)]
    Held(anyhow::Error),
    /// Something outside the input failed (database, network set-up, the writer); a
    /// run that had started is marked `failed` with the reason and can be resumed.
    #[error(transparent)]
    Failure(anyhow::Error),
}

impl EngineError {
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Self::Input(error.into())
    }

    pub fn failure(error: impl Into<anyhow::Error>) -> Self {
        Self::Failure(error.into())
    }

    /// The message chain, whatever the kind.
    pub fn error(&self) -> &anyhow::Error {
        match self {
            Self::Input(e) | Self::Held(e) | Self::Failure(e) => e,
        }
    }

    pub fn into_error(self) -> anyhow::Error {
        match self {
            Self::Input(e) | Self::Held(e) | Self::Failure(e) => e,
        }
    }
}

impl From<routeval_core::LoadError> for EngineError {
    fn from(e: routeval_core::LoadError) -> Self {
        Self::input(e)
    }
}

impl From<routeval_store::StoreError> for EngineError {
    fn from(e: routeval_store::StoreError) -> Self {
        match e {
            routeval_store::StoreError::NoSuchRun(_) | routeval_store::StoreError::NoRuns => {
                Self::input(e)
            }
            // The database named is missing, a folder, not a database, read-only or of
            // another schema: the user's to fix.
            e if e.is_bad_path() => Self::input(e),
            other => Self::failure(other),
        }
    }
}

pub type EngineResult<T = ()> = Result<T, EngineError>;
