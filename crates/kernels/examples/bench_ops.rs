//! Times single operations of a network on the CPU backend, forward and forward + backward, to
//! see where a training step's time goes (a profiling aid for `scripts/bench-cnn`).
//!
//! Usage: `cargo run --release -p radlsig-kernels --example bench_ops [small|adrenal]
//! [cpu|ndarray|wgpu]` — the layer shapes of the default `small` network on batch 16 of 32³
//! (default), or of `scripts/adrenal-cnn.toml` on batch 32 of 28³. Each line is the mean of 5
//! repetitions after one warm-up; `burn` is Burn's own op, `radlsig` ours. `ndarray` and `wgpu`
//! need the cargo features of those names.
use std::time::Instant;

/// The allocator of the `radlsig` binary (set up the same way in `main`), so the bench times
/// what users run.
#[global_allocator]
static GLOBAL: radlsig_alloc::MiMalloc = radlsig_alloc::MiMalloc;

use burn::module::Module;
use burn::nn::conv::Conv3dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig3d};
use burn::tensor::{Device, Distribution, Tensor};

/// The Burn device (without autodiff) of a backend name, as `--device` of the `radlsig` command
/// spells it.
fn device(name: &str) -> Device {
    match name {
        #[cfg(feature = "flex")]
        "cpu" | "flex" => Device::flex(),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)] // Burn's slower reference backend, kept on purpose.
        "ndarray" => Device::ndarray(),
        #[cfg(feature = "wgpu")]
        "wgpu" | "gpu" => Device::wgpu(Default::default()),
        other => panic!("device {other:?} is not available (cpu, or the ndarray / wgpu features)"),
    }
}

fn time<F: FnMut()>(name: &str, reps: usize, mut f: F) {
    f();
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    println!("{name:<52} {:9.2} ms", 1000.0 * t.elapsed().as_secs_f64() / reps as f64);
}

fn main() {
    radlsig_alloc::keep_freed_memory();
    let network = std::env::args().nth(1).unwrap_or_else(|| "small".into());
    // (c_in, c_out, kernel, stride, input side) of every convolution, and the batch.
    let (batch, convs): (usize, Vec<(usize, usize, usize, usize, usize)>) = match network.as_str() {
        "adrenal" => (
            32,
            vec![
                (1, 16, 3, 1, 28),
                (16, 32, 3, 2, 28),
                (32, 32, 3, 1, 14),
                (16, 32, 1, 2, 28),
                (32, 64, 3, 2, 14),
                (64, 64, 3, 1, 7),
                (32, 64, 1, 2, 14),
                (64, 128, 3, 2, 7),
                (128, 128, 3, 1, 4),
                (64, 128, 1, 2, 7),
            ],
        ),
        _ => (
            16,
            vec![
                (1, 16, 3, 2, 32),
                (16, 32, 3, 2, 16),
                (32, 32, 3, 1, 8),
                (16, 32, 1, 2, 16),
                (32, 64, 3, 2, 8),
                (64, 64, 3, 1, 4),
                (32, 64, 1, 2, 8),
            ],
        ),
    };
    let plain = device(&std::env::args().nth(2).unwrap_or_else(|| "cpu".into()));
    let device = plain.clone().autodiff();
    let reps = 5;
    for &(cin, cout, k, s, n) in &convs {
        let conv = Conv3dConfig::new([cin, cout], [k; 3])
            .with_stride([s; 3])
            .with_padding(PaddingConfig3d::Explicit(k / 2, k / 2, k / 2))
            .with_bias(false)
            .init(&device);
        let x = Tensor::<5>::random([batch, cin, n, n, n], Distribution::Default, &device)
            .require_grad();
        time(&format!("conv {cin}->{cout} k{k} s{s} {n}^3 burn fwd"), reps, || {
            let _ = conv.forward(x.clone()).into_data();
        });
        time(&format!("conv {cin}->{cout} k{k} s{s} {n}^3 burn fwd+bwd"), reps, || {
            let g = conv.forward(x.clone()).sum().backward();
            let _ = conv.weight.grad(&g).map(|t| t.into_data());
        });
        time(&format!("conv {cin}->{cout} k{k} s{s} {n}^3 radlsig fwd"), reps, || {
            let _ = radlsig_kernels::conv3d(x.clone(), conv.weight.val(), s, k / 2).into_data();
        });
        time(&format!("conv {cin}->{cout} k{k} s{s} {n}^3 radlsig fwd+bwd"), reps, || {
            let g =
                radlsig_kernels::conv3d(x.clone(), conv.weight.val(), s, k / 2).sum().backward();
            let _ = conv.weight.grad(&g).map(|t| t.into_data());
        });
        let x_const = x.clone().detach();
        time(
            &format!("conv {cin}->{cout} k{k} s{s} {n}^3 radlsig fwd+bwd (weight only)"),
            reps,
            || {
                let g = radlsig_kernels::conv3d(x_const.clone(), conv.weight.val(), s, k / 2)
                    .sum()
                    .backward();
                let _ = conv.weight.grad(&g).map(|t| t.into_data());
            },
        );
    }
    // Every BatchNorm input: the output of each convolution.
    for &(_, c, _, s, n) in &convs {
        let n = n.div_ceil(s);
        let bn = BatchNormConfig::new(c).init(&device);
        let x =
            Tensor::<5>::random([batch, c, n, n, n], Distribution::Default, &device).require_grad();
        time(&format!("batchnorm {c} {n}^3 burn fwd"), reps, || {
            let _ = bn.forward(x.clone()).into_data();
        });
        time(&format!("batchnorm {c} {n}^3 burn fwd+bwd"), reps, || {
            let g = bn.forward(x.clone()).sum().backward();
            let _ = x.grad(&g).map(|t| t.into_data());
        });
        time(&format!("batchnorm {c} {n}^3 radlsig fwd"), reps, || {
            let _ = radlsig_kernels::batch_norm(&bn, x.clone()).into_data();
        });
        time(&format!("batchnorm {c} {n}^3 radlsig fwd+bwd"), reps, || {
            let g = radlsig_kernels::batch_norm(&bn, x.clone()).sum().backward();
            let _ = x.grad(&g).map(|t| t.into_data());
        });
        let (bn_valid, xv) =
            (bn.valid(), Tensor::<5>::random([batch, c, n, n, n], Distribution::Default, &plain));
        time(&format!("batchnorm {c} {n}^3 inference burn"), reps, || {
            let _ = bn_valid.forward(xv.clone()).into_data();
        });
        time(&format!("batchnorm {c} {n}^3 inference radlsig"), reps, || {
            let _ = radlsig_kernels::batch_norm(&bn_valid, xv.clone()).into_data();
        });
        time(&format!("relu {c} {n}^3 fwd+bwd"), reps, || {
            let g = burn::tensor::activation::relu(x.clone()).sum().backward();
            let _ = x.grad(&g).map(|t| t.into_data());
        });
    }
}
