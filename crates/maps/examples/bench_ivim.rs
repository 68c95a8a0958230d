//! Benchmark of the voxel-wise IVIM fit (`scripts/bench-ivim.py` runs it beside DIPY).
//!
//! Usage: `bench_ivim SIGNALS.f64 N_B B_VALUES(comma-separated) THRESHOLD` — the file holds
//! little-endian f64 signals, voxel-major. Prints: seconds of the full fit, voxels, fitted
//! voxels, and the median (S0, f, D*, D).

use std::time::Instant;

use radlsig_maps::{IvimMethod, IvimProtocol, ivim_voxels};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("signals");
    let signals: Vec<f64> =
        bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    let b: Vec<f64> = args[2].split(',').map(|v| v.parse().unwrap()).collect();
    let threshold: f64 = args[3].parse().unwrap();
    let protocol = IvimProtocol::new(&b, threshold, &args[1]).unwrap();
    let start = Instant::now();
    let fits = ivim_voxels(&protocol, &signals, IvimMethod::Full);
    let secs = start.elapsed().as_secs_f64();
    let ok: Vec<_> = fits.iter().flatten().collect();
    let median = |f: &dyn Fn(&radlsig_maps::IvimFit) -> f64| {
        let mut v: Vec<f64> = ok.iter().map(|x| f(x)).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{secs:.3} {} {} {:.1} {:.4} {:.5} {:.6}",
        fits.len(),
        ok.len(),
        median(&|x| x.s0),
        median(&|x| x.f),
        median(&|x| x.d_star),
        median(&|x| x.d)
    );
}
