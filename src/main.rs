//! `luyu`: see README.md. The commands live in `src/cli/`, one file each.

// The allocator is `luyu::memory`'s (mimalloc), for the library's tests too.

fn main() {
    // Exit quietly when the reader of our output goes away (`luyu audit ... | head`), as
    // command-line tools do, instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // No transparent huge pages for this process: a 2 MB page is zeroed whole when the first byte
    // of it is touched, and the allocator's freed-and-reused spans are touched sparsely, so with
    // THP the kernel spent a third of the summary's CPU zeroing pages (`perf`: clear_page_erms
    // under do_huge_pmd_anonymous_page). Measured at national scale: summary 12.5 → 11.3 s,
    // one 1 M-row ingest 5.1 → 4.1 s (BENCHMARKS.md). Children would inherit it; luyu starts none.
    #[cfg(target_os = "linux")]
    // SAFETY: a prctl with plain integer arguments; it only changes this process's paging.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    std::process::exit(luyu::cli::run());
}
