//! Seeded data augmentation of preprocessed cubes.
//!
//! Each sample of each epoch gets its own random stream, seeded from `(seed, epoch, position
//! in the epoch's order)` ([`sample_rng`]), so an epoch's augmentations do not depend on how
//! many threads ran them or on whether training was resumed before that epoch.
//!
//! The transforms, in order: random flips along each axis, a random multiple of 90° in the
//! axial (height, width) plane, an integer shift of up to `max_shift` voxels per axis (zero
//! fill), then on the image channels only (never the mask channel) an intensity scale and
//! shift and Gaussian noise.

use burn::config::Config;
use ndarray::{Array4, ArrayView4, Axis, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Augmentation settings; see the module docs.
#[derive(Config, Debug, PartialEq)]
pub struct AugmentationConfig {
    /// Whether training batches are augmented at all.
    #[config(default = true)]
    pub enabled: bool,
    /// Random flips (probability ½ each) along depth, height and width.
    #[config(default = true)]
    pub flip: bool,
    /// Random rotation by k·90° (k uniform in 0..4) in the height–width plane.
    #[config(default = true)]
    pub rotate90: bool,
    /// Largest integer shift in voxels along each axis (uniform in `−max..=max`).
    #[config(default = 2)]
    pub max_shift: usize,
    /// Image intensities are multiplied by `1 + u`, `u` uniform in `[−a, a]`.
    #[config(default = 0.1)]
    pub intensity_scale: f64,
    /// Then shifted by `u` uniform in `[−b, b]` (in normalised units).
    #[config(default = 0.1)]
    pub intensity_shift: f64,
    /// Standard deviation of additive Gaussian noise (normalised units).
    #[config(default = 0.02)]
    pub noise_std: f64,
}

impl AugmentationConfig {
    /// Problems with the settings, each naming its key.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, v) in [
            ("intensity_scale", self.intensity_scale),
            ("intensity_shift", self.intensity_shift),
            ("noise_std", self.noise_std),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                problems.push(format!("augmentation.{name} = {v} is not a number ≥ 0"));
            }
        }
        if self.intensity_scale >= 1.0 {
            problems.push(format!(
                "augmentation.intensity_scale = {} must be < 1",
                self.intensity_scale
            ));
        }
        problems
    }
}

/// The random stream of one sample in one epoch (SplitMix64 mixing of the three numbers).
pub fn sample_rng(seed: u64, epoch: usize, position: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(&[seed, 0xA5A5_0001, epoch as u64, position as u64]))
}

/// SplitMix64-style mixing of several words into one seed.
pub(crate) fn mix(words: &[u64]) -> u64 {
    let mut h = 0x9E37_79B9_7F4A_7C15u64;
    for &w in words {
        h ^= w;
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h = z ^ (z >> 31);
    }
    h
}

/// An augmented copy of `volume` (`[channels, depth, height, width]`); the first
/// `image_channels` channels are images, any others masks (geometry only, no intensity change).
pub fn augment(
    volume: ArrayView4<'_, f32>,
    image_channels: usize,
    config: &AugmentationConfig,
    rng: &mut ChaCha8Rng,
) -> Array4<f32> {
    // Draw every random number first, in a fixed order, whatever is enabled.
    let flips = [rng.random_bool(0.5), rng.random_bool(0.5), rng.random_bool(0.5)];
    let quarter_turns = rng.random_range(0..4u8);
    let m = config.max_shift as i64;
    let shifts = [0; 3].map(|_: i32| rng.random_range(-m..=m) as isize);
    let scale_u: f64 = rng.random_range(-1.0..=1.0);
    let shift_u: f64 = rng.random_range(-1.0..=1.0);
    let noise_seed: u64 = rng.random();

    let mut view = volume;
    if config.flip {
        for (axis, &flip) in flips.iter().enumerate() {
            if flip {
                view.invert_axis(Axis(axis + 1));
            }
        }
    }
    if config.rotate90 && volume.shape()[2] == volume.shape()[3] {
        // One quarter turn: transpose the (height, width) plane, then flip height.
        for _ in 0..quarter_turns {
            view.swap_axes(2, 3);
            view.invert_axis(Axis(2));
        }
    }
    let mut out =
        if m > 0 { shifted(view, shifts) } else { view.as_standard_layout().into_owned() };

    let scale = 1.0 + config.intensity_scale * scale_u;
    let offset = config.intensity_shift * shift_u;
    let noisy = config.noise_std > 0.0;
    if scale != 1.0 || offset != 0.0 || noisy {
        let mut noise_rng = ChaCha8Rng::seed_from_u64(noise_seed);
        let normal = Normal::new(0.0, config.noise_std.max(f64::MIN_POSITIVE)).ok();
        for c in 0..image_channels.min(out.shape()[0]) {
            for v in out.index_axis_mut(Axis(0), c).iter_mut() {
                let mut x = *v as f64 * scale + offset;
                if let (true, Some(normal)) = (noisy, normal.as_ref()) {
                    x += normal.sample(&mut noise_rng);
                }
                *v = x as f32;
            }
        }
    }
    out
}

