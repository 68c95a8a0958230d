//! Times reading a volume: `cargo run --release -p radlsig-volume --example read_bench -- FILE [N]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = &args[1];
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut best = f64::MAX;
    for _ in 0..n {
        let t = std::time::Instant::now();
        let v = radlsig_volume::read_volume(path).expect("readable volume");
        best = best.min(t.elapsed().as_secs_f64());
        std::hint::black_box(v);
    }
    println!("{path}: best of {n}: {:.1} ms", best * 1e3);
}
