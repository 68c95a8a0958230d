//! Per-case parameters: everything drawn before any voxel is rendered.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::latent::{Latent, LatentModel, phi};
use super::{SynthConfig, TimePoints};
use crate::error::Result;

/// Purposes of the per-case random streams (the low 8 bits of the stream id).
pub(crate) mod stream {
    /// Case parameters (drawn in a fixed order, independent of the options).
    pub const PARAMS: u64 = 0;
    /// Body and core shapes.
    pub const SHAPE: u64 = 1;
    /// Texture field.
    pub const TEXTURE: u64 = 2;
    /// Background field.
    pub const BACKGROUND: u64 = 3;
    /// Scanner noise: `NOISE + 4·time_point + sequence`.
    pub const NOISE: u64 = 16;
}

/// The random stream of case `index` for `purpose`.
pub(crate) fn case_rng(seed: u64, index: usize, purpose: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((index as u64) << 8) | purpose);
    rng
}

/// The drawn parameters of one case (all lengths in mm, intensities in the first sequence's
/// units).
#[derive(Debug, Clone, PartialEq)]
pub struct CasePlan {
    /// 0-based index of the case.
    pub index: usize,
    /// Patient identifier (`case0001`, …).
    pub id: String,
    /// Latent parts and label.
    pub latent: Latent,
    /// Index of the centre (into [`SynthConfig::scanners`]).
    pub centre: usize,
    /// Split name (`train`, `val`, `test`).
    pub split: String,
    /// Age in years (clinical covariate, independent of the label).
    pub age: u32,
    /// Sex, `F` or `M` (clinical covariate, independent of the label).
    pub sex: char,
    /// Equivalent radius `R_eq` of the pre-treatment body (after fitting into the grid).
    pub radius: f64,
    /// Factor by which `radius` was shrunk to fit into the field of view (1 = untouched).
    pub fit_scale: f64,
    /// Semi-axis factors (product 1).
    pub axis_factors: [f64; 3],
    /// Surface irregularity (amplitude of the radial factor).
    pub irregularity: f64,
    /// Correlation length of the surface bumps on the unit sphere.
    pub lobe_scale: f64,
    /// Texture amplitude (standard deviation of the texture field in enhancing tissue).
    pub texture_sd: f64,
    /// Standard deviation (mm) of the texture field's smoothing kernel.
    pub texture_sigma: f64,
    /// Scale `α_core` of the necrotic core (volume fraction `α_core³`).
    pub core_scale: f64,
    /// Scale `α_shell` of the transition shell's outer surface.
    pub shell_scale: f64,
    /// Eccentricity of the core, `e ∈ [0, 1]` (`Φ` of the spatial driver).
    pub eccentricity: f64,
    /// First in-plane direction tried for the core shift (radians).
    pub core_angle: f64,
    /// Offset of the lesion centre from the grid centre (x, y, z).
    pub offset: [f64; 3],
    /// Case-level shift of the enhancing intensity (nuisance).
    pub enhancing_jitter: f64,
    /// Case-level shift of the `ADC` enhancing value (nuisance).
    pub adc_jitter: f64,
    /// The delta driver (`fidelity·z_delta + nuisance`).
    pub response: f64,
    /// Radius factor from `pre` to `post`.
    pub post_radius_scale: f64,
    /// Shift of the enhancing intensity at `post`.
    pub post_enhancing_shift: f64,
    /// Factor on the texture amplitude at `post`.
    pub post_texture_scale: f64,
    /// `α_core` at `post` (`α_shell` grows by the same amount).
    pub post_core_scale: f64,
    /// The lesion's rotation (row-major).
    pub rotation: [f64; 9],
}

/// A planned cohort: the checked configuration, the label model and every case's parameters.
#[derive(Debug, Clone)]
pub struct CohortPlan {
    /// The configuration.
    pub config: SynthConfig,
    /// The label model.
    pub model: LatentModel,
    /// The cases, in order.
    pub cases: Vec<CasePlan>,
}

fn normal<R: Rng>(rng: &mut R) -> f64 {
    rng.sample(StandardNormal)
}

