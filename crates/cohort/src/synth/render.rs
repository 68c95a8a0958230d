//! Rendering one case: habitats on a fine grid, intensities, scanner blur, slice averaging,
//! gain/offset and noise.
//!
//! The lesion is rendered on a grid with the final in-plane spacing and `k = round(s_z/s_x)`
//! sub-slices per final slice (near-isotropic), inside a box around the lesion with a margin
//! of `2 mm + 3σ_blur`. There the intensities are blurred by the scanner's Gaussian
//! point-spread function and each final slice is the mean of its `k` sub-slices (the slice
//! profile: partial volume along z). Outside the box the image is the smooth background
//! sampled at the voxel centres. Then `gain·v + offset + noise`, rounded to Int16.
//!
//! The mask (label 1) holds the voxels whose sub-slices are at least half inside the lesion;
//! the habitat map gives each mask voxel the most frequent habitat among its sub-slices
//! inside the lesion (ties to the higher label).

use ndarray::Array3;
use radlsig_volume::{Geometry, PixelType, Volume};
use rand::Rng;
use rand_distr::StandardNormal;

use super::field::{SmoothField, correlated_field, gaussian_blur};
use super::lesion::{Body, CorePlacement, SphereTable, place_core};
use super::plan::{CasePlan, CohortPlan, case_rng, stream};
use super::{Sequences, TimePoints};
use crate::error::Result;

/// Intensity model of one sequence.
struct Contrast {
    background: f64,
    background_amplitude: f64,
    /// Means of habitats 1 (enhancing), 2 (transition), 3 (necrotic).
    means: [f64; 3],
    /// Texture gain per habitat (times the case's texture amplitude).
    texture: [f64; 3],
    /// Scale of the case's enhancing jitter and post-treatment shift.
    enhancing_scale: f64,
    /// Scale of the scanner's noise and offset.
    scanner_scale: f64,
}

const POST_CONTRAST: Contrast = Contrast {
    background: 40.0,
    background_amplitude: 10.0,
    means: [105.0, 70.0, 22.0],
    texture: [1.0, 0.8, 0.5],
    enhancing_scale: 1.0,
    scanner_scale: 1.0,
};

const ADC: Contrast = Contrast {
    background: 1400.0,
    background_amplitude: 120.0,
    means: [850.0, 1250.0, 2000.0],
    texture: [-12.0, -9.0, -6.0],
    enhancing_scale: -10.0,
    scanner_scale: 10.0,
};

/// What was rendered for one time point, beyond the voxels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LesionTruth {
    /// Equivalent radius `R_eq` of the body (mm).
    pub radius: f64,
    /// Volume of the continuous body (mm³).
    pub volume: f64,
    /// Scale `α_core` of the necrotic core.
    pub core_scale: f64,
    /// Scale `α_shell` of the transition shell.
    pub shell_scale: f64,
    /// Shift of the core from the body centre (mm).
    pub core_shift: f64,
    /// Largest admissible shift (mm).
    pub core_max_shift: f64,
    /// In-plane direction of the shift (degrees from +x).
    pub core_angle_deg: f64,
    /// Enhancing rim along the shift direction (thin side, mm).
    pub rim_thin: f64,
    /// Enhancing rim opposite the shift direction (thick side, mm).
    pub rim_thick: f64,
    /// Mask voxels.
    pub mask_voxels: usize,
    /// Mask voxels per habitat (enhancing, transition, necrotic).
    pub habitat_voxels: [usize; 3],
}

/// One time point of a rendered case.
#[derive(Debug, Clone)]
pub struct RenderedTimePoint {
    /// `""`, `pre` or `post`.
    pub name: String,
    /// Image per sequence name (`""` for the single unnamed one), Int16.
    pub images: Vec<(String, Volume)>,
    /// Lesion mask, UInt8 with label 1.
    pub mask: Volume,
    /// Habitat map, UInt8 (0 outside the mask, 1 enhancing, 2 transition, 3 necrotic).
    pub habitats: Volume,
    /// The lesion as generated.
    pub lesion: LesionTruth,
}

/// A rendered case.
#[derive(Debug, Clone)]
pub struct RenderedCase {
    /// The case's grid.
    pub geometry: Geometry,
    /// Its time points, in order.
    pub time_points: Vec<RenderedTimePoint>,
}

/// The body's surface table of a case (the shape stream).
fn surface_table(seed: u64, case: &CasePlan) -> SphereTable {
    let mut rng = case_rng(seed, case.index, stream::SHAPE);
    SphereTable::random(&mut rng, case.lobe_scale, case.irregularity, (0.6, 1.5))
}

/// The case's body at radius factor `scale`.
pub(crate) fn body(seed: u64, case: &CasePlan, scale: f64) -> Body {
    make_body(case, surface_table(seed, case), scale)
}

