//! A closed-form phantom: voxels with known ADC / IVIM parameters, Rician noise at SNR 100
//! (σ = S₀/100 on each of the real and imaginary channels, the magnitude kept), seeded. The
//! median over the voxels of each fitted parameter is within 1 % of the truth.

use radlsig_maps::{IvimFit, IvimProtocol, adc_log_linear, adc_nonlinear, ivim_full};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

const B: [f64; 10] = [0.0, 10.0, 20.0, 40.0, 80.0, 150.0, 300.0, 500.0, 800.0, 1000.0];

fn rician(rng: &mut ChaCha8Rng, s: f64, sigma: f64) -> f64 {
    let n = Normal::new(0.0, sigma).unwrap();
    ((s + n.sample(rng)).powi(2) + n.sample(rng).powi(2)).sqrt()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

fn within(what: &str, got: f64, want: f64, tol: f64) {
    let rel = (got - want).abs() / want;
    assert!(rel < tol, "{what}: median {got} vs truth {want} ({:.2} %)", 100.0 * rel);
}

#[test]
fn adc_is_recovered_at_snr_100() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let b = [0.0, 100.0, 400.0, 800.0, 1000.0];
    let (s0, adc): (f64, f64) = (1000.0, 1.2e-3);
    let (mut lin, mut nl) = (Vec::new(), Vec::new());
    for _ in 0..4000 {
        let s: Vec<f64> =
            b.iter().map(|&x| rician(&mut rng, s0 * (-x * adc).exp(), s0 / 100.0)).collect();
        lin.push(adc_log_linear(&b, &s).unwrap().adc);
        nl.push(adc_nonlinear(&b, &s).unwrap().adc);
    }
    within("log-linear ADC", median(lin), adc, 0.01);
    within("non-linear ADC", median(nl), adc, 0.01);
}

#[test]
fn ivim_is_recovered_at_snr_100() {
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let truth = IvimFit { s0: 1000.0, f: 0.2, d_star: 0.02, d: 1.0e-3, rmse: 0.0 };
    let p = IvimProtocol::new(&B, 200.0, "phantom").unwrap();
    let mut fits = Vec::new();
    for _ in 0..4000 {
        let s: Vec<f64> =
            B.iter().map(|&b| rician(&mut rng, truth.signal(b), truth.s0 / 100.0)).collect();
        fits.push(ivim_full(&p, &s).unwrap());
    }
    within("S0", median(fits.iter().map(|f| f.s0).collect()), truth.s0, 0.01);
    within("f", median(fits.iter().map(|f| f.f).collect()), truth.f, 0.01);
    within("D", median(fits.iter().map(|f| f.d).collect()), truth.d, 0.01);
    within("D*", median(fits.iter().map(|f| f.d_star).collect()), truth.d_star, 0.01);
    // The residual is the noise: RMS ≈ σ (Rician noise of a bright signal ≈ Gaussian), less
    // the 4 fitted degrees of freedom of 10.
    let rmse = median(fits.iter().map(|f| f.rmse).collect());
    assert!(rmse > 5.0 && rmse < 10.0, "median RMS residual {rmse}");
}

#[test]
fn t1_is_recovered_at_snr_100() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let (m0, t1, tr): (f64, f64, f64) = (1500.0, 1100.0, 15.0);
    let angles = [2.0f64, 5.0, 10.0, 15.0, 20.0];
    let spgr = |a: f64| {
        let (sa, ca) = a.to_radians().sin_cos();
        let e = (-tr / t1).exp();
        m0 * sa * (1.0 - e) / (1.0 - e * ca)
    };
    // SNR 100 relative to the brightest image.
    let sigma = angles.iter().map(|&a| spgr(a)).fold(0.0, f64::max) / 100.0;
    let mut vfa = Vec::new();
    for _ in 0..4000 {
        let s: Vec<f64> = angles.iter().map(|&a| rician(&mut rng, spgr(a), sigma)).collect();
        vfa.push(radlsig_maps::t1_vfa(&angles, &s, tr).unwrap().t1);
    }
    within("VFA T1", median(vfa), t1, 0.01);
    let ti = [50.0, 150.0, 400.0, 800.0, 1500.0, 3000.0];
    let mut ir = Vec::new();
    for _ in 0..4000 {
        let s: Vec<f64> = ti
            .iter()
            .map(|t: &f64| rician(&mut rng, (m0 * (1.0 - 2.0 * (-t / t1).exp())).abs(), m0 / 100.0))
            .collect();
        ir.push(radlsig_maps::t1_inversion_recovery(&ti, &s, 10.0, 5000.0).unwrap().t1);
    }
    within("inversion-recovery T1", median(ir), t1, 0.01);
}