impl SynthConfig {
    /// Validates the configuration and draws every case's parameters, labels and splits.
    /// Cheap (no voxels): useful to study the latent model on large cohorts.
    pub fn plan(&self) -> Result<CohortPlan> {
        self.validate()?;
        let model = self.latent_model()?;
        let width = self.cases.to_string().len().max(4);
        let scanners = self.scanners();
        let weights: Vec<f64> = super::CENTRE_WEIGHTS[..scanners.len()].to_vec();
        let total_weight: f64 = weights.iter().sum();
        let mut cases: Vec<CasePlan> = (0..self.cases)
            .map(|index| {
                let mut case = self.draw_case(index, &model, &weights, total_weight);
                case.id = format!("case{:0width$}", index + 1);
                case
            })
            .collect();
        self.fit_into_grid(&mut cases);
        self.assign_splits(&mut cases);
        Ok(CohortPlan { config: self.clone(), model, cases })
    }

    fn draw_case(
        &self,
        index: usize,
        model: &LatentModel,
        weights: &[f64],
        total_weight: f64,
    ) -> CasePlan {
        let mut rng = case_rng(self.seed, index, stream::PARAMS);
        let z: [f64; 4] = std::array::from_fn(|_| normal(&mut rng));
        let nuisance: [f64; 4] = std::array::from_fn(|_| normal(&mut rng));
        let centre_u: f64 = rng.random();
        let radius_z = normal(&mut rng);
        let axis_z: [f64; 3] = std::array::from_fn(|_| normal(&mut rng));
        let rotation = super::lesion::random_rotation(&mut rng);
        let lobe_u: f64 = rng.random();
        let texture_u: f64 = rng.random();
        let core_u: f64 = rng.random();
        let shell_u: f64 = rng.random();
        let angle_u: f64 = rng.random();
        let offset_u: [f64; 3] = std::array::from_fn(|_| rng.random::<f64>());
        let age_z = normal(&mut rng);
        let sex_u: f64 = rng.random();
        let enhancing_z = normal(&mut rng);
        let adc_z = normal(&mut rng);

        let e = &self.effects;
        let f = e.fidelity;
        let g = (1.0 - f * f).max(0.0).sqrt();
        let latent = model.latent(z);
        let texture_driver = f * z[0] + g * nuisance[0];
        let irregularity_driver = f * z[0] + g * nuisance[1];
        let spatial_driver = f * z[1] + g * nuisance[2];
        let response = f * z[2] + g * nuisance[3];

        let mut centre = 0;
        let mut acc = 0.0;
        for (i, w) in weights.iter().enumerate() {
            acc += w / total_weight;
            if centre_u >= acc {
                centre = i + 1;
            }
        }
        let centre = centre.min(weights.len() - 1);

        let mean_axis = axis_z.iter().sum::<f64>() / 3.0;
        let axis_factors = axis_z.map(|a| (0.08 * (a - mean_axis)).exp());
        let core_scale = 0.34 + 0.10 * core_u;
        let shell_scale = core_scale + 0.10 + 0.05 * shell_u;
        let post_core_scale = (core_scale * (0.08 * response).exp()).clamp(0.3, 0.6);
        CasePlan {
            index,
            id: String::new(),
            latent,
            centre,
            split: String::new(),
            age: (63.0 + 9.0 * age_z).round().clamp(30.0, 90.0) as u32,
            sex: if sex_u < 0.5 { 'F' } else { 'M' },
            radius: (10.0 * (0.15 * radius_z).exp()).clamp(7.0, 13.0),
            fit_scale: 1.0,
            axis_factors,
            irregularity: (0.10 * (e.irregularity * irregularity_driver).exp()).clamp(0.02, 0.35),
            lobe_scale: 0.45 + 0.3 * lobe_u,
            texture_sd: (14.0 * (e.texture * texture_driver).exp()).clamp(4.0, 40.0),
            texture_sigma: 0.8 + 0.6 * texture_u,
            core_scale,
            shell_scale,
            eccentricity: phi(spatial_driver),
            core_angle: angle_u * 2.0 * std::f64::consts::PI,
            offset: offset_u.map(|u| 6.0 * u - 3.0),
            enhancing_jitter: 5.0 * enhancing_z,
            adc_jitter: 50.0 * adc_z,
            response,
            post_radius_scale: (-e.response * response - 0.03).exp(),
            post_enhancing_shift: -8.0 * response,
            post_texture_scale: (-0.15 * response).exp(),
            post_core_scale,
            rotation,
        }
    }