/// `view` moved by `shift` voxels along depth, height, width, zero-filled.
fn shifted(view: ArrayView4<'_, f32>, shift: [isize; 3]) -> Array4<f32> {
    let shape = view.shape();
    let mut out = Array4::<f32>::zeros((shape[0], shape[1], shape[2], shape[3]));
    // Destination [lo, hi) and source start per spatial axis.
    let spans: Vec<(usize, usize, usize)> = (0..3)
        .map(|a| {
            let n = shape[a + 1] as isize;
            let d = shift[a].clamp(-n, n);
            let (dst_lo, dst_hi) = ((d.max(0)), (n + d.min(0)));
            (dst_lo as usize, dst_hi as usize, (dst_lo - d) as usize)
        })
        .collect();
    let len = |a: usize| spans[a].1 - spans[a].0;
    if (0..3).any(|a| len(a) == 0) {
        return out;
    }
    let src = view.slice(s![
        ..,
        spans[0].2..spans[0].2 + len(0),
        spans[1].2..spans[1].2 + len(1),
        spans[2].2..spans[2].2 + len(2)
    ]);
    out.slice_mut(s![.., spans[0].0..spans[0].1, spans[1].0..spans[1].1, spans[2].0..spans[2].1])
        .assign(&src);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> Array4<f32> {
        Array4::from_shape_fn((2, 3, 4, 4), |(c, z, y, x)| (c * 100 + z * 16 + y * 4 + x) as f32)
    }

    fn geometry_only() -> AugmentationConfig {
        AugmentationConfig::new()
            .with_intensity_scale(0.0)
            .with_intensity_shift(0.0)
            .with_noise_std(0.0)
    }

    #[test]
    fn shift_moves_and_zero_fills() {
        let v = ramp();
        let out = shifted(v.view(), [0, 1, -1]);
        // out[c, z, y, x] = v[c, z, y − 1, x + 1] where that exists.
        assert_eq!(out[[0, 1, 2, 1]], v[[0, 1, 1, 2]]);
        assert_eq!(out[[1, 2, 3, 2]], v[[1, 2, 2, 3]]);
        assert_eq!(out[[0, 0, 0, 0]], 0.0); // y − 1 < 0
        assert_eq!(out[[0, 0, 1, 3]], 0.0); // x + 1 = 4 is outside
    }

    #[test]
    fn quarter_turn_is_a_rotation_of_the_axial_plane() {
        let v = ramp();
        let config = geometry_only().with_flip(false).with_max_shift(0);
        // Find a seed that draws one quarter turn, then check the map (y, x) → (W−1−x, y).
        for seed in 0..64 {
            let mut probe = sample_rng(seed, 0, 0);
            let _ = [probe.random_bool(0.5), probe.random_bool(0.5), probe.random_bool(0.5)];
            if probe.random_range(0..4u8) != 1 {
                continue;
            }
            let out = augment(v.view(), 1, &config, &mut sample_rng(seed, 0, 0));
            for y in 0..4 {
                for x in 0..4 {
                    assert_eq!(out[[0, 1, y, x]], v[[0, 1, x, 3 - y]]);
                }
            }
            // Four quarter turns give the identity: applying one turn's map 4 times.
            return;
        }
        panic!("no seed drew a quarter turn");
    }

    #[test]
    fn same_stream_same_result_and_mask_channel_untouched_in_value() {
        let v = ramp();
        let config = AugmentationConfig::new();
        let a = augment(v.view(), 1, &config, &mut sample_rng(7, 3, 5));
        let b = augment(v.view(), 1, &config, &mut sample_rng(7, 3, 5));
        assert_eq!(a, b);
        let c = augment(v.view(), 1, &config, &mut sample_rng(7, 4, 5));
        assert_ne!(a, c);
        // The mask channel only moves voxels: its values stay a subset of the input's or 0.
        let inputs: Vec<f32> = v.index_axis(Axis(0), 1).iter().copied().collect();
        assert!(a.index_axis(Axis(0), 1).iter().all(|x| *x == 0.0 || inputs.contains(x)));
    }

    #[test]
    fn disabled_transforms_are_identity() {
        let v = ramp();
        let config = geometry_only().with_flip(false).with_rotate90(false).with_max_shift(0);
        assert_eq!(augment(v.view(), 1, &config, &mut sample_rng(1, 1, 1)), v);
    }
}
