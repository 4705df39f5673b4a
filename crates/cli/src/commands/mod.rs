//! One module per command.

pub mod analyze;
pub mod chains;
pub mod compare;
pub mod export;
pub mod grade;
pub mod history;
pub mod init;
pub mod merge;
pub mod models;
pub mod probe;
pub mod quickstart;
pub mod rescore;
pub mod run;
pub mod sim;
pub mod status;
pub mod validate;
