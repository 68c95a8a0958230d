//! Times single operations of the default network on the CPU backend, forward and backward,
//! to see where a training step's time goes (a profiling aid for `scripts/bench-cnn`).
use std::time::Instant;

use burn::module::Module;
use burn::nn::conv::Conv3dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig3d};
use burn::tensor::{Device, Distribution, Tensor};

fn time<F: FnMut()>(name: &str, reps: usize, mut f: F) {
    f();
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    println!("{name:<48} {:8.2} ms", 1000.0 * t.elapsed().as_secs_f64() / reps as f64);
}

fn main() {
    let device = Device::flex().autodiff();
    let reps = 5;
    for (cin, cout, k, s, n) in [
        (1, 16, 3, 2, 32),
        (16, 32, 3, 2, 16),
        (32, 32, 3, 1, 8),
        (16, 32, 1, 2, 16),
        (32, 64, 3, 2, 8),
        (64, 64, 3, 1, 4),
    ] {
        let conv = Conv3dConfig::new([cin, cout], [k; 3])
            .with_stride([s; 3])
            .with_padding(PaddingConfig3d::Explicit(k / 2, k / 2, k / 2))
            .with_bias(false)
            .init(&device);
        let x =
            Tensor::<5>::random([16, cin, n, n, n], Distribution::Default, &device).require_grad();
        time(&format!("conv {cin}->{cout} k{k} s{s} {n}^3 fwd"), reps, || {
            let y = conv.forward(x.clone());
            let _ = y.into_data();
        });
        time(&format!("conv {cin}->{cout} k{k} s{s} {n}^3 fwd+bwd"), reps, || {
            let y = conv.forward(x.clone());
            let g = y.sum().backward();
            let _ = conv.weight.grad(&g).map(|t| t.into_data());
        });
        time(&format!("  radlsig conv fwd"), reps, || {
            let y = radlsig_deep::conv3d(x.clone(), conv.weight.val(), s, k / 2);
            let _ = y.into_data();
        });
        time(&format!("  radlsig conv fwd+bwd"), reps, || {
            let y = radlsig_deep::conv3d(x.clone(), conv.weight.val(), s, k / 2);
            let g = y.sum().backward();
            let _ = conv.weight.grad(&g).map(|t| t.into_data());
        });
    }
    for (c, n) in [(16, 16), (32, 8), (64, 4)] {
        let bn = BatchNormConfig::new(c).init(&device);
        let x =
            Tensor::<5>::random([16, c, n, n, n], Distribution::Default, &device).require_grad();
        time(&format!("batchnorm {c} {n}^3 fwd"), reps, || {
            let _ = bn.forward(x.clone()).into_data();
        });
        time(&format!("batchnorm {c} {n}^3 fwd+bwd"), reps, || {
            let g = bn.forward(x.clone()).sum().backward();
            let _ = x.grad(&g).map(|t| t.into_data());
        });
        time(&format!("relu {c} {n}^3 fwd+bwd"), reps, || {
            let g = burn::tensor::activation::relu(x.clone()).sum().backward();
            let _ = x.grad(&g).map(|t| t.into_data());
        });
    }
    let _ = bn_unused(&device);
}

fn bn_unused(device: &Device) -> usize {
    BatchNormConfig::new(1).init(device).num_params()
}
