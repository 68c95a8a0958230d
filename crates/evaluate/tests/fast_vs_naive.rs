//! The fast algorithms against their O(m·n) definitions on random data with and without ties.

use radlsig_evaluate::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// ψ(x, y) = 1 if x > y, ½ if tied, 0 otherwise.
fn psi(x: f64, y: f64) -> f64 {
    if x > y {
        1.0
    } else if x == y {
        0.5
    } else {
        0.0
    }
}

fn random_data(rng: &mut ChaCha8Rng, n: usize, ties: bool) -> (Vec<f64>, Vec<bool>) {
    let mut labels: Vec<bool> = (0..n).map(|_| rng.random_bool(0.4)).collect();
    labels[0] = false;
    labels[1] = false;
    labels[2] = true;
    labels[3] = true;
    let scores = labels
        .iter()
        .map(|&l| {
            let v: f64 = rng.random::<f64>() + if l { 0.3 } else { 0.0 };
            if ties { (v * 6.0).round() } else { v }
        })
        .collect();
    (scores, labels)
}

#[test]
fn auc_and_placements_equal_the_pairwise_definition() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    for trial in 0..40 {
        let n = 4 + trial * 7;
        let (x, y) = random_data(&mut rng, n, trial % 2 == 0);
        let s = Scores::new("random", &x, &y).unwrap();
        let (cases, controls) = (s.oriented_cases(), s.oriented_controls());
        let (m, nn) = (cases.len() as f64, controls.len() as f64);
        let v10: Vec<f64> =
            cases.iter().map(|&a| controls.iter().map(|&b| psi(a, b)).sum::<f64>() / nn).collect();
        let v01: Vec<f64> =
            controls.iter().map(|&b| cases.iter().map(|&a| psi(a, b)).sum::<f64>() / m).collect();
        let naive_auc = v10.iter().sum::<f64>() / m;
        assert!((auc(&s) - naive_auc).abs() < 1e-12, "trial {trial}");
        let p = delong_placements(&s);
        for (a, b) in p.cases.iter().zip(&v10) {
            assert!((a - b).abs() < 1e-14);
        }
        for (a, b) in p.controls.iter().zip(&v01) {
            assert!((a - b).abs() < 1e-14);
        }
        let s10 = v10.iter().map(|v| (v - naive_auc).powi(2)).sum::<f64>() / (m - 1.0);
        let s01 = v01.iter().map(|v| (v - naive_auc).powi(2)).sum::<f64>() / (nn - 1.0);
        assert!((p.variance() - (s10 / m + s01 / nn)).abs() < 1e-14);
        // The trapezoidal area under the ROC points is the same number.
        assert!((roc_curve(&s).trapezoidal_auc() - naive_auc).abs() < 1e-12);
    }
}

#[test]
fn paired_test_equals_the_naive_covariance_formula() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for trial in 0..20 {
        let n = 10 + trial * 11;
        let (x, y) = random_data(&mut rng, n, trial % 3 == 0);
        let z: Vec<f64> = x.iter().map(|v| v * 0.5 + rng.random::<f64>()).collect();
        let (a, b) = (Scores::new("a", &x, &y).unwrap(), Scores::new("b", &z, &y).unwrap());
        let t = roc_test_delong_paired(&a, &b, 0.95).unwrap();
        // Naive: placements by pairs, then the 2×2 covariance matrices.
        let place = |s: &Scores| {
            let (c, k) = (s.oriented_controls(), s.oriented_cases());
            let v10: Vec<f64> = k
                .iter()
                .map(|&p| c.iter().map(|&q| psi(p, q)).sum::<f64>() / c.len() as f64)
                .collect();
            let v01: Vec<f64> = c
                .iter()
                .map(|&q| k.iter().map(|&p| psi(p, q)).sum::<f64>() / k.len() as f64)
                .collect();
            let theta = v10.iter().sum::<f64>() / v10.len() as f64;
            (v10, v01, theta)
        };
        let (ra, rb) = (place(&a), place(&b));
        let cov = |u: &[f64], tu: f64, v: &[f64], tv: f64| {
            u.iter().zip(v).map(|(p, q)| (p - tu) * (q - tv)).sum::<f64>() / (u.len() as f64 - 1.0)
        };
        let (m, n) = (ra.0.len() as f64, ra.1.len() as f64);
        let var = |i: usize| {
            let (u, w) = if i == 0 {
                (&ra, &ra)
            } else if i == 1 {
                (&rb, &rb)
            } else {
                (&ra, &rb)
            };
            cov(&u.0, u.2, &w.0, w.2) / m + cov(&u.1, u.2, &w.1, w.2) / n
        };
        let sd = (var(0) + var(1) - 2.0 * var(2)).sqrt();
        let z_naive = (ra.2 - rb.2) / sd;
        assert!(
            (t.z - z_naive).abs() < 1e-9 * z_naive.abs().max(1.0),
            "trial {trial}: {} vs {z_naive}",
            t.z
        );
        assert!((t.p_value - special::normal_two_sided_p(z_naive)).abs() < 1e-12);
    }
}

#[test]
fn bootstrap_auc_equals_sorting_auc_on_each_resample() {
    // Rebuild replicate 0 by hand: the same ChaCha8 stream draws controls then cases.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (x, y) = random_data(&mut rng, 60, true);
    let s = Scores::new("b", &x, &y).unwrap();
    let cfg = BootstrapConfig { replicates: 5, seed: 99, conf_level: 0.95 };
    let reps = bootstrap_stratified(&s, None, &cfg).unwrap();
    for r in 0..5u64 {
        let mut stream = ChaCha8Rng::seed_from_u64(99);
        stream.set_stream(r);
        let c: Vec<f64> = (0..s.n_controls())
            .map(|_| s.oriented_controls()[stream.random_range(0..s.n_controls())])
            .collect();
        let k: Vec<f64> = (0..s.n_cases())
            .map(|_| s.oriented_cases()[stream.random_range(0..s.n_cases())])
            .collect();
        let naive = k.iter().map(|&a| c.iter().map(|&b| psi(a, b)).sum::<f64>()).sum::<f64>()
            / (c.len() * k.len()) as f64;
        assert!((reps.auc[r as usize] - naive).abs() < 1e-12, "replicate {r}");
    }
}
