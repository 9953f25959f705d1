//! `luyu`: see README.md. The commands live in `src/cli/`, one file each.

fn main() {
    std::process::exit(luyu::cli::run());
}
