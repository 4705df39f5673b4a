fn main() -> std::process::ExitCode {
    routeval_cli::main()
}
