//! In-memory timing of the extractor for `scripts/bench-extract.sh` (not a test: ignored, and
//! it asserts nothing about speed). For each case of `pyradiomics-data/testCases.csv`, the
//! image and mask are read once, then `Extractor::extract_volumes` with PyRadiomics' default
//! settings (all seven classes) is timed on one thread, best of `REPEAT` (default 5) runs.
//!
//! `cargo test --release -p radlsig-radiomics --test bench_extract -- --ignored --nocapture`

use radlsig_radiomics::{ExtractionSettings, Extractor};
use radlsig_volume::read_volume;

#[test]
#[ignore = "benchmark, run by scripts/bench-extract.sh"]
fn bench_in_memory() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let repeat: usize = std::env::var("REPEAT").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let extractor = Extractor::new(ExtractionSettings::default()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let manifest = std::fs::read_to_string(dir.join("testCases.csv")).unwrap();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let (case, image, mask) = (cells[0], dir.join(cells[1]), dir.join(cells[2]));
        let t = std::time::Instant::now();
        let (image, labels) = (read_volume(&image).unwrap(), read_volume(&mask).unwrap());
        let read = t.elapsed().as_secs_f64();
        let best = (0..repeat)
            .map(|_| {
                let t = std::time::Instant::now();
                pool.install(|| extractor.extract_volumes(&image, &labels)).unwrap();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        println!("radlsig-in-memory {case} {best:.6} read {read:.6}");
    }
}