    /// Shrinks lesions that would not fit into their centre's field of view (with a margin for
    /// the blur) and limits the centre offsets accordingly. Uses the body's exact extent, so it
    /// draws the shape stream (the same draws the renderer makes).
    fn fit_into_grid(&self, cases: &mut [CasePlan]) {
        let scanners = self.scanners();
        for case in cases.iter_mut() {
            let scanner = &scanners[case.centre];
            let body = super::render::body(self.seed, case, 1.0);
            let extent = body.extent();
            let grow = if self.time_points == TimePoints::PrePost {
                case.post_radius_scale.max(1.0)
            } else {
                1.0
            };
            let margin = 2.0 + 3.0 * scanner.blur_mm;
            let half: [f64; 3] =
                [0, 1, 2].map(|a| (self.size[a] - 1) as f64 * scanner.spacing[a] / 2.0 - margin);
            let mut scale = 1.0f64;
            for a in 0..3 {
                let need = extent[a] * grow;
                if need > half[a] {
                    scale = scale.min((half[a] / need).max(0.05));
                }
            }
            case.fit_scale = scale;
            case.radius *= scale;
            for a in 0..3 {
                let room = (half[a] - extent[a] * grow * scale).max(0.0);
                case.offset[a] = case.offset[a].clamp(-room, room);
            }
        }
    }

    /// Stratified split: within each label, cases are shuffled (stream keyed by the seed and
    /// the label) and cut at the cumulative fractions, rounded.
    fn assign_splits(&self, cases: &mut [CasePlan]) {
        let total: f64 = self.split.iter().sum();
        let f = self.split.map(|v| v / total);
        for label in [0u8, 1] {
            let mut members: Vec<usize> =
                cases.iter().filter(|c| c.latent.label == label).map(|c| c.index).collect();
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            rng.set_stream(u64::MAX - u64::from(label));
            members.shuffle(&mut rng);
            let n = members.len() as f64;
            let b1 = (f[0] * n).round() as usize;
            let b2 = (((f[0] + f[1]) * n).round() as usize).max(b1).min(members.len());
            for (k, &i) in members.iter().enumerate() {
                cases[i].split = if k < b1 {
                    "train"
                } else if k < b2 {
                    "val"
                } else {
                    "test"
                }
                .to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_do_not_depend_on_the_cohort_size_and_splits_are_stratified() {
        let small = SynthConfig { cases: 50, ..SynthConfig::default() }.plan().unwrap();
        let large = SynthConfig { cases: 120, ..SynthConfig::default() }.plan().unwrap();
        for (a, b) in small.cases.iter().zip(&large.cases) {
            assert_eq!(
                (a.latent, a.radius, a.texture_sd, a.centre),
                (b.latent, b.radius, b.texture_sd, b.centre)
            );
        }
        for label in [0, 1] {
            let members: Vec<&CasePlan> =
                large.cases.iter().filter(|c| c.latent.label == label).collect();
            let train = members.iter().filter(|c| c.split == "train").count();
            assert_eq!(train, (0.8 * members.len() as f64).round() as usize);
            assert_eq!(members.iter().filter(|c| c.split == "val").count(), members.len() - train);
        }
        assert_eq!(large.cases[0].id, "case0001");
        assert_eq!(large.cases[119].id, "case0120");
    }

    #[test]
    fn centres_follow_their_weights() {
        let plan = SynthConfig { cases: 1500, ..SynthConfig::default() }.plan().unwrap();
        let count = |c| plan.cases.iter().filter(|p| p.centre == c).count() as f64 / 1500.0;
        assert!(
            (count(0) - 0.45).abs() < 0.04
                && (count(1) - 0.35).abs() < 0.04
                && (count(2) - 0.2).abs() < 0.04
        );
    }
}
