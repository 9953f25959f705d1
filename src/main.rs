//! `luyu`: see README.md. The commands live in `src/cli/`, one file each.

// Polars allocates and frees large buffers all the time; glibc's malloc hands them back to the
// kernel and faults fresh zeroed pages in again (a third of the summary's time at national scale,
// BENCHMARKS.md). mimalloc keeps and reuses them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
