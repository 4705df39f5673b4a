//! The migrations are compiled in (`open.rs`, `include_dir!`), which tracks the files it
//! read but not the folders: a migration added since the last build must rebuild too.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
