//! The memory allocator of radlsig's binaries (the `radlsig` command and the CNN benches).
//!
//! A training step of the 3D CNN allocates and frees buffers the size of a layer's activations
//! (megabytes) every layer and step. glibc's malloc hands such blocks back to the kernel and
//! page-faults them in again; so does mimalloc, more lazily, when it "purges" memory that has
//! been free for a while (1 s by default in mimalloc 3). Either way the kernel clears every page
//! again (`clear_page_erms` was 14 % of a training step in `perf`). A binary declares
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: radlsig_alloc::MiMalloc = radlsig_alloc::MiMalloc;
//! ```
//!
//! and calls [`keep_freed_memory`] first thing in `main`: freed memory then stays mapped for
//! reuse, and the process keeps its peak footprint until it exits (what a CLI run wants).
//! Measured with `scripts/bench-cnn` (2 threads, small network): 44–54 → 26–32 ms per training
//! step, 6.4–9.2 → 4.7–5.6 ms per embedding batch.

pub use mimalloc::MiMalloc;

/// mimalloc 3's option index of `mi_option_purge_delay` (`include/mimalloc.h`; the Rust
/// bindings do not name it). [`tests::purge_delay_is_option_15`] checks it against the default.
const MI_OPTION_PURGE_DELAY: i32 = 15;

unsafe extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
    fn mi_option_get(option: i32) -> std::ffi::c_long;
}

/// Tells mimalloc never to return freed memory to the operating system (purge delay −1),
/// unless the `MIMALLOC_PURGE_DELAY` environment variable chooses otherwise.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's integer options; mimalloc reads it atomically.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
}

/// mimalloc's current purge delay in milliseconds (−1: never).
pub fn purge_delay() -> i64 {
    // SAFETY: reads one of mimalloc's integer options.
    unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_is_option_15() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return; // The environment chose a value; the default cannot be checked.
        }
        // mimalloc 3's documented default; another value means the index moved.
        assert_eq!(purge_delay(), 1000, "option {MI_OPTION_PURGE_DELAY} is not the purge delay");
        keep_freed_memory();
        assert_eq!(purge_delay(), -1);
    }
}