fn make_body(case: &CasePlan, surface: SphereTable, scale: f64) -> Body {
    Body {
        rotation: case.rotation,
        semi_axes: case.axis_factors.map(|f| f * case.radius * scale),
        surface,
    }
}

/// Index ranges `[lo, hi)` of the render box along x, y (voxels) and z (final slices).
struct Region {
    x: (usize, usize),
    y: (usize, usize),
    z: (usize, usize),
}

impl CohortPlan {
    /// Renders case `index` (0-based) in memory.
    pub fn render(&self, index: usize) -> Result<RenderedCase> {
        let config = &self.config;
        let case = &self.cases[index];
        let scanner = &config.scanners()[case.centre];
        let spacing = scanner.spacing;
        let size = config.size;
        let origin = [0, 1, 2].map(|a| -((size[a] - 1) as f64) * spacing[a] / 2.0);
        let geometry = Geometry { origin, ..Geometry::new(size, spacing) };
        let kz = ((spacing[2] / spacing[0]).round() as usize).max(1);
        let sub_dz = spacing[2] / kz as f64;

        // Shapes and core placements per time point.
        let surface = surface_table(config.seed, case);
        let time_points = config.time_points.names();
        let mut shapes = Vec::new();
        for &tp in time_points {
            let post = tp == "post";
            let scale = if post { case.post_radius_scale } else { 1.0 };
            let growth = if post { case.post_core_scale - case.core_scale } else { 0.0 };
            let body = make_body(case, surface.clone(), scale);
            let placement = place_core(
                &body,
                case.core_scale + growth,
                case.shell_scale + growth,
                case.eccentricity * config.effects.eccentricity,
                case.core_angle,
            );
            shapes.push((body, placement));
        }

        // The render box: the union of the bodies plus the blur margin.
        let margin = 2.0 + 3.0 * scanner.blur_mm;
        let mut extent = [0.0f64; 3];
        for (body, _) in &shapes {
            let e = body.extent();
            (0..3).for_each(|a| extent[a] = extent[a].max(e[a]));
        }
        let range = |a: usize| {
            let lo = ((case.offset[a] - extent[a] - margin - origin[a]) / spacing[a])
                .floor()
                .max(0.0) as usize;
            let hi = (((case.offset[a] + extent[a] + margin - origin[a]) / spacing[a]).ceil()
                as usize
                + 1)
            .min(size[a]);
            (lo.min(hi), hi)
        };
        let region = Region { x: range(0), y: range(1), z: range(2) };
        let shape =
            [(region.z.1 - region.z.0) * kz, region.y.1 - region.y.0, region.x.1 - region.x.0];
        let position = |iz: usize, iy: usize, ix: usize| -> [f64; 3] {
            let slice = region.z.0 + iz / kz;
            let sub = iz % kz;
            [
                origin[0] + (region.x.0 + ix) as f64 * spacing[0],
                origin[1] + (region.y.0 + iy) as f64 * spacing[1],
                origin[2]
                    + slice as f64 * spacing[2]
                    + ((sub as f64 + 0.5) / kz as f64 - 0.5) * spacing[2],
            ]
        };

        // Habitat labels on the render grid, per time point.
        let labels: Vec<Array3<u8>> = shapes
            .iter()
            .map(|(body, placement)| {
                Array3::from_shape_fn(shape, |(iz, iy, ix)| {
                    let p = position(iz, iy, ix);
                    let rel = [p[0] - case.offset[0], p[1] - case.offset[1], p[2] - case.offset[2]];
                    if body.contains(rel) { body.habitat(placement, rel) } else { 0 }
                })
            })
            .collect();

        // Texture (shared by the time points) and background (shared by everything).
        let sigma = case.texture_sigma;
        let texture = correlated_field(
            &mut case_rng(config.seed, case.index, stream::TEXTURE),
            shape,
            [sigma / sub_dz, sigma / spacing[1], sigma / spacing[0]],
        );
        let far = [0, 1, 2].map(|a| origin[a] + (size[a] - 1) as f64 * spacing[a]);
        let background = SmoothField::new(
            &mut case_rng(config.seed, case.index, stream::BACKGROUND),
            origin.map(|o| o - 8.0),
            far.map(|f| f + 8.0),
            4.0,
            1.5,
        );
        let background_render =
            Array3::from_shape_fn(shape, |(iz, iy, ix)| background.sample(position(iz, iy, ix)));
        let final_shape = geometry.shape_zyx();
        let background_final = Array3::from_shape_fn(final_shape, |(z, y, x)| {
            background.sample([
                origin[0] + x as f64 * spacing[0],
                origin[1] + y as f64 * spacing[1],
                origin[2] + z as f64 * spacing[2],
            ])
        });

        let sequences = config.sequences.names();
        let mut rendered = Vec::new();
        for (t, (&tp, ((body, placement), label))) in
            time_points.iter().zip(shapes.iter().zip(&labels)).enumerate()
        {
            let post = tp == "post";
            let mut images = Vec::new();
            for (q, &seq) in sequences.iter().enumerate() {
                let contrast = match (config.sequences, q) {
                    (Sequences::T1Adc, 1) => &ADC,
                    _ => &POST_CONTRAST,
                };
                let jitter = if q == 1 {
                    case.adc_jitter
                } else {
                    case.enhancing_jitter * contrast.enhancing_scale
                };
                let shift =
                    if post { case.post_enhancing_shift * contrast.enhancing_scale } else { 0.0 };
                let amplitude = case.texture_sd * if post { case.post_texture_scale } else { 1.0 };
                let fine = Array3::from_shape_fn(shape, |(iz, iy, ix)| {
                    let h = label[[iz, iy, ix]];
                    if h == 0 {
                        contrast.background
                            + contrast.background_amplitude * background_render[[iz, iy, ix]]
                    } else {
                        let k = usize::from(h - 1);
                        let mut mean = contrast.means[k];
                        if k == 0 {
                            mean += jitter + shift;
                        }
                        mean + contrast.texture[k] * amplitude * texture[[iz, iy, ix]]
                    }
                });
                let blur = scanner.blur_mm;
                let blurred =
                    gaussian_blur(&fine, [blur / sub_dz, blur / spacing[1], blur / spacing[0]]);
                let mut image = background_final
                    .mapv(|b| contrast.background + contrast.background_amplitude * b);
                for z in region.z.0..region.z.1 {
                    for y in region.y.0..region.y.1 {
                        for x in region.x.0..region.x.1 {
                            let iz0 = (z - region.z.0) * kz;
                            let (iy, ix) = (y - region.y.0, x - region.x.0);
                            let sum: f64 = (0..kz).map(|j| blurred[[iz0 + j, iy, ix]]).sum();
                            image[[z, y, x]] = sum / kz as f64;
                        }
                    }
                }
                let mut noise_rng =
                    case_rng(config.seed, case.index, stream::NOISE + 4 * t as u64 + q as u64);
                let noise_sd = scanner.noise_sd * contrast.scanner_scale;
                let offset = scanner.offset * contrast.scanner_scale;
                for v in image.iter_mut() {
                    let n: f64 = noise_rng.sample(StandardNormal);
                    *v = (scanner.gain * *v + offset + noise_sd * n)
                        .round()
                        .clamp(-32768.0, 32767.0);
                }
                images.push((seq.to_string(), Volume::new(image, geometry, PixelType::Int16)?));
            }

            // Mask and habitats at the final resolution.
            let mut mask = Array3::<f64>::zeros(final_shape);
            let mut habitats = Array3::<f64>::zeros(final_shape);
            let mut habitat_voxels = [0usize; 3];
            let mut mask_voxels = 0;
            for z in region.z.0..region.z.1 {
                for y in region.y.0..region.y.1 {
                    for x in region.x.0..region.x.1 {
                        let iz0 = (z - region.z.0) * kz;
                        let mut counts = [0usize; 4];
                        for j in 0..kz {
                            counts
                                [usize::from(label[[iz0 + j, y - region.y.0, x - region.x.0]])] +=
                                1;
                        }
                        let inside = kz - counts[0];
                        if 2 * inside >= kz && inside > 0 {
                            mask[[z, y, x]] = 1.0;
                            mask_voxels += 1;
                            let h = (1..4).max_by_key(|&h| counts[h]).unwrap_or(1);
                            habitats[[z, y, x]] = h as f64;
                            habitat_voxels[h - 1] += 1;
                        }
                    }
                }
            }
            let p: &CorePlacement = placement;
            rendered.push(RenderedTimePoint {
                name: tp.to_string(),
                images,
                mask: Volume::new(mask, geometry, PixelType::UInt8)?,
                habitats: Volume::new(habitats, geometry, PixelType::UInt8)?,
                lesion: LesionTruth {
                    radius: case.radius * if post { case.post_radius_scale } else { 1.0 },
                    volume: body.volume(),
                    core_scale: p.core_scale,
                    shell_scale: p.shell_scale,
                    core_shift: p.shift,
                    core_max_shift: p.max_shift,
                    core_angle_deg: p.angle.to_degrees().rem_euclid(360.0),
                    rim_thin: p.rim_thin,
                    rim_thick: p.rim_thick,
                    mask_voxels,
                    habitat_voxels,
                },
            });
        }
        debug_assert!(config.time_points != TimePoints::Single || rendered.len() == 1);
        Ok(RenderedCase { geometry, time_points: rendered })
    }
}
