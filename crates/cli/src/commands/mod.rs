//! One module per command.

pub mod analyze;
pub mod quickstart;
pub mod run;
pub mod sim;
pub mod validate;
