//! The allocator, freeing large things on another thread ([`Freeing`]), and handing freed
//! memory back to the kernel at the points where the computation lets go of a large part of
//! what it holds.
//!
//! Polars allocates and frees large buffers all the time; glibc's malloc hands them back to the
//! kernel and faults fresh zeroed pages in again (a third of the summary's time at national
//! scale, BENCHMARKS.md). mimalloc keeps and reuses them — but it keeps a freed span for a
//! second before returning it, and a phase that frees a ledger and builds the next structure
//! within that second holds both. At a million persons that was 120 MB of the summary's peak.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Returns the spans freed so far to the kernel now rather than a second later. Called where
/// something large has just been freed and more is about to be built: where the facts drop
/// each ledger's rows and once they are built, once the payments' texts are categories and
/// their other columns in one chunk, in the audit after the spend and after the judging
/// order, after the 整改台账's last month in full and after its earlier months, before a
/// report computes its own month, and once a report has freed its month's rows, before the
/// ledger edits. It visits the allocator's pages (1–2 % of the summary's CPU in `perf`) and
/// changes nothing the computation holds; what it costs is the pages faulted in again by the
/// next step, so it is not called where that buys no lower peak: after the targets (5 % wall),
/// or after each earlier month of the 整改台账 (14 % CPU, BENCHMARKS.md).
pub fn give_back() {
    // SAFETY: `mi_collect` takes no pointers; it walks the allocator's own free lists and purges
    // the free spans of its arenas (program wide), whichever thread calls it.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Something large being freed on another thread: freeing millions of rows takes seconds at
/// national scale, on one core, and the work after it need not wait.
pub struct Freeing(Option<std::thread::JoinHandle<()>>);

impl Freeing {
    pub fn start<T: Send + 'static>(held: T) -> Freeing {
        Freeing(Some(std::thread::spawn(move || drop(held))))
    }

    /// Returns once it is freed, with the memory handed back to the kernel ([`give_back`]).
    pub fn wait(&mut self) {
        if let Some(thread) = self.0.take() {
            // A panic while freeing can only be the allocator's: nothing to report.
            let _ = thread.join();
            give_back();
        }
    }
}

/// Frees `held` on another thread, not waited for: where nothing after it needs the memory
/// soon (the CLI ends soon after; the server goes on, and the thread still frees it all).
pub fn free_aside<T: Send + 'static>(held: T) {
    drop(Freeing::start(held));
}
