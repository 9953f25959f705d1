//! `luyu`: see README.md. The commands live in `src/cli/`, one file each.

fn main() {
    // Exit quietly when the reader of our output goes away (`luyu audit ... | head`), as
    // command-line tools do, instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(luyu::cli::run());
}
